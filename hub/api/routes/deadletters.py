"""The dead-letter queue: list with filters, inspect, replay (one, many), edit, discard."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from hub.api.auth import can_act, can_read
from hub.api.routes.deps import MAX_ID, HubDep, Limit, RecordId
from hub.app import Hub
from hub.errors import HubError
from hub.models import DeadLetter
from hub.sync import replay
from hub.vocabulary import DeadLetterStatus

router = APIRouter(prefix="/api/v1/dead-letters", tags=["dead letters"])
Status = Literal["open", "replayed", "resolved", "discarded", "all"]
Task = Literal["push", "inbox", "pull"]
LetterId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ReplayFilter(BaseModel):
    """Which open dead letters to replay: ``ids``, or every open one matching the filters."""

    model_config = ConfigDict(extra="forbid")
    ids: list[LetterId] | None = Field(default=None, max_length=10_000)
    task: Task | None = None
    channel: str | None = Field(default=None, max_length=200)


class Discard(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="Why no action is needed.")


def summary(letter: DeadLetter, *, full: bool = False) -> dict[str, Any]:
    data = letter.model_dump(mode="json")
    if not full:
        data.pop("traceback", None)
        data.pop("payload", None)
        data["history"] = len(data["history"])
    return data


@router.get("", dependencies=[Depends(can_read)], summary="Dead letters, newest first")
def list_letters(
    hub: HubDep,
    status: Status = "open",
    task: Task | None = None,
    channel: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 100,
) -> list[dict[str, Any]]:
    found = replay.find(hub, status=None if status == "all" else status, task=task,
                        channel=channel, limit=limit)  # fmt: skip
    return [summary(letter) for letter in found]


@router.get("/{letter_id}", dependencies=[Depends(can_read)],
            summary="One dead letter: payload, error, traceback, every attempt")  # fmt: skip
def show_letter(hub: HubDep, letter_id: RecordId) -> dict[str, Any]:
    return summary(replay.get(hub, letter_id), full=True)


@router.post("/{letter_id}/replay", dependencies=[Depends(can_act)],
             summary="Send one dead letter back to work")  # fmt: skip
async def replay_one(hub: HubDep, letter_id: RecordId) -> dict[str, Any]:
    outcome = await run_in_threadpool(replay.replay, hub, letter_id)
    return {"id": letter_id, "outcome": outcome}


@router.post(
    "/replay",
    dependencies=[Depends(can_act)],
    summary="Replay many: the ids given, or every open one matching the filters",
)
async def replay_many(hub: HubDep, chosen: ReplayFilter) -> dict[str, Any]:
    return await run_in_threadpool(_replay_many, hub, chosen)


def _replay_many(hub: Hub, chosen: ReplayFilter) -> dict[str, Any]:
    ids = chosen.ids
    if ids is None:
        ids = replay.replayable_ids(hub, task=chosen.task, channel=chosen.channel)
    results = []
    for letter_id in dict.fromkeys(ids):
        try:
            results.append({"id": letter_id, "outcome": replay.replay(hub, letter_id)})
        except HubError as exc:
            results.append({"id": letter_id, "error": exc.message, "field": exc.field,
                            "fix": exc.fix})  # fmt: skip
    failed = sum(1 for r in results if "error" in r)
    return {"replayed": len(results) - failed, "failed": failed, "results": results}


@router.put(
    "/{letter_id}/payload",
    dependencies=[Depends(can_act)],
    summary="Replace a dead letter's payload (fix a bad record), optionally replay it",
)
async def edit_letter(
    hub: HubDep, letter_id: RecordId, payload: dict[str, Any],
    then_replay: bool = Query(False, alias="replay", description="Replay right after editing."),
) -> dict[str, Any]:  # fmt: skip
    letter = await run_in_threadpool(replay.edit, hub, letter_id, payload)
    answer: dict[str, Any] = {"id": letter_id, "payload": letter.payload}
    if then_replay:
        answer["outcome"] = await run_in_threadpool(replay.replay, hub, letter_id)
    return answer


@router.post("/{letter_id}/discard", dependencies=[Depends(can_act)],
             summary="Close a dead letter without replaying it; the reason is kept")  # fmt: skip
def discard_letter(hub: HubDep, letter_id: RecordId, body: Discard) -> dict[str, Any]:
    replay.discard(hub, letter_id, body.reason)
    return {"id": letter_id, "status": DeadLetterStatus.DISCARDED.value, "reason": body.reason}

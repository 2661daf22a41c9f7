"""The dead-letter queue: list with filters, one letter in full, replay / edit / discard.

Every action calls :mod:`hub.sync.replay`, as ``stockhub dlq`` and ``/api/v1/dead-letters`` do.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.api.dashboard import web
from hub.app import Hub
from hub.errors import HubError, ValidationError
from hub.sync import replay
from hub.sync.deadletters import ACTIVE

router = APIRouter()
STATUSES = ("open", "replayed", "resolved", "discarded", "all")
TASKS = ("push", "inbox", "pull")
SHOWN = 200


def filters(status: str, task: str, channel: str) -> dict[str, str]:
    if status not in STATUSES:
        raise ValidationError(f"unknown status {status!r}", field="status",
                              fix=f"use one of {', '.join(STATUSES)}")  # fmt: skip
    if task and task not in TASKS:
        raise ValidationError(f"unknown task {task!r}", field="task",
                              fix=f"use one of {', '.join(TASKS)}")  # fmt: skip
    if len(channel) > 200:
        raise ValidationError("the channel is too long", field="channel")
    return {"status": status, "task": task, "channel": channel}


def list_url(task: str = "", channel: str = "", status: str = "open") -> str:
    query = {k: v for k, v in (("status", status), ("task", task), ("channel", channel)) if v}
    return "/dead-letters" + (f"?{urlencode(query)}" if query else "")


@router.get("/dead-letters")
def letters_page(request: Request, status: str = "open", task: str = "",
                 channel: str = "") -> Response:  # fmt: skip
    def build(hub: Hub, seen: web.Viewer) -> Response:
        chosen = filters(status, task, channel)
        found = replay.find(hub, status=None if status == "all" else status, task=task or None,
                            channel=channel or None, limit=SHOWN)  # fmt: skip
        replayable = len(replay.replayable_ids(hub, task=task or None, channel=channel or None))
        return web.render(request, seen, "dead_letters.html", letters=found, chosen=chosen,
                          statuses=STATUSES, tasks=TASKS, shown=SHOWN, replayable=replayable,
                          active=ACTIVE, here=list_url(task, channel, status))  # fmt: skip

    return web.page(request, build)


@router.get("/dead-letters/{letter_id}")
def letter_page(request: Request, letter_id: str) -> Response:
    def build(hub: Hub, seen: web.Viewer) -> Response:
        letter = replay.get(hub, web.number(letter_id, "id"))
        return web.render(request, seen, "dead_letter.html", letter=letter,
                          active=letter.status in ACTIVE,
                          payload=json.dumps(letter.payload, indent=2, sort_keys=True))  # fmt: skip

    return web.page(request, build)


@router.post("/dead-letters/replay")
async def replay_filtered(request: Request) -> Response:
    """Replay every open letter matching the task/channel filters (what the list showed)."""
    form = await request.form()
    task, channel = str(form.get("task") or ""), str(form.get("channel") or "")

    def do(hub: Hub, fields: dict[str, str]) -> str:
        filters("open", task, channel)
        ids = replay.replayable_ids(hub, task=task or None, channel=channel or None)
        failures = []
        for letter_id in ids:
            try:
                replay.replay(hub, letter_id)
            except HubError as exc:
                failures.append(f"#{letter_id}: {exc}")
        if not ids:
            return "no open dead letters match; nothing replayed"
        text = f"replayed {len(ids) - len(failures)} of {len(ids)} dead letter(s)"
        if failures:
            raise _Partial(text + "; failed again: " + "; ".join(failures[:10]))
        return text

    what = f"{task} dead letters" if task else "dead letters"
    where = f" of {channel}" if channel else ""
    return await web.act(request, ask=f"Replay every open {what}{where}?", do=do,
                         back=list_url(task, channel), confirm="Yes, replay them all")  # fmt: skip


@router.post("/dead-letters/{letter_id}/replay")
async def replay_one(request: Request, letter_id: str) -> Response:
    def do(hub: Hub, fields: dict[str, str]) -> str:
        return f"dead letter #{letter_id}: " + replay.replay(hub, web.number(letter_id, "id"))

    return await web.act(request, ask=f"Replay dead letter #{letter_id}?", do=do,
                         back=f"/dead-letters/{letter_id}", confirm="Yes, replay it")  # fmt: skip


@router.post("/dead-letters/{letter_id}/edit")
async def edit_then_replay(request: Request, letter_id: str) -> Response:
    def do(hub: Hub, fields: dict[str, str]) -> str:
        number = web.number(letter_id, "id")
        try:
            payload = json.loads(fields.get("payload", ""))
        except json.JSONDecodeError as exc:
            raise ValidationError(f"the payload is not JSON: {exc}", field="payload",
                                  fix="correct the JSON and save again") from None  # fmt: skip
        replay.edit(hub, number, payload)
        if fields.get("replay") != "yes":
            return f"dead letter #{letter_id}: payload saved (not replayed)"
        return f"dead letter #{letter_id}: payload saved; " + replay.replay(hub, number)

    return await web.act(request, ask=f"Replace the payload of dead letter #{letter_id}"
                         " (and replay it if ticked)?", do=do,
                         back=f"/dead-letters/{letter_id}", confirm="Yes, save it")  # fmt: skip


@router.post("/dead-letters/{letter_id}/discard")
async def discard(request: Request, letter_id: str) -> Response:
    def do(hub: Hub, fields: dict[str, str]) -> str:
        replay.discard(hub, web.number(letter_id, "id"), fields.get("reason", ""))
        return f"dead letter #{letter_id} discarded"

    return await web.act(request, ask=f"Discard dead letter #{letter_id} without replaying it?",
                         do=do, back=f"/dead-letters/{letter_id}", danger=True,
                         confirm="Yes, discard it")  # fmt: skip


class _Partial(HubError):
    """Some letters of a bulk replay failed again (shown as an error with the count)."""

    kind = "partial"

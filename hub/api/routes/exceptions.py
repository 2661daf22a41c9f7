"""The exception log: list with filters, inspect, acknowledge, resolve with a note."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from hub.api.auth import can_act, can_read
from hub.api.routes.deps import HubDep, Limit, RecordId
from hub.ops import exceptions

router = APIRouter(prefix="/api/v1/exceptions", tags=["exceptions"])
Status = Literal["open", "acknowledged", "resolved", "all"]


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=4000, description="What was done about it.")


@router.get("", dependencies=[Depends(can_read)], summary="Problems, most recently seen first")
def list_exceptions(
    hub: HubDep,
    status: Status = "open",
    kind: Annotated[str | None, Query(max_length=50)] = None,
    channel: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 100,
) -> list[dict[str, Any]]:
    found = exceptions.find(hub, status=None if status == "all" else status, kind=kind,
                            channel=channel, limit=limit)  # fmt: skip
    return [exceptions.as_dict(record) for record in found]


@router.get("/{record_id}", dependencies=[Depends(can_read)], summary="One problem in full")
def show_exception(hub: HubDep, record_id: RecordId) -> dict[str, Any]:
    return exceptions.as_dict(exceptions.get(hub, record_id))


@router.post("/{record_id}/acknowledge", dependencies=[Depends(can_act)],
             summary="Mark a problem as seen and being worked on")  # fmt: skip
def acknowledge(hub: HubDep, record_id: RecordId) -> dict[str, Any]:
    return exceptions.as_dict(exceptions.set_status(hub, record_id, "acknowledged"))


@router.post("/{record_id}/resolve", dependencies=[Depends(can_act)],
             summary="Resolve a problem with a note saying what was done")  # fmt: skip
def resolve(hub: HubDep, record_id: RecordId, body: Resolution) -> dict[str, Any]:
    return exceptions.as_dict(exceptions.set_status(hub, record_id, "resolved", body.note))

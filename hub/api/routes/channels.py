"""Channel health; pause and resume pushes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from hub.api.auth import can_act, can_read
from hub.api.routes.deps import ChannelDep, HubDep
from hub.ops import channels

router = APIRouter(prefix="/api/v1/channels", tags=["channels"])


class Pause(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field("paused by an operator", min_length=1, max_length=2000)


@router.get("", dependencies=[Depends(can_read)], summary="Every channel: ok, failing or paused")
def list_channels(hub: HubDep) -> list[dict[str, Any]]:
    return channels.health(hub)


@router.post("/{channel}/pause", dependencies=[Depends(can_act)],
             summary="Stop pushing to a channel; changes keep coalescing")  # fmt: skip
def pause(hub: HubDep, channel: ChannelDep, body: Pause | None = None) -> dict[str, Any]:
    changed = channels.pause(hub, channel, (body or Pause()).reason)
    return {"channel": channel, "outcome": "paused" if changed else "was already paused"}


@router.post("/{channel}/resume", dependencies=[Depends(can_act)],
             summary="Resume pushes with one catch-up push")  # fmt: skip
async def resume(hub: HubDep, channel: ChannelDep) -> dict[str, Any]:
    return {"channel": channel, "outcome": await run_in_threadpool(channels.resume, hub, channel)}

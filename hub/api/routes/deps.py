"""What handlers share: the hub, a known channel, paging limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from hub.app import Hub
from hub.errors import NotFoundError


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


HubDep = Annotated[Hub, Depends(get_hub)]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many, newest first.")]
#: Dead-letter and exception ids are 32-bit database integers: a larger one is a 422 here,
#: not an overflow inside the database driver (a 500).
MAX_ID = 2**31 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]


def known_channel(hub: HubDep, channel: Annotated[str, Path(max_length=200)]) -> str:
    if hub.settings.channel(channel) is None:
        codes = ", ".join(c.code for c in hub.settings.channels) or "none configured"
        raise NotFoundError(f"unknown channel {channel!r}", field="channel",
                            fix=f"channels: {codes}")  # fmt: skip
    return channel


ChannelDep = Annotated[str, Depends(known_channel)]

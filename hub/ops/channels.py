"""Channel health, pause and resume."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import select

from hub.models import PushOutbox
from hub.sync import publish, state
from hub.sync.runtime import channel_config, channel_runtime

if TYPE_CHECKING:
    from hub.app import Hub


def health(hub: Hub) -> list[dict[str, Any]]:
    """Per channel: ok / failing / paused, SKUs waiting to be pushed, last success."""
    rows = []
    with hub.session() as session:
        owed = dict(session.exec(
            select(PushOutbox.channel, sa.func.count()).group_by(PushOutbox.channel)
        ).all())  # fmt: skip
        for channel in hub.settings.channels:
            st = state.ensure_state(session, channel.code)
            rows.append({
                "channel": channel.code, "connector": channel.connector,
                "status": "paused" if st.paused else ("failing" if st.last_error else "ok"),
                "paused_reason": st.paused_reason, "pending": owed.get(channel.code, 0),
                "consecutive_failures": st.consecutive_failures, "last_error": st.last_error,
                "last_success_at": st.last_success_at.isoformat() if st.last_success_at else None,
            })  # fmt: skip
    return rows


def pause(hub: Hub, channel: str, reason: str) -> bool:
    """Stop pushes; changes keep coalescing. False when it was already paused."""
    channel_config(hub, channel)  # an unknown channel is a precise error
    with hub.session() as session:
        return state.pause(session, channel, reason)


def resume(hub: Hub, channel: str) -> str:
    """Resume pushes and catch up: queued for a worker, or run here when none is configured."""
    from hub.sync.push import push_channel

    channel_runtime(hub, channel)
    with hub.session() as session:
        changed = state.resume(session, channel)
    if not changed:
        return "was not paused"
    if hub.publisher is not None:
        publish.wake_pushes(hub, [channel])
        return "resumed; catch-up push queued"
    run = push_channel(hub, channel)
    return (f"resumed; pushed {run.pushed} SKU(s) in {run.calls} call(s), "
            f"{run.unchanged} already current")  # fmt: skip

"""After a commit, wake the workers: the only place services reach the broker.

Services write to the database first (inbox rows, outbox rows) and then call these functions,
which ask the hub's publisher (the Celery app in worker and API processes; none in a one-off
CLI command) to send tasks. A publish that never happens only costs time: the sweep finds the
rows and publishes again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from hub.sync import state

if TYPE_CHECKING:
    from hub.app import Hub


class Publisher(Protocol):
    def push(self, channel: str) -> None: ...

    def process(self, inbox_ids: list[int]) -> None: ...

    def pull(self, channel: str, resource: str) -> None: ...


def wake_pushes(hub: Hub, channels: Iterable[str] | None = None) -> list[str]:
    """Publish one push task per channel unless one is already on its way; returns those sent."""
    publisher: Publisher | None = hub.publisher
    if publisher is None:
        return []
    codes = list(channels) if channels is not None else [c.code for c in hub.settings.channels]
    sent = []
    for code in codes:
        with hub.session() as session:
            claimed = state.claim_push(session, code, hub.settings.sync.stale_after_s)
        if claimed:
            publisher.push(code)
            sent.append(code)
    return sent


def wake_inbox(hub: Hub, inbox_ids: list[int]) -> None:
    if hub.publisher is not None and inbox_ids:
        hub.publisher.process(inbox_ids)

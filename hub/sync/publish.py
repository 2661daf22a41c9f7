"""After a commit, wake the workers: the only place services reach the broker.

Services write to the database first (inbox rows, outbox rows) and then call these functions,
which ask the hub's publisher (the Celery app in worker and API processes; none in a one-off
CLI command) to send tasks. A publish that never happens only costs time: the sweep finds the
rows and publishes again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Protocol

import structlog

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
        if claimed and _published(partial(publisher.push, code), task="push", channel=code):
            sent.append(code)
    return sent


def wake_inbox(hub: Hub, inbox_ids: list[int]) -> None:
    publisher: Publisher | None = hub.publisher
    if publisher is not None and inbox_ids:
        _published(partial(publisher.process, inbox_ids), task="process", records=len(inbox_ids))


def _published(send: Callable[[], None], **context: object) -> bool:
    """Send, or log why not: the rows are committed, so an unreachable broker only delays them
    until the sweep publishes again (a caller answering a webhook must still answer 2xx)."""
    try:
        send()
    except Exception as exc:  # kombu/amqp/redis errors differ by transport; all mean "not sent"
        structlog.get_logger().warning(
            "publish.failed", error=f"{type(exc).__name__}: {exc}", **context
        )
        return False
    return True

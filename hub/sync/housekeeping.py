"""The periodic sweep: republish what a lost message left behind, and report stuck work.

The broker may lose a message (a worker killed after fetching it, an embedded transport
without acknowledgements, a crash between commit and publish). The sweep makes that cost
seconds, not data: every channel with outbox rows gets a push unless one is already queued
and fresh, and every inbox record left unprocessed gets processed. Work older than
``sync.stuck_after_s`` raises a ``stuck_work`` exception (and so an alert), resolved when it
clears.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import col, select

from hub.errors import HubError
from hub.exception_log import record_exception, resolve_exceptions
from hub.models import InboxMessage, PushLog, PushOutbox
from hub.store.types import utcnow
from hub.sync import publish
from hub.sync.runtime import channel_runtime
from hub.vocabulary import InboxStatus, Severity

if TYPE_CHECKING:
    from hub.app import Hub


@dataclass
class Sweep:
    pushes: list[str] = field(default_factory=list)
    inbox: int = 0
    stuck: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sweep(hub: Hub) -> Sweep:
    result = Sweep()
    sync = hub.settings.sync
    now = utcnow()
    with hub.session() as session:
        owed = dict(
            session.exec(
                select(PushOutbox.channel, sa.func.min(PushOutbox.first_change_at)).group_by(
                    PushOutbox.channel
                )
            ).all()
        )
        stale_inbox = list(
            session.exec(
                select(InboxMessage.id)
                .where(InboxMessage.status == InboxStatus.RECEIVED.value)
                .where(InboxMessage.received_at < now - timedelta(seconds=sync.stale_after_s))
                .order_by(col(InboxMessage.id))
                .limit(5000)
            )
        )
    problems = {c: why for c in owed if (why := _cannot_run(hub, c))}
    result.unavailable = sorted(problems)
    result.pushes = publish.wake_pushes(hub, [c for c in owed if c not in problems])
    for start in range(0, len(stale_inbox), 100):
        publish.wake_inbox(hub, [int(i) for i in stale_inbox[start : start + 100] if i])
    result.inbox = len(stale_inbox)
    waited = {c: (now - owed[c]).total_seconds() for c in owed}
    result.stuck = sorted(c for c, s in waited.items() if s > sync.stuck_after_s)
    with hub.session() as session:  # one transaction for the sweep's bookkeeping
        for channel in sorted({c.code for c in hub.settings.channels}):
            subject = f"channel:{channel}"
            if channel in problems:
                record_exception(
                    session, kind="channel_unavailable", subject=subject, channel=channel,
                    message=f"channel {channel!r} cannot run: {problems[channel]}",
                    details={"error": problems[channel].to_dict()},
                )  # fmt: skip
            else:
                resolve_exceptions(session, subject=subject, kinds=("channel_unavailable",),
                                   note="the channel can run again")  # fmt: skip
            if channel in result.stuck:  # the alert check turns this into one alert
                record_exception(
                    session, kind="stuck_work", subject=subject, channel=channel,
                    message=f"changes for {channel} have waited {waited[channel]:.0f}s "
                    "to be pushed",
                    severity=Severity.WARNING, details={"waited_s": round(waited[channel])},
                )  # fmt: skip
            else:
                resolve_exceptions(session, subject=subject, kinds=("stuck_work",),
                                   note="the channel caught up")  # fmt: skip
    return result


def _cannot_run(hub: Hub, channel: str) -> HubError | None:
    try:
        channel_runtime(hub, channel)
    except HubError as exc:
        return exc
    return None


def tidy(hub: Hub, keep_log_days: int = 14) -> dict[str, int]:
    """Housekeeping: prune the embedded broker's delivered messages and old push-log rows."""
    from hub.worker.broker import prune_embedded

    cutoff = utcnow() - timedelta(days=keep_log_days)
    table = PushLog.__table__  # type: ignore[attr-defined]
    with hub.session() as session:
        gone = session.execute(sa.delete(table).where(table.c.at < cutoff))
    return {"broker_messages": prune_embedded(hub.settings), "push_log_rows": gone.rowcount}

"""One alert per condition until it clears: compare what is wrong now with ``alert_state``.

A condition found for the first time (or again after it cleared) is *raised*: every sink
plugin hears ``stockhub_alert_raised`` once. A condition still found is only touched. An
active alert no longer found is *cleared* and the sinks hear ``stockhub_alert_cleared``.
Hooks are called after the commit, so a sink never announces what was rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from hub.alerts.conditions import Condition, find_all
from hub.dispatch import notify
from hub.models import AlertState
from hub.notices import AlertNotice
from hub.store.types import utcnow
from hub.vocabulary import Severity

if TYPE_CHECKING:
    from hub.app import Hub


@dataclass
class CheckResult:
    raised: list[AlertNotice] = field(default_factory=list)
    cleared: list[AlertNotice] = field(default_factory=list)
    active: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"raised": [a.subject for a in self.raised],
                "cleared": [a.subject for a in self.cleared], "active": self.active}  # fmt: skip


def check(hub: Hub, now: datetime | None = None) -> CheckResult:
    """Evaluate every condition, record the changes, then tell the sinks."""
    from hub.alerts.webhook import ensure_webhook_sink

    now = now or utcnow()
    result = CheckResult()
    with hub.session() as session:
        found = {c.fingerprint: c for c in find_all(session, hub.settings, now)}
        active = {row.fingerprint: row
                  for row in session.exec(select(AlertState).where(
                      col(AlertState.cleared_at).is_(None)))}  # fmt: skip
        for key, condition in found.items():
            row = active.get(key) or session.get(AlertState, key)
            if row is None or row.cleared_at is not None:
                row = _raise(row, condition, now)
                result.raised.append(notice(row))
            row.last_seen_at, row.message, row.details = now, condition.message, condition.details
            session.add(row)
        for key, row in active.items():
            if key not in found:
                row.cleared_at = now
                session.add(row)
                result.cleared.append(notice(row))
        result.active = len(found)
    ensure_webhook_sink(hub)
    for alert in result.raised:
        notify("stockhub_alert_raised", hub.plugins, alert=alert)
    for alert in result.cleared:
        notify("stockhub_alert_cleared", hub.plugins, alert=alert)
    return result


def _raise(row: AlertState | None, condition: Condition, now: datetime) -> AlertState:
    if row is None:
        return AlertState(fingerprint=condition.fingerprint, kind=condition.kind,
                          subject=condition.subject, channel=condition.channel,
                          severity=condition.severity.value, message=condition.message,
                          details=condition.details, raised_at=now, last_seen_at=now)  # fmt: skip
    row.cleared_at, row.raised_at, row.times_raised = None, now, row.times_raised + 1
    row.severity = condition.severity.value
    return row


def notice(row: AlertState) -> AlertNotice:
    return AlertNotice(kind=row.kind, severity=Severity(row.severity), subject=row.subject,
                       message=row.message, raised_at=row.raised_at, channel=row.channel,
                       details=dict(row.details or {}))  # fmt: skip

"""What ops looks at first: channel health with latency, open problems and stuck work; and the
activity around one SKU (ledger entries, pushes, open dead letters).

Read-only queries, shared by the dashboard and ``stockhub overview``. "Stuck" means older than
``[sync] stuck_after_s``: the same threshold the sweep uses to raise ``stuck_work``. Latency
percentiles cover ``[alerts] window_s``, the window the latency alert judges.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hub.alerts.conditions import latency_samples, percentile
from hub.ledger.returns import returns_in_limbo
from hub.models import (
    DeadLetter,
    ExceptionRecord,
    InboxMessage,
    LedgerEntry,
    Location,
    PushLog,
    PushOutbox,
    Sku,
)
from hub.ops.channels import health
from hub.store.types import utcnow
from hub.sync.deadletters import ACTIVE
from hub.vocabulary import DeadLetterStatus, ExceptionStatus, InboxStatus

if TYPE_CHECKING:
    from hub.app import Hub

UNRESOLVED = (ExceptionStatus.OPEN.value, ExceptionStatus.ACKNOWLEDGED.value)


def overview(hub: Hub, now: datetime | None = None) -> dict[str, Any]:
    """Everything the overview page shows, as plain data (``stockhub overview --json``)."""
    now = now or utcnow()
    window_s = hub.settings.alerts.window_s
    stuck_after_s = hub.settings.sync.stuck_after_s
    sla = timedelta(hours=hub.settings.returns.sla_hours)
    rows = health(hub)
    with hub.session() as session:
        latency = latency_by_channel(session, now - timedelta(seconds=window_s))
        outbox = outbox_backlog(session, now)
        inbox = inbox_backlog(session, now, stuck_after_s)
        letters = open_dead_letters(session)
        problems = open_exceptions(session)
        limbo = len(returns_in_limbo(session, now, sla))
    channels = []
    for row in rows:
        code = row["channel"]
        waiting = outbox.get(code, {"pending": 0, "oldest_s": None})
        oldest = waiting["oldest_s"]
        channels.append({
            **row,
            "oldest_change_s": oldest,
            "stuck": oldest is not None and oldest > stuck_after_s,
            **latency.get(code, {"p50_ms": None, "p99_ms": None, "samples": 0}),
            "open_dead_letters": letters["by_channel"].get(code, 0),
        })  # fmt: skip
    return {
        "generated_at": now.isoformat(),
        "window_s": window_s,
        "latency_objective_ms": hub.settings.alerts.latency_objective_ms,
        "stuck_after_s": stuck_after_s,
        "channels": channels,
        "dead_letters": letters,
        "exceptions": problems,
        "stuck": {"channels": [c["channel"] for c in channels if c["stuck"]], "inbox": inbox},
        "returns_in_limbo": limbo,
    }


def latency_by_channel(session: Session, since: datetime) -> dict[str, dict[str, int | None]]:
    """Per channel: p50 and p99 event-to-channel latency (ms) of items pushed since ``since``."""
    samples = latency_samples(session, since)
    return {
        channel: {"p50_ms": percentile(values, 50), "p99_ms": percentile(values, 99),
                  "samples": len(values)}  # fmt: skip
        for channel, values in samples.items()
    }


def outbox_backlog(session: Session, now: datetime) -> dict[str, dict[str, Any]]:
    """Per channel with work owed: SKUs waiting and the age (s) of the oldest unpushed change."""
    rows = session.exec(
        select(PushOutbox.channel, sa.func.count(), sa.func.min(PushOutbox.first_change_at))
        .group_by(PushOutbox.channel)
    )  # fmt: skip
    return {
        channel: {"pending": int(count), "oldest_s": _age(now, oldest)}
        for channel, count, oldest in rows
    }


def inbox_backlog(session: Session, now: datetime, stuck_after_s: float) -> dict[str, Any]:
    """Inbound records stored but not processed: how many, the oldest's age, how many stuck."""
    received = InboxMessage.status == InboxStatus.RECEIVED.value
    pending, oldest = session.exec(
        select(sa.func.count(), sa.func.min(InboxMessage.received_at)).where(received)
    ).one()
    stuck = session.exec(
        select(sa.func.count())
        .where(received)
        .where(InboxMessage.received_at < now - timedelta(seconds=stuck_after_s))
    ).one()
    return {"pending": int(pending), "oldest_s": _age(now, oldest), "stuck": int(stuck)}


def open_dead_letters(session: Session) -> dict[str, Any]:
    """Open dead letters by channel and task, and replayed ones still waiting to succeed."""
    by_channel: dict[str, int] = {}
    by_task: dict[str, int] = defaultdict(int)
    rows = session.exec(
        select(DeadLetter.channel, DeadLetter.task, sa.func.count())
        .where(DeadLetter.status == DeadLetterStatus.OPEN.value)
        .group_by(DeadLetter.channel, DeadLetter.task)
    )
    total = 0
    for channel, task, count in rows:
        key = channel or "-"
        by_channel[key] = by_channel.get(key, 0) + count
        by_task[task] += count
        total += count
    replayed = session.exec(
        select(sa.func.count()).where(DeadLetter.status == DeadLetterStatus.REPLAYED.value)
    ).one()
    return {"open": total, "replayed": int(replayed), "by_channel": by_channel,
            "by_task": dict(by_task)}  # fmt: skip


def open_exceptions(session: Session) -> dict[str, Any]:
    """Unresolved exception records: open, acknowledged, and both together by kind."""
    counts: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    rows = session.exec(
        select(ExceptionRecord.status, ExceptionRecord.kind, sa.func.count())
        .where(col(ExceptionRecord.status).in_(UNRESOLVED))
        .group_by(ExceptionRecord.status, ExceptionRecord.kind)
    )
    for status, kind, count in rows:
        counts[status] += count
        by_kind[kind] += count
    return {"open": counts[ExceptionStatus.OPEN.value],
            "acknowledged": counts[ExceptionStatus.ACKNOWLEDGED.value],
            "by_kind": dict(sorted(by_kind.items()))}  # fmt: skip


def exception_kinds(session: Session) -> list[str]:
    """Every kind the exception log holds (for filter menus)."""
    return sorted(session.exec(select(ExceptionRecord.kind).distinct()).all())


def find_skus(session: Session, text: str, limit: int = 50) -> list[dict[str, Any]]:
    """SKUs whose code or title contains ``text`` (case-insensitive), codes first."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = session.exec(
        select(Sku.code, Sku.title, Sku.status)
        .where(sa.or_(col(Sku.code).ilike(pattern, escape="\\"),
                      col(Sku.title).ilike(pattern, escape="\\")))  # fmt: skip
        .order_by(col(Sku.code))
        .limit(limit)
    )
    return [{"sku": code, "title": title, "status": status} for code, title, status in rows]


def sku_activity(session: Session, sku: str, limit: int = 25) -> dict[str, Any]:
    """Around one SKU: its latest ledger entries and pushes, and its active dead letters."""
    found = session.exec(select(Sku).where(Sku.code == sku)).first()
    if found is None:
        return {"sku": sku, "title": "", "entries": [], "pushes": [], "dead_letters": []}
    entries = session.exec(
        select(LedgerEntry, Location.code)
        .join(Location, col(Location.id) == LedgerEntry.location_id)
        .where(LedgerEntry.sku_id == found.id)
        .order_by(col(LedgerEntry.id).desc())
        .limit(limit)
    )
    pushes = session.exec(
        select(PushLog).where(PushLog.sku == sku).order_by(col(PushLog.id).desc()).limit(limit)
    )
    letters = session.exec(
        select(DeadLetter)
        .where(DeadLetter.subject == f"sku:{sku}")
        .where(col(DeadLetter.status).in_(ACTIVE))
        .order_by(col(DeadLetter.id).desc())
    )
    return {
        "sku": found.code,
        "title": found.title,
        "entries": [
            {"occurred_at": e.occurred_at.isoformat(), "recorded_at": e.recorded_at.isoformat(),
             "location": where, "bucket": e.bucket, "delta": e.delta, "kind": e.kind,
             "reason": e.reason, "event": e.event_key}  # fmt: skip
            for e, where in entries
        ],
        "pushes": [
            {"at": p.at.isoformat(), "channel": p.channel, "quantity": p.quantity,
             "status": p.status, "reason": p.reason, "latency_ms": p.latency_ms}  # fmt: skip
            for p in pushes
        ],
        "dead_letters": [
            {"id": d.id, "channel": d.channel, "status": d.status, "error": d.error}
            for d in letters
        ],
    }


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else round((now - then).total_seconds(), 1)

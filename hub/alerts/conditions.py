"""What is wrong right now, read from the database; one function per kind of alert.

Each yields :class:`Condition` values; a condition is identified by kind + subject + channel,
so the same problem found again is the same alert (see :mod:`hub.alerts.check`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hub.config import Settings
from hub.exception_log import fingerprint
from hub.ledger.returns import returns_in_limbo
from hub.models import DeadLetter, ExceptionRecord, PushLog, Sku, StockLevel
from hub.stockview import atp_many, channel_plans
from hub.vocabulary import Bucket, ExceptionStatus, Severity, SkuStatus

CHUNK = 500  # SKUs per ATP query batch: bounded memory however large the catalogue
MAX_SAMPLES = 50_000  # latency samples read per window: bounded work on a busy hub


@dataclass(frozen=True)
class Condition:
    kind: str
    subject: str
    message: str
    severity: Severity = Severity.WARNING
    channel: str | None = None
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint(f"alert:{self.kind}", self.subject, self.channel)


def low_stock(session: Session, settings: Settings) -> Iterator[Condition]:
    """A channel shows an active SKU at or below ``alerts.low_stock_atp``."""
    threshold = settings.alerts.low_stock_atp
    if threshold < 0:
        return
    codes = list(session.exec(select(Sku.code).where(Sku.status == SkuStatus.ACTIVE.value)))
    for plan in channel_plans(session):
        for start in range(0, len(codes), CHUNK):
            for code, atp in sorted(atp_many(session, plan, codes[start : start + CHUNK]).items()):
                if atp <= threshold:
                    yield Condition(
                        "low_stock", f"sku:{code}", channel=plan.channel.code,
                        message=f"{code} shows {atp} on {plan.channel.code} "
                        f"(alert at {threshold} or less)",
                        details={"atp": atp, "threshold": threshold},
                    )  # fmt: skip


def below_safety_stock(session: Session, settings: Settings) -> Iterator[Condition]:
    """An active SKU's total sellable stock, all locations together, is below its safety stock
    (the item attribute ``safety_stock``, else ``alerts.safety_stock``)."""
    default = settings.alerts.safety_stock
    on_hand = sa.func.coalesce(sa.func.sum(StockLevel.quantity), 0)
    rows = session.exec(
        select(Sku.code, Sku.attributes, on_hand)
        .join(StockLevel, sa.and_(col(StockLevel.sku_id) == Sku.id,
                                  col(StockLevel.bucket) == Bucket.ON_HAND.value), isouter=True)
        .where(Sku.status == SkuStatus.ACTIVE.value)
        .group_by(col(Sku.id), Sku.code, Sku.attributes)
    )  # fmt: skip
    for code, attributes, total in rows:
        wanted = _safety_stock(attributes, default)
        if wanted and total < wanted:
            yield Condition(
                "below_safety_stock", f"sku:{code}", severity=Severity.WARNING,
                message=f"{code}: {total} on hand in all locations, safety stock {wanted}",
                details={"on_hand": int(total), "safety_stock": wanted},
            )  # fmt: skip


def _safety_stock(attributes: dict[str, Any] | None, default: int) -> int:
    value = (attributes or {}).get("safety_stock", default)
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return default


#: exception kinds that are also alerts while they are open: alert kind for each
RAISED_AS_EXCEPTIONS = {"channel_drift": "drift", "location_drift": "drift",
                        "stuck_work": "stuck_work", "channel_paused": "channel_paused"}  # fmt: skip


def open_problems(session: Session, settings: Settings) -> Iterator[Condition]:
    """Drift over tolerance (reconciliation), stuck work (the sweep) and paused channels:
    recorded in the exception log by the engine, alerting while open."""
    rows = session.exec(
        select(ExceptionRecord)
        .where(col(ExceptionRecord.kind).in_(RAISED_AS_EXCEPTIONS))
        .where(ExceptionRecord.status != ExceptionStatus.RESOLVED.value)
    )
    for record in rows:
        yield Condition(
            RAISED_AS_EXCEPTIONS[record.kind], record.subject, channel=record.channel,
            message=record.message, severity=Severity(record.severity),
            details={"exception_id": record.id, "kind": record.kind},
        )  # fmt: skip


def returns_waiting(session: Session, settings: Settings, now: datetime) -> Iterator[Condition]:
    """A return has waited longer than ``returns.sla_hours`` without a disposition."""
    sla = timedelta(hours=settings.returns.sla_hours)
    for record in returns_in_limbo(session, now, sla):
        yield Condition(
            "return_in_limbo", f"return:{record.code}",
            message=f"return {record.code} has waited over {settings.returns.sla_hours:g}h "
            f"in {record.status}",
            details={"status": record.status},
        )  # fmt: skip


def dead_letter_growth(session: Session, settings: Settings, now: datetime) -> Iterator[Condition]:
    """``alerts.dead_letter_growth`` or more new dead letters for one channel in the window."""
    since = now - timedelta(seconds=settings.alerts.window_s)
    rows = session.exec(
        select(DeadLetter.channel, sa.func.count())
        .where(DeadLetter.first_failed_at >= since)
        .group_by(DeadLetter.channel)
    )
    for channel, count in rows:
        if count >= settings.alerts.dead_letter_growth:
            where = channel or "the inbox"
            yield Condition(
                "dead_letter_growth", f"channel:{channel or '-'}", channel=channel,
                severity=Severity.ERROR,
                message=f"{count} new dead letters for {where} in the last "
                f"{settings.alerts.window_s / 60:g} min; see `stockhub dlq list`",
                details={"count": count},
            )  # fmt: skip


def latency(session: Session, settings: Settings, now: datetime) -> Iterator[Condition]:
    """A channel's p99 event-to-channel latency in the window is over its objective."""
    samples = latency_samples(session, now - timedelta(seconds=settings.alerts.window_s))
    objective = settings.alerts.latency_objective_ms
    for channel, values in sorted(samples.items()):
        p99 = percentile(values, 99)
        if p99 > objective:
            yield Condition(
                "latency", f"channel:{channel}", channel=channel,
                message=f"{channel}: p99 event-to-channel latency {p99 / 1000:.1f}s is over "
                f"the {objective / 1000:g}s objective",
                details={"p99_ms": p99, "objective_ms": objective, "samples": len(values)},
            )  # fmt: skip


def latency_samples(session: Session, since: datetime) -> dict[str, list[int]]:
    """Per channel, the event-to-channel latencies (ms) of items pushed since ``since``, the
    newest :data:`MAX_SAMPLES` in all: bounded work on a busy hub."""
    samples: dict[str, list[int]] = defaultdict(list)
    rows = session.exec(
        select(PushLog.channel, PushLog.latency_ms)
        .where(PushLog.at >= since)
        .where(col(PushLog.latency_ms).is_not(None))
        .order_by(col(PushLog.id).desc())
        .limit(MAX_SAMPLES)
    )
    for channel, value in rows:
        samples[channel].append(int(value))
    return samples


def percentile(values: list[int], q: float) -> int:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]


def find_all(session: Session, settings: Settings, now: datetime) -> list[Condition]:
    return [
        *low_stock(session, settings),
        *below_safety_stock(session, settings),
        *open_problems(session, settings),
        *returns_waiting(session, settings, now),
        *dead_letter_growth(session, settings, now),
        *latency(session, settings, now),
    ]

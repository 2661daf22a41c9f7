"""Apply canonical events to the ledger: one transaction per event, idempotent by event id.

Outcomes:

- ``applied``   the event's movements are in the ledger (in the same transaction as the event row);
- ``duplicate`` an event with this id was applied before: nothing changed (``conflict`` is set
                when the payload differs from the one applied, which is also logged);
- ``parked``    it names an external SKU the crosswalk does not know yet; it is kept and applied
                automatically once the mapping exists (``release_parked``);
- ``rejected``  it broke a rule (unknown location, non-owner write, bad state): nothing changed,
                the event and the reason are kept in the event table and the exception log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hub.errors import PermanentError
from hub.events import Event
from hub.exception_log import record_exception, resolve_exceptions
from hub.ledger import items, orders, returns, stock, transfers
from hub.ledger.context import ApplyContext, LedgerPolicy, Unmapped
from hub.models import EventRecord, ExternalRef, Sku
from hub.store.engine import session_scope
from hub.store.types import utcnow
from hub.sync.outbox import enqueue as enqueue_pushes
from hub.vocabulary import EventStatus, RefKind, Severity

Handler = Callable[[ApplyContext, Any], None]

HANDLERS: dict[str, Handler] = {
    "item.upserted": items.apply_item,
    "stock.counted": stock.apply_counted,
    "stock.adjusted": stock.apply_adjusted,
    "order.placed": orders.apply_placed,
    "order.cancelled": orders.apply_cancelled,
    "order.fulfilled": orders.apply_fulfilled,
    "return.received": returns.apply_received,
    "return.inspected": returns.apply_inspected,
    "return.dispositioned": returns.apply_dispositioned,
    "transfer.shipped": transfers.apply_shipped,
    "transfer.received": transfers.apply_received,
}

#: PostgreSQL errors that mean "another transaction got there first; try again".
RETRYABLE_SQLSTATES = {"40001", "40P01", "23505"}
MAX_ATTEMPTS = 5


@dataclass
class Outcome:
    status: str  # applied | duplicate | parked | rejected
    event_id: str
    message: str = ""
    field: str | None = None
    fix: str | None = None
    notes: list[str] = _field(default_factory=list)
    entries: int = 0
    conflict: bool = False
    touched_skus: set[str] = _field(default_factory=set)

    @property
    def ok(self) -> bool:
        return self.status in ("applied", "duplicate")

    def to_dict(self) -> dict[str, Any]:
        data = {"id": self.event_id, "status": self.status}
        for key in ("message", "field", "fix"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.notes:
            data["notes"] = self.notes
        if self.conflict:
            data["conflict"] = True
        return data


def apply_event(
    engine: sa.Engine,
    event: Event,
    policy: LedgerPolicy | None = None,
    received_at: datetime | None = None,
) -> Outcome:
    """Apply one event in its own transaction; safe to call any number of times.

    :param received_at: when the hub first received it (a webhook's inbox time): pushes it
        causes measure their latency from there. Default: now.
    """
    policy = policy or LedgerPolicy()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with session_scope(engine) as session:
                return _apply_in(session, event, policy, received_at)
        except PermanentError as exc:
            with session_scope(engine) as session:
                return _set_aside_in(session, event, exc)
        except sa.exc.DBAPIError as exc:
            if attempt == MAX_ATTEMPTS or not _retryable(exc):
                raise
    raise AssertionError("unreachable")


def apply_batch(
    engine: sa.Engine,
    events: list[Event],
    policy: LedgerPolicy | None = None,
    received_at: Mapping[str, datetime] | None = None,
) -> list[Outcome]:
    """Apply events that arrived together in ONE transaction, each inside its own savepoint.

    Same outcomes as ``apply_event`` one by one (a rejected or parked event rolls back only its
    savepoint and is kept in the same transaction), at a fraction of the commits. If the database
    reports a conflict (a concurrent twin, a deadlock), the batch is rolled back as a whole and
    its events are applied one at a time, with ``apply_event``'s retries. ``received_at`` maps
    event ids to when the hub received them (see ``apply_event``).
    """
    policy = policy or LedgerPolicy()
    times = received_at or {}
    try:
        with session_scope(engine) as session:
            return [_apply_savepointed(session, e, policy, times.get(e.id)) for e in events]
    except sa.exc.DBAPIError as exc:
        if not _retryable(exc):
            raise
    return [apply_event(engine, e, policy, times.get(e.id)) for e in events]


def _apply_savepointed(
    session: Session, event: Event, policy: LedgerPolicy, received_at: datetime | None
) -> Outcome:
    savepoint = session.begin_nested()
    try:
        outcome = _apply_in(session, event, policy, received_at)
    except PermanentError as exc:
        savepoint.rollback()
        return _set_aside_in(session, event, exc)
    savepoint.commit()
    return outcome


def _apply_in(
    session: Session, event: Event, policy: LedgerPolicy, received_at: datetime | None = None
) -> Outcome:
    """The work of applying one event, inside the caller's transaction."""
    payload, digest = _payload(event)
    record = session.exec(
        select(EventRecord).where(EventRecord.key == event.id).with_for_update()
    ).first()
    if record is not None and record.status == EventStatus.APPLIED.value:
        return _duplicate(session, event, record, digest)
    if record is None:
        record = EventRecord(
            key=event.id,
            type=event.type,
            source=event.source,
            occurred_at=event.occurred_at,
            status=EventStatus.APPLIED.value,
            payload=payload,
            payload_hash=digest,
            applied_at=utcnow(),
        )
        session.add(record)
        session.flush()  # a concurrent twin blocks here until we commit, then retries
        was_waiting = False
    else:
        was_waiting = True  # parked or rejected before: apply it now
    ctx = ApplyContext(session, event, policy)
    HANDLERS[event.type](ctx, event.data)
    # the outbox, in the ledger's own transaction; latency counts from the event's arrival
    enqueue_pushes(session, ctx.touched_skus, at=received_at)
    if was_waiting:
        record.status, record.applied_at = EventStatus.APPLIED.value, utcnow()
        record.payload, record.payload_hash = payload, digest
        record.error, record.waiting_for = None, None
        record.attempts += 1
        session.add(record)
        resolve_exceptions(
            session, subject=f"event:{event.id}", note="event applied on a later attempt"
        )
    return Outcome(
        "applied", event.id, notes=ctx.notes, entries=ctx.entries, touched_skus=ctx.touched_skus
    )


def _duplicate(session: Session, event: Event, record: EventRecord, digest: str) -> Outcome:
    conflict = record.payload_hash != digest
    if conflict:
        record_exception(
            session,
            kind="idempotency_conflict",
            subject=f"event:{event.id}",
            message=f"event id {event.id!r} was reused with a different payload; ignored",
            severity=Severity.WARNING,
            details={"received": event.to_json()},
        )
    return Outcome(
        "duplicate", event.id, message="already applied; nothing changed", conflict=conflict
    )


def _set_aside_in(session: Session, event: Event, exc: PermanentError) -> Outcome:
    """Keep a parked or rejected event and its reason; nothing it asked for is applied."""
    status = EventStatus.PARKED if isinstance(exc, Unmapped) else EventStatus.REJECTED
    payload, digest = _payload(event)
    waiting = exc.waiting_for if isinstance(exc, Unmapped) else None
    record = session.exec(select(EventRecord).where(EventRecord.key == event.id)).first()
    if record is not None and record.status == EventStatus.APPLIED.value:
        return Outcome("duplicate", event.id, message="already applied; nothing changed")
    record = record or EventRecord(
        key=event.id,
        type=event.type,
        source=event.source,
        occurred_at=event.occurred_at,
        status=status.value,
        payload=payload,
        payload_hash=digest,
        attempts=0,
    )
    record.status, record.error, record.waiting_for = status.value, exc.to_dict(), waiting
    record.payload, record.payload_hash = payload, digest
    record.attempts += 1
    session.add(record)
    record_exception(
        session,
        kind=exc.kind,
        subject=f"event:{event.id}",
        message=str(exc),
        severity=Severity.WARNING if waiting else Severity.ERROR,
        channel=None,
        details={"event": payload, "error": exc.to_dict()},
    )
    return Outcome(status.value, event.id, message=exc.message, field=exc.field, fix=exc.fix)


def release_parked(engine: sa.Engine, policy: LedgerPolicy | None = None) -> list[Outcome]:
    """Apply every parked event whose missing mapping now exists (oldest first)."""
    from hub.events import parse_event

    with Session(engine) as session:
        parked = session.exec(
            select(EventRecord)
            .where(EventRecord.status == EventStatus.PARKED.value)
            .order_by(col(EventRecord.occurred_at), col(EventRecord.id))
        ).all()
        ready = [rec.payload for rec in parked if _resolvable(session, rec.waiting_for)]
    return [apply_event(engine, parse_event(payload), policy) for payload in ready]


def _resolvable(session: Session, waiting_for: str | None) -> bool:
    if not waiting_for:
        return True
    system, kind, external_id = waiting_for.split("|", 2)
    if (
        kind == RefKind.SKU.value
        and session.exec(select(Sku.id).where(Sku.code == external_id)).first()
    ):
        return True
    return (
        session.exec(
            select(ExternalRef.id)
            .where(ExternalRef.system == system)
            .where(ExternalRef.kind == kind)
            .where(ExternalRef.external_id == external_id)
        ).first()
        is not None
    )


def _payload(event: Event) -> tuple[dict[str, Any], str]:
    payload = event.to_json()
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return payload, hashlib.sha256(text.encode()).hexdigest()


def _retryable(exc: sa.exc.DBAPIError) -> bool:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in RETRYABLE_SQLSTATES

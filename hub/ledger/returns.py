"""Returns: received → inspected (condition) → dispositioned → closed.

Units are tracked per stage: received units sit in ``returned_pending`` at the receiving
location; inspection assigns a condition without moving stock; a disposition moves them out of
``returned_pending`` in the same transaction — restock to ``on_hand`` (sellable units only),
quarantine to ``quarantined``, transfer to ``in_transit`` at ``to_location`` (as transfer
``return:<code>``, completed by ``transfer.received``), write-off out of stock. The return is
``dispositioned`` while some units still wait, and ``closed`` once every received unit has a
disposition. Each step keeps its time and actor (the event's source).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from hub.errors import StateError, ValidationError
from hub.events import ReturnDispositioned, ReturnInspected, ReturnReceived, SkuQuantity
from hub.exception_log import record_exception
from hub.ledger.context import ApplyContext
from hub.ledger.transfers import _transfer, ship
from hub.models import Channel, Location, Return, ReturnLine
from hub.vocabulary import Bucket, Condition, Disposition, ReturnStatus, Severity

TARGET_BUCKET = {Disposition.RESTOCK: Bucket.ON_HAND, Disposition.QUARANTINE: Bucket.QUARANTINED}


def apply_received(ctx: ApplyContext, data: ReturnReceived) -> None:
    location = ctx.location(data.location, "data.location")
    channel = ctx.channel(data.channel, "data.channel") if data.channel else None
    ctx.require_owner(location, "returns", channel.code if channel else None)
    if ctx.session.exec(select(Return).where(Return.code == data.return_)).first():
        raise StateError(
            f"return {data.return_!r} was already received",
            field="data.return",
            fix="give each return its own code, or inspect/disposition the existing one",
        )
    moment, actor = ctx.event.occurred_at, ctx.event.source
    record = Return(
        code=data.return_,
        channel_id=channel.id if channel else None,
        order_ref=data.order,
        location_id=location.id,
        received_at=moment,
        received_by=actor,
    )
    ctx.session.add(record)
    ctx.session.flush()
    for index, line in enumerate(data.lines):
        sku = ctx.sku(line.sku, f"data.lines[{index}].sku")
        ctx.move(sku, location, Bucket.RETURNED_PENDING, line.quantity, f"return {record.code}")
        _add_line(ctx, record, "received", sku.id, line.quantity)


def apply_inspected(ctx: ApplyContext, data: ReturnInspected) -> None:
    record = _existing(ctx, data.return_, "return.received")
    location = ctx.session.get(Location, record.location_id)
    ctx.require_owner(location, "return inspections", _channel_code(ctx, record))
    received, inspected = _units(ctx, record, "received"), _units(ctx, record, "inspected")
    for index, line in enumerate(data.lines):
        sku = ctx.sku(line.sku, f"data.lines[{index}].sku")
        left = received[sku.id] - inspected[sku.id]
        if line.quantity > left:
            raise StateError(
                f"only {left} unit(s) of {sku.code} in return {record.code} await inspection",
                field=f"data.lines[{index}].quantity",
            )
        inspected[sku.id] += line.quantity
        _add_line(ctx, record, "inspected", sku.id, line.quantity, condition=line.condition)
    if record.status == ReturnStatus.RECEIVED.value:
        record.status = ReturnStatus.INSPECTED.value
    record.inspected_at, record.inspected_by = ctx.event.occurred_at, ctx.event.source
    ctx.session.add(record)


def apply_dispositioned(ctx: ApplyContext, data: ReturnDispositioned) -> None:
    record = _existing(ctx, data.return_, "return.inspected")
    location = ctx.session.get(Location, record.location_id)
    ctx.require_owner(location, "return dispositions", _channel_code(ctx, record))
    sellable = _units(ctx, record, "inspected", Condition.SELLABLE)
    inspected, done = _units(ctx, record, "inspected"), _units(ctx, record, "dispositioned")
    restocked = _units(ctx, record, "dispositioned", disposition=Disposition.RESTOCK)
    for index, line in enumerate(data.lines):
        path = f"data.lines[{index}]"
        sku = ctx.sku(line.sku, f"{path}.sku")
        if line.quantity > inspected[sku.id] - done[sku.id]:
            raise StateError(
                f"only {inspected[sku.id] - done[sku.id]} inspected unit(s) of {sku.code} in "
                f"return {record.code} await a disposition",
                field=f"{path}.quantity",
                fix="send return.inspected for the units first",
            )
        if line.disposition is Disposition.RESTOCK:
            if line.quantity > sellable[sku.id] - restocked[sku.id]:
                raise ValidationError(
                    f"only {sellable[sku.id] - restocked[sku.id]} unit(s) of {sku.code} were "
                    "inspected as sellable",
                    field=f"{path}.disposition",
                    fix="quarantine, transfer or write off units not in sellable condition",
                )
            restocked[sku.id] += line.quantity
        target = _disposition_target(ctx, line, path)
        done[sku.id] += line.quantity
        _dispose(ctx, record, location, sku, line, target)
        _add_line(
            ctx,
            record,
            "dispositioned",
            sku.id,
            line.quantity,
            disposition=line.disposition,
            to_location_id=target.id if target else None,
        )
    _advance(ctx, record)


def _dispose(ctx, record, location, sku, line, target) -> None:
    ctx.move(sku, location, Bucket.RETURNED_PENDING, -line.quantity, f"return {record.code}")
    if line.disposition in TARGET_BUCKET:
        ctx.move(
            sku,
            location,
            TARGET_BUCKET[line.disposition],
            line.quantity,
            f"return {record.code} {line.disposition.value}",
        )
    elif line.disposition is Disposition.TRANSFER:
        transfer = _transfer(ctx, f"return:{record.code}", target, "data.lines")
        if transfer.from_location_id is None:
            transfer.from_location_id = location.id
            transfer.shipped_at = ctx.event.occurred_at
        ship(
            ctx,
            transfer,
            None,
            target,
            [SkuQuantity(sku=sku.code, quantity=line.quantity)],
            "data.lines",
        )


def _disposition_target(ctx, line, path) -> Location | None:
    if line.disposition is Disposition.TRANSFER:
        if not line.to_location:
            raise ValidationError(
                "a transfer disposition needs a destination",
                field=f"{path}.to_location",
                fix="name the location the units go to",
            )
        return ctx.location(line.to_location, f"{path}.to_location")
    if line.to_location:
        raise ValidationError(
            f"only a transfer has a destination, not {line.disposition.value}",
            field=f"{path}.to_location",
            fix="remove to_location or use disposition 'transfer'",
        )
    return None


def _advance(ctx: ApplyContext, record: Return) -> None:
    moment, actor = ctx.event.occurred_at, ctx.event.source
    record.dispositioned_at, record.dispositioned_by = moment, actor
    received = sum(_units(ctx, record, "received").values())
    dispositioned = sum(_units(ctx, record, "dispositioned").values())
    if dispositioned >= received:
        record.status = ReturnStatus.CLOSED.value
        record.closed_at, record.closed_by = moment, actor
    else:
        record.status = ReturnStatus.DISPOSITIONED.value
    ctx.session.add(record)


def _existing(ctx: ApplyContext, code: str, needs: str) -> Return:
    record = ctx.session.exec(select(Return).where(Return.code == code)).first()
    if record is None:
        raise StateError(
            f"return {code!r} has not been received",
            field="data.return",
            fix="send return.received first",
        )
    if record.status == ReturnStatus.CLOSED.value:
        raise StateError(f"return {code!r} is already closed", field="data.return")
    if needs == "return.inspected" and record.status == ReturnStatus.RECEIVED.value:
        raise StateError(
            f"return {code!r} has not been inspected",
            field="data.return",
            fix="send return.inspected with each unit's condition first",
        )
    return record


def _units(ctx, record, stage, condition=None, disposition=None) -> Counter[int]:
    query = select(ReturnLine).where(ReturnLine.return_id == record.id)
    query = query.where(ReturnLine.stage == stage)
    if condition is not None:
        query = query.where(ReturnLine.condition == condition.value)
    if disposition is not None:
        query = query.where(ReturnLine.disposition == disposition.value)
    counts: Counter[int] = Counter()
    for line in ctx.session.exec(query):
        counts[line.sku_id] += line.quantity
    return counts


def _add_line(ctx, record, stage, sku_id, quantity, **extra) -> None:
    for key in ("condition", "disposition"):
        if extra.get(key) is not None:
            extra[key] = extra[key].value
    ctx.session.add(
        ReturnLine(
            return_id=record.id,
            stage=stage,
            sku_id=sku_id,
            quantity=quantity,
            event_key=ctx.event.id,
            at=ctx.event.occurred_at,
            actor=ctx.event.source,
            **extra,
        )
    )
    ctx.session.flush()


def _channel_code(ctx: ApplyContext, record: Return) -> str | None:
    channel = ctx.session.get(Channel, record.channel_id) if record.channel_id else None
    return channel.code if channel else None


def returns_in_limbo(session: Session, now: datetime, sla: timedelta) -> list[Return]:
    """Returns received before ``now - sla`` that still hold units without a disposition."""
    open_states = [
        ReturnStatus.RECEIVED.value,
        ReturnStatus.INSPECTED.value,
        ReturnStatus.DISPOSITIONED.value,
    ]
    return list(
        session.exec(
            select(Return)
            .where(col(Return.status).in_(open_states))
            .where(col(Return.received_at) < now - sla)
            .order_by(col(Return.received_at))
        ).all()
    )


def flag_returns_in_limbo(session: Session, now: datetime, sla: timedelta) -> list[Return]:
    """``returns_in_limbo``, each raised once in the exception log (repeats count occurrences)."""
    stuck = returns_in_limbo(session, now, sla)
    for ret in stuck:
        hours = (now - ret.received_at).total_seconds() / 3600
        waited = f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.0f} h"
        record_exception(
            session,
            kind="return_in_limbo",
            subject=f"return:{ret.code}",
            message=f"return {ret.code} has waited {waited} without a full disposition "
            f"(SLA {sla.total_seconds() / 3600:g} h)",
            severity=Severity.WARNING,
            details={"status": ret.status},
        )
    return stuck

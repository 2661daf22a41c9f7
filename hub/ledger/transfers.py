"""Transfers: units leave one location (in transit to the other) and arrive later.

Either half may arrive first. In-transit at the destination is always
``max(0, shipped - received)`` per SKU, so shipped-then-received and received-then-shipped end
in the same state, and a receipt larger than the shipment is flagged, not hidden.
"""

from __future__ import annotations

from sqlmodel import select

from hub.errors import ValidationError
from hub.events import SkuQuantity, TransferReceived, TransferShipped
from hub.ledger.context import ApplyContext
from hub.models import Location, Sku, Transfer, TransferLine
from hub.vocabulary import Bucket, Severity, TransferStatus


def apply_shipped(ctx: ApplyContext, data: TransferShipped) -> None:
    source = ctx.location(data.from_location, "data.from_location")
    target = ctx.location(data.to_location, "data.to_location")
    if source.id == target.id:
        raise ValidationError("a transfer must go to another location", field="data.to_location")
    ctx.require_owner(source, "shipments out")
    transfer = _transfer(ctx, data.transfer, target, "data.to_location")
    if transfer.from_location_id not in (None, source.id):
        raise ValidationError(
            f"transfer {data.transfer!r} was shipped from another location",
            field="data.from_location",
        )
    transfer.from_location_id = source.id
    transfer.shipped_at = ctx.event.occurred_at
    ship(ctx, transfer, source, target, data.lines, "data.lines")


def ship(
    ctx: ApplyContext,
    transfer: Transfer,
    source: Location | None,
    target: Location,
    lines: list[SkuQuantity],
    path: str,
) -> None:
    """Move units out of ``source`` on_hand into ``target`` in_transit (used by returns too)."""
    for index, line in enumerate(lines):
        sku = ctx.sku(line.sku, f"{path}[{index}].sku")
        row = _line(ctx, transfer, sku)
        before = max(0, row.shipped - row.received)
        row.shipped += line.quantity
        ctx.move(
            sku,
            target,
            Bucket.IN_TRANSIT,
            max(0, row.shipped - row.received) - before,
            f"transfer {transfer.code}",
        )
        ctx.session.add(row)
        if source is not None:
            ctx.move(sku, source, Bucket.ON_HAND, -line.quantity, f"transfer {transfer.code} out")
    _update_status(ctx, transfer)


def apply_received(ctx: ApplyContext, data: TransferReceived) -> None:
    target = ctx.location(data.to_location, "data.to_location")
    ctx.require_owner(target, "receipts")
    transfer = _transfer(ctx, data.transfer, target, "data.to_location")
    transfer.received_at = ctx.event.occurred_at
    for index, line in enumerate(data.lines):
        _receive_line(ctx, transfer, target, line, f"data.lines[{index}].sku")
    _update_status(ctx, transfer)


def _receive_line(ctx, transfer: Transfer, target: Location, line: SkuQuantity, path: str) -> None:
    sku = ctx.sku(line.sku, path)
    row = _line(ctx, transfer, sku)
    before = max(0, row.shipped - row.received)
    row.received += line.quantity
    after = max(0, row.shipped - row.received)
    ctx.move(sku, target, Bucket.IN_TRANSIT, after - before, f"transfer {transfer.code} arrived")
    ctx.move(sku, target, Bucket.ON_HAND, line.quantity, f"transfer {transfer.code} in")
    ctx.session.add(row)
    if transfer.from_location_id is not None and row.received > row.shipped:
        ctx.raise_exception(
            "transfer_discrepancy",
            f"transfer:{transfer.code}",
            f"transfer {transfer.code}: received {row.received} of {sku.code}, "
            f"shipped {row.shipped}",
            Severity.WARNING,
            details={"sku": sku.code, "shipped": row.shipped, "received": row.received},
        )


def _transfer(ctx: ApplyContext, code: str, target: Location, field: str) -> Transfer:
    transfer = ctx.session.exec(select(Transfer).where(Transfer.code == code)).first()
    if transfer is None:
        transfer = Transfer(code=code, to_location_id=target.id)
        ctx.session.add(transfer)
        ctx.session.flush()
    elif transfer.to_location_id != target.id:
        raise ValidationError(f"transfer {code!r} goes to another location", field=field)
    return transfer


def _line(ctx: ApplyContext, transfer: Transfer, sku: Sku) -> TransferLine:
    row = ctx.session.get(TransferLine, (transfer.id, sku.id))
    if row is None:
        row = TransferLine(transfer_id=transfer.id, sku_id=sku.id)
        ctx.session.add(row)
        ctx.session.flush()
    return row


def _update_status(ctx: ApplyContext, transfer: Transfer) -> None:
    lines = list(
        ctx.session.exec(select(TransferLine).where(TransferLine.transfer_id == transfer.id))
    )
    if lines and all(line.received >= line.shipped > 0 for line in lines):
        transfer.status = TransferStatus.RECEIVED.value
    elif any(line.received for line in lines):
        transfer.status = TransferStatus.PARTIAL.value
    else:
        transfer.status = TransferStatus.SHIPPED.value
    ctx.session.add(transfer)

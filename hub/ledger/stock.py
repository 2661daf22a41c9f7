"""``stock.counted`` and ``stock.adjusted``: physical writes by the location's owner.

The count rule: a count is the truth *as of its time*. Applying one sets the bucket to the counted
quantity plus every movement that happened after ``as_of`` (those are real and the count could not
see them), so a count that arrives late never rolls back newer sales or receipts. Movements that
happened at or before the latest count's ``as_of`` are already inside it and are absorbed (see
``ApplyContext.move``). A count older than the latest count already applied to that bucket is
stale and changes nothing.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from hub.errors import ValidationError
from hub.events import StockAdjusted, StockCounted
from hub.ledger.context import ApplyContext
from hub.models import LedgerEntry
from hub.vocabulary import Bucket


def apply_counted(ctx: ApplyContext, data: StockCounted) -> None:
    sku, location = physical_target(ctx, data, "physical counts")
    for bucket, counted in sorted(data.quantities.items()):
        level = ctx.level(sku, location, bucket)
        if level.counted_as_of is not None and data.as_of < level.counted_as_of:
            ctx.notes.append(
                f"{bucket.value}: count as of {data.as_of.isoformat()} is older than the count "
                f"as of {level.counted_as_of.isoformat()} already applied; ignored as stale"
            )
            continue
        later = movements_after(ctx, sku.id, location.id, bucket, data)
        ctx.set_counted(sku, location, bucket, counted + later, data.as_of)


def movements_after(
    ctx: ApplyContext, sku_id: int, location_id: int, bucket: Bucket, data: StockCounted
) -> int:
    """Net units moved in this bucket after the count's ``as_of`` (the count could not see them)."""
    total = ctx.session.exec(
        select(func.coalesce(func.sum(LedgerEntry.delta), 0))
        .where(LedgerEntry.sku_id == sku_id)
        .where(LedgerEntry.location_id == location_id)
        .where(LedgerEntry.bucket == bucket.value)
        .where(LedgerEntry.kind == "movement")
        .where(LedgerEntry.occurred_at > data.as_of)
    ).one()
    return int(total)


def apply_adjusted(ctx: ApplyContext, data: StockAdjusted) -> None:
    sku, location = physical_target(ctx, data, "physical stock")
    ctx.move(sku, location, data.bucket, data.delta, data.reason or "adjusted")


def physical_target(ctx: ApplyContext, data: StockCounted | StockAdjusted, what: str):
    """The (SKU, location) a physical write names, once its source is known to own it."""
    location = ctx.location(data.location, "data.location")
    ctx.require_owner(location, what)
    sku = ctx.sku(data.sku, "data.sku")
    if sku.is_bundle:
        raise ValidationError(
            f"{sku.code!r} is a bundle; bundles hold no stock of their own",
            field="data.sku",
            fix="count or adjust the bundle's component SKUs",
        )
    return sku, location

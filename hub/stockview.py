"""The stock view of a SKU ("Public formats, v1"): buckets per location, ATP per channel.

::

    {"sku": "TEE-RED-M",
     "locations": {"store-12": {"on_hand": 10, "reserved": 2, "damaged": 0, ...}},
     "channels": {"shopify-us": {"atp": 7, "last_pushed": 7, "pushed_at": "2026-11-22T10:00:01Z"}},
     "oversold": 0}

Every location holding any record of the SKU lists all buckets (zeros included) so scripts can
rely on the keys. ``last_pushed``/``pushed_at`` are ``null`` until the sync engine has pushed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.availability import (
    Allocation,
    AllocationRule,
    LocationStock,
    bundle_atp,
    channel_atp,
    pick_allocation,
)
from hub.errors import NotFoundError
from hub.events import iso_utc
from hub.models import (
    AllocationRuleRow,
    Channel,
    ChannelLocation,
    ChannelSkuState,
    Location,
    Reservation,
    Sku,
    SkuComponent,
    StockLevel,
)
from hub.vocabulary import Bucket, ReservationStatus


@dataclass(frozen=True)
class ChannelPlan:
    """What ATP needs to know about one channel."""

    channel: Channel
    visible: tuple[str, ...]
    rules: tuple[AllocationRule, ...]

    def allocation(self, sku_code: str) -> Allocation | None:
        return pick_allocation(sku_code, self.channel.code, self.rules)


def channel_plans(session: Session) -> list[ChannelPlan]:
    channels = session.exec(
        select(Channel)
        .where(col(Channel.active))
        .order_by(col(Channel.priority), col(Channel.code))
    ).all()
    visible: dict[int, list[str]] = defaultdict(list)
    for link, loc in session.exec(
        select(ChannelLocation, Location)
        .join(Location, col(Location.id) == ChannelLocation.location_id)
        .where(col(Location.active))
        .order_by(col(ChannelLocation.position))
    ):
        visible[link.channel_id].append(loc.code)
    rules: dict[int, list[AllocationRule]] = defaultdict(list)
    by_id = {ch.id: ch for ch in channels}
    for row in session.exec(select(AllocationRuleRow).order_by(col(AllocationRuleRow.position))):
        if row.channel_id in by_id:
            rules[row.channel_id].append(
                AllocationRule(
                    channel=by_id[row.channel_id].code,
                    skus=row.skus,
                    allocation=Allocation(row.share_percent, row.floor, row.cap),
                )
            )
    return [ChannelPlan(ch, tuple(visible[ch.id]), tuple(rules[ch.id])) for ch in channels]


def levels_by_location(
    session: Session, sku_ids: list[int]
) -> dict[int, dict[str, dict[str, int]]]:
    """{sku_id: {location code: {bucket: quantity}}} for the given SKUs."""
    result: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    if not sku_ids:
        return result
    rows = session.exec(
        select(StockLevel, Location.code)
        .join(Location, col(Location.id) == StockLevel.location_id)
        .where(col(StockLevel.sku_id).in_(sku_ids))
    )
    for level, code in rows:
        buckets = result[level.sku_id].setdefault(code, {b.value: 0 for b in Bucket})
        buckets[level.bucket] = level.quantity
    return result


def atp_for(
    sku: Sku,
    plan: ChannelPlan,
    levels: dict[int, dict[str, dict[str, int]]],
    components: list[tuple[Sku, int]],
) -> int:
    """ATP of ``sku`` on ``plan``'s channel; a bundle's is limited by its components."""

    def single(item: Sku) -> int:
        stocks = {
            loc: LocationStock(on_hand=b[Bucket.ON_HAND.value], reserved=b[Bucket.RESERVED.value])
            for loc, b in levels.get(item.id, {}).items()
        }
        return channel_atp(
            stocks,
            plan.visible,
            safety_stock=plan.channel.safety_stock,
            buffer=plan.channel.buffer,
            allocation=plan.allocation(item.code),
        )

    if not sku.is_bundle:
        return single(sku)
    return bundle_atp(
        {c.code: single(c) for c, _ in components}, {c.code: q for c, q in components}
    )


def stock_view(
    session: Session, code: str, plans: list[ChannelPlan] | None = None
) -> dict[str, Any]:
    """The v1 stock view of one SKU; pass ``plans`` when viewing many SKUs in a row."""
    sku = session.exec(select(Sku).where(Sku.code == code)).first()
    if sku is None:
        raise NotFoundError(
            f"unknown SKU {code!r}", field="sku", fix="list SKUs with `stockhub stock list`"
        )
    components = components_of(session, sku)
    ids = [sku.id] + [c.id for c, _ in components]
    levels = levels_by_location(session, ids)
    pushed = {
        state.channel_id: state
        for state in session.exec(select(ChannelSkuState).where(ChannelSkuState.sku_id == sku.id))
    }
    channels = {}
    for plan in plans if plans is not None else channel_plans(session):
        state = pushed.get(plan.channel.id)
        channels[plan.channel.code] = {
            "atp": atp_for(sku, plan, levels, components),
            "last_pushed": state.last_pushed if state else None,
            "pushed_at": iso_utc(state.pushed_at) if state and state.pushed_at else None,
        }
    return {
        "sku": sku.code,
        "locations": dict(sorted(levels.get(sku.id, {}).items())),
        "channels": channels,
        "oversold": oversold_units(session, sku.id),
    }


def atp_many(session: Session, plan: ChannelPlan, codes: list[str]) -> dict[str, int]:
    """ATP on one channel for many SKUs with a fixed number of queries (unknown codes left out)."""
    skus = list(session.exec(select(Sku).where(col(Sku.code).in_(codes))))
    parts: dict[int, list[tuple[Sku, int]]] = defaultdict(list)
    bundle_ids = [s.id for s in skus if s.is_bundle]
    if bundle_ids:
        rows = session.exec(
            select(SkuComponent, Sku)
            .join(Sku, col(Sku.id) == SkuComponent.component_id)
            .where(col(SkuComponent.bundle_id).in_(bundle_ids))
        )
        for link, component in rows:
            parts[link.bundle_id].append((component, link.quantity))
    ids = {s.id for s in skus} | {c.id for group in parts.values() for c, _ in group}
    levels = levels_by_location(session, sorted(i for i in ids if i is not None))
    return {s.code: atp_for(s, plan, levels, parts.get(s.id or 0, [])) for s in skus}


def components_of(session: Session, sku: Sku) -> list[tuple[Sku, int]]:
    if not sku.is_bundle:
        return []
    rows = session.exec(
        select(SkuComponent, Sku)
        .join(Sku, col(Sku.id) == SkuComponent.component_id)
        .where(SkuComponent.bundle_id == sku.id)
    )
    return [(component, link.quantity) for link, component in rows]


def oversold_units(session: Session, sku_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(Reservation.quantity), 0))
        .where(Reservation.sku_id == sku_id)
        .where(col(Reservation.location_id).is_(None))
        .where(Reservation.status == ReservationStatus.OPEN.value)
    ).one()
    return int(total)

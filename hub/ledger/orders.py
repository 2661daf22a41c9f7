"""Orders: reserve on placement (first reserve wins), release on cancel, ship on fulfilment.

Reservation takes units from the channel's locations in the order ``stockhub.toml`` lists them
(or the line's own location), never more than ``on_hand - reserved`` at each. Whatever no
location can cover is recorded as an *oversold* reservation (no location) and raises an
exception, so overselling is a number someone sees, not a surprise.

Events for one order line may arrive out of order: a cancellation or fulfilment of a line the hub
has not seen placed leaves a closed, zero-quantity reservation behind, so the late placement
finds the line already settled and reserves nothing.
"""

from __future__ import annotations

from sqlmodel import col, select

from hub.errors import OwnershipError, ValidationError
from hub.events import OrderCancelled, OrderFulfilled, OrderPlaced
from hub.ledger.context import ApplyContext
from hub.models import Channel, ChannelLocation, Location, Reservation, Sku
from hub.store.types import utcnow
from hub.vocabulary import Bucket, ReservationStatus, Severity

ANY_LINE = "*"  # tombstone for "the whole order" (cancelled before it was placed)


def apply_placed(ctx: ApplyContext, data: OrderPlaced) -> None:
    channel = _own_channel(ctx, data.channel)
    visible = _visible_locations(ctx, channel)
    oversold: dict[str, int] = {}
    for index, line in enumerate(data.lines):
        if _line_known(ctx, channel, data.order, line.line):
            ctx.notes.append(f"line {line.line!r} of order {data.order!r} already known; skipped")
            continue
        sku = ctx.sku(line.sku, f"data.lines[{index}].sku")
        locations = visible
        if line.location is not None:
            location = ctx.location(line.location, f"data.lines[{index}].location")
            if location.id not in {loc.id for loc in visible}:
                raise ValidationError(
                    f"channel {channel.code!r} does not sell from {location.code!r}",
                    field=f"data.lines[{index}].location",
                    fix="add it to the channel's locations in stockhub.toml or omit the field",
                )
            locations = [location]
        for component, per in ctx.components(sku):
            short = _reserve(
                ctx,
                channel,
                data.order,
                line.line,
                component,
                per,
                sku,
                line.quantity * per,
                locations,
            )
            if short:
                oversold[component.code] = oversold.get(component.code, 0) + short
    for code, units in oversold.items():
        ctx.raise_exception(
            "oversold",
            f"sku:{code}",
            f"order {data.order!r} on {channel.code} oversold {units} unit(s) of {code}",
            Severity.ERROR,
            channel=channel.code,
            details={"order": data.order, "oversold": units},
        )


def _reserve(ctx, channel, order, line, component, per, parent, need, locations) -> int:
    """Reserve ``need`` units of ``component``; returns the units no location could cover."""
    parent_id = parent.id if parent.id != component.id else None
    for location in locations:
        free = ctx.quantity(component, location, Bucket.ON_HAND) - ctx.quantity(
            component, location, Bucket.RESERVED
        )
        take = min(max(free, 0), need)
        if take:
            ctx.move(component, location, Bucket.RESERVED, take, f"order {order}")
            ctx.session.add(
                _reservation(
                    ctx, channel, order, line, component, per, parent_id, location.id, take
                )
            )
            need -= take
        if not need:
            return 0
    ctx.session.add(_reservation(ctx, channel, order, line, component, per, parent_id, None, need))
    return need


def apply_cancelled(ctx: ApplyContext, data: OrderCancelled) -> None:
    channel = _own_channel(ctx, data.channel)
    rows = _open_rows(ctx, channel, data.order, data.lines)
    for row in rows:
        _release(ctx, row, ReservationStatus.CANCELLED)
    known = {row.line for row in _all_rows(ctx, channel, data.order)}
    for line in data.lines or [ANY_LINE]:
        if line not in known:
            ctx.session.add(
                _tombstone(ctx, channel, data.order, line, None, ReservationStatus.CANCELLED)
            )


def apply_fulfilled(ctx: ApplyContext, data: OrderFulfilled) -> None:
    channel = ctx.channel(data.channel, "data.channel")
    location = ctx.location(data.location, "data.location")
    ctx.require_owner(location, "shipments", channel.code)
    for index, line in enumerate(data.lines):
        sku = ctx.sku(line.sku, f"data.lines[{index}].sku")
        rows = _open_rows(ctx, channel, data.order, [line.line])
        if not rows and not _line_known(ctx, channel, data.order, line.line):
            ctx.session.add(
                _tombstone(ctx, channel, data.order, line.line, sku.id, ReservationStatus.FULFILLED)
            )
        for component, per in ctx.components(sku):
            units = line.quantity * per
            mine = [r for r in rows if r.sku_id == component.id]
            mine.sort(key=lambda r: (r.location_id != location.id, r.location_id is None, r.id))
            left = units
            for row in mine:
                take = min(row.quantity, left)
                if row.location_id is not None:
                    held = ctx.session.get(Location, row.location_id)
                    ctx.move(component, held, Bucket.RESERVED, -take, f"order {data.order}")
                row.quantity -= take
                left -= take
                if row.quantity == 0:
                    row.status = ReservationStatus.FULFILLED.value
                    row.closed_at = utcnow()
                ctx.session.add(row)
                if not left:
                    break
            ctx.move(component, location, Bucket.ON_HAND, -units, f"shipped order {data.order}")


def _own_channel(ctx: ApplyContext, code: str) -> Channel:
    channel = ctx.channel(code, "data.channel")
    if ctx.event.source != channel.code and not ctx.policy.is_operator(ctx.event.source):
        raise OwnershipError(
            f"{ctx.event.source!r} cannot place or cancel orders of channel {channel.code!r}",
            field="source",
            fix=f"send {channel.code}'s orders from {channel.code!r}",
        )
    return channel


def _visible_locations(ctx: ApplyContext, channel: Channel) -> list[Location]:
    return list(
        ctx.session.exec(
            select(Location)
            .join(ChannelLocation, col(ChannelLocation.location_id) == Location.id)
            .where(ChannelLocation.channel_id == channel.id)
            .where(col(Location.active))
            .order_by(col(ChannelLocation.position))
        ).all()
    )


def _all_rows(ctx: ApplyContext, channel: Channel, order: str) -> list[Reservation]:
    return list(
        ctx.session.exec(
            select(Reservation)
            .where(Reservation.channel_id == channel.id)
            .where(Reservation.order_ref == order)
        ).all()
    )


def _line_known(ctx: ApplyContext, channel: Channel, order: str, line: str) -> bool:
    return any(row.line in (line, ANY_LINE) for row in _all_rows(ctx, channel, order))


def _open_rows(ctx, channel, order, lines) -> list[Reservation]:
    query = (
        select(Reservation)
        .where(Reservation.channel_id == channel.id)
        .where(Reservation.order_ref == order)
        .where(Reservation.status == ReservationStatus.OPEN.value)
        .order_by(col(Reservation.id))
    )
    if lines is not None:
        query = query.where(col(Reservation.line).in_(lines))
    return list(ctx.session.exec(query).all())


def _release(ctx: ApplyContext, row: Reservation, status: ReservationStatus) -> None:
    if row.location_id is not None and row.quantity:
        sku = ctx.session.get(Sku, row.sku_id)
        ctx.lock(sku)
        location = ctx.session.get(Location, row.location_id)
        ctx.move(sku, location, Bucket.RESERVED, -row.quantity, f"released order {row.order_ref}")
    row.quantity = 0
    row.status = status.value
    row.closed_at = utcnow()
    ctx.session.add(row)


def _reservation(ctx, channel, order, line, sku, per, parent_id, location_id, quantity):
    return Reservation(
        channel_id=channel.id,
        order_ref=order,
        line=line,
        sku_id=sku.id,
        parent_sku_id=parent_id,
        units_per=per,
        location_id=location_id,
        quantity=quantity,
        event_key=ctx.event.id,
    )


def _tombstone(ctx, channel, order, line, sku_id, status: ReservationStatus) -> Reservation:
    """A closed, empty reservation that tells a late ``order.placed`` the line is settled."""
    return Reservation(
        channel_id=channel.id,
        order_ref=order,
        line=line,
        sku_id=sku_id,
        location_id=None,
        quantity=0,
        status=status.value,
        event_key=ctx.event.id,
        closed_at=utcnow(),
    )

"""ShipBob records → canonical events. Pure functions: no I/O, no clock.

Identifiers in events are ShipBob's: inventory ids for SKUs and fulfillment center ids for
locations (the hub resolves both through the crosswalk under the channel's code), ShipBob order
ids for orders. Every event id is derived from the record, so a record seen again — a retried
webhook, a later webhook about the same thing, a pull — yields the same ids and changes nothing.

* **Counts** — a level becomes ``stock.counted`` through the quantity-field map, as of the
  moment ShipBob answered; the id carries that moment and a digest of the quantities.
* **Shipments** — state, not topic, decides: an open shipment (Processing, OnHold, Exception…)
  is ``order.placed`` (ShipBob committed the units), a ``Completed`` one is also
  ``order.fulfilled`` at its fulfillment center, a ``Cancelled`` one ``order.cancelled``. One
  order line per (shipment, inventory item), so placement, shipment and cancellation meet.
* **Returns** — ``Arrived``/``Processing``/``Completed`` mean received (``return.received`` at
  the fulfillment center); each ``action_taken`` entry is an inspection with the warehouse's
  condition and a disposition: Restock → sellable/restock, Quarantine → quarantine, Dispose →
  write_off. AwaitingArrival and Cancelled returns moved no stock.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from hub import records
from hub.errors import MappingError, ValidationError
from hub.records import path
from hub.vocabulary import Bucket, Condition, Disposition

ORDER_TOPICS = frozenset(
    {
        "order.shipped",
        "order.shipment.delivered",
        "order.shipment.exception",
        "order.shipment.on_hold",
        "order.shipment.cancelled",
    }
)
RETURN_TOPICS = frozenset({"return.created", "return.updated", "return.completed"})
SHIPPED, CANCELLED = "completed", "cancelled"
RECEIVED_STATES = frozenset({"arrived", "processing", "completed"})
DISPOSITIONS = {
    "restock": Disposition.RESTOCK,
    "quarantine": Disposition.QUARANTINE,
    "dispose": Disposition.WRITE_OFF,
}
_WORD = re.compile(r"[^a-z0-9]+")
TIME_FIELDS = ("created_date", "last_update_at", "actual_fulfillment_date")
RETURN_TIME_FIELDS = ("arrived_date", "processing_date", "completed_date", "insert_date")


# --- webhooks --------------------------------------------------------------------------------


def webhook_events(
    topic: str, record: Any, channel: str, known_channels: Collection[str] = ()
) -> list[dict[str, Any]]:
    """The canonical events one webhook record stands for ([] for topics the hub ignores)."""
    record = records.an_object(record, "body")
    if topic in ORDER_TOPICS:
        if "shipments" in record:
            return order_events(record, channel, known_channels)
        return shipment_events(record, channel, record.get("channel"), known_channels)
    if topic in RETURN_TOPICS:
        return return_events(record, channel)
    return []  # billing.* and anything newer: no stock meaning


# --- counts ----------------------------------------------------------------------------------


def count_event(
    inventory_id: Any,
    location: str,
    fields: Mapping[str, Any],
    as_of: str,
    channel: str,
    quantity_map: Mapping[str, Bucket | None],
) -> dict[str, Any] | None:
    """A level (ShipBob quantity fields of one item at one location) as ``stock.counted``."""
    buckets = bucket_quantities(fields, quantity_map)
    if not buckets:
        return None
    item = records.identifier(inventory_id, "inventory_id")
    stamp = timestamp(as_of, "as_of")
    event_id = f"{channel}/count/{item}/{location}/{stamp}/{quantity_digest(fields)}"
    return _event(
        event_id, "stock.counted", stamp, channel,
        sku=item, location=location, as_of=stamp, quantities=buckets,
    )  # fmt: skip


def quantity_fields(record: Mapping[str, Any]) -> dict[str, int]:
    """The ``*_quantity`` fields of a level record (ids and names left out)."""
    return {k: v for k, v in record.items() if k.endswith("_quantity") and v is not None}


def bucket_quantities(
    fields: Mapping[str, Any], quantity_map: Mapping[str, Bucket | None]
) -> dict[str, int]:
    """ShipBob quantity fields → hub buckets through the map (summing shared buckets)."""
    buckets: dict[str, int] = {}
    for name, quantity in sorted(fields.items()):
        if name not in quantity_map:
            raise MappingError(
                f"ShipBob quantity field {name!r} is not in the quantity map",
                field=name,
                fix=f"add '{name}: <bucket or null>' to mappings/shipbob/quantities.yaml",
            )
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise ValidationError(
                f"{name} must be an integer, got {records.shown(quantity)}", field=name
            )
        bucket = quantity_map[name]
        if bucket is not None:
            buckets[bucket.value] = buckets.get(bucket.value, 0) + max(quantity, 0)
    return buckets


def quantity_digest(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(sorted(fields.items())).encode()).hexdigest()[:10]


# --- orders and shipments ---------------------------------------------------------------------


def order_events(
    order: dict[str, Any], channel: str, known_channels: Collection[str] = ()
) -> list[dict[str, Any]]:
    """Every event an order's shipments stand for (none for orders known from elsewhere)."""
    events: list[dict[str, Any]] = []
    for where, shipment in records.objects_at(order, "shipments"):
        shipment = {"order_id": order.get("id"), **shipment}
        events.extend(
            shipment_events(shipment, channel, order.get("channel"), known_channels, where)
        )
    return events


def shipment_events(
    shipment: dict[str, Any],
    channel: str,
    origin: Any = None,
    known_channels: Collection[str] = (),
    where: str = "",
) -> list[dict[str, Any]]:
    """A shipment's facts: placed while open, fulfilled once Completed, or cancelled.

    :param origin: the order's sales ``channel`` object, when known.
    :param where: the shipment's path in the record (``shipments[0]``), for error fields.
    """
    if origin is not None:
        origin = records.an_object(origin, "channel")
        if records.id_at(origin, "id", "channel", required=False) in known_channels:
            return []  # the sales channel reports this order and its fulfilment itself
    sid = records.id_at(shipment, "id", where)
    order = records.id_at(shipment, "order_id", where)
    lines = shipment_lines(shipment, sid, where)
    if not lines:
        return []
    status = _state(records.text_at(shipment, "status", where, required=False))
    base, facts = f"{channel}/shipment/{sid}", {"channel": channel, "order": order}
    location = _location(shipment, "location", where)
    stamps = {key: _stamp(shipment, key, where) for key in TIME_FIELDS}
    created = timestamp(
        stamps["created_date"] or stamps["last_update_at"], path(where, "created_date")
    )
    if status == CANCELLED:
        at = timestamp(stamps["last_update_at"] or created, path(where, "last_update_at"))
        return [_event(f"{base}/cancelled", "order.cancelled", at, channel,
                       lines=[line["line"] for line in lines], **facts)]  # fmt: skip
    placed = [{**line, "location": location} if location else line for line in lines]
    events = [_event(f"{base}/placed", "order.placed", created, channel, lines=placed, **facts)]
    if status == SHIPPED or stamps["actual_fulfillment_date"]:
        if location is None:
            raise ValidationError(
                f"shipment {sid} has no fulfillment center", field=path(where, "location.id")
            )
        tracking = records.object_at(shipment, "tracking", where)
        shipped = timestamp(
            stamps["actual_fulfillment_date"]
            or _stamp(tracking, "shipping_date", path(where, "tracking"))
            or stamps["last_update_at"]
            or created,
            path(where, "actual_fulfillment_date"),
        )
        events.append(_event(f"{base}/shipped", "order.fulfilled", shipped, channel,
                             location=location, lines=lines, **facts))  # fmt: skip
    return events


def shipment_lines(shipment: dict[str, Any], sid: str, where: str = "") -> list[dict[str, Any]]:
    """One line per inventory item of the shipment (an item in two products is summed)."""
    units: dict[str, int] = {}
    for here, product in records.objects_at(shipment, "products", where):
        for there, item in records.objects_at(product, "inventory_items", here):
            inventory = records.id_at(item, "id", there)
            units[inventory] = units.get(inventory, 0) + records.count_at(item, "quantity", there)
    return [
        {"line": f"{sid}/{inventory}", "sku": inventory, "quantity": quantity}
        for inventory, quantity in sorted(units.items())
        if quantity > 0
    ]


# --- returns ---------------------------------------------------------------------------------


def return_code(channel: str, return_id: Any) -> str:
    """The hub's code for a ShipBob return: unique across systems."""
    return f"{channel}/return/{records.identifier(return_id, 'id')}"


def return_events(record: dict[str, Any], channel: str) -> list[dict[str, Any]]:
    """received → inspected → dispositioned, as far as the return has come."""
    rid = records.id_at(record, "id")
    if _state(records.text_at(record, "status", required=False)) not in RECEIVED_STATES:
        return []  # AwaitingArrival or Cancelled: nothing is at the warehouse
    code = return_code(channel, rid)
    base = f"{channel}/return/{rid}"
    location = _location(record, "fulfillment_center")
    if location is None:
        raise ValidationError(
            f"return {rid} has no fulfillment center", field="fulfillment_center.id"
        )
    stamps = {key: _stamp(record, key) for key in RETURN_TIME_FIELDS}
    received_at = timestamp(
        stamps["arrived_date"] or stamps["processing_date"]
        or stamps["completed_date"] or stamps["insert_date"],
        "arrived_date",
    )  # fmt: skip
    items = records.objects_at(record, "inventory")
    lines = _return_lines(items)
    if not lines:
        return []
    facts: dict[str, Any] = {"return": code, "location": location, "lines": lines}
    order = records.id_at(record, "store_order_id", required=False)
    if order:
        facts["order"] = order
    events = [_event(f"{base}/received", "return.received", received_at, channel, **facts)]
    handled_at = timestamp(
        stamps["completed_date"] or stamps["processing_date"] or received_at, "processing_date"
    )
    for step in actions(items):
        key = f"{base}/item/{step['sku']}/action/{step['index']}"
        events.append(_event(f"{key}/inspected", "return.inspected", handled_at, channel,
                             **{"return": code, "lines": [
                                 {"sku": step["sku"], "quantity": step["quantity"],
                                  "condition": step["condition"].value}]}))  # fmt: skip
        events.append(_event(f"{key}/dispositioned", "return.dispositioned", handled_at, channel,
                             **{"return": code, "lines": [
                                 {"sku": step["sku"], "quantity": step["quantity"],
                                  "disposition": step["disposition"].value}]}))  # fmt: skip
    return events


def _return_lines(items: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    units: dict[str, int] = {}
    for where, item in items:
        sku = records.id_at(item, "id", where)
        units[sku] = units.get(sku, 0) + records.count_at(item, "quantity", where)
    return [{"sku": s, "quantity": q} for s, q in sorted(units.items()) if q > 0]


def actions(items: Iterable[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each processed action of each returned item (``(path, item)`` pairs, as
    :func:`hub.records.objects_at` gives them): sku, index, quantity, condition, disposition."""
    found = []
    for here, item in items:
        sku = records.id_at(item, "id", here)
        asked = records.object_at(item, "action_requested", here)
        requested = records.text_at(asked, "action", path(here, "action_requested"),
                                    required=False)  # fmt: skip
        for j, (where, taken) in enumerate(records.objects_at(item, "action_taken", here)):
            quantity = records.count_at(taken, "quantity_processed", where)
            if quantity == 0:
                continue
            action = records.text_at(taken, "action", where, required=False)
            disposition = disposition_of(action, requested, path(where, "action"))
            reason = records.text_at(taken, "action_reason", where, required=False)
            condition = condition_of(disposition, reason)
            found.append({"sku": sku, "index": j, "quantity": quantity,
                          "condition": condition, "disposition": disposition})  # fmt: skip
    return found


def disposition_of(action: Any, requested: Any, field: str) -> Disposition:
    """ShipBob's ReturnAction → disposition; ``Default`` means the action requested."""
    chosen = _state(action)
    if chosen in ("default", "") and requested:
        chosen = _state(requested)
    if chosen not in DISPOSITIONS:
        raise MappingError(
            f"ShipBob return action {records.shown(action)} has no disposition",
            field=field,
            fix="expected Restock, Quarantine or Dispose "
            f"(got {records.shown(action)}, requested {records.shown(requested)})",
        )
    return DISPOSITIONS[chosen]


def condition_of(disposition: Disposition, reason: Any) -> Condition:
    """The unit's condition: restocked units are sellable; otherwise the warehouse's reason
    when it names a condition (Damaged, Defective, Wrong item), else damaged."""
    if disposition is Disposition.RESTOCK:
        return Condition.SELLABLE
    words = _WORD.sub("_", str(reason or "").lower()).strip("_")
    for condition in (Condition.WRONG_ITEM, Condition.DEFECTIVE, Condition.DAMAGED):
        if condition.value in words:
            return condition
    return Condition.DAMAGED


# --- small parts -----------------------------------------------------------------------------


def timestamp(value: Any, field: str) -> str:
    """An ISO 8601 instant in UTC with ``Z``; ShipBob's times without an offset are UTC."""
    text = records.text(value, field).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)  # 9999-12-31T23:00-05:00 is past year 9999: Overflow
    except (ValueError, OverflowError) as exc:
        raise ValidationError(
            f"{field} is not an ISO 8601 time: {records.shown(text)}", field=field
        ) from exc
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _stamp(record: dict[str, Any], key: str, where: str = "") -> str | None:
    """The time text at ``key``, or None when absent or empty (the next candidate is used)."""
    return records.text_at(record, key, where, required=False) or None


def _state(value: Any) -> str:
    """``"Awaiting Arrival"``, ``"AwaitingArrival"`` → ``"awaitingarrival"``."""
    return _WORD.sub("", str(value or "").lower())


def _location(record: dict[str, Any], key: str, where: str = "") -> str | None:
    """The id of the fulfillment center object at ``key``; None when it names none."""
    place = records.object_at(record, key, where)
    return records.id_at(place, "id", path(where, key), required=False)


def _event(event_id: str, type_: str, at: str, source: str, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": type_, "source": source, "occurred_at": at, "data": data}

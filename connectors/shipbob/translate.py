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

from hub.errors import MappingError, ValidationError
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


# --- webhooks --------------------------------------------------------------------------------


def webhook_events(
    topic: str, record: Any, channel: str, known_channels: Collection[str] = ()
) -> list[dict[str, Any]]:
    """The canonical events one webhook record stands for ([] for topics the hub ignores)."""
    if not isinstance(record, dict):
        raise ValidationError(f"{topic} record must be a JSON object", field="body")
    if topic in ORDER_TOPICS:
        if isinstance(record.get("shipments"), list):
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
    item = _id(inventory_id, "inventory_id")
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
            raise ValidationError(f"{name} must be an integer, got {quantity!r}", field=name)
        bucket = quantity_map[name]
        if bucket is not None:
            buckets[bucket.value] = buckets.get(bucket.value, 0) + max(quantity, 0)
    return buckets


def quantity_digest(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(sorted(fields.items())).encode()).hexdigest()[:10]


# --- orders and shipments ---------------------------------------------------------------------


def order_events(
    order: Mapping[str, Any], channel: str, known_channels: Collection[str] = ()
) -> list[dict[str, Any]]:
    """Every event an order's shipments stand for (none for orders known from elsewhere)."""
    events: list[dict[str, Any]] = []
    for index, shipment in enumerate(order.get("shipments") or []):
        if not isinstance(shipment, dict):
            raise ValidationError("a shipment must be an object", field=f"shipments[{index}]")
        shipment = {"order_id": order.get("id"), **shipment}
        events.extend(shipment_events(shipment, channel, order.get("channel"), known_channels))
    return events


def shipment_events(
    shipment: Mapping[str, Any],
    channel: str,
    origin: Any = None,
    known_channels: Collection[str] = (),
) -> list[dict[str, Any]]:
    """A shipment's facts: placed while open, fulfilled once Completed, or cancelled."""
    if isinstance(origin, dict) and str(origin.get("id")) in known_channels:
        return []  # the sales channel reports this order and its fulfilment itself
    sid = _id(shipment.get("id"), "id")
    order = _id(shipment.get("order_id"), "order_id")
    lines = shipment_lines(shipment, sid)
    if not lines:
        return []
    status = _state(shipment.get("status"))
    base, facts = f"{channel}/shipment/{sid}", {"channel": channel, "order": order}
    location = _location(shipment)
    created = timestamp(
        shipment.get("created_date") or shipment.get("last_update_at"), "created_date"
    )
    if status == CANCELLED:
        at = timestamp(shipment.get("last_update_at") or created, "last_update_at")
        return [_event(f"{base}/cancelled", "order.cancelled", at, channel,
                       lines=[line["line"] for line in lines], **facts)]  # fmt: skip
    placed = [{**line, "location": location} if location else line for line in lines]
    events = [_event(f"{base}/placed", "order.placed", created, channel, lines=placed, **facts)]
    if status == SHIPPED or shipment.get("actual_fulfillment_date"):
        if location is None:
            raise ValidationError(f"shipment {sid} has no fulfillment center", field="location.id")
        tracking = shipment.get("tracking") or {}
        shipped = timestamp(
            shipment.get("actual_fulfillment_date")
            or tracking.get("shipping_date")
            or shipment.get("last_update_at")
            or created,
            "actual_fulfillment_date",
        )
        events.append(_event(f"{base}/shipped", "order.fulfilled", shipped, channel,
                             location=location, lines=lines, **facts))  # fmt: skip
    return events


def shipment_lines(shipment: Mapping[str, Any], sid: str) -> list[dict[str, Any]]:
    """One line per inventory item of the shipment (an item in two products is summed)."""
    units: dict[str, int] = {}
    for p, product in enumerate(shipment.get("products") or []):
        for i, item in enumerate(product.get("inventory_items") or []):
            where = f"products[{p}].inventory_items[{i}]"
            inventory = _id(item.get("id"), f"{where}.id")
            quantity = item.get("quantity")
            if not isinstance(quantity, int) or quantity < 0:
                raise ValidationError(
                    f"quantity must be >= 0, got {quantity!r}", field=f"{where}.quantity"
                )
            units[inventory] = units.get(inventory, 0) + quantity
    return [
        {"line": f"{sid}/{inventory}", "sku": inventory, "quantity": quantity}
        for inventory, quantity in sorted(units.items())
        if quantity > 0
    ]


# --- returns ---------------------------------------------------------------------------------


def return_code(channel: str, return_id: Any) -> str:
    """The hub's code for a ShipBob return: unique across systems."""
    return f"{channel}/return/{_id(return_id, 'id')}"


def return_events(record: Mapping[str, Any], channel: str) -> list[dict[str, Any]]:
    """received → inspected → dispositioned, as far as the return has come."""
    rid = _id(record.get("id"), "id")
    if _state(record.get("status")) not in RECEIVED_STATES:
        return []  # AwaitingArrival or Cancelled: nothing is at the warehouse
    code = return_code(channel, rid)
    base = f"{channel}/return/{rid}"
    location = _location(record, "fulfillment_center")
    if location is None:
        raise ValidationError(
            f"return {rid} has no fulfillment center", field="fulfillment_center.id"
        )
    received_at = timestamp(
        record.get("arrived_date") or record.get("processing_date")
        or record.get("completed_date") or record.get("insert_date"),
        "arrived_date",
    )  # fmt: skip
    items = record.get("inventory") or []
    lines = _return_lines(items)
    if not lines:
        return []
    facts: dict[str, Any] = {"return": code, "location": location, "lines": lines}
    if record.get("store_order_id"):
        facts["order"] = str(record["store_order_id"]).strip()
    events = [_event(f"{base}/received", "return.received", received_at, channel, **facts)]
    handled_at = timestamp(
        record.get("completed_date") or record.get("processing_date") or received_at,
        "processing_date",
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


def _return_lines(items: Iterable[Any]) -> list[dict[str, Any]]:
    units: dict[str, int] = {}
    for i, item in enumerate(items):
        sku = _id(item.get("id"), f"inventory[{i}].id")
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or quantity < 0:
            raise ValidationError(
                f"quantity must be >= 0, got {quantity!r}", field=f"inventory[{i}].quantity"
            )
        units[sku] = units.get(sku, 0) + quantity
    return [{"sku": s, "quantity": q} for s, q in sorted(units.items()) if q > 0]


def actions(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Each processed action of each returned item: sku, index, quantity, condition, disposition."""
    found = []
    for i, item in enumerate(items):
        sku = _id(item.get("id"), f"inventory[{i}].id")
        requested = (item.get("action_requested") or {}).get("action")
        for j, taken in enumerate(item.get("action_taken") or []):
            where = f"inventory[{i}].action_taken[{j}]"
            quantity = taken.get("quantity_processed")
            if not isinstance(quantity, int) or quantity < 0:
                raise ValidationError(
                    f"quantity_processed must be >= 0, got {quantity!r}",
                    field=f"{where}.quantity_processed",
                )
            if quantity == 0:
                continue
            disposition = disposition_of(taken.get("action"), requested, f"{where}.action")
            condition = condition_of(disposition, taken.get("action_reason"))
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
            f"ShipBob return action {action!r} has no disposition",
            field=field,
            fix="expected Restock, Quarantine or Dispose "
            f"(got {action!r}, requested {requested!r})",
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
    if not value:
        raise ValidationError(f"{field} is missing", field=field)
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValidationError(f"{field} is not an ISO 8601 time: {text!r}", field=field) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _state(value: Any) -> str:
    """``"Awaiting Arrival"``, ``"AwaitingArrival"`` → ``"awaitingarrival"``."""
    return _WORD.sub("", str(value or "").lower())


def _id(value: Any, field: str) -> str:
    if isinstance(value, bool) or value is None or str(value).strip() == "":
        raise ValidationError(f"{field} is missing", field=field)
    return str(value).strip()


def _location(record: Mapping[str, Any], key: str = "location") -> str | None:
    place = record.get(key)
    if isinstance(place, dict) and place.get("id") is not None:
        return str(place["id"])
    return None


def _event(event_id: str, type_: str, at: str, source: str, **data: Any) -> dict[str, Any]:
    return {"id": event_id, "type": type_, "source": source, "occurred_at": at, "data": data}

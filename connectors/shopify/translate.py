"""Shopify records ↔ canonical events and push inputs. Pure functions: no I/O, no clock.

Records come from :mod:`connectors.shopify.records` (webhook or GraphQL shape alike).
Identifiers in events are Shopify GIDs, which the hub resolves through the crosswalk:
``gid://shopify/ProductVariant/…`` for SKUs (order lines name variants), ``…/Location/…`` for
locations, ``…/Order/…`` for orders. Pushes take variant or ``…/InventoryItem/…`` GIDs.

Order facts → events (ids ``<channel>/order/<order id>/…``): the order → ``order.placed``; each
successful fulfillment → ``order.fulfilled`` at its location; a refund line restocked as
``cancel`` → ``order.cancelled`` for its lines; restocked as ``return`` → ``return.received``
at the restock location; ``cancelled_at`` → ``order.cancelled``. ``no_restock`` changes no
stock. Translating an older copy of an order again never undoes a newer one: every fact has its
own id and nothing here emits "un-cancel" or "un-fulfil".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.shopify.records import (
    Level,
    Order,
    Refund,
    legacy_id,
    order_from_webhook,
    refund_from_webhook,
)
from hub.errors import MappingError, ValidationError
from hub.vocabulary import Bucket

ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
        "orders/paid",
    }
)
REFUND_TOPIC = "refunds/create"
LEVEL_TOPIC = "inventory_levels/update"
ORDER_EVENTS, RETURN_EVENTS = "orders", "returns"


# --- canonical events -------------------------------------------------------------------------


def webhook_events(topic: str, body: Any, channel: str) -> list[dict[str, Any]]:
    """The canonical events one webhook record stands for ([] for topics the hub ignores)."""
    if topic in ORDER_TOPICS:
        return order_events(order_from_webhook(body), channel)
    if topic == REFUND_TOPIC:
        order_id, refund = refund_from_webhook(body)
        return refund_events(order_id, refund, {}, channel)
    # inventory_levels/update and the rest: a sales channel's own numbers are never applied
    # to the ledger (reconciliation compares them); the record stays in the inbox.
    return []


def order_events(
    order: Order, channel: str, kinds: Sequence[str] = (ORDER_EVENTS, RETURN_EVENTS)
) -> list[dict[str, Any]]:
    """Every canonical event an order's current state stands for, oldest fact first."""
    variants = {line.id: line.variant for line in order.lines}
    base = f"{channel}/order/{legacy_id(order.id)}"
    facts = {"channel": channel, "order": order.id}
    events: list[dict[str, Any]] = []
    if ORDER_EVENTS in kinds:
        lines = [
            {"line": line.id, "sku": line.variant, "quantity": line.quantity}
            for line in order.lines
            if line.variant and line.quantity > 0
        ]
        if lines:
            events.append(
                _event(f"{base}/placed", "order.placed", order.created_at, lines=lines, **facts)
            )
        events.extend(_fulfilled(order, variants, base, facts))
    shipped = {line for f in order.fulfillments if f.status == "success" for line, _ in f.lines}
    for refund in order.refunds:
        events.extend(refund_events(order.id, refund, variants, channel, shipped, kinds))
    if order.cancelled_at and ORDER_EVENTS in kinds:
        events.append(_event(f"{base}/cancelled", "order.cancelled", order.cancelled_at, **facts))
    return events


def _fulfilled(
    order: Order, variants: Mapping[str, str | None], base: str, facts: dict[str, str]
) -> list[dict[str, Any]]:
    """One ``order.fulfilled`` per successful fulfillment (others moved no stock)."""
    events = []
    for f in order.fulfillments:
        done = [
            {"line": line, "sku": variants[line], "quantity": qty}
            for line, qty in f.lines
            if variants.get(line) and qty > 0
        ]
        if f.status != "success" or not done:
            continue
        if f.location is None:
            raise ValidationError(f"fulfillment {f.id} has no location", field="location_id")
        events.append(
            _event(
                f"{base}/fulfillment/{legacy_id(f.id)}",
                "order.fulfilled",
                f.created_at,
                location=f.location,
                lines=done,
                **facts,
            )
        )
    return events


def refund_events(
    order_id: str,
    refund: Refund,
    variants: Mapping[str, str | None],
    channel: str,
    shipped: frozenset[str] | set[str] = frozenset(),
    kinds: Sequence[str] = (ORDER_EVENTS, RETURN_EVENTS),
) -> list[dict[str, Any]]:
    """A refund's stock meaning by restock type: cancel releases lines, return receives units.

    ``legacy_restock`` (refunds made before restock types existed) is a return for a line that
    was shipped and a cancel for one that was not.
    """
    base = f"{channel}/order/{legacy_id(order_id)}/refund/{legacy_id(refund.id)}"
    facts = {"channel": channel, "order": order_id}
    cancelled: list[str] = []
    returned: dict[str, dict[str, int]] = {}
    for i, line in enumerate(refund.lines):
        kind = line.restock_type
        if kind == "legacy_restock":
            kind = "return" if (line.shipped or line.line in shipped) else "cancel"
        sku = line.variant or variants.get(line.line)
        if kind == "cancel" and line.line not in cancelled:
            cancelled.append(line.line)
        elif kind == "return" and sku and line.quantity > 0:
            if line.location is None:
                raise ValidationError(
                    f"refund {refund.id} returns {line.line} without a restock location",
                    field=f"refund_line_items[{i}].location_id",
                )
            per = returned.setdefault(line.location, {})
            per[sku] = per.get(sku, 0) + line.quantity
    events = []
    if cancelled and ORDER_EVENTS in kinds:
        events.append(
            _event(f"{base}/cancel", "order.cancelled", refund.created_at, lines=cancelled, **facts)
        )
    for location, skus in sorted(returned.items()) if RETURN_EVENTS in kinds else ():
        lines = [{"sku": sku, "quantity": qty} for sku, qty in sorted(skus.items())]
        events.append(
            _event(
                f"{base}/return/{legacy_id(location)}",
                "return.received",
                refund.created_at,
                location=location,
                lines=lines,
                **facts,
                **{"return": f"{refund.id}@{legacy_id(location)}"},
            )
        )
    return events


def bucket_quantities(
    quantities: Mapping[str, int], quantity_map: Mapping[str, Bucket | None]
) -> dict[str, int]:
    """Shopify quantity names → hub buckets through the quantity map (summing shared buckets)."""
    buckets: dict[str, int] = {}
    for name, quantity in sorted(quantities.items()):
        if name not in quantity_map:
            raise MappingError(
                f"Shopify quantity name {name!r} is not in the quantity map",
                field="quantities",
                fix=f"add '{name}: <bucket or null>' to mappings/shopify/quantities.yaml",
            )
        bucket = quantity_map[name]
        if bucket is not None:
            buckets[bucket.value] = buckets.get(bucket.value, 0) + max(int(quantity), 0)
    return buckets


def level_event(
    level: Level, channel: str, quantity_map: Mapping[str, Bucket | None]
) -> dict[str, Any] | None:
    """An inventory level as ``stock.counted`` of its variant at its location, as of updatedAt.

    The id carries the level, its time and a digest of its quantities, so the same level read
    twice is one event and two changes within one second are two.
    """
    buckets = bucket_quantities(level.quantities, quantity_map)
    if not buckets:
        return None
    digest = hashlib.sha256(json.dumps(sorted(level.quantities.items())).encode()).hexdigest()
    event_id = (
        f"{channel}/level/{legacy_id(level.item)}/{legacy_id(level.location)}/"
        f"{level.updated_at}/{digest[:10]}"
    )
    return _event(
        event_id,
        "stock.counted",
        level.updated_at,
        source=channel,
        sku=level.variant or level.item,
        location=level.location,
        as_of=level.updated_at,
        quantities=buckets,
    )


def _event(event_id: str, type_: str, at: str, source: str = "", **data: Any) -> dict[str, Any]:
    """A wire-form event; its source is the channel (``data.channel`` when not given)."""
    source = source or data["channel"]
    return {"id": event_id, "type": type_, "source": source, "occurred_at": at, "data": data}


# --- push inputs and answers -----------------------------------------------------------------


def quantity_input(
    item: str, location: str, quantity: int, expected: int | None, change_from: bool
) -> dict[str, Any]:
    """One ``InventoryQuantityInput``: changeFromQuantity (always present, null opts out) from
    2026-04, else compareQuantity when there is an expected value."""
    entry: dict[str, Any] = {"inventoryItemId": item, "locationId": location, "quantity": quantity}
    if change_from:
        entry["changeFromQuantity"] = expected
    elif expected is not None:
        entry["compareQuantity"] = expected
    return entry


def set_quantities_input(
    quantities: list[dict[str, Any]], reference: str, change_from: bool
) -> dict[str, Any]:
    """``InventorySetQuantitiesInput`` for ``available``; before 2026-04 a batch without any
    compareQuantity opts out of the check explicitly (Shopify requires one or the other)."""
    body: dict[str, Any] = {
        "reason": "correction",
        "name": "available",
        "referenceDocumentUri": reference,
        "quantities": quantities,
    }
    if not change_from and not any("compareQuantity" in q for q in quantities):
        body["ignoreCompareQuantity"] = True
    return body


def user_error_index(error: Mapping[str, Any]) -> int | None:
    """The ``quantities`` index a user error's ``field`` path names, or None (whole input)."""
    path = [str(p) for p in error.get("field") or []]
    for i, part in enumerate(path[:-1]):
        if part == "quantities" and path[i + 1].isdigit():
            return int(path[i + 1])
    return None


def is_stale(error: Mapping[str, Any]) -> bool:
    return str(error.get("code") or "") in ("COMPARE_QUANTITY_STALE", "CHANGE_FROM_QUANTITY_STALE")


def available_of(nodes: Sequence[Any]) -> dict[str, int]:
    """{inventory item GID: available} from a documents.AVAILABLE_AT answer (0 if unstocked)."""
    found = {}
    for node in nodes:
        if isinstance(node, dict) and node.get("id"):
            level = node.get("inventoryLevel") or {}
            values = {q["name"]: q["quantity"] for q in level.get("quantities") or []}
            found[node["id"]] = int(values.get("available", 0))
    return found

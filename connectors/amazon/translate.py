"""Amazon records ↔ canonical events and push bodies. Pure functions: no I/O, no clock.

Identifiers in events are Amazon's: the seller SKU (``SellerSKU`` / ``sellerSku``) and
location ids the channel settings name (``merchant_location``, default ``DEFAULT``, and
``fba_location``, default ``AMAZON_NA``), which the crosswalk maps to hub codes. Orders are
referenced by ``AmazonOrderId``.

Order facts (the status → action table is ``mappings/amazon/order_status.yaml``), ids
``<channel>/order/<AmazonOrderId>/…``:

* ``placed`` — ``order.placed`` with every line (OrderItemId, SKU, quantity ordered); lines of
  Amazon-fulfilled (AFN) orders name the FBA location, merchant (MFN) lines reserve from the
  channel's locations in order;
* ``item/<OrderItemId>/shipped`` — ``order.fulfilled`` of a line once its shipped quantity
  reaches the ordered one (or the whole order shipped), at the FBA or merchant location;
* ``cancelled`` — ``order.cancelled`` of every open line.

The same facts come from a pull (``getOrders`` + ``getOrderItems``) and from an ORDER_CHANGE
notification, with the same ids, so either path may see an order first, or twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.amazon.settings import is_merchant_code
from hub import records
from hub.errors import MappingError, ValidationError
from hub.vocabulary import Bucket

PATCH_PATH = "/attributes/fulfillment_availability"
FEED_TYPE = "JSON_LISTINGS_FEED"
FEED_CONTENT_TYPE = "application/json; charset=UTF-8"
ORDER_CHANGE = "ORDER_CHANGE"
MFN_QUANTITY_CHANGE = "LISTINGS_ITEM_MFN_QUANTITY_CHANGE"
ORDER_TOPIC = "order"  # a pulled order with its items: {"order": Order, "items": [OrderItem]}
FBA_TOPIC = "inventory_summary"  # one pulled FBA InventorySummary


@dataclass(frozen=True)
class Places:
    """The location ids events name: merchant-fulfilled stock, and Amazon's network."""

    merchant: str = "DEFAULT"
    fba: str = "AMAZON_NA"


@dataclass(frozen=True)
class Line:
    item: str
    sku: str | None
    ordered: int
    shipped: int
    item_shipped: bool = False  # the notification's OrderItemStatus says Shipped


@dataclass(frozen=True)
class OrderFacts:
    """What translation needs from an order, whichever way it arrived."""

    order_id: str
    status: str
    afn: bool
    purchased_at: str
    updated_at: str
    lines: tuple[Line, ...]


# --- push bodies ----------------------------------------------------------------------------


def availability(code: str, quantity: int) -> list[dict[str, Any]]:
    """The ``fulfillment_availability`` value setting ``quantity`` on channel ``code``."""
    return [{"fulfillment_channel_code": code, "quantity": quantity}]


def patch_body(product_type: str, code: str, quantity: int) -> dict[str, Any]:
    """A ListingsItemPatchRequest replacing the listing's quantity on channel ``code``."""
    return {
        "productType": product_type,
        "patches": [{"op": "replace", "path": PATCH_PATH, "value": availability(code, quantity)}],
    }


def feed_document(
    seller_id: str, product_type: str, items: Sequence[tuple[str, str, int]]
) -> dict[str, Any]:
    """A JSON_LISTINGS_FEED (v2.0) with one PATCH message per (sku, code, quantity).

    ``messageId`` is the item's position plus one, so report issues map back to updates.
    """
    return {
        "header": {"sellerId": seller_id, "version": "2.0", "issueLocale": "en_US"},
        "messages": [
            {
                "messageId": n,
                "sku": sku,
                "operationType": "PATCH",
                "productType": product_type,
                "patches": [
                    {"op": "replace", "path": PATCH_PATH, "value": availability(code, quantity)}
                ],
            }
            for n, (sku, code, quantity) in enumerate(items, start=1)
        ],
    }


def issue_text(issue: Mapping[str, Any]) -> str:
    """``CODE: message (attribute)`` for a listings or feed-report issue."""
    code = issue.get("code") or issue.get("severity") or "ERROR"
    attribute = issue.get("attributeName") or ", ".join(issue.get("attributeNames") or [])
    suffix = f" ({attribute})" if attribute else ""
    return f"{code}: {issue.get('message', 'no message')}{suffix}"


def submission_errors(response: Mapping[str, Any]) -> list[str]:
    """A ListingsItemSubmissionResponse's refusal reasons (empty: accepted)."""
    errors = [issue_text(i) for i in response.get("issues") or [] if i.get("severity") == "ERROR"]
    if response.get("status") == "ACCEPTED" and not errors:
        return []
    return errors or [f"submission status {response.get('status')!r}"]


def report_errors(report: Mapping[str, Any]) -> tuple[dict[int, list[str]], list[str]]:
    """A processing report's ERROR issues: by messageId, and those naming no message."""
    by_message: dict[int, list[str]] = {}
    general: list[str] = []
    for issue in report.get("issues") or []:
        if not isinstance(issue, Mapping) or issue.get("severity") != "ERROR":
            continue
        message_id = issue.get("messageId")
        if isinstance(message_id, int):
            by_message.setdefault(message_id, []).append(issue_text(issue))
        else:
            general.append(issue_text(issue))
    return by_message, general


# --- orders ---------------------------------------------------------------------------------


def facts_from_record(record: Any) -> OrderFacts:
    """OrderFacts from an ``order`` inbox record (``{"order": Order, "items": [OrderItem]}``,
    what a pull stores)."""
    record = records.an_object(record, "body")
    order = records.object_at(record, "order", "body")
    return facts_from_pull(order, records.list_at(record, "items", "body"))


def facts_from_pull(order: Mapping[str, Any], items: Sequence[Any]) -> OrderFacts:
    """OrderFacts from ``getOrders``' Order and ``getOrderItems``' OrderItems."""
    order = records.an_object(order, "Order")
    lines = tuple(
        Line(
            item=_text(i, "OrderItemId", where),
            sku=records.text_at(i, "SellerSKU", where, required=False),
            ordered=records.count_at(i, "QuantityOrdered", where),
            shipped=records.count_at(i, "QuantityShipped", where, default=0),
        )
        for where, i in records.objects(items, "OrderItems")
    )
    return OrderFacts(
        order_id=_text(order, "AmazonOrderId", "Order"),
        status=_text(order, "OrderStatus", "Order"),
        afn=order.get("FulfillmentChannel") == "AFN",
        purchased_at=_text(order, "PurchaseDate", "Order"),
        updated_at=_text(order, "LastUpdateDate", "Order"),
        lines=lines,
    )


def facts_from_notification(notification: Mapping[str, Any]) -> OrderFacts:
    """OrderFacts from an ORDER_CHANGE notification (its Summary carries status and items)."""
    top = "Payload.OrderChangeNotification"
    payload = records.object_at(records.object_at(notification, "Payload"),
                                "OrderChangeNotification", "Payload", required=True)  # fmt: skip
    summary = records.object_at(payload, "Summary", top, required=True)
    where = f"{top}.Summary"
    lines = tuple(
        Line(
            item=_text(i, "OrderItemId", here),
            sku=records.text_at(i, "SellerSKU", here, required=False),
            ordered=records.count_at(i, "Quantity", here),
            shipped=records.count_at(i, "QuantityShipped", here, default=0),
            item_shipped=i.get("OrderItemStatus") == "Shipped",
        )
        for here, i in records.objects_at(summary, "OrderItems", where)
    )
    trigger = records.object_at(payload, "OrderChangeTrigger", top)
    changed = records.text_at(
        trigger, "TimeOfOrderChange", f"{top}.OrderChangeTrigger", required=False
    ) or records.text_at(notification, "EventTime", required=False)
    return OrderFacts(
        order_id=_text(payload, "AmazonOrderId", top),
        status=_text(summary, "OrderStatus", where),
        afn=summary.get("FulfillmentType") == "AFN",
        purchased_at=records.text_at(summary, "PurchaseDate", where, required=False) or changed,
        updated_at=changed,
        lines=lines,
    )


def order_events(
    facts: OrderFacts, channel: str, places: Places, statuses: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Every canonical event an order's current state stands for, oldest fact first."""
    action = statuses.get(facts.status)
    if action is None:
        raise ValidationError(
            f"order status {facts.status!r} is not in mappings/amazon/order_status.yaml",
            field="OrderStatus",
            fix="add the status with reserve, ship, cancel or ignore",
        )
    base = f"{channel}/order/{facts.order_id}"
    common = {"channel": channel, "order": facts.order_id}
    where = places.fba if facts.afn else places.merchant
    lines = [line for line in facts.lines if line.ordered > 0]
    for n, line in enumerate(lines):
        if not line.sku:
            raise ValidationError("the order item has no SellerSKU", field=f"OrderItems[{n}]")
    events: list[dict[str, Any]] = []
    if action == "ignore" or not lines and action != "cancel":
        return events
    if action in ("reserve", "ship"):
        placed = [
            {"line": line.item, "sku": line.sku, "quantity": line.ordered}
            | ({"location": places.fba} if facts.afn else {})
            for line in lines
        ]
        events.append(_event(f"{base}/placed", "order.placed", facts.purchased_at,
                             lines=placed, **common))  # fmt: skip
        for line in lines:
            if action == "ship" or line.item_shipped or line.shipped >= line.ordered:
                shipped = [{"line": line.item, "sku": line.sku, "quantity": line.ordered}]
                events.append(_event(f"{base}/item/{line.item}/shipped", "order.fulfilled",
                                     facts.updated_at, location=where, lines=shipped,
                                     **common))  # fmt: skip
    if action == "cancel":
        events.append(_event(f"{base}/cancelled", "order.cancelled", facts.updated_at, **common))
    return events


# --- FBA inventory ----------------------------------------------------------------------------


def listing_events(item: Mapping[str, Any], channel: str, as_of: str) -> list[dict[str, Any]]:
    """A listings item's merchant-fulfilled quantities as ``stock.counted`` at each
    fulfilment channel code (DEFAULT, MLF, supply sources): what the channel shows, for
    reconciliation to compare with ATP. FBA codes carry no quantity here (see FBA summaries).
    """
    item = records.an_object(item, "item")
    sku = records.text_at(item, "sku")
    events = []
    for where, entry in records.objects_at(item, "fulfillmentAvailability"):
        code = records.text_at(entry, "fulfillmentChannelCode", where=where)
        if entry.get("quantity") is None or not is_merchant_code(code):
            continue
        quantity = records.count_at(entry, "quantity", where)
        events.append(
            _event(
                f"{channel}/listing/{sku}/{code}/{quantity}",  # the state, not the moment read
                "stock.counted",
                as_of,
                source=channel,
                sku=sku,
                location=code,
                as_of=as_of,
                quantities={Bucket.ON_HAND.value: quantity},
            )
        )
    return events


def inventory_event(
    summary: Mapping[str, Any],
    channel: str,
    location: str,
    quantity_map: Mapping[str, Bucket | None],
    fallback_as_of: str,
) -> dict[str, Any] | None:
    """An FBA InventorySummary as ``stock.counted`` at the FBA location (None without a SKU).

    Every integer under ``inventoryDetails`` is read by its leaf name through the status map;
    an unknown field is a MappingError naming it (the hub never guesses).
    """
    summary = records.an_object(summary, "body")
    sku = records.text_at(summary, "sellerSku", required=False)
    if not sku:
        return None
    details = records.object_at(summary, "inventoryDetails")
    buckets: dict[str, int] = {}
    for name, value in _leaves(details):
        if name not in quantity_map:
            raise MappingError(
                f"FBA quantity field {name!r} is not in the status map",
                field=f"inventoryDetails.{name}",
                fix=f"add '{name}: <bucket or null>' to mappings/status/amazon.yaml",
            )
        bucket = quantity_map[name]
        if bucket is not None:
            buckets[bucket.value] = buckets.get(bucket.value, 0) + max(0, value)
    buckets.setdefault(Bucket.ON_HAND.value, 0)
    as_of = records.text_at(summary, "lastUpdatedTime", required=False) or fallback_as_of
    digest = hashlib.sha256(json.dumps(sorted(buckets.items())).encode()).hexdigest()[:10]
    return _event(
        f"{channel}/fba/{location}/{sku}/{as_of}/{digest}",
        "stock.counted",
        as_of,
        source=channel,
        sku=sku,
        location=location,
        as_of=as_of,
        quantities=buckets,
    )


def _leaves(details: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(leaf name, integer) of every integer in ``details`` and the objects in it, in order.
    Iterative: a record nested past the recursion limit is no problem here."""
    found = []
    pending = [iter(details.items())]
    while pending:
        step = next(pending[-1], None)
        if step is None:
            pending.pop()
            continue
        name, value = step
        if isinstance(value, Mapping):
            pending.append(iter(value.items()))
        elif isinstance(value, int) and not isinstance(value, bool):
            found.append((name, value))
    return found


# --- notifications ----------------------------------------------------------------------------


def notification_events(
    notification: Mapping[str, Any], channel: str, places: Places, statuses: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The events a notification stands for; a quantity change is Amazon's own number: none."""
    kind = records.an_object(notification, "body").get("NotificationType")
    if kind == ORDER_CHANGE:
        return order_events(facts_from_notification(notification), channel, places, statuses)
    if kind == MFN_QUANTITY_CHANGE:
        return []  # a sales channel's numbers are never applied; reconcile compares them
    raise ValidationError(
        f"notification type {records.shown(kind)} is not handled",
        field="NotificationType",
        fix=f"subscribe the relay's queue to {ORDER_CHANGE} and {MFN_QUANTITY_CHANGE} only",
    )


# --- helpers ----------------------------------------------------------------------------------


def _event(event_id: str, type_: str, at: str, source: str = "", **data: Any) -> dict[str, Any]:
    source = source or data["channel"]
    return {"id": event_id, "type": type_, "source": source, "occurred_at": at, "data": data}


def _text(record: Mapping[str, Any], key: str, where: str) -> str:
    """Required text: present, a string, not blank (returned as sent)."""
    return str(records.text_at(record, key, where))

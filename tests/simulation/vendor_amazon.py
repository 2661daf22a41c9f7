"""The marketplace on the real Amazon connector, against the Amazon SP-API sandbox in virtual time.

The generator's ``market`` events become what a buyer, the seller or Amazon does to the
sandbox seller (:class:`~connectors.amazon.sandbox_store.Store`), and Amazon's answer is an
``ORDER_CHANGE`` notification as the seller's relay forwards it (signed with the channel's
``relay_secret``), waiting in the world's outbound list like any vendor's webhook. The same
order may also be pulled (``getOrders`` + ``getOrderItems``): both give the same event ids.

* ``order.placed`` — a buyer places a merchant-fulfilled (MFN) order, ``Unshipped``; Amazon
  takes the units off the listing's ``DEFAULT`` quantity at once (as Shopify commits them).
  Event ``market/order/<AmazonOrderId>/placed``; the hub's line is the ``OrderItemId``.
* ``order.cancelled`` of the whole order — the order is ``Canceled`` (Amazon gives the unshipped
  units back to the listing): ``…/cancelled``.
* ``order.cancelled`` of one line — Amazon has no line-level cancel of an order (its status is
  the order's, and the notification has no per-item cancellation), so it stays with the 3PL,
  which fulfils the marketplace's orders: the 3PL's system sends the cancellation (custom
  protocol, naming Amazon's order and item ids). The item stays open on Amazon and is never
  shipped there, so the order ends ``PartiallyShipped`` at most.
* ``order.fulfilled`` by the marketplace from the 3PL (the push location, Amazon's
  ``DEFAULT``) — the seller confirms shipment of every open item: ``Shipped`` (or
  ``PartiallyShipped`` when a line was cancelled at the 3PL), ``…/item/<OrderItemId>/shipped``
  per item. From the warehouse it stays with the warehouse: Amazon books every MFN shipment at
  ``merchant_location`` (the connector does not tell supply sources apart, see
  docs/connectors/amazon.md), which would move stock at the wrong location, so the
  warehouse's system reports it and the order is left unshipped on Amazon.
* returns: MFN returns go back to the seller's return address, so the receiving location's
  owner reports and inspects them (``reports_returns`` is False), as for custom channels.

Pushes are real ``patchListingsItem`` calls (a simulated batch is far below the 605 SKUs at
which the connector switches to a JSON_LISTINGS_FEED); ``shown`` is the listing's ``DEFAULT``
quantity, which the crosswalk maps to the push location ``tpl``.

Vendor faults: 500, 429 ``QuotaExceeded`` and timeouts in front of the sandbox
(:class:`~tests.simulation.vendor_faults.FaultyTransport`, LWA token calls included); a
partial batch answers the patch of a refused SKU ``INVALID`` with an ERROR issue (per SKU);
revoked credentials de-authorise the application (LWA ``invalid_grant`` → ``ConfigError`` →
the channel pauses until ops replays); clock skew shifts the seller's timestamps (orders,
notifications); an edit sets the listing's quantity in Seller Central, which reconciliation
reads back (``searchListingsItems``) as channel drift and re-pushes.

Determinism: the sandbox runs on the virtual clock (token expiry, feed delays, order times,
its usage-plan buckets), its own throttling is off and the connector's per-operation pacer is
given a limiter that never waits (the hub's limiter is off too); the process-wide LWA token
cache is emptied per day, and notification ids are numbered, so a seed replays exactly.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from connectors.amazon import pacing
from connectors.amazon.auth import TOKENS
from connectors.amazon.sandbox import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_SELLER,
    AmazonSandbox,
)
from connectors.amazon.sandbox_store import Order, iso
from connectors.amazon.webhooks import SIGNATURE_HEADER, signature
from connectors.custom.protocol import DELIVERY_HEADER
from connectors.custom.protocol import SIGNATURE_HEADER as CUSTOM_SIGNATURE
from connectors.custom.protocol import signature as custom_signature
from hub.mappings.files import CrosswalkRow
from tests.simulation.clock import VirtualClock
from tests.simulation.vendor import Delivery, References, VendorAdapter
from tests.simulation.vendor_custom import SECRET as CUSTOM_SECRET
from tests.simulation.vendor_faults import FaultyTransport, TransportFaults

RELAY_SECRET = "sim-amazon-relay-secret-2d8e"
ORIGIN = "https://sellingpartnerapi-na.amazon.com"
MERCHANT = "DEFAULT"  # the merchant fulfilment channel code: the push location's external id
#: the system that fulfils the marketplace's orders (and cancels a line Amazon cannot)
FULFILLER = "tpl"
#: the location whose shipments Amazon books at MERCHANT
MERCHANT_LOCATION = "tpl"
OWNERS = {"tpl": "tpl", "dc": "wms"}


class _Unlimited:
    """The pacer's limiter in virtual time: never waits (the sandbox does not throttle)."""

    def acquire(self, channel: str, limits: Any, cost: int = 1) -> float:
        return 0.0


class _Refusing(httpx.BaseTransport):
    """Answers the patch of a refused seller SKU ``INVALID`` (an ERROR issue), like Amazon
    refusing one listing of a batch; everything else goes to the sandbox."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.refused: set[str] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sku = request.url.path.rsplit("/", 1)[-1]
        if request.method == "PATCH" and "/listings/" in request.url.path and sku in self.refused:
            issue = {
                "code": "SIM_LISTING_LOCKED",
                "message": f"SKU '{sku}' cannot be changed now (simulated refusal).",
                "severity": "ERROR",
                "attributeNames": ["fulfillment_availability"],
            }
            body = {"sku": sku, "status": "INVALID", "submissionId": "sim", "issues": [issue]}
            return httpx.Response(200, json=body, request=request)
        return self.inner.handle_request(request)


class AmazonAdapter(TransportFaults, VendorAdapter):
    """An Amazon seller listing the catalogue as merchant-fulfilled offers."""

    connector = "amazon"

    def __init__(
        self, channel: str, clock: VirtualClock, skus: list[str], unmapped: list[str]
    ) -> None:
        """:param skus: hub codes listed under seller SKUs of the crosswalk; :param unmapped:
        hub codes listed under the hub code itself, with no crosswalk row (the late SKU, which
        the seller lists when the product is added; the hub pushes it by its code)."""
        super().__init__(channel)
        pacing.forget_pacers()  # full buckets and learned rates per day (pacers are per process)
        pacing.pacer_for(channel, None).limiter = _Unlimited()  # type: ignore[assignment]
        TOKENS.clear()  # a token from another day's sandbox would be refused (403, renewed)
        self.clock = clock
        self.sandbox = AmazonSandbox(
            rate_limits=False, clock=lambda: clock.now().timestamp(), feed_delay_s=2.0
        )
        self.store = self.sandbox.store
        self.store.clock = lambda: clock.now().timestamp() + self.skew_s  # the seller's times
        self.listings = {code: f"{code}-MFN" for code in skus}
        for seller_sku in [*self.listings.values(), *unmapped]:
            self.store.add_listing(seller_sku, MERCHANT, 0)
        self.refusing = _Refusing(self.sandbox.transport())
        self.transport = FaultyTransport(self.refusing, _quota_exceeded)
        self._numbers = iter(range(1, 10**9))

    # --- set-up ------------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {
            "seller_id": SANDBOX_SELLER,
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": "${SIM_AMAZON_CLIENT_SECRET}",
            "refresh_token": "${SIM_AMAZON_REFRESH_TOKEN}",
            "relay_secret": "${SIM_AMAZON_RELAY_SECRET}",
            "endpoint": ORIGIN,
            "lwa_endpoint": f"{ORIGIN}/auth/o2/token",
        }

    def environment(self) -> dict[str, str]:
        return {
            "SIM_AMAZON_CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "SIM_AMAZON_REFRESH_TOKEN": SANDBOX_REFRESH_TOKEN,
            "SIM_AMAZON_RELAY_SECRET": RELAY_SECRET,
        }

    def crosswalk(self) -> list[CrosswalkRow]:
        """Seller SKUs, and the merchant fulfilment code as the push location."""
        rows = [("sku", seller_sku, code) for code, seller_sku in self.listings.items()]
        rows.append(("location", MERCHANT, MERCHANT_LOCATION))
        return self.crosswalk_rows(rows)

    # --- the day -----------------------------------------------------------------------------

    def send(self, event: dict[str, Any], refs: References) -> tuple[list[Delivery], list[str]]:
        data, kind = event["data"], event["type"]
        if kind == "order.placed":
            return self._place(data, refs)
        order = self.store.orders.get(refs.orders.get(data.get("order", ""), ""))
        if kind == "order.cancelled" and "lines" not in data:
            if order is None or order.status in ("Canceled", "Shipped"):
                return [], []
            self.sandbox.act(lambda store: store.cancel(order.id))
            return [self._notify(order)], [f"{self._base(order)}/cancelled"]
        if kind == "order.fulfilled" and data["location"] == MERCHANT_LOCATION:
            return self._ship(order, data, refs)
        # what Amazon cannot say: the system that did it says it (see the module docstring)
        sender = FULFILLER if kind == "order.cancelled" else OWNERS.get(data.get("location"), "")
        return _custom(sender, event, refs)

    def _place(self, data: dict[str, Any], refs: References) -> tuple[list[Delivery], list[str]]:
        lines = [(self.listings[line["sku"]], line["quantity"]) for line in data["lines"]]
        order_id = self.sandbox.act(lambda store: store.create_order(lines))
        order = self.store.orders[order_id]
        refs.orders[data["order"]] = order_id
        for line, item in zip(data["lines"], order.items, strict=True):
            refs.lines[(data["order"], line["line"])] = item.id
        return [self._notify(order)], [f"{self._base(order)}/placed"]

    def _ship(
        self, order: Order | None, data: dict[str, Any], refs: References
    ) -> tuple[list[Delivery], list[str]]:
        if order is None or order.status in ("Canceled", "Shipped"):
            return [], []
        wanted = {refs.lines.get((data["order"], line["line"])) for line in data["lines"]}
        items = [i for i in order.items if i.id in wanted and i.shipped < i.ordered]
        if not items:
            return [], []
        for item in items:
            self.sandbox.act(lambda store, item=item: store.ship(order.id, item.id))
        ids = [f"{self._base(order)}/item/{item.id}/shipped" for item in items]
        return [self._notify(order)], ids

    def _base(self, order: Order) -> str:
        return f"{self.channel}/order/{order.id}"

    def _notify(self, order: Order) -> Delivery:
        """The ORDER_CHANGE notification of the order's current state, as the relay posts it."""
        number = next(self._numbers)
        notification_id = str(uuid.UUID(int=(0xA3A2 << 64) | number))
        notification = order_change(order, self.store.marketplace_id, notification_id)
        body = json.dumps({"MessageId": f"sqs-{number}", "Body": json.dumps(notification)})
        raw = body.encode()
        headers = {SIGNATURE_HEADER: signature(raw, RELAY_SECRET)}
        return Delivery(self.channel, f"{self.channel}/n/{notification_id}", raw, [], headers)

    def external_sku(self, code: str) -> str:
        return self.listings.get(code, code)

    def shown(self, external: str) -> int:
        return self.sandbox.stock_levels().get((external, MERCHANT), 0)

    # --- faults ------------------------------------------------------------------------------

    def reject(self, skus: list[str]) -> None:
        self.refusing.refused = {self.listings[code] for code in skus}

    def revoke(self) -> None:
        self.sandbox.revoke()

    def restore(self) -> None:
        self.sandbox.refresh_token = SANDBOX_REFRESH_TOKEN

    def edit(self, sku: str, quantity: int) -> None:
        seller_sku = self.listings[sku]

        def change(store: Any) -> None:
            for entry in store.listings[seller_sku].availability:
                entry["quantity"] = quantity

        self.sandbox.act(change)


def order_change(order: Order, marketplace: str, notification_id: str) -> dict[str, Any]:
    """An ORDER_CHANGE notification (schema 1.0) of ``order`` as it is now."""
    at = iso(order.updated, millis=True)
    items = [
        {
            "OrderItemId": item.id,
            "SellerSKU": item.sku,
            "SupplySourceId": None,
            "Quantity": item.ordered,
            "QuantityShipped": item.shipped,
            "OrderItemStatus": "Shipped" if item.shipped >= item.ordered else "Unshipped",
        }
        for item in order.items
    ]
    summary = {
        "MarketplaceId": marketplace,
        "OrderStatus": order.status,
        "PurchaseDate": iso(order.purchased, millis=True),
        "DestinationPostalCode": "98109",
        "FulfillmentType": order.channel,
        "OrderType": "StandardOrder",
        "OrderPrograms": [],
        "ShippingPrograms": [],
        "OrderItems": items,
    }
    change = {
        "NotificationLevel": "OrderLevel",
        "SellerId": SANDBOX_SELLER,
        "AmazonOrderId": order.id,
        "OrderChangeType": "OrderStatusChange",
        "OrderChangeTrigger": {"TimeOfOrderChange": at, "ChangeReason": "Order Status Change"},
        "Summary": summary,
    }
    return {
        "NotificationVersion": "1.0",
        "NotificationType": "ORDER_CHANGE",
        "PayloadVersion": "1.0",
        "EventTime": at,
        "Payload": {"OrderChangeNotification": change},
        "NotificationMetadata": {
            "ApplicationId": "amzn1.sp.solution.0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            "SubscriptionId": "5b0b3e9e-2f34-4d49-9d2a-1c0a6f6e7d21",
            "PublishTime": at,
            "NotificationId": notification_id,
        },
    }


def _custom(
    sender: str, event: dict[str, Any], refs: References
) -> tuple[list[Delivery], list[str]]:
    """``event`` as ``sender``'s custom system sends it, naming Amazon's ids."""
    if not sender:
        return [], []
    event = refs.rewrite(event)
    event = {**event, "id": f"{sender}/{event['id']}", "source": sender}
    body = json.dumps(event, separators=(",", ":")).encode()
    delivery_id = f"{sender}/d/{event['id']}"
    headers = {
        CUSTOM_SIGNATURE: custom_signature(body, CUSTOM_SECRET),
        DELIVERY_HEADER: delivery_id,
    }
    return [Delivery(sender, delivery_id, body, [event["id"]], headers)], [event["id"]]


def _quota_exceeded(request: httpx.Request) -> httpx.Response:
    """SP-API's answer when the operation's usage plan is spent (429, no rate header)."""
    error = {
        "code": "QuotaExceeded",
        "message": "You exceeded your quota for the requested resource.",
    }
    return httpx.Response(429, json={"errors": [error]}, request=request)

"""The web shop on the real Shopify connector, against the Shopify sandbox in virtual time.

The generator's shop events become what a customer or merchant does in the shop
(:class:`~connectors.shopify.sandbox_shop.Shop`): an order is placed at the warehouse location,
a line is refunded with restock ``cancel``, the order is cancelled, fulfilled from a location,
or refunded with restock ``return`` at the store. The sandbox sends the signed webhooks Shopify
would (orders/create, orders/updated, orders/cancelled, refunds/create), which wait in the
world's outbound list like any vendor's; ``inventory_levels/update`` is not subscribed (Shopify
reporting its own number changes no ledger). Pushes are real ``inventorySetQuantities`` calls.

Vendor faults: 500/429 (Shopify's ``THROTTLED``)/timeouts in front of the sandbox
(:class:`~tests.simulation.vendor_faults.FaultyTransport`); a partial batch marks items
non-mutable (``NON_MUTABLE_INVENTORY_ITEM`` per item); revoked credentials change the access
token (401); clock skew shifts the shop's timestamps; an edit sets ``available`` by hand. The
cost bucket runs on the virtual clock and is made too large to throttle (the hub's limiter is
off too); the webhook ids are numbered, so a seed replays to the same deliveries.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from connectors.shopify import webhooks
from connectors.shopify.pacing import forget_pacers
from connectors.shopify.records import legacy_id
from connectors.shopify.sandbox import ShopifySandbox
from hub.mappings.files import CrosswalkRow
from tests.simulation.clock import VirtualClock
from tests.simulation.vendor import Delivery, References, VendorAdapter
from tests.simulation.vendor_faults import FaultyTransport, TransportFaults

TOKEN = "shpat_sim_5e2b"
SECRET = "sim-shopify-client-secret-71c4"
SHOP = "sim-shop"
TOPICS = ("orders/create", "orders/updated", "orders/cancelled", "refunds/create")
#: hub location → the shop's location number (the push location first)
LOCATIONS = {"dc": 70001, "store": 70002}
#: what the merchant lists the late SKU with before the hub knows it (Shopify's own number)
LATE_LISTED = 3


class ShopifyAdapter(TransportFaults, VendorAdapter):
    """A Shopify shop selling the catalogue from the warehouse and the store."""

    connector = "shopify"
    reports_returns = True
    lists_unmapped = True  # the merchant lists the late SKU with LATE_LISTED units

    def __init__(
        self, channel: str, clock: VirtualClock, skus: list[str], aliases: dict[str, str]
    ) -> None:
        """:param skus: hub codes the shop sells; :param aliases: the generator's other
        names for them (the late SKU's external id)."""
        super().__init__(channel)
        forget_pacers()  # a fresh cost view per day (pacers are per process)
        numbers = iter(range(1, 10**9))
        self.sandbox = ShopifySandbox(
            TOKEN,
            shop=SHOP,
            client_secret=SECRET,
            bucket_size=10**9,
            restore_rate=10**6,
            clock=lambda: clock.now().timestamp(),
            webhook_ids=lambda: str(uuid.UUID(int=(0x5EED << 64) | next(numbers))),
        )
        self.shop = self.sandbox.shop
        self.shop.clock = lambda: clock.now().timestamp() + self.skew_s  # its own timestamps
        self.locations = {code: self.shop.add_location(code, n) for code, n in LOCATIONS.items()}
        self.push_at = self.locations["dc"]
        self.variants: dict[str, str] = {}
        for n, code in enumerate(skus):
            variant, item = self.shop.add_product(code, 41_000 + n, 42_000 + n)
            self.variants[code] = variant
            for location in self.locations.values():
                self.shop.stock(item, location, available=0)
        for alias, code in aliases.items():
            self.variants[alias] = self.variants[code]
            self.shop.change(self._item(code), self.push_at, {"available": LATE_LISTED})
        self.mapped = [code for code in skus if code not in aliases.values()]
        self.transport = FaultyTransport(self.sandbox.transport(), _throttled)
        self._captured: list[tuple[bytes, dict[str, str]]] = []
        self.sandbox.subscribe(self._receive, TOPICS)

    # --- set-up ------------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        return {
            "shop": SHOP,
            "access_token": "${SIM_SHOPIFY_TOKEN}",
            "client_secret": "${SIM_SHOPIFY_SECRET}",
            "base_url": f"https://{SHOP}.myshopify.com",
        }

    def environment(self) -> dict[str, str]:
        return {"SIM_SHOPIFY_TOKEN": TOKEN, "SIM_SHOPIFY_SECRET": SECRET}

    def crosswalk(self) -> list[CrosswalkRow]:
        """Variants for the SKUs known at the start (order lines name variants), locations."""
        rows = [("sku", self.variants[code], code) for code in self.mapped]
        rows += [("location", gid_, code) for code, gid_ in self.locations.items()]
        return self.crosswalk_rows(rows)

    # --- the day -----------------------------------------------------------------------------

    def send(self, event: dict[str, Any], refs: References) -> tuple[list[Delivery], list[str]]:
        data, kind = event["data"], event["type"]
        handler = {
            "order.placed": self._place,
            "order.cancelled": self._cancel,
            "order.fulfilled": self._fulfil,
            "return.received": self._return,
        }[kind]
        ids = handler(data, refs)
        deliveries = [self._delivery(body, headers, ids) for body, headers in self._captured]
        self._captured.clear()
        return deliveries, ids

    def _place(self, data: dict[str, Any], refs: References) -> list[str]:
        lines = [(self.variants[line["sku"]], line["quantity"]) for line in data["lines"]]
        order_id = self.sandbox.act(lambda shop: shop.create_order(lines, self.push_at))
        refs.orders[data["order"]] = order_id
        for line, state in zip(data["lines"], self.shop.orders[order_id].lines, strict=True):
            refs.lines[(data["order"], line["line"])] = state.id
        return [f"{self._base(order_id)}/placed"]

    def _cancel(self, data: dict[str, Any], refs: References) -> list[str]:
        order = self._order(data, refs)
        if order is None or order.cancelled_at:
            return []
        refunds = len(order.refunds)
        if "lines" not in data:
            self.sandbox.act(lambda shop: shop.cancel(order.id))
            ids = [f"{self._base(order.id)}/cancelled"]
            return ids + [self._refund_id(order, r, "cancel") for r in order.refunds[refunds:]]
        wanted = {refs.lines.get((data["order"], n)) for n in data["lines"]}
        left = [(x.id, x.quantity - x.fulfilled - x.removed) for x in order.lines if x.id in wanted]
        left = [(line, q) for line, q in left if q > 0]
        if not left:
            return []
        self.sandbox.act(lambda shop: shop.refund(order.id, left, "cancel"))
        return [self._refund_id(order, order.refunds[-1], "cancel")]

    def _fulfil(self, data: dict[str, Any], refs: References) -> list[str]:
        order = self._order(data, refs)
        if order is None:
            return []
        where = self.locations[data["location"]]
        fulfilment = self.sandbox.act(lambda shop: shop.fulfill(order.id, where))
        if not order.fulfillments[-1]["lines"]:
            return []  # nothing left to ship: no stock moved, no event
        return [f"{self._base(order.id)}/fulfillment/{legacy_id(fulfilment)}"]

    def _return(self, data: dict[str, Any], refs: References) -> list[str]:
        order = self._order(data, refs)
        if order is None:
            return []
        where = self.locations[data["location"]]
        lines = []
        for wanted in data["lines"]:
            variant = self.variants[wanted["sku"]]
            line = next((x for x in order.lines if x.variant == variant), None)
            if line is not None:
                lines.append((line.id, wanted["quantity"]))
        if not lines:
            return []
        self.sandbox.act(lambda shop: shop.refund(order.id, lines, "return", where))
        refund = order.refunds[-1]
        refs.returns[data["return"]] = f"{refund['id']}@{legacy_id(where)}"
        return [self._refund_id(order, refund, f"return/{legacy_id(where)}")]

    def _order(self, data: dict[str, Any], refs: References) -> Any:
        return self.shop.orders.get(refs.orders.get(data["order"], ""))

    def _base(self, order_id: str) -> str:
        return f"{self.channel}/order/{legacy_id(order_id)}"

    def _refund_id(self, order: Any, refund: dict[str, Any], what: str) -> str:
        return f"{self._base(order.id)}/refund/{legacy_id(refund['id'])}/{what}"

    def _receive(self, body: bytes, headers: dict[str, str]) -> int:
        self._captured.append((body, headers))
        return 200

    def _delivery(self, body: bytes, headers: dict[str, str], ids: list[str]) -> Delivery:
        webhook_id = headers[webhooks.WEBHOOK_ID_HEADER]
        return Delivery(self.channel, webhook_id, body, list(ids), headers)

    def external_sku(self, code: str) -> str:
        return self.variants.get(code, code)

    def shown(self, external: str) -> int:
        item = self.shop.variants.get(external, external)
        level = self.shop.levels.get((item, self.push_at))
        return level.quantities["available"] if level else 0

    def _item(self, code: str) -> str:
        return self.shop.variants[self.variants[code]]

    # --- faults ------------------------------------------------------------------------------

    def reject(self, skus: list[str]) -> None:
        self.shop.non_mutable = {self._item(code) for code in skus}

    def revoke(self) -> None:
        self.sandbox.access_token = "revoked"

    def restore(self) -> None:
        self.sandbox.access_token = TOKEN

    def edit(self, sku: str, quantity: int) -> None:
        item = self._item(sku)
        self.sandbox.act(lambda shop: shop.change(item, self.push_at, {"available": quantity}))


def _throttled(request: httpx.Request) -> httpx.Response:
    """Shopify's answer when the cost bucket is empty (429, ``THROTTLED``, the bucket's state)."""
    cost = {
        "requestedQueryCost": 10,
        "actualQueryCost": None,
        "throttleStatus": {"maximumAvailable": 2000, "currentlyAvailable": 0, "restoreRate": 100},
    }
    body = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {"cost": cost},
    }
    return httpx.Response(429, json=body, request=request)

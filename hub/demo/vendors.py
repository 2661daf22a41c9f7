"""The vendors' side of the demo: each sandbox served over HTTP, seeded to match the
crosswalk, and the actions the day performs on it (a customer ordering, a store selling...).

Each class owns one sandbox; ``channel`` is the hub channel it stands behind, ``settings`` the
``[channels.settings]`` pointing at it and ``env`` the secrets those settings reference.
"""

from __future__ import annotations

import random
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ShopifyVendor:
    """The web shop: customers order, some orders ship, some are refunded with a restock."""

    channel: str = "shopify-us"
    connector: str = "shopify"
    locations: tuple[str, ...] = ("dc-east", "store-12", "3pl-shipbob")
    base_url: str = ""
    orders: list[str] = field(default_factory=list)

    def start(self, stack: ExitStack, webhook_url: str) -> None:
        from connectors.shopify.sandbox import ShopifySandbox
        from connectors.shopify.sandbox_seed import DC

        self.sandbox = ShopifySandbox.seeded()

        def list_gift_set(shop):  # the bundle is its own product on Shopify (crosswalk.csv)
            _, item = shop.add_product("GIFT-SET", 49148305, 49148386)
            return shop.stock(item, DC, available=0)

        self.sandbox.act(list_gift_set)
        self.base_url = stack.enter_context(self.sandbox.serve())
        self.sandbox.subscribe(webhook_url)

    @property
    def settings(self) -> dict[str, Any]:
        return {"shop": "stockhub-sandbox", "access_token": "${DEMO_SHOPIFY_TOKEN}",
                "client_secret": "${DEMO_SHOPIFY_SECRET}", "base_url": self.base_url}  # fmt: skip

    @property
    def env(self) -> dict[str, str]:
        from connectors.shopify.sandbox import SANDBOX_SECRET, SANDBOX_TOKEN

        return {"DEMO_SHOPIFY_TOKEN": SANDBOX_TOKEN, "DEMO_SHOPIFY_SECRET": SANDBOX_SECRET}

    def variants(self) -> list[str]:
        return list(self.sandbox.shop.variants)

    def order(self, rng: random.Random) -> str:
        """A customer buys one to three units of one product, shipped from the DC."""
        from connectors.shopify.sandbox_seed import DC

        variant = rng.choice(self.variants())
        order_id = self.sandbox.act(lambda s: s.create_order([(variant, rng.randint(1, 3))], DC))
        self.orders.append(order_id)
        return order_id

    def ship(self, order_id: str) -> None:
        self.sandbox.act(lambda s: s.fulfill(order_id))

    def refund_restock(self, order_id: str) -> None:
        """The customer sends one unit back; it is restocked at the DC."""
        from connectors.shopify.sandbox_seed import DC

        def refund(shop):
            line = shop.orders[order_id].lines[0]
            return shop.refund(order_id, [(line.id, 1)], "return", DC)

        self.sandbox.act(refund)

    def shown(self) -> dict[str, int]:
        """What the shop shows for sale at the DC, by inventory item."""
        from connectors.shopify.sandbox_seed import DC

        return {item: qty for (item, where), qty in self.sandbox.stock_levels().items()
                if where == DC}  # fmt: skip


@dataclass
class SquareVendor:
    """Store 12's POS: counter sales and returns; Square owns the store's counts, and the hub
    owns the online allocation (a second Square location) it pushes to."""

    channel: str = "square-store-12"
    connector: str = "square"
    locations: tuple[str, ...] = ("store-12", "store-12-online")
    push_location: str = "store-12-online"
    #: the online allocation is a location of its own in the hub, mapped to Square's
    extra_locations: tuple[tuple[str, str, str], ...] = (("store-12-online", "store", "stockhub"),)
    base_url: str = ""
    webhook_url: str = ""
    sales: list[str] = field(default_factory=list)

    def start(self, stack: ExitStack, webhook_url: str) -> None:
        from connectors.square.sandbox import SquareSandbox

        self.webhook_url = webhook_url
        self.sandbox = SquareSandbox.seeded(notification_url=webhook_url)
        self.base_url = stack.enter_context(self.sandbox.serve())
        self.sandbox.subscribe(webhook_url)

    @property
    def settings(self) -> dict[str, Any]:
        from connectors.square.sandbox_seed import ONLINE, STORE

        return {"access_token": "${DEMO_SQUARE_TOKEN}", "signature_key": "${DEMO_SQUARE_KEY}",
                "notification_url": self.webhook_url, "base_url": self.base_url,
                "location_ids": STORE, "allocation_location_id": ONLINE}  # fmt: skip

    @property
    def env(self) -> dict[str, str]:
        from connectors.square.sandbox import SANDBOX_SIGNATURE_KEY, SANDBOX_TOKEN

        return {"DEMO_SQUARE_TOKEN": SANDBOX_TOKEN, "DEMO_SQUARE_KEY": SANDBOX_SIGNATURE_KEY}

    @property
    def crosswalk_rows(self) -> list[str]:
        from connectors.square.sandbox_seed import ONLINE

        return [f"{self.channel},location,{ONLINE},store-12-online"]

    def sell(self, rng: random.Random) -> str:
        """A customer buys one or two of one product at the counter."""
        from connectors.square.sandbox_seed import PRODUCTS, STORE

        variation = rng.choice([p for p in PRODUCTS if p[0] in ("TEE-RED-M", "MUG-WHT")])[1]
        sale = self.sandbox.act(lambda s: s.sell([(variation, rng.randint(1, 2))], STORE))
        self.sales.append(sale)
        return sale

    def shown(self) -> dict[str, int]:
        """IN_STOCK of the online allocation, by variation."""
        return {item: qty for (item, _), qty in self.sandbox.stock_levels().items()}


@dataclass
class AmazonVendor:
    """The marketplace: buyers order merchant-fulfilled listings; the hub pulls the orders
    (getOrders on the scheduler's pull) and pushes quantities by patch or feed."""

    channel: str = "amazon-us"
    connector: str = "amazon"
    locations: tuple[str, ...] = ("dc-east", "3pl-shipbob")
    push_location: str = "dc-east"  # merchant-fulfilled listings (crosswalk: DEFAULT)
    base_url: str = ""
    orders: list[str] = field(default_factory=list)

    def start(self, stack: ExitStack, webhook_url: str) -> None:
        from connectors.amazon.sandbox import AmazonSandbox
        from connectors.amazon.sandbox_seed import LISTINGS

        self.sandbox = AmazonSandbox(feed_delay_s=2.0)
        for sku, quantity in LISTINGS.items():  # the crosswalk's seller SKUs, no old orders
            self.sandbox.act(lambda s, sku=sku, q=quantity: s.add_listing(sku, "DEFAULT", q))
        self.base_url = stack.enter_context(self.sandbox.serve())

    @property
    def settings(self) -> dict[str, Any]:
        from connectors.amazon.sandbox import SANDBOX_SELLER

        return {"seller_id": SANDBOX_SELLER, "client_id": "${DEMO_AMAZON_CLIENT_ID}",
                "client_secret": "${DEMO_AMAZON_CLIENT_SECRET}",
                "refresh_token": "${DEMO_AMAZON_REFRESH_TOKEN}", "endpoint": self.base_url,
                "lwa_endpoint": f"{self.base_url}/auth/o2/token"}  # fmt: skip

    @property
    def env(self) -> dict[str, str]:
        from connectors.amazon import sandbox

        return {"DEMO_AMAZON_CLIENT_ID": sandbox.SANDBOX_CLIENT_ID,
                "DEMO_AMAZON_CLIENT_SECRET": sandbox.SANDBOX_CLIENT_SECRET,
                "DEMO_AMAZON_REFRESH_TOKEN": sandbox.SANDBOX_REFRESH_TOKEN}  # fmt: skip

    def order(self, rng: random.Random) -> str:
        from connectors.amazon.sandbox_seed import LISTINGS

        sku = rng.choice([s for s in LISTINGS if not s.startswith("GIFT")])
        order_id = self.sandbox.act(lambda s: s.create_order([(sku, rng.randint(1, 2))]))
        self.orders.append(order_id)
        return order_id

    def ship(self, order_id: str) -> None:
        self.sandbox.act(lambda s: s.ship(order_id))

    def shown(self) -> dict[str, int]:
        """Merchant-fulfilled quantity by seller SKU."""
        return {sku: qty for (sku, code), qty in self.sandbox.stock_levels().items()
                if code == "DEFAULT"}  # fmt: skip


@dataclass
class ShipBobVendor:
    """The 3PL: it owns the counts at 3pl-shipbob (pulled), ships orders and receives returns,
    each a signed webhook. It takes no pushes: nothing to compare at the end of the day."""

    channel: str = "shipbob"
    connector: str = "shipbob"
    locations: tuple[str, ...] = ("3pl-shipbob",)
    base_url: str = ""
    shipped: list[tuple[int, int]] = field(default_factory=list)  # (order, inventory id)

    def start(self, stack: ExitStack, webhook_url: str) -> None:
        from connectors.shipbob.sandbox import ShipBobSandbox
        from connectors.shipbob.sandbox_seed import CICERO, MUG_WHT, TEE_BLU_M, TEE_RED_M

        self.sandbox = ShipBobSandbox()

        def stock(w):
            w.add_center(CICERO, "Cicero (IL)")
            for item, sku in ((TEE_RED_M, "TEE-RED-M"), (TEE_BLU_M, "TEE-BLU-M"),
                              (MUG_WHT, "MUG-WHT")):  # fmt: skip
                w.add_item(item, sku)
                w.set_level(item, CICERO, on_hand=30)
            return []

        self.sandbox.act(stock)
        self.base_url = stack.enter_context(self.sandbox.serve())
        self.sandbox.subscribe(webhook_url)

    @property
    def settings(self) -> dict[str, Any]:
        return {"access_token": "${DEMO_SHIPBOB_TOKEN}", "webhook_secret": "${DEMO_SHIPBOB_SECRET}",
                "base_url": self.base_url, "account_location": "3pl-shipbob"}  # fmt: skip

    @property
    def env(self) -> dict[str, str]:
        from connectors.shipbob.sandbox import SANDBOX_SECRET, SANDBOX_TOKEN

        return {"DEMO_SHIPBOB_TOKEN": SANDBOX_TOKEN, "DEMO_SHIPBOB_SECRET": SANDBOX_SECRET}

    def ship_orders(self, rng: random.Random, count: int) -> None:
        from connectors.shipbob.sandbox_seed import CICERO, MUG_WHT, TEE_RED_M

        for _ in range(count):
            item = rng.choice((TEE_RED_M, MUG_WHT))
            units = rng.randint(1, 2)
            order = self.sandbox.act(lambda w, item=item, n=units: w.create_order([(item, n)],
                                                                                  CICERO))
            self.sandbox.act(lambda w, order=order: w.ship(order))
            self.shipped.append((order, item))

    def return_and_restock(self) -> None:
        """The first shipped order comes back: one unit restocked, one written off if two."""
        from connectors.shipbob.sandbox_seed import CICERO
        from connectors.shipbob.sandbox_warehouse import RESTOCK

        order, item = self.shipped[0]
        returned = self.sandbox.act(lambda w: w.create_return(order, [(item, 1)], CICERO))
        self.sandbox.act(lambda w: w.arrive(returned))
        self.sandbox.act(lambda w: w.process(returned, [(item, RESTOCK, 1, "Like new")]))
        self.sandbox.act(lambda w: w.complete(returned))

    def shown(self) -> None:
        return None  # a 3PL is told nothing: it owns its counts


@dataclass
class QuickCommerceVendor:
    """A dark-store delivery app on stockhub's own protocol; the day takes it down for a while."""

    channel: str = "quick-commerce"
    connector: str = "custom"
    locations: tuple[str, ...] = ("dark-store-1",)
    base_url: str = ""

    def start(self, stack: ExitStack, webhook_url: str) -> None:
        from connectors.custom.sandbox import CustomSandbox

        self.sandbox = CustomSandbox("demo-quick-commerce-token")
        self.base_url = stack.enter_context(self.sandbox.serve())

    @property
    def settings(self) -> dict[str, Any]:
        return {"base_url": self.base_url, "api_token": "${DEMO_QUICK_TOKEN}"}

    @property
    def env(self) -> dict[str, str]:
        return {"DEMO_QUICK_TOKEN": "demo-quick-commerce-token"}

    def outage(self) -> None:
        """Every call fails with 503 until :meth:`recover`."""
        self.sandbox.set_faults(permanent_status=503)

    def recover(self) -> None:
        self.sandbox.clear_faults()

    def shown(self) -> dict[str, int]:
        return {sku: qty for (sku, _), qty in self.sandbox.stock_levels().items()}


def all_vendors() -> list[Any]:
    return [ShopifyVendor(), AmazonVendor(), SquareVendor(), ShipBobVendor(),
            QuickCommerceVendor()]

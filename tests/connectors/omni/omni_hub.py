"""One hub with all four vendors at once, each on its own sandbox (in process).

Topology: ``dc`` (warehouse, counted by the WMS), ``store-12`` (Square owns its counts),
``store-12-online`` (the online allocation the hub owns in Square) and ``3pl-shipbob`` (ShipBob
owns its counts, account-wide). The online channels ``shopify-us``, ``amazon-us`` and
``square-store-12`` (its online allocation) all sell from ``dc``, ``store-12`` and the 3PL, so
a sale or a shipment anywhere moves every one of them. Webhooks go through
``inbox.receive_webhook`` + ``inbox.process`` (what ``POST /webhooks/<channel>`` and a worker
do); Amazon orders come by ``pull_channel``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connectors.amazon import plugin as amazon_plugin
from connectors.amazon import sandbox as amazon_box
from connectors.shipbob import plugin as shipbob_plugin
from connectors.shipbob import sandbox as shipbob_box
from connectors.shopify import plugin as shopify_plugin
from connectors.shopify import sandbox as shopify_box
from connectors.square import plugin as square_plugin
from connectors.square import sandbox as square_box
from connectors.square.sandbox_seed import ONLINE, PRODUCTS, STORE
from hub.app import Hub
from hub.events import parse_event
from hub.http.policy import RetrySettings
from hub.http.ratelimit import ChannelRateLimiter
from hub.mappings import CrosswalkRow
from hub.plugins import make_plugin_manager
from hub.stockview import stock_view
from hub.vocabulary import RefKind
from tests.connectors.endpoint import answer_webhook

SHOPIFY, AMAZON, SQUARE, SHIPBOB = "shopify-us", "amazon-us", "square-store-12", "shipbob"
ONLINE_CHANNELS = (SHOPIFY, AMAZON, SQUARE)
SKUS = ("TEE-RED-M", "MUG-WHT")
VARIATION = {sku: variation for sku, variation, *_ in PRODUCTS}
INVENTORY = {"TEE-RED-M": 1180431, "MUG-WHT": 1180434}  # ShipBob inventory ids
CICERO = 156
FAST = RetrySettings(max_attempts=3, initial_backoff_s=0.0, jitter_s=0.0, max_elapsed_s=5)


class Clock:
    """ShipBob's clock: real time (webhook timestamps must verify) plus explicit steps, so two
    warehouse actions a test takes in a row are seconds apart as they are for real."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class OmniHub:
    hub: Hub
    shopify: Any
    amazon: Any
    square: Any
    shipbob: Any
    shop_location: str
    clock: Clock
    shop_items: dict[str, str] = field(default_factory=dict)
    answers: list[tuple[str, int]] = field(default_factory=list)

    def atp(self, sku: str) -> dict[str, int]:
        with self.hub.session() as session:
            channels = stock_view(session, sku)["channels"]
        return {code: channels[code]["atp"] for code in ONLINE_CHANNELS}

    def shown(self, sku: str) -> dict[str, int]:
        """What each online channel's vendor shows for ``sku``."""
        return {
            SHOPIFY: self.shopify.stock_levels()[(self.shop_items[sku], self.shop_location)],
            AMAZON: self.amazon.stock_levels()[(f"AMZ-{sku}", "DEFAULT")],
            SQUARE: self.square.stock_levels()[(VARIATION[sku], ONLINE)],
        }

    def warehouse(self, change: Any) -> Any:
        self.clock.offset += 2.0
        return self.shipbob.act(change)

    def receiver(self, channel: str):
        def receive(body: bytes, headers: dict[str, str]) -> int:
            status = answer_webhook(self.hub, channel, body, headers)
            self.answers.append((channel, status))
            return status

        return receive


def build(engine: sa.Engine, tmp_path: Path, monkeypatch: Any) -> OmniHub:
    from hub.config import Settings
    from hub.ledger.items import upsert_item
    from hub.mappings.sync import import_crosswalk

    secrets = {
        "SHOPIFY_TOKEN": shopify_box.SANDBOX_TOKEN, "SHOPIFY_SECRET": shopify_box.SANDBOX_SECRET,
        "AMAZON_SECRET": amazon_box.SANDBOX_CLIENT_SECRET,
        "AMAZON_REFRESH": amazon_box.SANDBOX_REFRESH_TOKEN,
        "AMAZON_RELAY": amazon_box.SANDBOX_RELAY_SECRET,
        "SQUARE_TOKEN": square_box.SANDBOX_TOKEN, "SQUARE_KEY": square_box.SANDBOX_SIGNATURE_KEY,
        "SHIPBOB_TOKEN": shipbob_box.SANDBOX_TOKEN, "SHIPBOB_SECRET": shipbob_box.SANDBOX_SECRET,
    }  # fmt: skip
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    clock = Clock()
    shopify = shopify_box.ShopifySandbox()
    shop_location = shopify.act(lambda s: (s.add_location("DC East"), []))
    amazon = amazon_box.AmazonSandbox(feed_delay_s=0.05)
    square = square_box.SquareSandbox.seeded()
    shipbob = shipbob_box.ShipBobSandbox(clock=clock)
    shipbob.act(lambda w: (w.add_center(CICERO, "Cicero (IL)"), [])[1])
    sells_from = ["dc", "store-12", "3pl-shipbob"]
    settings = Settings(
        hub={"database_url": "sqlite:///unused.db", "operators": ["ops"]},
        sync={"max_retries": 2, "backoff_s": 0.01, "jitter_s": 0, "lease_s": 60,
              "drift_tolerance": 2},
        returns={"sla_hours": 72},
        locations=[
            {"code": "dc", "kind": "warehouse", "owner": "wms"},
            {"code": "store-12", "kind": "store", "owner": SQUARE},
            {"code": "store-12-online", "kind": "store", "owner": "stockhub"},
            {"code": "3pl-shipbob", "kind": "3pl", "owner": SHIPBOB},
        ],
        channels=[
            {"code": SHOPIFY, "connector": "shopify", "locations": sells_from,
             "settings": {"shop": shopify_box.SANDBOX_SHOP, "access_token": "${SHOPIFY_TOKEN}",
                          "client_secret": "${SHOPIFY_SECRET}"}},
            {"code": AMAZON, "connector": "amazon", "locations": sells_from,
             "settings": {**amazon_box.SANDBOX_SETTINGS,
                          "client_secret": "${AMAZON_SECRET}",
                          "refresh_token": "${AMAZON_REFRESH}",
                          "relay_secret": "${AMAZON_RELAY}"}},
            {"code": SQUARE, "connector": "square",
             "locations": [*sells_from, "store-12-online"], "push_location": "store-12-online",
             "settings": {"access_token": "${SQUARE_TOKEN}", "signature_key": "${SQUARE_KEY}",
                          "notification_url": square_box.SANDBOX_NOTIFICATION_URL,
                          "location_ids": STORE, "allocation_location_id": ONLINE}},
            {"code": SHIPBOB, "connector": "shipbob", "locations": ["3pl-shipbob"],
             "settings": {"access_token": "${SHIPBOB_TOKEN}", "webhook_secret": "${SHIPBOB_SECRET}",
                          "base_url": shipbob_box.SANDBOX_ORIGIN,
                          "account_location": "3pl-shipbob"}},
        ],
    )  # fmt: skip
    limiter = ChannelRateLimiter(f"stockhub+sqlite://{tmp_path / 'limits.db'}")
    parts = {code: {"transport": box.transport(), "retry": FAST, "limiter": limiter,
                    "sleep": lambda s: None}
             for code, box in ((SHOPIFY, shopify), (AMAZON, amazon), (SQUARE, square),
                               (SHIPBOB, shipbob))}  # fmt: skip
    pm = make_plugin_manager(
        plugins={"shopify": shopify_plugin, "amazon": amazon_plugin, "square": square_plugin,
                 "shipbob": shipbob_plugin},
        load_entry_points=False,
    )  # fmt: skip
    hub = Hub(settings, engine, pm=pm, channel_parts=parts)
    hub.sync_topology()
    omni = OmniHub(hub, shopify, amazon, square, shipbob, shop_location, clock)
    rows = [
        CrosswalkRow(SHOPIFY, RefKind.LOCATION, shop_location, "dc", "test", 0),
        CrosswalkRow(AMAZON, RefKind.LOCATION, "DEFAULT", "dc", "test", 0),
        CrosswalkRow(SQUARE, RefKind.LOCATION, STORE, "store-12", "test", 0),
        CrosswalkRow(SQUARE, RefKind.LOCATION, ONLINE, "store-12-online", "test", 0),
        CrosswalkRow(SHIPBOB, RefKind.LOCATION, str(CICERO), "3pl-shipbob", "test", 0),
    ]
    for n, sku in enumerate(SKUS):
        variant, item = shopify.act(lambda s, sku=sku: (s.add_product(sku), []))
        shopify.act(lambda s, item=item: s.stock(item, shop_location, available=0))
        omni.shop_items[sku] = item
        amazon.act(lambda store, sku=sku: store.add_listing(f"AMZ-{sku}", "DEFAULT", 0))
        shipbob.act(lambda w, sku=sku: (w.add_item(INVENTORY[sku], sku), [])[1])
        rows += [CrosswalkRow(SHOPIFY, RefKind.SKU, variant, sku, "test", n + 1),
                 CrosswalkRow(AMAZON, RefKind.SKU, f"AMZ-{sku}", sku, "test", n + 1),
                 CrosswalkRow(SQUARE, RefKind.SKU, VARIATION[sku], sku, "test", n + 1),
                 CrosswalkRow(SHIPBOB, RefKind.SKU, str(INVENTORY[sku]), sku, "test", n + 1)]
    with hub.session() as session:
        for sku in SKUS:
            upsert_item(session, parse_event({
                "id": f"item/{sku}", "type": "item.upserted", "source": "ops",
                "occurred_at": "2026-11-22T08:00:00Z",
                "data": {"sku": sku, "title": sku, "status": "active"}}).data)  # fmt: skip
        import_crosswalk(session, rows)
    shopify.subscribe(omni.receiver(SHOPIFY))
    square.subscribe(omni.receiver(SQUARE))
    shipbob.subscribe(omni.receiver(SHIPBOB))
    return omni

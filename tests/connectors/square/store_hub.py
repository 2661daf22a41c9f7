"""Build a real hub with a Square POS store and a Shopify shop selling from it (end to end).

Topology: ``store-12`` is a store whose counts Square owns (owner ``square-store-12``);
``store-12-online`` is the online allocation the hub owns in Square (the Square channel's push
location); ``dc`` is a warehouse. ``shopify-us`` sells from ``dc`` and ``store-12``. Both
sandboxes are reached through their transports; their notifications go to
:func:`hub.sync.inbox.receive_webhook` then ``inbox.process``, exactly what
``POST /webhooks/<channel>`` does, and a bad signature is answered 401.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connectors.shopify import plugin as shopify_plugin
from connectors.shopify.sandbox import SANDBOX_SECRET, SANDBOX_SHOP, SANDBOX_TOKEN, ShopifySandbox
from connectors.square import plugin as square_plugin
from connectors.square.sandbox import (
    SANDBOX_NOTIFICATION_URL,
    SANDBOX_SIGNATURE_KEY,
    SquareSandbox,
)
from connectors.square.sandbox import SANDBOX_TOKEN as SQUARE_TOKEN
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

SQUARE, SHOPIFY = "square-store-12", "shopify-us"
FAST = RetrySettings(max_attempts=3, initial_backoff_s=0.0, jitter_s=0.0, max_elapsed_s=5)
SKUS = [sku for sku, *_ in PRODUCTS]
VARIATIONS = {sku: variation for sku, variation, *_ in PRODUCTS}


@dataclass
class StoreHub:
    hub: Hub
    square: SquareSandbox
    shop: ShopifySandbox
    shop_location: str
    shop_items: dict[str, str] = field(default_factory=dict)  # SKU → inventory item GID
    answers: list[tuple[str, int]] = field(default_factory=list)  # (channel, status)

    def atp(self, sku: str, channel: str = SHOPIFY) -> int:
        with self.hub.session() as session:
            return stock_view(session, sku)["channels"][channel]["atp"]

    def on_hand(self, sku: str, location: str = "store-12", bucket: str = "on_hand") -> int:
        with self.hub.session() as session:
            return stock_view(session, sku)["locations"].get(location, {}).get(bucket, 0)

    def receiver(self, channel: str):
        def receive(body: bytes, headers: dict[str, str]) -> int:
            status = answer_webhook(self.hub, channel, body, headers)
            self.answers.append((channel, status))
            return status

        return receive


def build(engine: sa.Engine, tmp_path: Path, monkeypatch: Any, **square_options: Any) -> StoreHub:
    from hub.config import Settings
    from hub.ledger.items import upsert_item
    from hub.mappings.sync import import_crosswalk

    for name, value in {"SQUARE_TOKEN": SQUARE_TOKEN, "SQUARE_SIGNATURE_KEY":
                        SANDBOX_SIGNATURE_KEY, "SHOPIFY_TOKEN": SANDBOX_TOKEN,
                        "SHOPIFY_SECRET": SANDBOX_SECRET}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    square = SquareSandbox.seeded(**square_options)
    shop = ShopifySandbox()
    shop_location = shop.act(lambda s: (s.add_location("DC East"), []))
    settings = Settings(
        hub={"database_url": "sqlite:///unused.db", "operators": ["ops"]},
        sync={"max_retries": 2, "backoff_s": 0.01, "jitter_s": 0, "lease_s": 30},
        returns={"sla_hours": 72},
        locations=[
            {"code": "dc", "kind": "warehouse", "owner": "wms"},
            {"code": "store-12", "kind": "store", "owner": SQUARE},
            {"code": "store-12-online", "kind": "store", "owner": "stockhub"},
        ],
        channels=[
            {"code": SHOPIFY, "connector": "shopify", "locations": ["dc", "store-12"],
             "settings": {"shop": SANDBOX_SHOP, "access_token": "${SHOPIFY_TOKEN}",
                          "client_secret": "${SHOPIFY_SECRET}"}},
            {"code": SQUARE, "connector": "square",
             "locations": ["store-12", "store-12-online"], "push_location": "store-12-online",
             "settings": {"access_token": "${SQUARE_TOKEN}",
                          "signature_key": "${SQUARE_SIGNATURE_KEY}",
                          "notification_url": SANDBOX_NOTIFICATION_URL,
                          "location_ids": STORE, "allocation_location_id": ONLINE,
                          "batch_size": 2}},
        ],
    )  # fmt: skip
    limiter = ChannelRateLimiter(f"stockhub+sqlite://{tmp_path / 'limits.db'}")
    parts = {
        SHOPIFY: {"transport": shop.transport(), "retry": FAST, "limiter": limiter},
        SQUARE: {"transport": square.transport(), "retry": FAST, "limiter": limiter,
                 "sleep": lambda s: None},
    }  # fmt: skip
    pm = make_plugin_manager(
        plugins={"shopify": shopify_plugin, "square": square_plugin}, load_entry_points=False
    )
    hub = Hub(settings, engine, pm=pm, channel_parts=parts)
    hub.sync_topology()
    world = StoreHub(hub, square, shop, shop_location)
    rows = [
        CrosswalkRow(SHOPIFY, RefKind.LOCATION, shop_location, "dc", "test", 0),
        CrosswalkRow(SQUARE, RefKind.LOCATION, STORE, "store-12", "test", 0),
        CrosswalkRow(SQUARE, RefKind.LOCATION, ONLINE, "store-12-online", "test", 0),
    ]
    for n, sku in enumerate(SKUS):
        variant, item = shop.act(lambda s, sku=sku: (s.add_product(sku), []))
        shop.act(lambda s, item=item: s.stock(item, shop_location, available=0))
        world.shop_items[sku] = item
        rows.append(CrosswalkRow(SHOPIFY, RefKind.SKU, variant, sku, "test", n + 1))
        rows.append(CrosswalkRow(SQUARE, RefKind.SKU, VARIATIONS[sku], sku, "test", n + 1))
    with hub.session() as session:
        for sku in SKUS:
            upsert_item(session, item_data(sku))
        import_crosswalk(session, rows)
    square.subscribe(world.receiver(SQUARE))
    shop.subscribe(world.receiver(SHOPIFY))
    return world


def item_data(code: str) -> Any:
    return parse_event(
        {"id": f"item/{code}", "type": "item.upserted", "source": "ops",
         "occurred_at": "2026-11-22T08:00:00Z",
         "data": {"sku": code, "title": code, "status": "active"}}
    ).data  # fmt: skip

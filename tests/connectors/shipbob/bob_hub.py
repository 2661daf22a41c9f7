"""Build a real hub whose 3PL is a ShipBob sandbox and whose online channels sell its stock.

Settings: one location ``3pl-shipbob`` (kind 3pl) owned by the channel ``shipbob`` (this
connector, counts as account-wide totals there), and two online channels selling from it:
``shopify-us`` (the Shopify sandbox) and ``marketplace`` (the custom connector's sandbox). The
ShipBob sandbox's webhooks go to :func:`hub.sync.inbox.receive_webhook` then ``inbox.process``,
exactly what ``POST /webhooks/shipbob`` does, and are answered 401 when the signature fails.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connectors.custom import plugin as custom_plugin
from connectors.custom.sandbox import SANDBOX_TOKEN as CUSTOM_TOKEN
from connectors.custom.sandbox import CustomSandbox
from connectors.shipbob import plugin
from connectors.shipbob.sandbox import SANDBOX_ORIGIN, SANDBOX_SECRET, SANDBOX_TOKEN, ShipBobSandbox
from connectors.shopify import plugin as shopify_plugin
from connectors.shopify.sandbox import SANDBOX_SECRET as SHOPIFY_SECRET
from connectors.shopify.sandbox import SANDBOX_SHOP, ShopifySandbox
from connectors.shopify.sandbox import SANDBOX_TOKEN as SHOPIFY_TOKEN
from hub.app import Hub
from hub.events import parse_event
from hub.http.policy import RetrySettings
from hub.http.ratelimit import ChannelRateLimiter
from hub.mappings import CrosswalkRow
from hub.plugins import make_plugin_manager
from hub.stockview import stock_view
from hub.vocabulary import RefKind
from tests.connectors.endpoint import answer_webhook

SHIPBOB, SHOPIFY, MARKET, THREE_PL = "shipbob", "shopify-us", "marketplace", "3pl-shipbob"
ONLINE = (SHOPIFY, MARKET)
CICERO, MORENO = 156, 183
#: hub SKU → (ShipBob inventory id, on hand at Cicero, on hand at Moreno Valley)
CATALOGUE = {"TEE-RED-M": (1180431, 40, 12), "MUG-WHT": (1180434, 100, 0)}
FAST = RetrySettings(max_attempts=3, initial_backoff_s=0.0, jitter_s=0.0, max_elapsed_s=5)


class Clock:
    """ShipBob's clock: real time (webhook timestamps must verify) plus steps a test takes, so
    a count and a shipment a test makes one after the other are seconds apart, as they are for
    real (ShipBob's times have one-second resolution)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def step(self, seconds: float = 2.0) -> None:
        self.offset += seconds


@dataclass
class BobHub:
    hub: Hub
    shipbob: ShipBobSandbox
    shopify: ShopifySandbox
    market: CustomSandbox
    shopify_location: str
    clock: Clock
    items: dict[str, str] = field(default_factory=dict)  # hub SKU → Shopify inventory item
    answers: list[int] = field(default_factory=list)

    def atp(self, sku: str) -> dict[str, int]:
        """Each online channel's ATP for ``sku``."""
        with self.hub.session() as session:
            channels = stock_view(session, sku)["channels"]
        return {code: channels[code]["atp"] for code in ONLINE}

    def shown(self, sku: str) -> dict[str, int]:
        """What each online channel's sandbox shows for ``sku`` (after pushes)."""
        shop = self.shopify.stock_levels()[(self.items[sku], self.shopify_location)]
        return {SHOPIFY: shop, MARKET: self.market.stock_levels().get((sku, THREE_PL), 0)}

    def act(self, change: Any) -> Any:
        """A warehouse action in ShipBob, a moment after the previous one."""
        self.clock.step()
        return self.shipbob.act(change)

    def reconcile(self) -> Any:
        from hub.sync.reconcile import reconcile

        self.clock.step()
        return reconcile(self.hub, [SHIPBOB])

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        """The webhook endpoint: verify and store, process, answer (401 when forged)."""
        status = answer_webhook(self.hub, SHIPBOB, body, headers)
        self.answers.append(status)
        return status


def build(engine: sa.Engine, tmp_path: Path, monkeypatch: Any, **sync: Any) -> BobHub:
    from hub.config import Settings
    from hub.ledger.items import upsert_item
    from hub.mappings.sync import import_crosswalk

    for name, value in (("SHIPBOB_TOKEN", SANDBOX_TOKEN), ("SHIPBOB_SECRET", SANDBOX_SECRET),
                        ("SHOPIFY_TOKEN", SHOPIFY_TOKEN), ("SHOPIFY_SECRET", SHOPIFY_SECRET),
                        ("MARKET_TOKEN", CUSTOM_TOKEN)):  # fmt: skip
        monkeypatch.setenv(name, value)
    clock = Clock()
    shipbob = ShipBobSandbox(clock=clock)
    shipbob.act(lambda w: [w.add_center(CICERO, "Cicero (IL)"), w.add_center(MORENO, "Moreno")]
                and [])  # fmt: skip
    for sku, (inventory, cicero, moreno) in CATALOGUE.items():
        shipbob.act(lambda w, i=inventory, s=sku: (w.add_item(i, s), []))
        shipbob.act(lambda w, i=inventory, n=cicero: w.set_level(i, CICERO, on_hand=n))
        shipbob.act(lambda w, i=inventory, n=moreno: w.set_level(i, MORENO, on_hand=n))
    shopify = ShopifySandbox()
    shop_location = shopify.act(lambda shop: (shop.add_location("ShipBob"), []))
    market = CustomSandbox(rate_limit=None)
    settings = Settings(
        hub={"database_url": "sqlite:///unused.db", "operators": ["ops"]},
        sync={"max_retries": 2, "backoff_s": 0.01, "jitter_s": 0, "lease_s": 30, **sync},
        returns={"sla_hours": 72},
        locations=[{"code": THREE_PL, "kind": "3pl", "owner": SHIPBOB}],
        channels=[
            {"code": SHIPBOB, "connector": "shipbob", "locations": [THREE_PL],
             "settings": {"access_token": "${SHIPBOB_TOKEN}", "webhook_secret": "${SHIPBOB_SECRET}",
                          "base_url": SANDBOX_ORIGIN, "account_location": THREE_PL}},
            {"code": SHOPIFY, "connector": "shopify", "locations": [THREE_PL],
             "settings": {"shop": SANDBOX_SHOP, "access_token": "${SHOPIFY_TOKEN}",
                          "client_secret": "${SHOPIFY_SECRET}"}},
            {"code": MARKET, "connector": "custom", "locations": [THREE_PL],
             "settings": {"base_url": "http://custom.sandbox.invalid/api",
                          "api_token": "${MARKET_TOKEN}"}},
        ],
    )  # fmt: skip
    limiter = ChannelRateLimiter(f"stockhub+sqlite://{tmp_path / 'limits.db'}")
    parts = {
        SHIPBOB: {"transport": shipbob.transport()},
        SHOPIFY: {"transport": shopify.transport()},
        MARKET: {"transport": market.transport()},
    }
    for part in parts.values():
        part.update(retry=FAST, limiter=limiter, sleep=lambda s: None)
    pm = make_plugin_manager(
        plugins={"shipbob": plugin, "shopify": shopify_plugin, "custom": custom_plugin},
        load_entry_points=False,
    )
    hub = Hub(settings, engine, pm=pm, channel_parts=parts)
    hub.sync_topology()
    bob = BobHub(hub, shipbob, shopify, market, shop_location, clock)
    rows = [CrosswalkRow(SHIPBOB, RefKind.LOCATION, str(c), THREE_PL, "test", n)
            for n, c in enumerate((CICERO, MORENO))]  # fmt: skip
    rows.append(CrosswalkRow(SHOPIFY, RefKind.LOCATION, shop_location, THREE_PL, "test", 3))
    for n, (sku, (inventory, _, _)) in enumerate(CATALOGUE.items()):
        variant, item = shopify.act(lambda shop, s=sku: (shop.add_product(s), []))
        shopify.act(lambda shop, i=item: shop.stock(i, shop_location, available=0))
        bob.items[sku] = item
        rows.append(CrosswalkRow(SHIPBOB, RefKind.SKU, str(inventory), sku, "test", 10 + n))
        rows.append(CrosswalkRow(SHOPIFY, RefKind.SKU, variant, sku, "test", 20 + n))
    with hub.session() as session:
        for sku in CATALOGUE:
            upsert_item(session, parse_event({
                "id": f"item/{sku}", "type": "item.upserted", "source": "ops",
                "occurred_at": "2026-11-22T08:00:00Z",
                "data": {"sku": sku, "title": sku, "status": "active"},
            }).data)  # fmt: skip
        import_crosswalk(session, rows)
    shipbob.subscribe(bob.receive)
    return bob

"""Build a real hub whose one channel is a Shopify sandbox, for the end-to-end tests.

The hub is the engine's own (tests/engine/conftest.py builds it the same way): settings with a
warehouse ``dc`` owned by ``wms`` and a channel ``shopify-us`` selling from it, the Shopify
plugin, the sandbox's transport in the channel's parts, a shared SQLite rate limiter. The
sandbox's webhooks go to :func:`hub.sync.inbox.receive_webhook` then ``inbox.process``,
exactly what ``POST /webhooks/shopify-us`` does, and answer 401 to a bad signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connectors.shopify import plugin
from connectors.shopify.sandbox import SANDBOX_SECRET, SANDBOX_SHOP, SANDBOX_TOKEN, ShopifySandbox
from hub.app import Hub
from hub.events import parse_event
from hub.http.policy import RetrySettings
from hub.http.ratelimit import ChannelRateLimiter
from hub.mappings import CrosswalkRow
from hub.plugins import make_plugin_manager
from hub.stockview import stock_view
from hub.vocabulary import RefKind
from tests.connectors.endpoint import answer_webhook

CHANNEL = "shopify-us"
FAST = RetrySettings(max_attempts=3, initial_backoff_s=0.0, jitter_s=0.0, max_elapsed_s=5)


@dataclass
class ShopHub:
    """The hub, its sandbox, and the catalogue mapped between them."""

    hub: Hub
    sandbox: ShopifySandbox
    location: str  # the sandbox's location GID for hub location ``dc``
    variants: dict[str, str] = field(default_factory=dict)  # hub SKU → variant GID
    items: dict[str, str] = field(default_factory=dict)  # hub SKU → inventory item GID
    answers: list[int] = field(default_factory=list)  # statuses the hub answered webhooks with

    def atp(self, sku: str) -> int:
        with self.hub.session() as session:
            return stock_view(session, sku)["channels"][CHANNEL]["atp"]

    def mismatches(self) -> dict[str, tuple[int, int]]:
        """SKU → (sandbox available, hub ATP) wherever they differ, over every mapped SKU."""
        levels = self.sandbox.stock_levels()
        found = {}
        for sku, item in self.items.items():
            shown, atp = levels[(item, self.location)], self.atp(sku)
            if shown != atp:
                found[sku] = (shown, atp)
        return found

    def receive(self, body: bytes, headers: dict[str, str]) -> int:
        """The webhook endpoint: verify and store, process, answer (401 when forged)."""
        status = answer_webhook(self.hub, CHANNEL, body, headers)
        self.answers.append(status)
        return status


def build(
    engine: sa.Engine,
    tmp_path: Path,
    monkeypatch: Any,
    skus: list[str],
    *,
    sleep: Callable[[float], None] | None = None,
    webhooks: bool = True,
    **sandbox_options: Any,
) -> ShopHub:
    """A hub and a sandbox holding ``skus`` (stocked at one location, available 0), mapped."""
    from hub.config import Settings
    from hub.ledger.items import upsert_item
    from hub.mappings.sync import import_crosswalk

    monkeypatch.setenv("SHOPIFY_TOKEN", SANDBOX_TOKEN)
    monkeypatch.setenv("SHOPIFY_SECRET", SANDBOX_SECRET)
    sandbox = ShopifySandbox(**sandbox_options)
    location = sandbox.act(lambda shop: (shop.add_location("DC East"), []))
    settings = Settings(
        hub={"database_url": "sqlite:///unused.db", "operators": ["ops"]},
        sync={"max_retries": 2, "backoff_s": 0.01, "jitter_s": 0, "lease_s": 30},
        locations=[{"code": "dc", "kind": "warehouse", "owner": "wms"}],
        channels=[
            {
                "code": CHANNEL,
                "connector": "shopify",
                "locations": ["dc"],
                "settings": {
                    "shop": SANDBOX_SHOP,
                    "access_token": "${SHOPIFY_TOKEN}",
                    "client_secret": "${SHOPIFY_SECRET}",
                },
            }
        ],
    )
    limiter = ChannelRateLimiter(f"stockhub+sqlite://{tmp_path / 'limits.db'}")
    parts = {"transport": sandbox.transport(), "retry": FAST, "limiter": limiter}
    if sleep is not None:
        parts["sleep"] = sleep
    pm = make_plugin_manager(plugins={"shopify": plugin}, load_entry_points=False)
    hub = Hub(settings, engine, pm=pm, channel_parts={CHANNEL: parts})
    hub.sync_topology()
    shop_hub = ShopHub(hub, sandbox, location)
    rows = [CrosswalkRow(CHANNEL, RefKind.LOCATION, location, "dc", "test", 0)]
    for n, sku in enumerate(skus):
        variant, item = sandbox.act(lambda shop, sku=sku: (shop.add_product(sku), []))
        sandbox.act(lambda shop, item=item: shop.stock(item, location, available=0))
        shop_hub.variants[sku], shop_hub.items[sku] = variant, item
        rows.append(CrosswalkRow(CHANNEL, RefKind.SKU, variant, sku, "test", n + 1))
    with hub.session() as session:
        for sku in skus:
            upsert_item(session, item_data(sku))
        import_crosswalk(session, rows)
    if webhooks:
        sandbox.subscribe(shop_hub.receive)
    return shop_hub


def item_data(code: str) -> Any:
    return parse_event(
        {
            "id": f"item/{code}",
            "type": "item.upserted",
            "source": "ops",
            "occurred_at": "2026-11-22T08:00:00Z",
            "data": {"sku": code, "title": code, "status": "active"},
        }
    ).data


def adjusted(n: int, sku: str, delta: int) -> Any:
    """A stock change at ``dc`` from its owner, the WMS."""
    return parse_event(
        {
            "id": f"wms/adj/{n}",
            "type": "stock.adjusted",
            "source": "wms",
            "occurred_at": "2026-11-22T10:00:00Z",
            "data": {"sku": sku, "location": "dc", "delta": delta, "reason": "receipt"},
        }
    )

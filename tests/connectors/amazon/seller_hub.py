"""Build a real hub whose Amazon channel is the sandbox, for the end-to-end tests.

The hub is the engine's own: a warehouse ``dc`` owned by ``wms``, Amazon's fulfilment centre
``fba`` owned by the Amazon channel, the channel ``amazon-us`` selling merchant-fulfilled
stock from ``dc``, and a second channel ``web`` (the custom connector) selling from ``dc`` too,
so a reservation made for an Amazon order shows in every channel's ATP. Crosswalk: each hub
SKU ↔ its seller SKU; ``DEFAULT`` ↔ ``dc``; ``AMAZON_NA`` ↔ ``fba``. Rate limits live in a
shared SQLite limiter, as with several workers on one machine.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from connectors.amazon import plugin, webhooks
from connectors.amazon.sandbox import (
    SANDBOX_CLIENT_SECRET,
    SANDBOX_REFRESH_TOKEN,
    SANDBOX_RELAY_SECRET,
    SANDBOX_SETTINGS,
    AmazonSandbox,
)
from connectors.custom import plugin as custom_plugin
from hub.app import Hub
from hub.events import parse_event
from hub.http.policy import RetrySettings
from hub.http.ratelimit import ChannelRateLimiter
from hub.mappings import CrosswalkRow
from hub.plugins import make_plugin_manager
from hub.stockview import atp_many, channel_plans, stock_view
from hub.vocabulary import RefKind
from tests.connectors.endpoint import answer_webhook

CHANNEL = "amazon-us"
OTHER = "web"
FAST = RetrySettings(max_attempts=3, initial_backoff_s=0.0, jitter_s=0.0, max_elapsed_s=5)


@dataclass
class SellerHub:
    """The hub, its sandbox, and the catalogue mapped between them."""

    hub: Hub
    sandbox: AmazonSandbox
    seller_skus: dict[str, str] = field(default_factory=dict)  # hub SKU → seller SKU
    answers: list[int] = field(default_factory=list)

    def atp(self, sku: str, channel: str = CHANNEL) -> int:
        with self.hub.session() as session:
            return stock_view(session, sku)["channels"][channel]["atp"]

    def mismatches(self) -> dict[str, tuple[int | None, int]]:
        """SKU → (listing quantity, hub ATP) wherever they differ, over every mapped SKU."""
        levels = self.sandbox.stock_levels()
        with self.hub.session() as session:
            plan = next(p for p in channel_plans(session) if p.channel.code == CHANNEL)
            atp = atp_many(session, plan, list(self.seller_skus))
        found = {}
        for sku, seller_sku in self.seller_skus.items():
            shown = levels.get((seller_sku, "DEFAULT"))
            if shown != atp[sku]:
                found[sku] = (shown, atp[sku])
        return found

    def relay(self, notification: dict[str, Any], secret: str = SANDBOX_RELAY_SECRET) -> int:
        """What the user's relay does with one SQS message: sign it, POST it to the hub."""
        body = json.dumps({"MessageId": "m-1", "Body": json.dumps(notification)}).encode()
        headers = {webhooks.SIGNATURE_HEADER: webhooks.signature(body, secret)}
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
    **sandbox_options: Any,
) -> SellerHub:
    """A hub and a sandbox listing ``skus`` (merchant-fulfilled, quantity 0), all mapped."""
    from hub.config import Settings
    from hub.ledger.items import upsert_item
    from hub.mappings.sync import import_crosswalk

    monkeypatch.setenv("AMAZON_REFRESH_TOKEN", SANDBOX_REFRESH_TOKEN)
    monkeypatch.setenv("AMAZON_CLIENT_SECRET", SANDBOX_CLIENT_SECRET)
    monkeypatch.setenv("AMAZON_RELAY_SECRET", SANDBOX_RELAY_SECRET)
    monkeypatch.setenv("WEB_API_TOKEN", "web-token-unused")
    sandbox = AmazonSandbox(**{"feed_delay_s": 0.05, **sandbox_options})
    settings = Settings(
        hub={"database_url": "sqlite:///unused.db", "operators": ["ops"]},
        sync={"max_retries": 2, "backoff_s": 0.01, "jitter_s": 0, "lease_s": 60,
              "rows_per_run": 5000},  # fmt: skip
        locations=[
            {"code": "dc", "kind": "warehouse", "owner": "wms"},
            {"code": "fba", "kind": "marketplace_fc", "owner": CHANNEL},
        ],
        channels=[
            {
                "code": CHANNEL,
                "connector": "amazon",
                "locations": ["dc"],
                "settings": {
                    **SANDBOX_SETTINGS,
                    "client_secret": "${AMAZON_CLIENT_SECRET}",
                    "refresh_token": "${AMAZON_REFRESH_TOKEN}",
                    "relay_secret": "${AMAZON_RELAY_SECRET}",
                },
            },
            {"code": OTHER, "connector": "custom", "locations": ["dc"],
             "settings": {"base_url": "http://127.0.0.1:9/api", "api_token": "${WEB_API_TOKEN}"}},
        ],  # fmt: skip
    )
    limiter = ChannelRateLimiter(f"stockhub+sqlite://{tmp_path / 'limits.db'}")
    parts: dict[str, Any] = {"transport": sandbox.transport(), "retry": FAST, "limiter": limiter}
    if sleep is not None:
        parts["sleep"] = sleep
    pm = make_plugin_manager(
        plugins={"amazon": plugin, "custom": custom_plugin}, load_entry_points=False
    )
    hub = Hub(settings, engine, pm=pm, channel_parts={CHANNEL: parts})
    hub.sync_topology()
    seller = SellerHub(hub, sandbox)
    rows = [
        CrosswalkRow(CHANNEL, RefKind.LOCATION, "DEFAULT", "dc", "test", 0),
        CrosswalkRow(CHANNEL, RefKind.LOCATION, "AMAZON_NA", "fba", "test", 0),
    ]
    for n, sku in enumerate(skus):
        seller_sku = f"AMZ-{sku}"
        sandbox.act(lambda store, s=seller_sku: store.add_listing(s, "DEFAULT", 0))
        seller.seller_skus[sku] = seller_sku
        rows.append(CrosswalkRow(CHANNEL, RefKind.SKU, seller_sku, sku, "test", n + 1))
    with hub.session() as session:
        for sku in skus:
            upsert_item(session, item_data(sku))
        import_crosswalk(session, rows)
    return seller


def item_data(code: str) -> Any:
    return parse_event(
        {"id": f"item/{code}", "type": "item.upserted", "source": "ops",
         "occurred_at": "2026-11-22T08:00:00Z",
         "data": {"sku": code, "title": code, "status": "active"}}
    ).data  # fmt: skip


def adjusted(n: int, sku: str, delta: int) -> Any:
    """A stock change at ``dc`` from its owner, the WMS."""
    return parse_event(
        {"id": f"wms/adj/{n}", "type": "stock.adjusted", "source": "wms",
         "occurred_at": "2026-11-22T10:00:00Z",
         "data": {"sku": sku, "location": "dc", "delta": delta, "reason": "receipt"}}
    )  # fmt: skip


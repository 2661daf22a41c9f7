"""The acceptance run over real HTTP: the sandbox POSTs signed webhooks to the hub's
``/webhooks/shopify-us`` endpoint (the API served by uvicorn), the inbox is processed as a
worker would, and pushes bring Shopify's ``available`` back to the hub's ATP."""

from __future__ import annotations

import json

import httpx
from sqlmodel import func, select

from connectors.shopify import webhooks
from connectors.shopify.sandbox import SANDBOX_SECRET
from hub.api import create_app
from hub.ledger import apply_batch
from hub.models import InboxMessage, LedgerEntry
from hub.sync import inbox
from hub.sync.push import push_channel
from hub.vocabulary import InboxStatus
from tests.api.server import serving
from tests.connectors.shopify.shop_hub import CHANNEL, adjusted, build

SKUS = [f"TEE-{n:02d}" for n in range(4)]


def received(hub) -> list[int]:
    with hub.session() as session:
        return list(session.exec(select(InboxMessage.id).where(
            InboxMessage.status == InboxStatus.RECEIVED.value)))  # fmt: skip


def count(hub, model) -> int:
    with hub.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_signed_webhooks_over_http_reduce_atp_and_forgeries_get_401(engine, tmp_path, monkeypatch):
    shop = build(engine, tmp_path, monkeypatch, SKUS, sleep=lambda s: None, webhooks=False)
    apply_batch(shop.hub.engine, [adjusted(i, sku, 10) for i, sku in enumerate(SKUS)])
    push_channel(shop.hub, CHANNEL)
    with serving(create_app(shop.hub, publish=False)) as base:
        shop.sandbox.subscribe(f"{base}/webhooks/{CHANNEL}")
        for burst in range(2):
            for n, sku in enumerate(SKUS[:3]):
                shop.sandbox.act(lambda s, sku=sku, q=1 + (n + burst) % 2: s.create_order(
                    [(shop.variants[sku], q)], shop.location))  # fmt: skip
            inbox.process(shop.hub, received(shop.hub))  # the worker's part
            push_channel(shop.hub, CHANNEL)
            assert shop.mismatches() == {}, f"burst {burst}"
        assert [shop.atp(sku) for sku in SKUS] == [7, 7, 7, 10]

        body = json.dumps({"id": 9, "line_items": [], "created_at": "2026-11-23T10:00:00Z"})
        headers = webhooks.headers(body.encode(), "not-" + SANDBOX_SECRET, topic="orders/create",
                                   shop_domain=shop.sandbox.domain, webhook_id="forged-1",
                                   api_version="2026-07")  # fmt: skip
        before = count(shop.hub, InboxMessage), count(shop.hub, LedgerEntry)
        forged = httpx.post(f"{base}/webhooks/{CHANNEL}", content=body, headers=headers)
        assert forged.status_code == 401
        assert (count(shop.hub, InboxMessage), count(shop.hub, LedgerEntry)) == before

"""End to end on one machine: the real engine, the Shopify plugin and its sandbox.

Orders placed in the sandbox arrive as signed webhooks (``inbox.receive_webhook`` +
``inbox.process``, what ``POST /webhooks/shopify-us`` does), reduce ATP in the ledger, and
``push.push_channel`` brings the sandbox's ``available`` back to the hub's ATP for every mapped
item after each burst. The burst test counts mutation calls per coalescing window.
"""

from __future__ import annotations

import json
import math
import random
import shutil

import pytest
from sqlmodel import func, select

from connectors.shopify import webhooks
from connectors.shopify.sandbox import SANDBOX_SECRET
from hub.ledger import apply_batch
from hub.models import InboxMessage, LedgerEntry
from hub.store import make_engine
from hub.sync import inbox
from hub.sync.pull import pull_channel
from hub.sync.push import push_channel
from hub.sync.reconcile import reconcile
from tests.connectors.shopify.shop_hub import CHANNEL, adjusted, build

SKUS = [f"TEE-{n:02d}" for n in range(6)]


@pytest.fixture
def shop(engine, tmp_path, monkeypatch):
    shop = build(engine, tmp_path, monkeypatch, SKUS, sleep=lambda s: None)
    apply_batch(shop.hub.engine, [adjusted(i, sku, 10) for i, sku in enumerate(SKUS)])
    run = push_channel(shop.hub, CHANNEL)
    assert (run.status, run.pushed) == ("done", len(SKUS))
    assert shop.mismatches() == {}
    return shop


def order(shop, *lines: tuple[str, int]) -> str:
    return shop.sandbox.act(
        lambda s: s.create_order([(shop.variants[sku], q) for sku, q in lines], shop.location)
    )


def rows(shop, model) -> int:
    with shop.hub.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_signed_orders_reduce_atp_and_pushes_make_shopify_match(shop) -> None:
    """Each burst of orders lowers ATP by what was ordered; after a push, Shopify equals ATP."""
    for burst in range(3):
        ordered = {sku: 1 + (burst + n) % 2 for n, sku in enumerate(SKUS[:4])}
        before = {sku: shop.atp(sku) for sku in SKUS}
        for sku, quantity in ordered.items():
            order(shop, (sku, quantity))
        assert all(status == 200 for status in shop.answers)
        after = {sku: shop.atp(sku) for sku in SKUS}
        assert after == {sku: before[sku] - ordered.get(sku, 0) for sku in SKUS}
        run = push_channel(shop.hub, CHANNEL)
        assert run.status == "done" and run.rejected == 0
        assert shop.mismatches() == {}, f"burst {burst}"


def test_fulfil_cancel_and_multi_line_orders_stay_in_step(shop) -> None:
    """Shipping keeps ATP, cancelling restores it; Shopify follows after each push."""
    first = order(shop, (SKUS[0], 2), (SKUS[1], 1))
    second = order(shop, (SKUS[2], 3))
    push_channel(shop.hub, CHANNEL)
    assert (shop.atp(SKUS[0]), shop.atp(SKUS[2])) == (8, 7) and shop.mismatches() == {}
    shop.sandbox.act(lambda s: s.fulfill(first))
    shop.sandbox.act(lambda s: s.cancel(second))
    assert (shop.atp(SKUS[0]), shop.atp(SKUS[1]), shop.atp(SKUS[2])) == (8, 9, 10)
    push_channel(shop.hub, CHANNEL)
    assert shop.mismatches() == {}
    assert shop.sandbox.quantities(shop.items[SKUS[0]], shop.location)["on_hand"] == 8


def test_forged_signature_is_refused_and_nothing_is_written(shop) -> None:
    """A delivery signed with another secret is a SignatureError (401): no inbox row, no entry."""
    body = json.dumps({"id": 1, "line_items": [], "created_at": "2026-11-23T10:00:00Z"}).encode()
    headers = webhooks.headers(
        body,
        "not-" + SANDBOX_SECRET,
        topic="orders/create",
        shop_domain=shop.sandbox.domain,
        webhook_id="forged-1",
        api_version="2026-07",
    )
    inbox_rows, entries = rows(shop, InboxMessage), rows(shop, LedgerEntry)
    with pytest.raises(inbox.SignatureError):
        inbox.receive_webhook(shop.hub, CHANNEL, webhooks_request(body, headers))
    assert shop.receive(body, headers) == 401
    assert (rows(shop, InboxMessage), rows(shop, LedgerEntry)) == (inbox_rows, entries)
    genuine = dict(headers, **{webhooks.HMAC_HEADER: webhooks.signature(body, SANDBOX_SECRET)})
    tampered = body.replace(b"2026", b"2027")
    assert shop.receive(tampered, genuine) == 401


def webhooks_request(body: bytes, headers: dict):
    from hub.connector import WebhookRequest

    return WebhookRequest(body, headers)


def test_duplicate_and_out_of_order_deliveries_apply_once(shop) -> None:
    """Every webhook sent twice and the burst released in reverse: ATP as if sent once, in order."""
    shop.sandbox.duplicates = 1
    already = len(shop.sandbox.deliveries)
    with shop.sandbox.held_webhooks(order="reverse"):
        shipped = order(shop, (SKUS[0], 2))
        shop.sandbox.act(lambda s: s.fulfill(shipped))
        gone = order(shop, (SKUS[1], 1))
        shop.sandbox.act(lambda s: s.cancel(gone))
    assert (shop.atp(SKUS[0]), shop.atp(SKUS[1])) == (8, 10)
    deliveries = [d.webhook_id for d in shop.sandbox.deliveries[already:]]
    assert len(deliveries) == 2 * len(set(deliveries))  # each one delivered twice
    push_channel(shop.hub, CHANNEL)
    assert shop.mismatches() == {}


def test_failed_delivery_is_retried_with_the_same_webhook_id(shop) -> None:
    """A receiver that fails once gets the same delivery again; the hub applies it once."""
    calls = []

    def flaky(body: bytes, headers: dict) -> int:
        calls.append(headers[webhooks.WEBHOOK_ID_HEADER])
        return 503 if len(calls) == 1 else shop.receive(body, headers)

    shop.sandbox.unsubscribe()
    shop.sandbox.subscribe(flaky, ["orders/create"])
    order(shop, (SKUS[3], 4))
    assert calls[0] == calls[1] and shop.atp(SKUS[3]) == 6


def test_orders_missed_by_webhooks_are_backfilled_by_pull(shop) -> None:
    """Webhooks down: pull_channel finds the order by cursor, once; ATP and Shopify agree."""
    shop.sandbox.unsubscribe()
    order(shop, (SKUS[5], 3))
    assert shop.atp(SKUS[5]) == 10
    run = pull_channel(shop.hub, CHANNEL, "orders")
    assert (run.applied, shop.atp(SKUS[5])) == (1, 7)
    assert pull_channel(shop.hub, CHANNEL, "orders").stored == 0
    push_channel(shop.hub, CHANNEL)
    assert shop.mismatches() == {}


def test_restocked_return_is_drift_that_reconcile_heals(shop) -> None:
    """Shopify restocks a return at once, the hub awaits inspection: reconcile re-pushes ATP."""
    sold = order(shop, (SKUS[4], 2))
    shop.sandbox.act(lambda s: s.fulfill(sold))
    push_channel(shop.hub, CHANNEL)
    line = shop.sandbox.shop.orders[sold].lines[0].id
    shop.sandbox.act(lambda s: s.refund(sold, [(line, 1)], "return", shop.location))
    assert shop.mismatches() == {SKUS[4]: (9, 8)}  # Shopify sells the returned unit already
    report = reconcile(shop.hub, [CHANNEL])
    assert (report.channel_drift, report.healed) == (1, 1)
    push_channel(shop.hub, CHANNEL)
    assert shop.mismatches() == {}


def test_burst_of_5000_changes_over_600_skus(sqlite_template, tmp_path, monkeypatch) -> None:
    """5,000 changes over 600 SKUs reach Shopify in ceil(600/250) = 3 mutations, with no
    throttled request at the Standard plan (100 points/s); a second window (compare-and-set
    against the pushed values) again takes 3; Shopify equals ATP after each."""
    shutil.copyfile(sqlite_template, tmp_path / "burst.db")  # measured once, on SQLite
    engine = make_engine(f"sqlite:///{tmp_path / 'burst.db'}")
    skus = [f"SKU-{n:03d}" for n in range(600)]
    shop = build(engine, tmp_path, monkeypatch, skus, webhooks=False)  # real sleeps: paced
    rng = random.Random(5)
    windows, n = [], 0
    for size in (5000, 1200):
        changes = [adjusted(n + i, skus[i % 600], rng.randint(1, 5)) for i in range(size)]
        n += size
        for start in range(0, size, 1000):
            apply_batch(shop.hub.engine, changes[start : start + 1000])
        mutations = shop.sandbox.mutation_calls
        run = push_channel(shop.hub, CHANNEL)
        windows.append(shop.sandbox.mutation_calls - mutations)
        assert run.pushed == 600 and run.rejected == run.stale == 0
        assert shop.mismatches() == {}
    assert windows == [math.ceil(600 / 250)] * 2, windows
    assert shop.sandbox.throttled == 0
    assert shop.sandbox.push_batch_sizes == [250, 250, 100] * 2
    engine.dispose()


def test_revoked_token_pauses_the_channel(shop) -> None:
    """Shopify answers 401: the push raises ConfigError, the task gives up and pauses pushes."""
    from hub.errors import ConfigError
    from hub.worker.tasks import give_up

    shop.sandbox.access_token = "revoked"
    apply_batch(shop.hub.engine, [adjusted(99, SKUS[0], 1)])
    with pytest.raises(ConfigError) as caught:
        push_channel(shop.hub, CHANNEL)
    assert caught.value.context["status"] == 401
    payload = {"channel": CHANNEL}
    give_up(
        shop.hub,
        caught.value,
        kind="push",
        channel=CHANNEL,
        subject="run",
        payload=payload,
        history=[],
    )
    assert push_channel(shop.hub, CHANNEL).status == "paused"

"""End to end on one machine: the real engine, the Square and Shopify plugins and sandboxes.

A POS sale, return or count in the Square sandbox arrives as signed notifications
(``inbox.receive_webhook`` + ``inbox.process``, what ``POST /webhooks/<channel>`` does), the
connector completes them from Square's API, the ledger applies them, and pushes bring Shopify
(and the hub-owned online allocation in Square) to the new ATP. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from connectors.square import schema, webhooks
from connectors.square.sandbox import SANDBOX_NOTIFICATION_URL, SANDBOX_SIGNATURE_KEY
from connectors.square.sandbox_seed import ONLINE, STORE
from hub.alerts.check import check
from hub.connector import WebhookRequest
from hub.models import ExceptionRecord, InboxMessage, LedgerEntry
from hub.sync import inbox
from hub.sync.pull import pull_channel
from hub.sync.push import push_channel
from hub.sync.reconcile import reconcile
from tests.conftest import _sqlite_engine
from tests.connectors.square.store_hub import SHOPIFY, SKUS, SQUARE, VARIATIONS, build

TEE = "TEE-RED-M"


def _ready(engine, tmp_path, monkeypatch):
    world = build(engine, tmp_path, monkeypatch)
    run = pull_channel(world.hub, SQUARE, "stock")  # the store's counts: Square owns them
    assert run.applied == len(SKUS)
    assert world.on_hand(TEE) == 10 and world.on_hand("MUG-WHT") == 29  # IN_STOCK + RESERVED
    assert push_channel(world.hub, SHOPIFY).status == "done"
    return world


@pytest.fixture
def world(engine, tmp_path, monkeypatch):
    """The acceptance scenarios: on SQLite and on PostgreSQL."""
    return _ready(engine, tmp_path, monkeypatch)


@pytest.fixture
def local(sqlite_template, tmp_path, monkeypatch):
    """The rest of the behaviour: SQLite only, to keep the suite fast."""
    engine = _sqlite_engine(sqlite_template, tmp_path)
    yield _ready(engine, tmp_path, monkeypatch)
    engine.dispose()


def rows(world, model) -> int:
    with world.hub.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def shown(world, sku: str) -> int:
    return world.shop.stock_levels()[(world.shop_items[sku], world.shop_location)]


def test_store_sale_lowers_online_atp_and_shopify_follows(world) -> None:
    """A counter sale of 2 at the POS: store on_hand 10 → 8, Shopify's ATP and its shown
    quantity drop by 2 after the push; every notification verified (200)."""
    before = world.atp(TEE)
    world.square.act(lambda s: s.sell([(VARIATIONS[TEE], 2)], STORE))
    assert world.answers and all(status == 200 for _, status in world.answers)
    assert (world.on_hand(TEE), world.atp(TEE)) == (8, before - 2)
    assert shown(world, TEE) == before
    push_channel(world.hub, SHOPIFY)
    assert shown(world, TEE) == before - 2


def test_pickup_reserves_then_ships_and_cancel_releases(local) -> None:
    """An online pickup reserves at the store (ATP −1, on_hand kept); completing it ships the
    unit (on_hand −1); a cancelled pickup gives its unit back."""
    mug = "MUG-WHT"
    start = local.atp(mug)
    picked = local.square.act(lambda s: s.order_pickup([(VARIATIONS[mug], 1)], STORE))
    gone = local.square.act(lambda s: s.order_pickup([(VARIATIONS[mug], 3)], STORE))
    assert (local.atp(mug), local.on_hand(mug)) == (start - 4, 29)
    local.square.act(lambda s: s.complete_pickup(picked))
    local.square.act(lambda s: s.cancel(gone))
    assert (local.atp(mug), local.on_hand(mug)) == (start - 1, 28)


def test_forged_and_replayed_notifications_are_refused_and_write_nothing(world) -> None:
    """Wrong key, tampered body, another URL and a re-signed old notification are refused
    (401) before Square is asked anything; a genuine delivery sent again is a duplicate."""
    world.square.act(lambda s: s.sell([(VARIATIONS[TEE], 1)], STORE))
    genuine = world.square.deliveries[-1]
    counts = (rows(world, InboxMessage), rows(world, LedgerEntry), len(world.square.requests))
    receive = world.receiver(SQUARE)
    body = genuine.body
    forged = {
        "foreign key": (body, webhooks.signature(SANDBOX_NOTIFICATION_URL, body, "other-key")),
        "tampered": (body.replace(b'"quantity":"', b'"quantity":"1'),
                     genuine.headers[webhooks.SIGNATURE_HEADER]),
        "other url": (body, webhooks.signature("https://evil.example/hook", body,
                                               SANDBOX_SIGNATURE_KEY)),
        "unsigned": (body, ""),
    }  # fmt: skip
    old = json.loads(body)
    old["created_at"] = (datetime.now(UTC) - timedelta(days=4)).isoformat()
    old["event_id"] = "replayed-from-last-week"
    stale = json.dumps(old).encode()
    forged["replayed old"] = (
        stale,
        webhooks.signature(SANDBOX_NOTIFICATION_URL, stale, SANDBOX_SIGNATURE_KEY),
    )
    for label, (raw, signature) in forged.items():
        headers = {webhooks.SIGNATURE_HEADER: signature} if signature else {}
        assert receive(raw, headers) == 401, label
        with pytest.raises(inbox.SignatureError):
            inbox.receive_webhook(world.hub, SQUARE, WebhookRequest(raw, headers))
    assert receive(body, dict(genuine.headers)) == 200  # the same event id again
    after = (rows(world, InboxMessage), rows(world, LedgerEntry), len(world.square.requests))
    assert after[:2] == counts[:2]
    assert after[2] == counts[2] + 1  # only the genuine duplicate was completed from Square


def test_duplicate_deliveries_apply_once(local) -> None:
    """Square delivers every notification twice: the ledger moves as if once."""
    local.square.duplicates = 1
    local.square.act(lambda s: s.sell([(VARIATIONS[TEE], 3)], STORE))
    assert local.on_hand(TEE) == 7


def test_pos_return_waits_for_disposition_and_alerts_past_its_sla(local) -> None:
    """An itemized return at the POS is a return.received at store-12 (returned_pending +1,
    ATP unchanged); 73 h later with no disposition the returns-in-limbo alert is raised."""
    sale = local.square.act(lambda s: s.sell([(VARIATIONS[TEE], 2)], STORE))
    line = local.square.store.orders[sale]["line_items"][0]["uid"]
    atp = local.atp(TEE)
    back = local.square.act(lambda s: s.return_items(sale, [(line, 1)], restock=False))
    assert local.on_hand(TEE, bucket="returned_pending") == 2  # the seed's return + this one
    assert local.atp(TEE) == atp
    raised = check(local.hub, now=datetime.now(UTC) + timedelta(hours=73)).raised
    subjects = {a.subject for a in raised if a.kind == "return_in_limbo"}
    assert any(back in s for s in subjects), subjects


def test_hub_owned_allocation_is_pushed_in_conservative_batches(world) -> None:
    """The Square channel's ATP goes to the online allocation's IN_STOCK with
    BatchChangeInventory, 2 changes per call (batch_size), every body valid against api.json;
    the store's physical count is never written."""
    store_before = {sku: world.square.quantity(VARIATIONS[sku], STORE) for sku in SKUS}
    run = push_channel(world.hub, SQUARE)
    assert (run.status, run.pushed, run.rejected) == ("done", len(SKUS), 0)
    assert world.square.push_batch_sizes == [2, 2]
    levels = world.square.stock_levels()
    assert {sku: levels[(VARIATIONS[sku], ONLINE)] for sku in SKUS} == {
        sku: world.atp(sku, SQUARE) for sku in SKUS
    }
    assert {sku: world.square.quantity(VARIATIONS[sku], STORE) for sku in SKUS} == store_before
    if schema.available():
        assert world.square.api.validated > 0 and world.square.api.invalid == []


def test_count_that_disagrees_with_the_ledger_is_drift(local) -> None:
    """Someone recounts at the store with notifications down: reconcile finds the difference,
    records location_drift and applies Square's count."""
    local.square.unsubscribe()
    local.square.act(lambda s: s.set_count(VARIATIONS[TEE], STORE, "IN_STOCK", 4))
    report = reconcile(local.hub, [SQUARE])
    assert (report.location_drift, report.counts_applied) == (1, 1)
    assert local.on_hand(TEE) == 4
    with local.hub.session() as session:
        kinds = session.exec(select(ExceptionRecord.kind)).all()
    assert "location_drift" in kinds


def test_sales_missed_by_notifications_are_backfilled_by_pull(local) -> None:
    """Notifications down: pulling orders finds the sale once; a second pull finds nothing."""
    local.square.unsubscribe()
    local.square.act(lambda s: s.sell([(VARIATIONS["TEE-BLU-M"], 2)], STORE))
    before = local.atp("TEE-BLU-M")
    first = pull_channel(local.hub, SQUARE, "orders")
    assert first.applied >= 2 and local.atp("TEE-BLU-M") == before - 2
    assert pull_channel(local.hub, SQUARE, "orders").stored == 0

"""End to end on one machine: the real engine, the Amazon plugin and its sandbox.

Orders placed in the sandbox reach the hub by ``pull_channel`` (getOrders + getOrderItems,
stored in the inbox, processed) or as ORDER_CHANGE notifications through the relay
(``inbox.receive_webhook`` + ``inbox.process``); reservations lower every channel's ATP;
``push_channel`` brings the listings back to the hub's ATP — by patches for a few SKUs, by
one JSON_LISTINGS_FEED for a burst of 2,100. The sandbox enforces the documented usage plans;
no test may see a 429.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from connectors.amazon.sandbox import SANDBOX_RELAY_SECRET
from hub.errors import ConfigError
from hub.ledger import apply_batch
from hub.models import DeadLetter, ExceptionRecord, InboxMessage
from hub.store import make_engine
from hub.sync.pull import pull_channel
from hub.sync.push import push_channel
from tests.connectors.amazon.seller_hub import CHANNEL, OTHER, adjusted, build

SKUS = [f"TEE-{n:02d}" for n in range(5)]
SAMPLES = Path(__file__).resolve().parents[3] / "connectors" / "amazon" / "samples"


@pytest.fixture
def seller(engine, tmp_path, monkeypatch):
    seller = build(engine, tmp_path, monkeypatch, SKUS, sleep=lambda s: None)
    apply_batch(seller.hub.engine, [adjusted(i, sku, 10) for i, sku in enumerate(SKUS)])
    run = push_channel(seller.hub, CHANNEL)
    assert (run.status, run.pushed, run.rejected) == ("done", len(SKUS), 0)
    assert seller.mismatches() == {}
    return seller


def order(seller, *lines: tuple[str, int]) -> str:
    return seller.sandbox.act(
        lambda s: s.create_order([(seller.seller_skus[sku], q) for sku, q in lines])
    )


def test_pulled_orders_reserve_and_every_channel_atp_drops(seller) -> None:
    """Two Amazon orders: the hub pulls them, reserves, ATP drops on amazon-us and web alike;
    after a push the listings equal ATP; shipping keeps ATP, cancelling restores it."""
    first = order(seller, (SKUS[0], 2), (SKUS[1], 1))
    second = order(seller, (SKUS[2], 3))
    run = pull_channel(seller.hub, CHANNEL, "orders")
    assert run.applied == 2
    for channel in (CHANNEL, OTHER):
        assert [seller.atp(s, channel) for s in SKUS[:3]] == [8, 9, 7], channel
    assert pull_channel(seller.hub, CHANNEL, "orders").stored == 0  # the cursor moved on
    assert push_channel(seller.hub, CHANNEL).status == "done"
    assert seller.mismatches() == {}
    seller.sandbox.act(lambda s: s.ship(first))
    seller.sandbox.act(lambda s: s.cancel(second))
    run = pull_channel(seller.hub, CHANNEL, "orders")
    assert run.applied == 3  # two lines shipped, one order cancelled
    assert [seller.atp(s, OTHER) for s in SKUS[:3]] == [8, 9, 10]
    push_channel(seller.hub, CHANNEL)
    assert seller.mismatches() == {}
    assert seller.sandbox.throttled == 0
    assert seller.sandbox.invalid == []  # every body passed the saved models (when present)


def test_burst_over_2000_skus_goes_as_one_feed(sqlite_template, tmp_path, monkeypatch) -> None:
    """2,100 SKUs change at once: one push call, one feed of 2,100 messages, processed after
    the sandbox's delay; every listing then equals the hub's ATP; no 429 at documented rates.
    Measured on SQLite only (the ledger's 2,100 events dominate; the other tests run on both)."""
    shutil.copyfile(sqlite_template, tmp_path / "burst.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'burst.db'}")
    skus = [f"SKU-{n:04d}" for n in range(2100)]
    seller = build(engine, tmp_path, monkeypatch, skus)  # real sleeps: paced as in production
    changes = [adjusted(i, s, 1 + i % 7) for i, s in enumerate(skus)]
    for start in range(0, len(changes), 1000):
        apply_batch(seller.hub.engine, changes[start : start + 1000])
    run = push_channel(seller.hub, CHANNEL)
    assert (run.status, run.calls, run.pushed, run.rejected) == ("done", 1, 2100, 0)
    assert seller.sandbox.push_batch_sizes == [2100]
    assert seller.sandbox.operations["createFeed"] == 1
    assert seller.sandbox.operations["patchListingsItem"] == 0
    assert seller.sandbox.messages_applied == 2100
    assert seller.mismatches() == {}
    assert seller.sandbox.throttled == 0 and seller.sandbox.invalid == []
    engine.dispose()


def test_notifications_through_the_relay_apply_once(seller) -> None:
    """ORDER_CHANGE via the relay reserves; a redelivery is a duplicate; a forged body is 401."""
    notification = json.loads((SAMPLES / "order_change_unshipped.json").read_text())["body"]
    items = notification["Payload"]["OrderChangeNotification"]["Summary"]["OrderItems"]
    items[0]["SellerSKU"], items[1]["SellerSKU"] = (seller.seller_skus[SKUS[3]],
                                                    seller.seller_skus[SKUS[4]])  # fmt: skip
    assert seller.relay(notification) == 200
    assert seller.relay(copy.deepcopy(notification)) == 200  # SQS redelivers the same message
    assert (seller.atp(SKUS[3], OTHER), seller.atp(SKUS[4], OTHER)) == (8, 9)
    with seller.hub.session() as session:
        assert len(session.exec(select(InboxMessage)).all()) == 1
    assert seller.relay(notification, secret="not-" + SANDBOX_RELAY_SECRET) == 401
    push_channel(seller.hub, CHANNEL)
    assert seller.mismatches() == {}


def test_unlisted_sku_becomes_its_own_exception_record(seller) -> None:
    """A SKU whose listing Amazon does not have is rejected alone: a dead letter and an
    exception record for that SKU; the rest of the batch is applied."""
    seller.sandbox.act(lambda s: s.listings.pop(seller.seller_skus[SKUS[1]]))
    apply_batch(seller.hub.engine, [adjusted(90 + i, sku, 1) for i, sku in enumerate(SKUS)])
    run = push_channel(seller.hub, CHANNEL)
    assert (run.pushed, run.rejected) == (4, 1)
    with seller.hub.session() as session:
        letters = session.exec(select(DeadLetter)).all()
        records = session.exec(select(ExceptionRecord)).all()
    assert [d.subject for d in letters] == [f"sku:{SKUS[1]}"]
    assert any(r.subject.endswith(f"sku:{SKUS[1]}") and "NOT_FOUND" in r.message for r in records)
    assert {k: v for k, v in seller.mismatches().items() if k != SKUS[1]} == {}


def test_revoked_authorisation_pauses_the_channel(seller) -> None:
    """The seller revokes the app: LWA answers invalid_grant, the push raises a ConfigError
    naming settings.refresh_token, the task gives up and the channel pauses with a record."""
    from connectors.amazon.auth import TOKENS
    from hub.worker.tasks import give_up

    seller.sandbox.revoke()
    TOKENS.clear()
    apply_batch(seller.hub.engine, [adjusted(99, SKUS[0], 1)])
    with pytest.raises(ConfigError) as caught:
        push_channel(seller.hub, CHANNEL)
    assert caught.value.field == "settings.refresh_token"
    assert "invalid_grant" in caught.value.message
    give_up(seller.hub, caught.value, kind="push", channel=CHANNEL, subject="run",
            payload={"channel": CHANNEL}, history=[])  # fmt: skip
    assert push_channel(seller.hub, CHANNEL).status == "paused"
    with seller.hub.session() as session:
        paused = session.exec(
            select(ExceptionRecord).where(ExceptionRecord.kind == "channel_paused")
        ).one()
    assert "refresh_token" in paused.message and "invalid_grant" in paused.message


def _edit_in_seller_central(seller, sku: str, quantity: int) -> None:
    listing = seller.seller_skus[sku]
    seller.sandbox.act(lambda s: s.listings[listing].availability[0].update(quantity=quantity))


def test_a_quantity_edited_in_seller_central_is_drift_that_reconciliation_heals(seller) -> None:
    """Found by the simulator: reconciliation read FBA summaries only, so a merchant-fulfilled
    quantity edited by hand stayed wrong until the SKU's ATP next changed. A full stock read
    now pages through searchListingsItems and the edit is channel drift, healed by a push."""
    from hub.sync.reconcile import reconcile

    _edit_in_seller_central(seller, SKUS[1], 50)
    assert seller.mismatches() == {SKUS[1]: (50, 10)}
    report = reconcile(seller.hub, [CHANNEL])
    assert (report.channel_drift, report.healed) == (1, 1)
    assert push_channel(seller.hub, CHANNEL).status == "done"
    assert seller.mismatches() == {}
    assert reconcile(seller.hub, [CHANNEL]).channel_drift == 0
    with seller.hub.session() as session:
        drift = session.exec(select(ExceptionRecord).where(ExceptionRecord.kind == "channel_drift"))
        assert [r.status for r in drift] == ["resolved"]  # the listing shows its ATP again
    assert seller.sandbox.operations["searchListingsItems"] >= 2
    assert seller.sandbox.throttled == 0 and seller.sandbox.invalid == []


def test_a_stock_pull_applies_fba_counts_and_leaves_listings_to_reconciliation(seller) -> None:
    """The channel owns its FBA location, so scheduled pulls read stock. Its listing levels
    (at DEFAULT → dc, the warehouse's) are not counts it may write: the pull keeps them out of
    the inbox instead of filing non-owner rejections, and later pulls stay incremental."""
    _edit_in_seller_central(seller, SKUS[1], 50)
    seller.sandbox.act(lambda s: s.set_fba(seller.seller_skus[SKUS[0]], fulfillable=7))
    first = pull_channel(seller.hub, CHANNEL, "stock")
    assert (first.applied, first.left_to_reconcile) == (1, len(SKUS))
    with seller.hub.session() as session:
        assert session.exec(select(ExceptionRecord)).all() == []
    calls = seller.sandbox.operations["searchListingsItems"]
    again = pull_channel(seller.hub, CHANNEL, "stock")
    assert (again.stored, again.left_to_reconcile) == (0, 0)
    assert seller.sandbox.operations["searchListingsItems"] == calls  # FBA changes only

"""End to end on one machine: the real engine, ShipBob's sandbox as the 3PL, two online channels.

Figures (sample: TEE-RED-M 40 at Cicero + 12 at Moreno Valley = 52 units at the 3PL, no buffer or
safety stock, so every online channel's ATP equals on hand minus reserved):

* a ShipBob shipment of 3 arrives as a signed ``order.shipped`` webhook: ATP 52 → 49 on both
  online channels, and after a push both sandboxes show 49;
* ShipBob then counts 44 (5 lost at Moreno): reconciliation records ``location_drift`` (+/-5 over a
  tolerance of 2) and applies the count (ATP 44); a 1-unit difference stays under it, no record;
* a return of 2 is received (ATP unchanged, 2 returned_pending), one unit restocked and one
  disposed: ATP 44 → 45 on both channels and the return is closed;
* a return received and never processed raises ``return_in_limbo`` once its 72 h SLA passes;
* forged and replayed webhooks are answered 401 and write nothing.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlmodel import func, select

from connectors.shipbob import webhooks
from connectors.shipbob.sandbox import SANDBOX_SECRET
from connectors.shipbob.sandbox_warehouse import DISPOSE, RESTOCK
from hub.alerts.check import check
from hub.models import ExceptionRecord, InboxMessage, LedgerEntry, Return, StockLevel
from hub.store.types import utcnow
from hub.sync.pull import pull_channel
from hub.sync.push import push_channel
from tests.connectors.shipbob.bob_hub import CICERO, MARKET, MORENO, ONLINE, SHOPIFY, build

TEE, MUG = "TEE-RED-M", "MUG-WHT"


@pytest.fixture
def bob(engine, tmp_path, monkeypatch):
    bob = build(engine, tmp_path, monkeypatch, drift_tolerance=2)
    run = pull_channel(bob.hub, "shipbob", "stock")
    assert run.applied == 2  # one account-wide count per item
    push_all(bob)
    assert bob.atp(TEE) == bob.shown(TEE) == {SHOPIFY: 52, MARKET: 52}
    return bob


def push_all(bob) -> None:
    for code in ONLINE:
        run = push_channel(bob.hub, code)
        assert run.status == "done" and run.rejected == 0, run


def count(bob, model) -> int:
    with bob.hub.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def ship(bob, sku_units: int = 3) -> int:
    order = bob.act(lambda w: w.create_order([(1180431, sku_units)], CICERO))
    bob.act(lambda w: w.ship(order))
    return order


def test_a_3pl_shipment_lowers_every_online_channels_atp(bob) -> None:
    """order.shipped for 3 units: ATP 52 → 49 on Shopify and the marketplace, pushed to both."""
    ship(bob)
    assert bob.answers == [200]
    assert bob.atp(TEE) == {SHOPIFY: 49, MARKET: 49}
    assert bob.atp(MUG) == {SHOPIFY: 100, MARKET: 100}  # untouched
    push_all(bob)
    assert bob.shown(TEE) == {SHOPIFY: 49, MARKET: 49}
    bob.act(lambda w: w.deliver(next(iter(w.orders))))  # same shipment: applied once
    assert bob.atp(TEE) == {SHOPIFY: 49, MARKET: 49}


def test_a_count_beyond_tolerance_is_drift_and_is_applied(bob) -> None:
    """ShipBob counts 44 where the ledger holds 49: location_drift recorded; within 2 it is not."""
    ship(bob)
    bob.act(lambda w: w.set_level(1180431, MORENO, on_hand=7))  # 5 lost
    report = bob.reconcile()
    assert (report.location_drift, report.counts_applied) == (1, 2)  # both items counted
    with bob.hub.session() as session:
        (drift,) = session.exec(
            select(ExceptionRecord).where(ExceptionRecord.kind == "location_drift")
        ).all()
    assert drift.subject == f"sku:{TEE}@3pl-shipbob" and drift.details["reported"] == 44
    assert drift.details["ledger"] == 49
    assert bob.atp(TEE) == {SHOPIFY: 44, MARKET: 44}
    bob.act(lambda w: w.set_level(1180431, MORENO, on_hand=8))  # +1: within tolerance
    assert bob.reconcile().location_drift == 0
    assert bob.atp(TEE) == {SHOPIFY: 45, MARKET: 45}  # still applied: the 3PL owns the count


def test_a_return_dispositioned_as_restock_raises_every_channels_atp(bob) -> None:
    """Return of 2: received (ATP unchanged), 1 restocked + 1 disposed → ATP +1, return closed."""
    order = ship(bob)
    returned = bob.act(lambda w: w.create_return(order, [(1180431, 2)], CICERO))
    assert bob.atp(TEE) == {SHOPIFY: 49, MARKET: 49}
    bob.act(lambda w: w.arrive(returned))
    assert bob.atp(TEE) == {SHOPIFY: 49, MARKET: 49}
    assert pending(bob, TEE) == 2
    bob.act(lambda w: w.process(returned, [(1180431, RESTOCK, 1, "Like new"),
                                                   (1180431, DISPOSE, 1, "Damaged")]))  # fmt: skip
    assert bob.atp(TEE) == {SHOPIFY: 50, MARKET: 50}
    bob.act(lambda w: w.complete(returned))
    with bob.hub.session() as session:
        record = session.exec(select(Return)).one()
    assert (record.status, record.code) == ("closed", f"shipbob/return/{returned}")
    assert pending(bob, TEE) == 0
    push_all(bob)
    assert bob.shown(TEE) == {SHOPIFY: 50, MARKET: 50}
    assert set(bob.answers) == {200}


def pending(bob, sku: str) -> int:
    with bob.hub.session() as session:
        levels = session.exec(select(StockLevel).where(StockLevel.bucket == "returned_pending"))
        return sum(level.quantity for level in levels)


def test_a_return_left_in_limbo_past_its_sla_raises_an_alert(bob) -> None:
    """Received, never processed: no alert within 72 h, return_in_limbo once past it."""
    order = ship(bob)
    returned = bob.act(lambda w: w.create_return(order, [(1180431, 1)], CICERO))
    bob.act(lambda w: w.arrive(returned))
    subject = f"return:shipbob/return/{returned}"
    early = check(bob.hub, now=utcnow() + timedelta(hours=71))
    assert subject not in [a.subject for a in early.raised]
    late = check(bob.hub, now=utcnow() + timedelta(hours=73))
    assert [a.kind for a in late.raised if a.subject == subject] == ["return_in_limbo"]


def test_forged_and_replayed_webhooks_are_refused_and_write_nothing(bob) -> None:
    """Wrong secret, tampered body, stale timestamp: 401, no inbox row, no ledger entry."""
    order = bob.act(lambda w: w.create_order([(1180431, 2)], CICERO))
    bob.shipbob.unsubscribe()
    deliveries: list[tuple[bytes, dict]] = []
    bob.shipbob.subscribe(lambda body, headers: deliveries.append((body, headers)) or 200)
    bob.act(lambda w: w.ship(order))
    (body, genuine) = deliveries[0]
    before = (count(bob, InboxMessage), count(bob, LedgerEntry), bob.atp(TEE))
    now = int(time.time())
    forged = webhooks.headers("whsec_" + "Z" * 32, "msg_forged", now, body, "order.shipped")
    stale = webhooks.headers(
        SANDBOX_SECRET, genuine["webhook-id"], now - 600, body, "order.shipped"
    )
    tampered = body.replace(b'"quantity":2', b'"quantity":20')
    assert tampered != body
    assert bob.receive(body, forged) == 401
    assert bob.receive(tampered, genuine) == 401
    assert bob.receive(body, stale) == 401
    assert bob.receive(body, {k: v for k, v in genuine.items() if k != "webhook-signature"}) == 401
    assert (count(bob, InboxMessage), count(bob, LedgerEntry), bob.atp(TEE)) == before
    assert bob.receive(body, genuine) == 200  # the genuine one, once
    after = (count(bob, InboxMessage), count(bob, LedgerEntry), bob.atp(TEE))
    assert after[0] == before[0] + 1 and after[2] == {SHOPIFY: 50, MARKET: 50}
    assert bob.receive(body, genuine) == 200  # replayed inside the window: a duplicate
    assert (count(bob, InboxMessage), count(bob, LedgerEntry), bob.atp(TEE)) == after
    json.loads(body)  # the body stayed a valid delivery throughout

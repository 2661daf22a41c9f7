"""Issue 7's acceptance with all four sandboxes at once: Shopify, Amazon, Square and ShipBob.

A store sale on the POS and a 3PL shipment lower every online channel's ATP (and pushes bring
each vendor back in step); a 3PL count beyond tolerance is drift; a 3PL return restocked raises
every channel's ATP; a return left past its SLA alerts; forged and replayed webhooks of every
vendor are refused and write nothing.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlmodel import func, select

from connectors.shipbob import webhooks as shipbob_hooks
from connectors.shipbob.sandbox_warehouse import DISPOSE, RESTOCK
from connectors.shopify import webhooks as shopify_hooks
from connectors.square import webhooks as square_hooks
from connectors.square.sandbox_seed import STORE
from hub.alerts.check import check
from hub.events import parse_event
from hub.ledger import apply_batch
from hub.models import ExceptionRecord, InboxMessage, LedgerEntry
from hub.store.types import utcnow
from hub.sync.pull import pull_channel
from hub.sync.push import push_channel
from hub.sync.reconcile import reconcile
from tests.connectors.omni.omni_hub import (
    AMAZON,
    CICERO,
    INVENTORY,
    ONLINE_CHANNELS,
    SHIPBOB,
    SHOPIFY,
    SQUARE,
    VARIATION,
    build,
)

TEE, MUG = "TEE-RED-M", "MUG-WHT"


def push_all(omni) -> None:
    for code in ONLINE_CHANNELS:
        run = push_channel(omni.hub, code)
        assert run.status == "done" and run.rejected == 0, (code, run)


def in_step(omni) -> None:
    push_all(omni)
    for sku in (TEE, MUG):
        assert omni.shown(sku) == omni.atp(sku), sku


def same_everywhere(value: int) -> dict[str, int]:
    return dict.fromkeys(ONLINE_CHANNELS, value)


def rows(omni, model) -> int:
    with omni.hub.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def omni(engine, tmp_path, monkeypatch):
    omni = build(engine, tmp_path, monkeypatch)
    counts = [parse_event({"id": f"wms/count/{sku}", "type": "stock.counted", "source": "wms",
                           "occurred_at": "2026-11-23T06:00:00Z",
                           "data": {"sku": sku, "location": "dc",
                                    "as_of": "2026-11-23T06:00:00Z",
                                    "quantities": {"on_hand": qty}}})
              for sku, qty in ((TEE, 20), (MUG, 30))]  # fmt: skip
    assert all(o.status == "applied" for o in apply_batch(omni.hub.engine, counts))
    omni.warehouse(lambda w: w.set_level(INVENTORY[TEE], CICERO, on_hand=40))
    omni.warehouse(lambda w: w.set_level(INVENTORY[MUG], CICERO, on_hand=100))
    assert pull_channel(omni.hub, SQUARE, "stock").applied > 0  # the store's own counts
    assert pull_channel(omni.hub, SHIPBOB, "stock").applied == 2  # the 3PL's
    atp = omni.atp(TEE)
    assert len(set(atp.values())) == 1 and atp[SHOPIFY] > 60  # dc 20 + store + 3PL 40
    in_step(omni)
    return omni


def test_a_store_sale_and_a_3pl_shipment_lower_every_online_channel(omni) -> None:
    start = omni.atp(TEE)[SHOPIFY]
    omni.square.act(lambda s: s.sell([(VARIATION[TEE], 2)], STORE))  # at the counter
    assert omni.atp(TEE) == same_everywhere(start - 2)
    in_step(omni)
    order = omni.warehouse(lambda w: w.create_order([(INVENTORY[TEE], 3)], CICERO))
    omni.warehouse(lambda w: w.ship(order))  # signed order.shipped
    assert omni.atp(TEE) == same_everywhere(start - 5)
    in_step(omni)
    assert {status for _, status in omni.answers} == {200}
    assert {(SQUARE, 200), (SHIPBOB, 200)} <= set(omni.answers)
    assert omni.amazon.throttled == 0 and not omni.amazon.invalid


def test_amazon_orders_pulled_lower_the_other_channels(omni) -> None:
    start = omni.atp(MUG)[SHOPIFY]
    omni.amazon.act(lambda store: store.create_order([(f"AMZ-{MUG}", 4)]))
    assert pull_channel(omni.hub, AMAZON, "orders").applied == 1
    assert omni.atp(MUG) == same_everywhere(start - 4)
    in_step(omni)


def test_a_3pl_count_beyond_tolerance_is_drift(omni) -> None:
    start = omni.atp(TEE)[SHOPIFY]
    omni.warehouse(lambda w: w.set_level(INVENTORY[TEE], CICERO, on_hand=34))  # 6 lost
    report = reconcile(omni.hub, [SHIPBOB])
    assert report.location_drift == 1
    with omni.hub.session() as session:
        (drift,) = session.exec(
            select(ExceptionRecord).where(ExceptionRecord.kind == "location_drift")
        ).all()
    assert drift.subject == f"sku:{TEE}@3pl-shipbob"
    assert (drift.details["reported"], drift.details["ledger"]) == (34, 40)
    assert omni.atp(TEE) == same_everywhere(start - 6)  # the 3PL owns the count
    in_step(omni)


def test_a_3pl_return_restocked_raises_every_channel_and_limbo_alerts(omni) -> None:
    order = omni.warehouse(lambda w: w.create_order([(INVENTORY[TEE], 3)], CICERO))
    omni.warehouse(lambda w: w.ship(order))
    shipped = omni.atp(TEE)[SHOPIFY]
    returned = omni.warehouse(lambda w: w.create_return(order, [(INVENTORY[TEE], 2)], CICERO))
    omni.warehouse(lambda w: w.arrive(returned))
    assert omni.atp(TEE) == same_everywhere(shipped)  # received, not yet sellable
    omni.warehouse(lambda w: w.process(returned, [(INVENTORY[TEE], RESTOCK, 1, "Like new"),
                                                  (INVENTORY[TEE], DISPOSE, 1, "Damaged")]))
    assert omni.atp(TEE) == same_everywhere(shipped + 1)
    in_step(omni)

    waiting = omni.warehouse(lambda w: w.create_return(order, [(INVENTORY[TEE], 1)], CICERO))
    omni.warehouse(lambda w: w.arrive(waiting))  # and nobody inspects it
    subject = f"return:shipbob/return/{waiting}"
    assert subject not in [a.subject for a in check(omni.hub, now=utcnow()).raised]
    late = check(omni.hub, now=utcnow() + timedelta(hours=73))
    assert [a.kind for a in late.raised if a.subject == subject] == ["return_in_limbo"]


def test_forged_and_replayed_webhooks_of_every_vendor_write_nothing(omni) -> None:
    body = json.dumps({"id": 1, "line_items": [], "created_at": "2026-11-23T10:00:00Z"}).encode()
    shopify = shopify_hooks.headers(body, "not-the-secret", topic="orders/create",
                                    shop_domain=omni.shopify.domain, webhook_id="forged-1",
                                    api_version="2026-07")  # fmt: skip
    square_body = json.dumps({"event_id": "forged", "type": "order.created",
                              "created_at": "2026-11-23T10:00:00Z", "data": {}}).encode()
    square = {square_hooks.SIGNATURE_HEADER: square_hooks.signature(
        "https://hub.example.com/webhooks/square-store-12", square_body, "wrong-key")}
    now = int(time.time())
    from connectors.shipbob.sandbox import SANDBOX_SECRET

    ship_body = b'{"id": 5, "status": "Completed"}'
    forged_bob = shipbob_hooks.headers("whsec_" + "Z" * 32, "msg_forged", now, ship_body,
                                       "order.shipped")  # fmt: skip
    replayed_bob = shipbob_hooks.headers(SANDBOX_SECRET, "msg_old", now - 3600, ship_body,
                                         "order.shipped")  # fmt: skip
    before = (rows(omni, InboxMessage), rows(omni, LedgerEntry), omni.atp(TEE))
    assert omni.receiver(SHOPIFY)(body, shopify) == 401
    assert omni.receiver(SQUARE)(square_body, square) == 401
    assert omni.receiver(SHIPBOB)(ship_body, forged_bob) == 401
    assert omni.receiver(SHIPBOB)(ship_body, replayed_bob) == 401
    assert (rows(omni, InboxMessage), rows(omni, LedgerEntry), omni.atp(TEE)) == before

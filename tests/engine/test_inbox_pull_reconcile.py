"""Inbox (webhooks, dedup, dead letters), scheduled pulls with cursors, reconciliation."""

from __future__ import annotations

import json
import random

import pytest
from sqlmodel import select

from connectors.custom.protocol import DELIVERY_HEADER, SIGNATURE_HEADER, signature
from hub.connector import WebhookRequest
from hub.errors import TransientError
from hub.models import DeadLetter, ExceptionRecord, InboxMessage
from hub.stockview import stock_view
from hub.sync import inbox, replay
from hub.sync.pull import pull_channel
from hub.sync.push import push_channel
from hub.sync.reconcile import reconcile
from tests.engine.conftest import SECRET


def sale(n: int, sku: str = "SKU-000", delta: int = -1) -> dict:
    return {
        "id": f"pos/sale/{n}",
        "type": "stock.adjusted",
        "source": "pos",
        "occurred_at": f"2026-11-22T10:{n % 60:02d}:00Z",
        "data": {"sku": sku, "location": "shop", "delta": delta, "reason": "sale"},
    }


def webhook(body: bytes, delivery: str, secret: str = SECRET) -> WebhookRequest:
    return WebhookRequest(
        body=body, headers={SIGNATURE_HEADER: signature(body, secret), DELIVERY_HEADER: delivery}
    )


def on_hand(hub, sku: str, where: str) -> int:
    with hub.session() as session:
        return stock_view(session, sku)["locations"].get(where, {}).get("on_hand", 0)


def receive_and_process(hub, request: WebhookRequest) -> inbox.Receipt:
    receipt = inbox.receive_webhook(hub, "pos", request)
    inbox.process(hub, receipt.stored)
    return receipt


def test_webhooks_are_stored_raw_once_and_forgeries_refused(engine_hub):
    hub = engine_hub
    body = json.dumps(sale(1, delta=10)).encode()
    first = receive_and_process(hub, webhook(body, "d-1"))
    again = receive_and_process(hub, webhook(body, "d-1"))
    assert (len(first.stored), first.duplicates) == (1, 0)
    assert (len(again.stored), again.duplicates) == (0, 1)
    with pytest.raises(inbox.SignatureError):
        inbox.receive_webhook(hub, "pos", webhook(body, "d-2", secret="wrong"))
    with hub.session() as session:
        rows = session.exec(select(InboxMessage)).all()
    assert [(r.delivery_key, r.status, r.events) for r in rows] == [("d-1", "processed", 1)]
    assert rows[0].body["data"]["delta"] == 10  # the raw record, as received
    assert on_hand(hub, "SKU-000", "shop") == 10


def test_ten_deliveries_each_shuffled_give_the_in_order_state(engine_hub, engine):
    hub = engine_hub
    events = [sale(n, sku=f"SKU-00{n % 3}", delta=(5 if n % 4 == 0 else -1)) for n in range(40)]
    deliveries = [(json.dumps(e).encode(), f"d-{i}") for i, e in enumerate(events)] * 10
    random.Random(4).shuffle(deliveries)
    for body, delivery in deliveries:
        receive_and_process(hub, webhook(body, delivery))
    expected = {}
    for e in events:
        key = e["data"]["sku"]
        expected[key] = expected.get(key, 0) + e["data"]["delta"]
    for sku, total in expected.items():
        assert on_hand(hub, sku, "shop") == total
    with hub.session() as session:
        assert len(session.exec(select(InboxMessage)).all()) == 40


def test_untranslatable_record_is_a_dead_letter_fixed_by_edit_and_replay(engine_hub):
    hub = engine_hub
    bad = sale(7, delta=3)
    bad["data"]["delta"] = "three"
    body = json.dumps(bad).encode()
    receipt = inbox.receive_webhook(hub, "pos", webhook(body, "d-bad"))
    done = inbox.process(hub, receipt.stored)
    assert done.dead == receipt.stored
    with hub.session() as session:
        (letter,) = session.exec(select(DeadLetter)).all()
    assert letter.task == "inbox" and "delta" in letter.error
    assert letter.payload["body"]["data"]["delta"] == "three"

    fixed = dict(letter.payload)
    fixed["body"] = sale(7, delta=3)
    replay.edit(hub, letter.id, fixed)
    assert "processed 1 inbox record" in replay.replay(hub, letter.id)
    assert on_hand(hub, "SKU-000", "shop") == 3
    with hub.session() as session:
        letter = session.get(DeadLetter, letter.id)
        problem = session.exec(
            select(ExceptionRecord).where(ExceptionRecord.kind == "inbox_failed")
        ).one()
    assert letter.status == "resolved" and problem.status == "resolved"


def test_pull_resumes_from_its_cursor_through_the_inbox(engine_hub, sandboxes):
    hub = engine_hub
    box = sandboxes["pos"]
    box.set_level("SKU-000", "shop", 12)
    box.set_level("SKU-001", "shop", 4)
    first = pull_channel(hub, "pos", "stock")
    assert (first.stored, first.applied) == (2, 2)
    assert on_hand(hub, "SKU-000", "shop") == 12
    again = pull_channel(hub, "pos", "stock")
    assert again.stored == 0  # the cursor moved past what was pulled
    box.set_level("SKU-001", "shop", 9)
    third = pull_channel(hub, "pos", "stock")
    assert third.stored == 1 and on_hand(hub, "SKU-001", "shop") == 9


def test_reconcile_finds_channel_drift_and_heals_it(engine_hub, sandboxes):
    from hub.events import parse_event
    from hub.ledger import apply_batch

    hub = engine_hub
    apply_batch(
        hub.engine,
        [
            parse_event(
                {
                    "id": "wms/1",
                    "type": "stock.adjusted",
                    "source": "wms",
                    "occurred_at": "2026-11-22T09:00:00Z",
                    "data": {"sku": "SKU-002", "location": "dc", "delta": 20, "reason": "receipt"},
                }
            )
        ],
    )
    push_channel(hub, "web")
    assert sandboxes["web"].stock_levels()[("SKU-002", "dc")] == 20
    sandboxes["web"].set_level("SKU-002", "dc", 31)  # drift: someone edited it on the channel
    sandboxes["pos"].set_level("SKU-003", "shop", 6)  # the store counts 6; the ledger has 0

    report = reconcile(hub, ["web", "pos"])
    assert (report.channel_drift, report.location_drift, report.counts_applied) == (1, 1, 1)
    assert on_hand(hub, "SKU-003", "shop") == 6
    push_channel(hub, "web")
    assert sandboxes["web"].stock_levels()[("SKU-002", "dc")] == 20
    with hub.session() as session:
        kinds = sorted(r.kind for r in session.exec(select(ExceptionRecord)))
    assert kinds == ["channel_drift", "location_drift"]
    assert reconcile(hub, ["web"]).channel_drift == 0  # healed; the drift record resolves
    with hub.session() as session:
        drift = session.exec(
            select(ExceptionRecord).where(ExceptionRecord.kind == "channel_drift")
        ).one()
    assert drift.status == "resolved"


def test_a_channel_failing_thirty_percent_of_calls_converges(engine_hub, sandboxes):
    from hub.events import parse_event
    from hub.ledger import apply_batch

    hub = engine_hub
    box = sandboxes["web"]
    box.timeout_s = 0.05
    hub.channel_parts["web"]["transport"] = box.transport()
    box.set_faults(rate=0.3, kinds=("500", "429", "timeout"), seed=11)
    for n in range(60):
        apply_batch(
            hub.engine,
            [
                parse_event(
                    {
                        "id": f"wms/{n}",
                        "type": "stock.adjusted",
                        "source": "wms",
                        "occurred_at": "2026-11-22T09:00:00Z",
                        "data": {
                            "sku": f"SKU-00{n % 5}",
                            "location": "dc",
                            "delta": 1 + n % 4,
                            "reason": "receipt",
                        },
                    }
                )
            ],
        )
        if n % 7 == 0:  # pushes interleaved with changes, as workers do
            _push_until_done(hub)
    _push_until_done(hub)
    with hub.session() as session:
        for sku in [f"SKU-00{i}" for i in range(5)]:
            assert (
                box.stock_levels()[(sku, "dc")]
                == stock_view(session, sku)["channels"]["web"]["atp"]
            )
    assert sum(box.faults_injected.values()) > 0


def _push_until_done(hub, tries: int = 50) -> None:
    """What the task's retries do, without the broker: run again after a transient error."""
    for _ in range(tries):
        try:
            run = push_channel(hub, "web")
        except TransientError:
            continue
        if run.status == "done":
            return
    raise AssertionError("push did not converge")


def test_push_latency_counts_from_the_webhooks_arrival(engine_hub):
    """The per-item latency starts when the hub received the record, not when it was applied:
    time spent waiting in the inbox is part of what the channel waited."""
    from datetime import timedelta

    from hub.models import PushLog

    hub = engine_hub
    receipt = inbox.receive_webhook(hub, "pos", webhook(json.dumps(sale(1, delta=4)).encode(), "d"))
    with hub.session() as session:  # as if it had waited 30 s for a worker
        row = session.get(InboxMessage, receipt.stored[0])
        row.received_at -= timedelta(seconds=30)
        session.add(row)
    inbox.process(hub, receipt.stored)
    push_channel(hub, "pos")
    with hub.session() as session:
        (logged,) = session.exec(select(PushLog).where(PushLog.channel == "pos")).all()
    assert 30_000 <= logged.latency_ms < 60_000

"""Push: outbox rows with the ledger, coalesced absolute pushes, per-item results, healing."""

from __future__ import annotations

import math

from sqlmodel import select

from hub.events import parse_event
from hub.ledger import apply_batch
from hub.models import ChannelSkuState, DeadLetter, ExceptionRecord, PushLog, PushOutbox
from hub.stockview import stock_view
from hub.sync import replay
from hub.sync.push import pending, push_channel
from tests.engine.conftest import SKUS


def adjust(hub, n: int, sku: str, delta: int, location: str = "dc", source: str = "ops"):
    return parse_event(
        {
            "id": f"adj/{n}",
            "type": "stock.adjusted",
            "source": source,
            "occurred_at": "2026-11-22T10:00:00Z",
            "data": {"sku": sku, "location": location, "delta": delta, "reason": "test"},
        }
    )


def atp(hub, sku: str, channel: str) -> int:
    with hub.session() as session:
        return stock_view(session, sku)["channels"][channel]["atp"]


def test_ledger_writes_outbox_rows_in_its_transaction_and_push_sends_atp(engine_hub, sandboxes):
    hub = engine_hub
    outcomes = apply_batch(hub.engine, [adjust(hub, 1, "SKU-000", 7), adjust(hub, 2, "SKU-001", 3)])
    assert [o.status for o in outcomes] == ["applied", "applied"]
    assert pending(hub, "web") == 2 and pending(hub, "pos") == 2

    run = push_channel(hub, "web")
    assert (run.status, run.pushed, run.calls) == ("done", 2, 1)
    assert sandboxes["web"].stock_levels() == {("SKU-000", "dc"): 7, ("SKU-001", "dc"): 3}
    assert pending(hub, "web") == 0
    with hub.session() as session:
        logs = session.exec(select(PushLog)).all()
        states = session.exec(select(ChannelSkuState)).all()
    assert {(log.sku, log.quantity, log.status) for log in logs} == {
        ("SKU-000", 7, "accepted"),
        ("SKU-001", 3, "accepted"),
    }
    assert all(log.latency_ms is not None and log.latency_ms >= 0 for log in logs)
    assert sorted(s.last_pushed for s in states) == [3, 7]
    with hub.session() as session:
        view = stock_view(session, "SKU-000")
    assert view["channels"]["web"]["last_pushed"] == 7 and view["channels"]["web"]["pushed_at"]

    # pos sells only from `shop`: its ATP for these SKUs is 0, pushed once; then nothing is owed.
    assert push_channel(hub, "pos").pushed == 2
    assert sandboxes["pos"].stock_levels() == {("SKU-000", "shop"): 0, ("SKU-001", "shop"): 0}
    # A duplicate event changes nothing and owes nothing.
    apply_batch(hub.engine, [adjust(hub, 1, "SKU-000", 7)])
    assert pending(hub, "web") == 0


def test_many_changes_coalesce_into_the_minimum_number_of_calls(engine_hub, sandboxes):
    hub = engine_hub
    events = [adjust(hub, n, SKUS[n % len(SKUS)], 1 + n % 3) for n in range(300)]
    apply_batch(hub.engine, events)
    with hub.session() as session:
        rows = session.exec(select(PushOutbox).where(PushOutbox.channel == "web")).all()
    assert len(rows) == len(SKUS)  # 300 changes, one row per SKU
    assert max(r.seq for r in rows) == 60  # every change bumped its row

    run = push_channel(hub, "web")
    minimum = math.ceil(len(SKUS) / 100)
    assert run.calls == minimum == 1
    for sku in SKUS:
        assert sandboxes["web"].stock_levels()[(sku, "dc")] == atp(hub, sku, "web")
    assert sandboxes["web"].push_batch_sizes == [len(SKUS)]


def test_unchanged_atp_is_not_pushed_again(engine_hub, sandboxes):
    hub = engine_hub
    apply_batch(hub.engine, [adjust(hub, 1, "SKU-000", 5)])
    push_channel(hub, "web")
    # Stock moves at `shop`, which `web` does not sell from: web's ATP is unchanged.
    apply_batch(hub.engine, [adjust(hub, 2, "SKU-000", 4, location="shop", source="ops")])
    assert pending(hub, "web") == 1
    run = push_channel(hub, "web")
    assert (run.pushed, run.unchanged, run.calls) == (0, 1, 0)
    assert pending(hub, "web") == 0


def test_stale_compare_rereads_and_retries_that_item(engine_hub, sandboxes):
    hub = engine_hub
    apply_batch(hub.engine, [adjust(hub, 1, "SKU-000", 5)])
    push_channel(hub, "web")
    sandboxes["web"].set_level("SKU-000", "dc", 99)  # someone changed it on the channel
    apply_batch(hub.engine, [adjust(hub, 2, "SKU-000", -1)])
    run = push_channel(hub, "web")
    assert (run.pushed, run.stale, run.calls) == (1, 0, 2)
    assert sandboxes["web"].stock_levels()[("SKU-000", "dc")] == 4


def test_rejected_item_is_a_dead_letter_that_replays_cleanly(engine_hub, sandboxes):
    hub = engine_hub
    sandboxes["web"].reject_skus = {"SKU-001"}
    apply_batch(hub.engine, [adjust(hub, 1, "SKU-000", 5), adjust(hub, 2, "SKU-001", 6)])
    run = push_channel(hub, "web")
    assert (run.pushed, run.rejected) == (1, 1)
    with hub.session() as session:
        (letter,) = session.exec(select(DeadLetter)).all()
        problems = session.exec(
            select(ExceptionRecord).where(ExceptionRecord.kind == "push_failed")
        ).all()
    assert (letter.task, letter.channel, letter.subject) == ("push", "web", "sku:SKU-001")
    assert "unknown item" in letter.error and letter.payload == {
        "channel": "web",
        "skus": ["SKU-001"],
    }
    assert len(problems) == 1 and problems[0].status == "open"
    assert pending(hub, "web") == 0  # parked in the dead letter, not retried forever

    sandboxes["web"].reject_skus = set()  # the fault is removed
    assert "pushed 1 SKU(s)" in replay.replay(hub, letter.id)
    assert sandboxes["web"].stock_levels()[("SKU-001", "dc")] == 6
    with hub.session() as session:
        letter = session.get(DeadLetter, letter.id)
        problem = session.get(ExceptionRecord, problems[0].id)
    assert letter.status == "resolved" and problem.status == "resolved"
    assert problem.resolution_note


def test_paused_channel_keeps_coalescing_and_resume_pushes_latest(engine_hub, sandboxes):
    from hub.sync import state

    hub = engine_hub
    with hub.session() as session:
        state.pause(session, "web", "test")
    for n in range(1, 6):
        apply_batch(hub.engine, [adjust(hub, n, "SKU-000", 2)])
    assert push_channel(hub, "web").status == "paused"
    assert sandboxes["web"].requests == [] and pending(hub, "web") == 1
    with hub.session() as session:
        state.resume(session, "web")
    run = push_channel(hub, "web")
    assert (run.pushed, run.calls) == (1, 1)
    assert sandboxes["web"].stock_levels()[("SKU-000", "dc")] == 10


def test_a_broker_that_is_down_delays_pushes_but_loses_nothing(engine_hub, sandboxes):
    """Publishing fails (broker restarting): the change stays in the outbox, nothing raises,
    and the sweep publishes it again once the claim is stale."""
    from structlog.testing import capture_logs

    from hub.sync import housekeeping

    class DownBroker:
        sent: list[str] = []
        down = True

        def push(self, channel: str) -> None:
            if self.down:
                raise ConnectionRefusedError(111, "Connection refused")
            self.sent.append(channel)

        def process(self, inbox_ids: list[int]) -> None: ...

        def pull(self, channel: str, resource: str) -> None: ...

    hub = engine_hub
    hub.settings.sync.stale_after_s = 0
    broker = DownBroker()
    hub.publisher = broker
    apply_batch(hub.engine, [adjust(hub, 1, "SKU-000", 4)])
    with capture_logs() as logs:
        assert housekeeping.sweep(hub).pushes == []
    assert any(e["event"] == "publish.failed" and e["channel"] == "web" for e in logs)
    assert pending(hub, "web") == 1

    broker.down = False
    assert "web" in housekeeping.sweep(hub).pushes and "web" in broker.sent

"""Alerts: each condition is raised once to every sink, and cleared when it no longer holds."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlmodel import select
from structlog.testing import capture_logs

from hub.alerts import check
from hub.events import parse_event
from hub.ledger import apply_batch
from hub.models import AlertState, DeadLetter, PushLog
from hub.store.types import utcnow
from tests.engine.conftest import SKUS


def receipt(n: int, sku: str, qty: int, location: str = "dc") -> object:
    return parse_event({"id": f"rcv/{n}", "type": "stock.adjusted", "source": "ops",
                        "occurred_at": "2026-11-22T10:00:00Z",
                        "data": {"sku": sku, "location": location, "delta": qty,
                                 "reason": "receipt"}})  # fmt: skip


def kinds(result) -> list[tuple[str, str, str | None]]:
    return sorted((a.kind, a.subject, a.channel) for a in result)


class TestLowStock:
    def test_raised_once_cleared_by_stock_raised_again_when_it_runs_out(self, engine_hub):
        hub = engine_hub
        hub.settings.alerts.low_stock_atp = 0
        apply_batch(hub.engine, [receipt(i, sku, 5) for i, sku in enumerate(SKUS[1:])])
        apply_batch(hub.engine, [receipt(9, "SKU-000", 5, "shop")])  # pos sells from shop

        first = check(hub)
        expected = [("low_stock", f"sku:{s}", "pos") for s in SKUS[1:]]
        assert kinds(first.raised) == sorted([("low_stock", "sku:SKU-000", "web"), *expected])
        assert check(hub).raised == []  # the same conditions: no second alert

        apply_batch(hub.engine, [receipt(10, "SKU-000", 3)])
        second = check(hub)
        assert kinds(second.cleared) == [("low_stock", "sku:SKU-000", "web")]
        assert second.raised == []

        apply_batch(hub.engine, [receipt(11, "SKU-000", -3)])
        third = check(hub)
        assert kinds(third.raised) == [("low_stock", "sku:SKU-000", "web")]
        with hub.session() as session:
            rows = session.exec(select(AlertState).where(AlertState.subject == "sku:SKU-000"))
            web = next(r for r in rows if r.channel == "web")
        assert web.times_raised == 2 and web.cleared_at is None

    def test_off_when_threshold_is_minus_one(self, engine_hub):
        engine_hub.settings.alerts.low_stock_atp = -1
        assert check(engine_hub).raised == []


def test_total_below_safety_stock_uses_the_item_attribute_first(engine_hub):
    from hub.ledger.items import upsert_item
    from tests.engine.conftest import item

    hub = engine_hub
    hub.settings.alerts.low_stock_atp = -1
    hub.settings.alerts.safety_stock = 4
    special = item("SKU-001").model_copy(update={"attributes": {"safety_stock": 10}})
    with hub.session() as session:
        upsert_item(session, special)
    apply_batch(hub.engine, [receipt(1, "SKU-000", 3), receipt(2, "SKU-000", 2, "shop"),
                             receipt(3, "SKU-001", 8)] +
                [receipt(4 + i, s, 4) for i, s in enumerate(SKUS[2:])])  # fmt: skip
    result = check(hub)
    assert kinds(result.raised) == [("below_safety_stock", "sku:SKU-001", None)]
    assert result.raised[0].details == {"on_hand": 8, "safety_stock": 10}


def test_dead_letter_growth_and_latency_over_objective(engine_hub):
    hub = engine_hub
    hub.settings.alerts.low_stock_atp = -1
    hub.settings.alerts.dead_letter_growth = 3
    hub.settings.alerts.latency_objective_ms = 1000
    with hub.session() as session:
        for n in range(3):
            session.add(DeadLetter(task="push", channel="web", subject=f"sku:SKU-00{n}",
                                   payload={}, error_kind="rejected", error="no"))  # fmt: skip
        for n in range(100):  # p99 is the 99th of 100 samples: 2 slow ones put it over
            session.add(PushLog(channel="pos", sku="SKU-000", quantity=1, status="ok",
                                latency_ms=5000 if n < 2 else 50))  # fmt: skip
            session.add(PushLog(channel="web", sku="SKU-000", quantity=1, status="ok",
                                latency_ms=5000 if n < 1 else 50))  # fmt: skip
    result = check(hub)
    assert kinds(result.raised) == [("dead_letter_growth", "channel:web", "web"),
                                    ("latency", "channel:pos", "pos")]  # fmt: skip
    later = check(hub, now=utcnow() + timedelta(hours=1))  # out of the window: both clear
    assert kinds(later.cleared) == kinds(result.raised)


def test_paused_channel_and_return_in_limbo_alert_while_open(engine_hub):
    from hub.sync import state

    hub = engine_hub
    hub.settings.alerts.low_stock_atp = -1
    apply_batch(hub.engine, [parse_event({
        "id": "ret/1", "type": "return.received", "source": "pos",
        "occurred_at": "2026-11-22T10:00:00Z",
        "data": {"return": "R-1", "channel": "pos", "location": "shop",
                 "lines": [{"sku": "SKU-000", "quantity": 1}]}})])  # fmt: skip
    with hub.session() as session:
        state.pause(session, "web", "credentials revoked")
        from hub.exception_log import record_exception

        record_exception(session, kind="channel_paused", subject="channel:web", channel="web",
                         message="pushes to web are paused")  # fmt: skip
    result = check(hub, now=utcnow() + timedelta(hours=hub.settings.returns.sla_hours + 1))
    assert kinds(result.raised) == [("channel_paused", "channel:web", "web"),
                                    ("return_in_limbo", "return:R-1", None)]  # fmt: skip
    with hub.session() as session:
        state.resume(session, "web")  # resolves the channel_paused record
    assert ("channel_paused", "channel:web", "web") in kinds(check(hub).cleared)


class _Collector(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(500 if "/fail-" in self.path else 200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def collector():
    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _Collector.received
    server.shutdown()
    server.server_close()


def test_json_webhook_sink_gets_raised_and_cleared_and_never_logs_its_url(
    engine_hub, collector, monkeypatch
):
    from hub.plugins import get_plugin_manager

    hub = engine_hub
    hub.pm = get_plugin_manager()
    base, received = collector
    monkeypatch.setenv("ALERT_HOOK", f"{base}/hooks/good-secret-path-123")
    hub.settings.alerts.webhook_url = "${ALERT_HOOK}"
    hub.settings.alerts.low_stock_atp = -1
    hub.settings.alerts.dead_letter_growth = 1
    with hub.session() as session:
        session.add(DeadLetter(task="push", channel="web", subject="run", payload={},
                               error_kind="transient", error="boom"))  # fmt: skip
    check(hub)
    check(hub, now=utcnow() + timedelta(hours=1))
    assert [(m["state"], m["alert"]["kind"]) for m in received] == [
        ("raised", "dead_letter_growth"), ("cleared", "dead_letter_growth")]  # fmt: skip
    assert received[0]["text"].startswith("[ERROR] stockhub dead_letter_growth: 1 new dead")

    monkeypatch.setenv("ALERT_HOOK", f"{base}/hooks/fail-secret-path-456")  # answers 500
    with hub.session() as session:
        session.add(DeadLetter(task="push", channel="pos", subject="run", payload={},
                               error_kind="transient", error="boom"))  # fmt: skip
    with capture_logs() as logs:
        assert check(hub).raised  # a failing sink does not break the check
    failed = [e for e in logs if e["event"] == "alert.webhook_failed"]
    assert failed and "secret-path" not in repr(logs)
    hub.pm.unregister(name="stockhub.alerts.webhook")

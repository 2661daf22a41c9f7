"""The custom sandbox: auth, rate limit, fault injection, thread safety, standalone mode."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx
import pytest

from connectors.custom.sandbox import SANDBOX_TOKEN, CustomSandbox, Reply
from hub.connector import PushStatus, StockUpdate
from hub.errors import ConfigError, PermanentError
from hub.http import requested_wait
from tests.connectors.conftest import FAST_RETRY

AUTH = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}


def push(sandbox: CustomSandbox, *items: dict, headers: dict | None = None) -> Reply:
    body = json.dumps({"items": list(items)}).encode()
    return sandbox.handle("POST", "/api/stock/set", {}, AUTH if headers is None else headers, body)


def pull(sandbox: CustomSandbox, **query: str) -> Reply:
    return sandbox.handle("GET", "/api/stock", query, AUTH, b"")


def item(sku: str, quantity: int, location: str = "WH1", **extra: int) -> dict:
    return {"sku": sku, "location": location, "quantity": quantity, **extra}


class TestProtocolServer:
    @pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"X": "y"}])
    def test_missing_or_wrong_token_is_401(self, headers) -> None:
        """Without the right bearer token nothing is read or changed."""
        sandbox = CustomSandbox.seeded()
        reply = push(sandbox, item("TEE-RED-M", 0), headers=headers)
        assert reply.status == 401 and "token" in reply.body["error"]
        assert sandbox.stock_levels()[("TEE-RED-M", "WH1")] == 12
        assert sandbox.push_batch_sizes == []

    def test_push_answers_each_item_in_order(self) -> None:
        """ok (creating unknown SKUs), stale with the actual value, rejected with a reason."""
        sandbox = CustomSandbox.seeded(reject_skus={"GHOST"})
        reply = push(
            sandbox,
            item("NEW", 4),
            item("TEE-RED-M", 1, expected=11),
            item("GHOST", 1),
            item("MUG-BLUE", -1),
            item("FRESH", 2, expected=0),
        )
        assert reply.status == 200
        assert [(r["sku"], r["status"], r["actual"]) for r in reply.body["results"]] == [
            ("NEW", "ok", 4),
            ("TEE-RED-M", "stale", 12),
            ("GHOST", "rejected", None),
            ("MUG-BLUE", "rejected", None),
            ("FRESH", "ok", 2),  # no level yet compares as 0
        ]
        assert reply.body["results"][2]["reason"] == "unknown item"
        levels = sandbox.stock_levels()
        assert levels[("NEW", "WH1")] == 4 and levels[("TEE-RED-M", "WH1")] == 12
        assert sandbox.push_batch_sizes == [5]

    @pytest.mark.parametrize(
        "body, status",
        [
            (b"nope", 400),
            (b'{"items": {}}', 400),
            (json.dumps({"items": [item(f"S{i}", 1) for i in range(101)]}).encode(), 413),
        ],
        ids=["not-json", "items-not-a-list", "over-100-items"],
    )
    def test_bad_push_bodies_are_refused(self, body: bytes, status: int) -> None:
        """Malformed bodies are 400, batches over 100 items 413; nothing is applied."""
        sandbox = CustomSandbox()
        assert sandbox.handle("POST", "/api/stock/set", {}, AUTH, body).status == status
        assert sandbox.stock_levels() == {}

    def test_unknown_routes_and_bad_cursors(self) -> None:
        """Unknown paths are 404; a cursor that is not a number is 400."""
        sandbox = CustomSandbox()
        assert sandbox.handle("GET", "/api/orders", {}, AUTH, b"").status == 404
        assert sandbox.handle("GET", "/stock", {}, AUTH, b"").status == 404  # outside the prefix
        assert pull(sandbox, cursor="abc").status == 400

    def test_unchanged_push_keeps_the_level_out_of_the_next_pull(self) -> None:
        """Pushing the value a level already has is ok but is not a change to pull."""
        sandbox = CustomSandbox.seeded()
        cursor = pull(sandbox).body["next_cursor"]
        push(sandbox, item("TEE-RED-M", 12), item("MUG-BLUE", 29))
        page = pull(sandbox, cursor=cursor).body
        assert [lv["sku"] for lv in page["levels"]] == ["MUG-BLUE"]

    def test_updated_at_strictly_increases(self) -> None:
        """Quick successive writes get distinct, ordered timestamps (they make event ids)."""
        sandbox = CustomSandbox()
        stamps = [sandbox.set_level("A", "WH1", n) for n in range(50)]
        assert stamps == sorted(stamps) and len(set(stamps)) == 50
        assert stamps[-1] == sandbox.updated_at("A", "WH1")
        with pytest.raises(ValueError):
            sandbox.set_level("A", "WH1", -1)


class TestRateLimit:
    def test_sliding_window_refuses_the_21st_request(self) -> None:
        """21 requests within 1.0 s: the 21st is 429 Retry-After 1; the window then slides."""
        now = [0.0]
        sandbox = CustomSandbox(clock=lambda: now[0])
        statuses = []
        for i in range(21):
            now[0] = i * 0.049  # 21 requests within 0.98 s
            statuses.append(pull(sandbox).status)
        assert statuses == [200] * 20 + [429]
        assert sandbox.requests[-1].fault == "rate_limit"
        now[0] = 0.999
        throttled = pull(sandbox)
        assert throttled.status == 429 and throttled.headers["Retry-After"] == "1"
        now[0] = 1.0  # the first request (t=0) has left the window
        assert pull(sandbox).status == 200
        assert sandbox.rate_limited == 2

    def test_raw_client_over_http_is_throttled(self) -> None:
        """A client without the hub's limiter, bursting over a socket, gets 429s after 20."""
        sandbox = CustomSandbox()
        with sandbox.serve() as base_url, httpx.Client(base_url=base_url, headers=AUTH) as http:
            started = time.monotonic()
            statuses = [http.get("/stock").status_code for _ in range(30)]
            elapsed = time.monotonic() - started
        assert elapsed < 1.0, "the burst was too slow to test the window"
        assert statuses == [200] * 20 + [429] * 10
        assert sandbox.rate_limited == 10
        assert sandbox.max_requests_in_window(1.0) == 30  # arrivals, refused ones included


class TestFaults:
    def run(self, sandbox: CustomSandbox, n: int) -> list[int]:
        return [pull(sandbox).status for _ in range(n)]

    def test_fault_rate_and_kinds_match_the_settings(self) -> None:
        """With rate 0.3 about 30 % of 1000 pulls fail, each kind about a third of them."""
        sandbox = CustomSandbox(rate_limit=None)
        sandbox.set_faults(rate=0.3, kinds=("500", "429", "timeout"), seed=7)
        statuses = Counter(self.run(sandbox, 1000))
        injected = sandbox.faults_injected
        assert 250 <= sum(injected.values()) <= 350, injected
        assert all(70 <= injected[kind] <= 130 for kind in ("500", "429", "timeout")), injected
        assert (statuses[500], statuses[429], statuses[504]) == (
            injected["500"],
            injected["429"],
            injected["timeout"],
        )
        assert statuses[200] == 1000 - sum(injected.values())

    def test_same_seed_same_failures(self) -> None:
        """The fault sequence is a function of the seed (reproducible test runs)."""
        runs = []
        for seed in (7, 7, 8):
            sandbox = CustomSandbox(rate_limit=None)
            sandbox.set_faults(rate=0.3, seed=seed)
            runs.append(self.run(sandbox, 200))
        assert runs[0] == runs[1] and runs[0] != runs[2]

    def test_injected_429_asks_for_a_fractional_wait(self) -> None:
        """The injected throttle says Retry-After: 0.2, which the hub's readers understand."""
        sandbox = CustomSandbox()
        sandbox.set_faults(rate=1.0, kinds=("429",))
        reply = pull(sandbox)
        response = httpx.Response(reply.status, headers=dict(reply.headers))
        assert reply.status == 429 and requested_wait(response) == pytest.approx(0.2)

    def test_timeouts_apply_half_of_the_pushes_first(self) -> None:
        """A timed-out push was applied in about half the cases; the records say which."""
        sandbox = CustomSandbox(rate_limit=None)
        sandbox.set_faults(rate=1.0, kinds=("timeout",), seed=3)
        for i in range(400):
            reply = push(sandbox, item(f"S{i}", 5))
            assert reply.timed_out and reply.status == 504 and reply.delay_s == 2.5
        applied = sum(r.applied for r in sandbox.requests)
        assert 150 <= applied <= 250
        assert len(sandbox.stock_levels()) == applied
        assert sandbox.push_batch_sizes == [1] * 400

    def test_in_process_timeout_raises_without_sleeping(self) -> None:
        """Through transport() a timeout fault is the client's ReadTimeout, at once."""
        sandbox = CustomSandbox()
        sandbox.set_faults(rate=1.0, kinds=("timeout",))
        with httpx.Client(transport=sandbox.transport(), headers=AUTH) as http:
            started = time.monotonic()
            with pytest.raises(httpx.ReadTimeout):
                http.get("http://sandbox/api/stock")
        assert time.monotonic() - started < 0.5

    @pytest.mark.parametrize("status, error", [(401, ConfigError), (400, PermanentError)])
    def test_permanent_status_fails_everything_until_cleared(
        self, handle, context, status, error
    ) -> None:
        """permanent_status fails every call, even with the right token; clearing restores."""
        sandbox = CustomSandbox.seeded()
        sandbox.set_faults(permanent_status=status)
        ctx = context(sandbox.transport())
        update = StockUpdate("a", "w", 1, "TEE-RED-M", "WH1")
        with pytest.raises(error):
            handle.push_stock(ctx, [update])
        assert pull(sandbox).status == status
        assert len(sandbox.requests) == 2 and sandbox.faults_injected[str(status)] == 2
        sandbox.clear_faults()
        assert handle.push_stock(ctx, [update])[0].status is PushStatus.ACCEPTED

    def test_the_connector_rides_out_transient_faults(self, handle, context, waits) -> None:
        """At 30 % 500/429 faults every batch lands within the retry budget; waits honoured."""
        sandbox = CustomSandbox(rate_limit=None)
        sandbox.set_faults(rate=0.3, kinds=("500", "429"), seed=11)
        ctx = context(sandbox.transport(), retry=dataclasses.replace(FAST_RETRY, max_attempts=8))
        for batch in range(20):
            updates = [StockUpdate(f"s{i}", "w", batch, f"S{i}", "WH1") for i in range(5)]
            results = handle.push_stock(ctx, updates)
            assert {r.status for r in results} == {PushStatus.ACCEPTED}
        assert set(sandbox.stock_levels().values()) == {19}
        injected = sandbox.faults_injected
        assert injected["500"] and injected["429"]
        assert waits.count(0.2) == injected["429"]  # Retry-After 0.2 was honoured each time

    @pytest.mark.parametrize(
        "options",
        [{"rate": 1.5}, {"rate": 0.1, "kinds": ("503",)}, {"permanent_status": 200}],
    )
    def test_impossible_fault_settings_are_refused(self, options) -> None:
        """Rates outside 0..1, unknown kinds and non-error statuses raise ValueError."""
        with pytest.raises(ValueError):
            CustomSandbox().set_faults(**options)


class TestServing:
    def test_concurrent_clients_are_all_recorded(self) -> None:
        """Eight threads pushing over HTTP at once: every request and level is accounted for."""
        sandbox = CustomSandbox(rate_limit=None)
        errors: list[Exception] = []

        def client(n: int, base_url: str) -> None:
            try:
                with httpx.Client(base_url=base_url, headers=AUTH) as http:
                    for i in range(10):
                        body = {"items": [item(f"T{n}-{i}", i)]}
                        assert http.post("/stock/set", json=body).status_code == 200
            except Exception as exc:  # reported below, in the test's thread
                errors.append(exc)

        with sandbox.serve() as base_url:
            threads = [threading.Thread(target=client, args=(n, base_url)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(10)
        assert errors == []
        assert len(sandbox.requests) == 80 and sandbox.push_batch_sizes == [1] * 80
        assert len(sandbox.stock_levels()) == 80
        assert len(pull(sandbox, limit="1000").body["levels"]) == 80

    def test_latency_delays_every_answer(self) -> None:
        """latency_s is added to each request."""
        sandbox = CustomSandbox(latency_s=0.05)
        started = time.monotonic()
        pull(sandbox)
        assert time.monotonic() - started >= 0.05

    def test_standalone_main_serves_the_protocol(self) -> None:
        """`python -m connectors.custom.sandbox --port 0` prints its URL and serves levels."""
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "connectors.custom.sandbox",
                "--port",
                "0",
                "--token",
                "T0K",
                "--level",
                "TEE-RED-M:WH1=3",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = proc.stdout.readline()
            base_url = line.strip().rsplit(" ", 1)[-1]
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api"), line
            answer = httpx.get(f"{base_url}/stock", headers={"Authorization": "Bearer T0K"})
            denied = httpx.get(f"{base_url}/stock")
        finally:
            proc.terminate()
            proc.wait(5)
        assert denied.status_code == 401
        (level,) = answer.json()["levels"]
        assert (level["sku"], level["location"], level["quantity"]) == ("TEE-RED-M", "WH1", 3)

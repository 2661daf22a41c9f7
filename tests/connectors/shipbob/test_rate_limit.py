"""ShipBob's 150 requests/minute sliding window: the sandbox enforces it, the hub stays under it.

Figures: two worker processes × 80 calls on one channel sharing the hub's limiter (SQLite file;
Redis when reachable) reach the sandbox 145 times in total (the declared 145/60 s, 5 below
ShipBob's 150) and are never answered 429; the control run with per-process limiters lets 150
through and draws 429s, so the check can fail. ``x-retry-after`` is what the client waits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from connectors.shipbob.client import ShipBobClient
from connectors.shipbob.sandbox import SANDBOX_TOKEN, ShipBobSandbox
from connectors.shipbob.settings import DECLARED_LIMIT, INFO, VENDOR_LIMIT
from hub.errors import RateLimitedError
from hub.http import RetrySettings
from tests.sdk.test_ratelimit import REDIS_URL, redis_or_skip

WORKER = Path(__file__).with_name("rate_worker.py")
ROOT = Path(__file__).resolve().parents[3]
AUTH = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}


def test_declared_limit_is_the_documented_one_less_a_margin(contract_notes) -> None:
    """contract notes: 150 per minute, sliding; the connector declares 145/60 s to the limiter."""
    assert "150 requests per minute, sliding window" in contract_notes["rate_limit"]["rule"]
    assert (VENDOR_LIMIT.requests, VENDOR_LIMIT.per_seconds) == (150, 60)
    assert INFO.rate_limits == (DECLARED_LIMIT,) and DECLARED_LIMIT.per_seconds == 60
    assert VENDOR_LIMIT.requests - 10 < DECLARED_LIMIT.requests < VENDOR_LIMIT.requests


class TestSandboxWindow:
    def test_151st_request_in_a_minute_is_429_with_x_retry_after(self) -> None:
        """150 calls over 30 s pass; the 151st at 30 s waits 30 s (the oldest leaves at 60 s)."""
        now = [0.0]
        sandbox = ShipBobSandbox.seeded(clock=lambda: now[0])
        for n in range(150):
            now[0] = n * 0.2
            assert sandbox.handle("GET", "/2026-01/location", AUTH).status == 200
        now[0] = 30.0
        reply = sandbox.handle("GET", "/2026-01/location", AUTH)
        assert reply.status == 429 and reply.headers["x-retry-after"] == "30"
        assert reply.body == {
            "statusCode": 429, "message": "Rate limit is exceeded. Try again in 30 seconds.",
        }  # fmt: skip
        assert reply.headers["x-remaining-calls"] == "0"

    def test_the_window_slides_rather_than_resets(self) -> None:
        """At 60 s exactly one slot is free (the call made at 0 s left); a fixed window would
        free all 150."""
        now = [0.0]
        sandbox = ShipBobSandbox.seeded(clock=lambda: now[0])
        for n in range(150):
            now[0] = n * 0.2
            sandbox.handle("GET", "/2026-01/location", AUTH)
        now[0] = 60.0
        assert sandbox.handle("GET", "/2026-01/location", AUTH).status == 200
        second = sandbox.handle("GET", "/2026-01/location", AUTH)
        assert second.status == 429 and second.headers["x-retry-after"] == "1"
        assert sandbox.max_requests_in_window(60) == 150


class TestClientWaits:
    def scripted(self, context, *replies):
        calls = []

        def vendor(request: httpx.Request) -> httpx.Response:
            calls.append(request)
            return replies[min(len(calls), len(replies)) - 1]

        return ShipBobClient(context(httpx.MockTransport(vendor))), calls

    def test_x_retry_after_is_the_wait(self, context, waits) -> None:
        """429 with x-retry-after: 7 → the client sleeps exactly 7 s, then succeeds."""
        client, calls = self.scripted(
            lambda t: context(t, retry=RetrySettings(max_attempts=3, max_wait_s=10, jitter_s=0)),
            httpx.Response(429, headers={"x-retry-after": "7"}, json={"statusCode": 429}),
            httpx.Response(200, json=[]),
        )
        assert client.get("location") == []
        assert waits == [7.0] and len(calls) == 2

    def test_a_wait_beyond_max_wait_is_rescheduled_not_slept(self, context, waits) -> None:
        """x-retry-after: 90 > max_wait 60: RateLimitedError(retry_after=90) after one call."""
        client, calls = self.scripted(
            lambda t: context(t, retry=RetrySettings(max_attempts=3, max_wait_s=60)),
            httpx.Response(429, headers={"x-retry-after": "90"}, json={"statusCode": 429}),
        )
        with pytest.raises(RateLimitedError) as caught:
            client.get("location")
        assert caught.value.retry_after == 90 and len(calls) == 1 and waits == []


def run_workers(storage: str, base_url: str, calls: int = 80) -> list[dict[str, int]]:
    channel = f"shipbob-{uuid.uuid4().hex[:8]}"
    start_at = time.time() + 2.0  # both import the hub first, then start together
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), base_url, storage, channel, str(calls), str(start_at)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=60)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0, 0]
    return [json.loads(out.strip().splitlines()[-1]) for out in outputs]


class TestAcrossWorkers:
    @pytest.mark.parametrize("storage", ["sqlite", "redis"])
    def test_two_processes_share_the_window(self, storage, tmp_path) -> None:
        """160 calls from two processes: exactly 145 reach ShipBob, none is answered 429."""
        if storage == "redis":
            redis_or_skip()
            url = REDIS_URL
        else:
            url = f"stockhub+sqlite://{tmp_path / 'limits.db'}"
        sandbox = ShipBobSandbox.seeded()
        with sandbox.serve() as base_url:
            results = run_workers(url, base_url)
        assert sum(r["ok"] for r in results) == DECLARED_LIMIT.requests
        assert sum(r["limited"] for r in results) == 160 - DECLARED_LIMIT.requests
        assert sandbox.throttled == 0
        assert sandbox.max_requests_in_window(60) == DECLARED_LIMIT.requests

    def test_control_unshared_limiters_hit_shipbobs_limit(self) -> None:
        """Control: per-process limiters let 2 × 145 through; ShipBob stops them at 150."""
        sandbox = ShipBobSandbox.seeded()
        with sandbox.serve() as base_url:
            results = run_workers("memory://", base_url)
        assert sum(r["ok"] for r in results) == VENDOR_LIMIT.requests
        assert sandbox.throttled > 0

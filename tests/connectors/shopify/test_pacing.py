"""Cost-bucket pacing: waits from throttleStatus, a budget shared across processes, no THROTTLED."""

from __future__ import annotations

import threading
import time

import pytest

from connectors.shopify import pacing
from connectors.shopify.pacing import CostPacer, throttle_wait
from connectors.shopify.sandbox import ShopifySandbox
from connectors.shopify.sandbox_seed import DC
from hub.connector import PushStatus, StockUpdate
from hub.http.ratelimit import ChannelRateLimiter

ITEM = "gid://shopify/InventoryItem/808950810"


def status(available: float, maximum: float = 2000, rate: float = 100) -> dict:
    return {
        "requestedQueryCost": 12,
        "actualQueryCost": 11,
        "throttleStatus": {
            "maximumAvailable": maximum,
            "currentlyAvailable": available,
            "restoreRate": rate,
        },
    }


class TestCostPacer:
    def make(self, now: list[float], slept: list[float]) -> CostPacer:
        return CostPacer("c#graphql-cost", 100.0, 2000.0, sleep=slept.append, clock=lambda: now[0])

    def test_full_bucket_goes_at_once(self) -> None:
        now, slept = [0.0], []
        assert self.make(now, slept).before("Op", 500) == 0 and slept == []

    def test_waits_for_what_the_bucket_lacks_less_what_was_restored(self) -> None:
        """Reported 2 left at t=0; at t=0.05 a 12-point call waits (12 − 2 − 5) / 100 s."""
        now, slept = [0.0], []
        pacer = self.make(now, slept)
        pacer.after("Op", status(available=2))
        now[0] = 0.05
        pacer.before("Op", 12)
        assert slept == [pytest.approx(0.05)]

    def test_learns_the_plan_the_bucket_and_each_operations_cost(self) -> None:
        """Shopify's requested cost was twice our estimate: the next estimate is doubled."""
        now, slept = [0.0], []
        pacer = self.make(now, slept)
        pacer.before("Op", 6)
        pacer.after("Op", status(available=10, maximum=4000, rate=200))  # requested 12
        assert (pacer.restore_rate, pacer.maximum) == (200, 4000)
        assert (pacer.scale["Op"], pacer.spend["Op"]) == (2.0, 11 / 12)
        pacer.before("Op", 6)  # 12 points by Shopify's count, 10 left
        assert slept == [pytest.approx((12 - 10) / 200)]

    def test_throttle_wait_from_a_refused_call(self) -> None:
        cost = {
            "requestedQueryCost": 200,
            "throttleStatus": {"currentlyAvailable": 50, "restoreRate": 100},
        }
        assert throttle_wait(cost, 50) == pytest.approx(1.5)
        assert throttle_wait(None, 50) is None and throttle_wait({}, 50) is None


def test_budget_is_shared_by_every_process_on_the_limiter(tmp_path) -> None:
    """Two pacers (two workers) on one limiter file spend at most the bucket per window; on
    separate files (no sharing) they would spend twice as much at once."""
    url = f"stockhub+sqlite://{tmp_path / 'limits.db'}"

    def spend(*limiter_urls: str) -> float:
        pacers = [
            CostPacer("shop#graphql-cost", 20.0, 20.0, limiter=ChannelRateLimiter(u))
            for u in limiter_urls
        ]
        started = time.monotonic()
        threads = [
            threading.Thread(target=lambda p=p: [p.before("Op", 5) for _ in range(4)])
            for p in pacers
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        return time.monotonic() - started

    assert spend(url, url) >= 0.9  # 40 points through a 20-point-per-second budget
    separate = [f"stockhub+sqlite://{tmp_path / f'own-{n}.db'}" for n in range(2)]
    assert spend(*separate) < 0.5  # unshared, each spends its 20 points at once


def test_paced_pushes_are_never_throttled(handle, context, monkeypatch) -> None:
    """A tight bucket (40 points, 500/s): 30 paced pushes, zero THROTTLED. Control: with pacing
    switched off, 10 pushes into a bucket restoring 50/s are throttled (a slow machine cannot
    restore 12 points between calls) and still land, after the client's waits."""

    def run(paced: bool, pushes: int, restore_rate: int) -> ShopifySandbox:
        pacing.forget_pacers()
        sandbox = ShopifySandbox.seeded(bucket_size=40, restore_rate=restore_rate)
        ctx = context(sandbox.transport(), plan="standard")
        ctx.sleep = time.sleep  # real waits
        if not paced:
            monkeypatch.setattr(CostPacer, "before", lambda self, op, estimate: 0.0)
        for n in range(pushes):
            (result,) = handle.push_stock(ctx, [StockUpdate("s", "dc", n, ITEM, DC)])
            assert result.status is PushStatus.ACCEPTED
        assert sandbox.stock_levels()[(ITEM, DC)] == pushes - 1
        return sandbox

    assert run(paced=True, pushes=30, restore_rate=500).throttled == 0
    assert run(paced=False, pushes=10, restore_rate=50).throttled > 0

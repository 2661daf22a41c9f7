"""Usage plans: per-operation windows shared by every worker, learned rates, the sandbox's 429s."""

from __future__ import annotations

import threading
import time

import pytest

from connectors.amazon.pacing import RATE_HEADER, OperationPacer, operation_of, window
from connectors.amazon.sandbox import AmazonSandbox
from hub.connector import PushStatus, RateLimit, StockUpdate
from hub.errors import RateLimitedError
from hub.http import ChannelRateLimiter


class TestWindows:
    def test_bucket_becomes_a_moving_window_no_looser_than_it(self) -> None:
        """(rate r, burst b) → b calls per ceil(b/r) s: the bucket's own sustained rate."""
        assert window(5, 5) == RateLimit(5, 1)
        assert window(2, 15) == RateLimit(15, 8)
        assert window(0.0083, 15) == RateLimit(15, 1808)
        assert window(0.0167, 20) == RateLimit(20, 1198)

    def test_operations_are_recognised_by_method_and_path(self) -> None:
        assert operation_of("PATCH", "/listings/2021-08-01/items/A1/SKU%2F1") == "patchListingsItem"
        assert operation_of("GET", "/orders/v0/orders/113-1/orderItems") == "getOrderItems"
        assert operation_of("POST", "/auth/o2/token") is None

    def test_learned_rate_replaces_the_window_and_keeps_the_old_one_a_while(self) -> None:
        """x-amzn-RateLimit-Limit: 1 → 5 per 5 s; the old 5 per 1 s still counts for 1 s."""
        import httpx

        now = [100.0]
        pacer = OperationPacer("c", ChannelRateLimiter("memory://"), clock=lambda: now[0])
        pacer.after("patchListingsItem", httpx.Response(200, headers={RATE_HEADER: "1"}))
        assert pacer.plans["patchListingsItem"] == (1.0, 5)
        assert pacer._retiring["patchListingsItem"] == [(RateLimit(5, 1), 101.0)]
        assert pacer.quota_wait("patchListingsItem") == 1.0
        pacer.after("patchListingsItem", httpx.Response(200, headers={RATE_HEADER: "x"}))
        assert pacer.plans["patchListingsItem"] == (1.0, 5)


def burst_of_patches(handle, context, sandbox, limiters: list[ChannelRateLimiter]) -> float:
    """Two workers (threads with their own limiter object, pacer and client) patch at once."""
    for i in range(16):
        sandbox.act(lambda store, i=i: store.add_listing(f"L-{i}", "DEFAULT", 0))
    results: list = []

    def worker(limiter: ChannelRateLimiter, n: int) -> None:
        ctx = context(sandbox.transport())
        ctx.limiter = limiter
        updates = [StockUpdate(f"W{n}-{i}", "dc", i, f"L-{8 * n + i}", "DEFAULT")
                   for i in range(8)]  # fmt: skip
        try:
            results.extend(handle.push_stock(ctx, updates))
        except RateLimitedError as exc:
            results.extend([exc] * len(updates))

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(lim, n)) for n, lim in enumerate(limiters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 16
    assert sandbox.throttled or all(r.status is PushStatus.ACCEPTED for r in results)
    return time.monotonic() - started


def test_limits_hold_across_workers_sharing_the_limiter(handle, context, tmp_path) -> None:
    """16 patches from two workers sharing the SQLite limiter: no 429 from the sandbox's
    5/s burst-5 bucket, and it took the documented (16 - 5) / 5 s at least."""
    sandbox = AmazonSandbox.seeded()
    url = f"stockhub+sqlite://{tmp_path / 'limits.db'}"
    took = burst_of_patches(handle, context, sandbox, [ChannelRateLimiter(url),
                                                       ChannelRateLimiter(url)])  # fmt: skip
    assert sandbox.throttled == 0 and sandbox.operations["patchListingsItem"] == 16
    assert took >= (16 - 5) / 5 * 0.9


def test_workers_with_separate_budgets_are_throttled(handle, context) -> None:
    """The control: two workers each pacing alone together exceed the bucket and see 429s."""
    sandbox = AmazonSandbox.seeded()
    burst_of_patches(handle, context, sandbox, [ChannelRateLimiter("memory://"),
                                                ChannelRateLimiter("memory://")])  # fmt: skip
    assert sandbox.throttled > 0


@pytest.mark.parametrize("operation", ["getOrders", "createFeed"])
def test_sandbox_enforces_burst_then_rate(operation) -> None:
    """The sandbox's bucket: ``burst`` calls pass, the next is 429 QuotaExceeded."""
    sandbox = AmazonSandbox.seeded()
    rate, burst = sandbox.plans[operation]
    granted = [sandbox._take_token(operation) for _ in range(burst + 1)]
    assert granted == [True] * burst + [False]

"""The per-channel rate limit holds across threads and processes, measured by a counting server.

Figures: two worker processes × 8 calls against a 10/s limit. The server sees at most 10
requests in any 0.95 s window (0.05 s absorbs loopback delivery jitter between the limiter's
clock and the server's) and the run takes >= 0.6 s; the control run with per-process limiters
(not shared) lets all 16 through at once, so the check can fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from hub.connector import RateLimit
from hub.errors import RateLimitedError
from hub.http import ChannelRateLimiter
from tests.sdk.counting_server import CountingServer

WORKER = Path(__file__).with_name("rate_worker.py")
ROOT = Path(__file__).resolve().parents[2]
LIMIT, CALLS, WORKERS = 10, 8, 2
WINDOW = 0.95
REDIS_URL = os.environ.get("STOCKHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def run_workers(storage: str, server: CountingServer) -> float:
    """Start two worker processes sharing ``storage``; returns the wall time until all finished."""
    channel = f"chan-{uuid.uuid4().hex[:8]}"
    start_at = time.time() + 1.2  # both import the hub first, then start together
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                server.url,
                storage,
                channel,
                str(LIMIT),
                str(CALLS),
                str(start_at),
            ],
            env=env,
        )
        for _ in range(WORKERS)
    ]
    try:
        codes = [p.wait(timeout=30) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert codes == [0] * WORKERS
    return time.time() - start_at


def redis_or_skip() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        from tests.conftest import service_missing

        service_missing("Redis", str(exc))


class TestAcrossProcesses:
    def test_sqlite_limit_shared_by_two_processes_is_never_exceeded(self, tmp_path) -> None:
        """Embedded default: two processes on one SQLite file stay within 10 calls/s together."""
        with CountingServer(expected=WORKERS * CALLS) as server:
            elapsed = run_workers(f"stockhub+sqlite://{tmp_path / 'limits.db'}", server)
        assert len(server.arrivals) == WORKERS * CALLS
        assert server.max_in_window(WINDOW) <= LIMIT, server.arrivals
        assert elapsed >= (WORKERS * CALLS - LIMIT) / LIMIT * 0.9  # it really waited

    def test_redis_limit_shared_by_two_processes_is_never_exceeded(self) -> None:
        """With Redis configured the same limit holds through Redis storage."""
        redis_or_skip()
        with CountingServer(expected=WORKERS * CALLS) as server:
            run_workers(REDIS_URL, server)
        assert len(server.arrivals) == WORKERS * CALLS
        assert server.max_in_window(WINDOW) <= LIMIT

    def test_control_unshared_limiters_exceed_the_limit(self) -> None:
        """Control: per-process memory limiters let both processes through (the check can fail)."""
        with CountingServer(expected=WORKERS * CALLS) as server:
            run_workers("memory://", server)
        assert server.max_in_window(WINDOW) > LIMIT


class TestAcrossThreads:
    def test_threads_sharing_a_limiter_stay_within_the_limit(self, tmp_path) -> None:
        """Eight threads, one SQLite-backed limiter at 5/s: never more than 5 in any second."""
        limiter = ChannelRateLimiter(f"stockhub+sqlite://{tmp_path / 'limits.db'}")
        granted: list[float] = []
        lock = threading.Lock()

        def call() -> None:
            limiter.acquire("threads", [RateLimit(5, 1)])
            with lock:
                granted.append(time.time())

        threads = [threading.Thread(target=call) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        granted.sort()
        assert len(granted) == 8
        assert (
            granted[5] - granted[0] >= 1.0 - 0.01
        )  # the 6th waited for the 1st to leave the window

    def test_limiter_gives_up_after_max_wait(self) -> None:
        """A channel over its budget for longer than max_wait_s raises RateLimitedError."""
        clock = iter(range(100))
        limiter = ChannelRateLimiter(
            "memory://", max_wait_s=3, sleep=lambda s: None, clock=lambda: float(next(clock))
        )
        limiter.acquire("busy", [RateLimit(1, 60)])
        with pytest.raises(RateLimitedError, match="over its rate limit"):
            limiter.acquire("busy", [RateLimit(1, 60)])

"""A rate limiter per channel that holds across threads and processes.

Built on the ``limits`` library's moving-window strategy, so "at most N calls in any window of
S seconds" holds exactly (a fixed window would let 2N through around a boundary). Storage:

* ``redis://…`` (or any ``limits`` storage URL) when the hub has Redis: shared by every
  worker on every machine;
* otherwise ``stockhub+sqlite:///path/ratelimits.db``, the embedded default: a small SQLite
  table of recent calls, updated under ``BEGIN IMMEDIATE`` so every process on the machine
  shares it (:class:`SQLiteMovingWindowStorage`);
* ``memory://`` for a single process (tests).

What is guaranteed: at most N acquisitions in any window of S seconds, by the limiter's clock,
across every thread and process sharing the storage. What a vendor sees also includes network
delivery jitter: measured on the 2-core development machine (tests/sdk/test_ratelimit.py), two
processes sharing a 10 calls/s limit delivered at most 10 requests in any 0.95 s window to a
local counting server, but once 11 within exactly 1.0 s, because one request travelled slower
than the next. Declare a channel's limit a little below the vendor's hard limit (the connector
guide says so), or rely on the vendor's burst allowance.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlparse

from limits import RateLimitItemPerSecond
from limits.storage import MovingWindowSupport, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from hub.connector import RateLimit
from hub.errors import ConfigError, RateLimitedError
from hub.store.wal import enable_wal

RATE_LIMIT_URL_ENV = "STOCKHUB_RATE_LIMIT_URL"


class SQLiteMovingWindowStorage(Storage, MovingWindowSupport):
    """``limits`` storage in one SQLite file: one row per call inside the current window."""

    STORAGE_SCHEME = ["stockhub+sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: object) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        parsed = urlparse(uri)
        self.path = Path(parsed.path if not parsed.netloc else f"/{parsed.netloc}{parsed.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL NOT NULL)")
            conn.execute("CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at)")

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:  # one connection per thread; sqlite3 connections are not shareable
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            enable_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")  # the write lock: one process decides at a time
        try:
            now = time.time()
            conn.execute("DELETE FROM hits WHERE key = ? AND at <= ?", (key, now - expiry))
            (count,) = conn.execute("SELECT COUNT(*) FROM hits WHERE key = ?", (key,)).fetchone()
            if count + amount > limit:
                conn.execute("COMMIT")
                return False
            conn.executemany("INSERT INTO hits VALUES (?, ?)", [(key, now)] * amount)
            conn.execute("COMMIT")
            return True
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        oldest, count = (
            self._connect()
            .execute(
                "SELECT MIN(at), COUNT(*) FROM hits WHERE key = ? AND at > ?", (key, now - expiry)
            )
            .fetchone()
        )
        return (oldest if oldest is not None else now), count

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:  # fixed-window API, unused
        self.acquire_entry(key, 2**31, expiry, amount)
        return self.get(key)

    def get(self, key: str) -> int:
        return (
            self._connect().execute("SELECT COUNT(*) FROM hits WHERE key = ?", (key,)).fetchone()[0]
        )

    def get_expiry(self, key: str) -> float:
        row = self._connect().execute("SELECT MAX(at) FROM hits WHERE key = ?", (key,)).fetchone()
        return row[0] or time.time()

    def check(self) -> bool:
        try:
            self._connect().execute("SELECT 1")
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        return self._connect().execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        self._connect().execute("DELETE FROM hits WHERE key = ?", (key,))


def default_storage_url() -> str:
    """``STOCKHUB_RATE_LIMIT_URL``, else a machine-wide SQLite file in the temp directory."""
    configured = os.environ.get(RATE_LIMIT_URL_ENV, "").strip()
    if configured:
        return configured
    return f"stockhub+sqlite://{Path(tempfile.gettempdir()) / 'stockhub' / 'ratelimits.db'}"


class ChannelRateLimiter:
    """Blocks until a call to a channel fits every one of its declared rate limits.

    :param storage_url: a ``limits`` storage URL (see module docstring); the hub passes its
        Redis URL when one is configured.
    :param max_wait_s: give up (``RateLimitedError``) rather than block a worker longer.
    """

    def __init__(
        self,
        storage_url: str | None = None,
        *,
        max_wait_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        url = storage_url or default_storage_url()
        try:
            self.storage = storage_from_string(url)
        except Exception as exc:
            raise ConfigError(
                f"rate limit storage {url.split('@')[-1]!r} is unusable: {exc}",
                field="hub.rate_limit_url",
            ) from exc
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.max_wait_s = max_wait_s
        self._sleep = sleep
        self._clock = clock

    def acquire(self, channel: str, limits: Sequence[RateLimit], cost: int = 1) -> float:
        """Take ``cost`` calls from the channel's budget, waiting if needed; returns the wait."""
        items = [RateLimitItemPerSecond(limit.requests, limit.per_seconds) for limit in limits]
        started = self._clock()
        while True:
            blocked = [
                item
                for item in items
                if not self.strategy.test(item, "stockhub", channel, cost=cost)
            ]
            if not blocked and all(
                self.strategy.hit(i, "stockhub", channel, cost=cost) for i in items
            ):
                return self._clock() - started
            waited = self._clock() - started
            if waited >= self.max_wait_s:
                raise RateLimitedError(
                    f"channel {channel!r} is over its rate limit for {waited:.1f}s",
                    retry_after=1.0,
                    context={"channel": channel},
                )
            self._sleep(min(self._retry_in(items, channel), self.max_wait_s - waited))

    def _retry_in(self, items: Sequence[RateLimitItemPerSecond], channel: str) -> float:
        now = time.time()
        resets = [
            self.strategy.get_window_stats(i, "stockhub", channel).reset_time - now for i in items
        ]
        return max(0.005, min(max(resets), 1.0))

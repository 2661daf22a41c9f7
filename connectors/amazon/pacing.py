"""Per-operation usage plans: every SP-API call waits for its operation's budget, on every worker.

Amazon limits each operation with a token bucket — a *rate* (requests per second) refilling a
*burst* — per selling partner and application (each model's "Usage Plan" table, transcribed in
``contract-notes.json``; :data:`USAGE_PLANS` below is checked against it by a test). A bucket
(rate r, burst b) admits any sequence with at most b requests in every window of b/r seconds,
so each operation takes a **moving window of b calls per ⌈b/r⌉ s** from the hub's shared rate
limiter (``ChannelContext.limiter``: Redis or the machine-wide SQLite file; an in-process
``memory://`` limiter when the hub gives none). Whatever the number of workers, together they
never outrun an operation's bucket, and the sustained rate is the documented one.

``x-amzn-RateLimit-Limit`` on an answer is the rate Amazon applied to this seller: the window
is recomputed from it. The old window stays in force for one of its lengths, so calls made
under it still count and a change never lets a burst through.

Requests are paced at the transport (:class:`PacedTransport`), so the hub client's retries are
paced too. A 429 is answered by :func:`quota_wait`: one token's time (1/r), which the hub's
client sleeps, or raises as ``RateLimitedError`` when longer than it may block.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from hub.connector import RateLimit
from hub.http import ChannelRateLimiter

#: operation → (rate per second, burst), from the saved models' Usage Plan tables.
USAGE_PLANS: dict[str, tuple[float, int]] = {
    "getListingsItem": (5, 10),
    "searchListingsItems": (5, 5),
    "patchListingsItem": (5, 5),
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2, 15),
    "cancelFeed": (2, 15),
    "getFeedDocument": (0.0222, 10),
    "getOrders": (0.0167, 20),
    "getOrder": (0.5, 30),
    "getOrderItems": (0.5, 30),
    "getInventorySummaries": (2, 2),
}
RATE_HEADER = "x-amzn-RateLimit-Limit"

_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("GET", re.compile(r"^/listings/2021-08-01/items/[^/]+$"), "searchListingsItems"),
    ("GET", re.compile(r"^/listings/2021-08-01/items/[^/]+/[^/]+$"), "getListingsItem"),
    ("PATCH", re.compile(r"^/listings/2021-08-01/items/[^/]+/[^/]+$"), "patchListingsItem"),
    ("POST", re.compile(r"^/feeds/2021-06-30/documents$"), "createFeedDocument"),
    ("GET", re.compile(r"^/feeds/2021-06-30/documents/[^/]+$"), "getFeedDocument"),
    ("POST", re.compile(r"^/feeds/2021-06-30/feeds$"), "createFeed"),
    ("GET", re.compile(r"^/feeds/2021-06-30/feeds/[^/]+$"), "getFeed"),
    ("DELETE", re.compile(r"^/feeds/2021-06-30/feeds/[^/]+$"), "cancelFeed"),
    ("GET", re.compile(r"^/orders/v0/orders$"), "getOrders"),
    ("GET", re.compile(r"^/orders/v0/orders/[^/]+$"), "getOrder"),
    ("GET", re.compile(r"^/orders/v0/orders/[^/]+/orderItems$"), "getOrderItems"),
    ("GET", re.compile(r"^/fba/inventory/v1/summaries$"), "getInventorySummaries"),
)


def operation_of(method: str, path: str) -> str | None:
    """The SP-API operation a request is (None: not an SP-API call, e.g. LWA or an upload)."""
    for verb, pattern, name in _ROUTES:
        if verb == method.upper() and pattern.match(path):
            return name
    return None


def window(rate: float, burst: int) -> RateLimit:
    """The moving window that keeps a token bucket (rate, burst) satisfied."""
    return RateLimit(max(1, int(burst)), max(1, math.ceil(burst / rate)))


@dataclass
class OperationPacer:
    """One channel's usage plans in this process; the counters live in the shared limiter."""

    channel: str
    limiter: ChannelRateLimiter
    plans: dict[str, tuple[float, int]] = field(default_factory=lambda: dict(USAGE_PLANS))
    clock: Callable[[], float] = time.monotonic
    waited_s: float = 0.0
    _retiring: dict[str, list[tuple[RateLimit, float]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def key(self, operation: str) -> str:
        return f"{self.channel}#sp-api#{operation}"

    def rate(self, operation: str) -> float:
        return self.plans[operation][0]

    def before(self, operation: str) -> float:
        """Wait until ``operation`` may be called; returns the seconds waited."""
        if operation not in self.plans:
            return 0.0
        with self._lock:
            now = self.clock()
            old = [(lim, until) for lim, until in self._retiring.get(operation, []) if until > now]
            self._retiring[operation] = old
            limits = [window(*self.plans[operation]), *(lim for lim, _ in old)]
        waited = self.limiter.acquire(self.key(operation), limits)
        self.waited_s += waited
        return waited

    def after(self, operation: str, response: httpx.Response) -> None:
        """Learn the applied rate from ``x-amzn-RateLimit-Limit`` when the answer carries it."""
        value = response.headers.get(RATE_HEADER)
        if operation not in self.plans or value is None:
            return
        try:
            rate = float(value)
        except ValueError:
            return
        if not math.isfinite(rate) or rate <= 0:
            return
        with self._lock:
            old_rate, burst = self.plans[operation]
            if math.isclose(rate, old_rate, rel_tol=1e-6):
                return
            old = window(old_rate, burst)
            self._retiring.setdefault(operation, []).append((old, self.clock() + old.per_seconds))
            self.plans[operation] = (rate, burst)

    def quota_wait(self, operation: str) -> float:
        """Seconds until one token of ``operation`` is back after a 429 (1/rate)."""
        return 1.0 / self.rate(operation) if operation in self.plans else 1.0


class PacedTransport(httpx.BaseTransport):
    """Wraps the channel's transport: every SP-API request (retries too) waits for its budget."""

    def __init__(self, inner: httpx.BaseTransport, pacer: OperationPacer) -> None:
        self.inner = inner
        self.pacer = pacer
        self.calls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        operation = operation_of(request.method, request.url.path)
        if operation is not None:
            self.pacer.before(operation)
            self.calls.append(operation)
        response = self.inner.handle_request(request)
        if operation is not None:
            self.pacer.after(operation, response)
        return response

    def close(self) -> None:
        self.inner.close()


_PACERS: dict[tuple[str, int], OperationPacer] = {}
_PACERS_LOCK = threading.Lock()
_LOCAL: ChannelRateLimiter | None = None


def local_limiter() -> ChannelRateLimiter:
    """This process's in-memory limiter, for channels the hub gave no shared limiter."""
    global _LOCAL
    with _PACERS_LOCK:
        if _LOCAL is None:
            _LOCAL = ChannelRateLimiter("memory://", max_wait_s=600.0)
        return _LOCAL


def pacer_for(channel: str, limiter: ChannelRateLimiter | None) -> OperationPacer:
    """The process's pacer of one channel and limiter (clients come and go, the plans stay)."""
    shared = limiter or local_limiter()
    with _PACERS_LOCK:
        pacer = _PACERS.get((channel, id(shared)))
        if pacer is None:
            pacer = _PACERS[(channel, id(shared))] = OperationPacer(channel, shared)
        return pacer


def forget_pacers() -> None:
    """Drop learned rates and the in-memory counters (each test starts with full buckets)."""
    with _PACERS_LOCK:
        _PACERS.clear()
        if _LOCAL is not None:
            _LOCAL.storage.reset()

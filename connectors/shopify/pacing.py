"""Pace GraphQL calls to the shop's cost bucket, across every worker process.

Shopify meters the Admin GraphQL API in cost points: a bucket of ``maximumAvailable`` points
per app and shop, refilled at ``restoreRate`` points per second; a call whose requested cost
exceeds ``currentlyAvailable`` is refused as ``THROTTLED``. Every answer reports the bucket in
``extensions.cost.throttleStatus``. Two mechanisms keep calls under it:

* **shared budget** — before a call, its expected cost is taken from the hub's shared rate
  limiter (``ChannelContext.limiter``: Redis or the machine-wide SQLite file), as a moving
  window of ``maximumAvailable`` points per ``maximumAvailable / restoreRate`` seconds under a
  key of its own per channel. Whatever the number of workers, they together never spend more
  than the bucket can give back.
* **the bucket's own word** — after each answer the pacer remembers ``throttleStatus``; before
  the next call it estimates what has been restored since and sleeps until the call's requested
  cost fits. Answers reflect every worker's spending (the bucket is Shopify's), so this also
  corrects the shared budget when Shopify's costs differ from the estimate.

A throttled answer is still possible (another app on the same shop does not share our
limiter): the client raises ``RateLimitedError`` with the wait computed from the same status.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.connector import RateLimit
from hub.http.ratelimit import ChannelRateLimiter

#: Bucket size assumed before Shopify has answered once: 20 s of restore (2000 points at
#: 100/s in Shopify's published examples); replaced by maximumAvailable from the first answer.
ASSUMED_BUCKET_SECONDS = 20


@dataclass
class CostPacer:
    """One channel's view of its cost bucket; shared by every client of the channel in a process.

    :param key: the shared-limiter key (``<channel>#graphql-cost``).
    """

    key: str
    restore_rate: float
    maximum: float
    limiter: ChannelRateLimiter | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    available: float | None = None  # last reported currentlyAvailable
    seen_at: float = 0.0
    scale: dict[str, float] = field(default_factory=dict)  # op → Shopify's requested / ours
    spend: dict[str, float] = field(default_factory=dict)  # op → actual / requested
    waited_s: float = 0.0
    _estimates: dict[str, int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def before(self, operation: str, estimate: int) -> float:
        """Wait until a call of ``operation`` (``estimate`` points by our model) may go out.

        The estimate is corrected by what Shopify said about the last call of the operation:
        its requested cost against our estimate, and its actual cost against the requested.
        """
        requested = max(1, math.ceil(estimate * self.scale.get(operation, 1.0)))
        expected = min(math.ceil(requested * self.spend.get(operation, 1.0)), self.maximum)
        self._estimates[operation] = estimate
        waited = 0.0
        if self.limiter is not None and expected >= 1:
            window = max(1, math.ceil(self.maximum / self.restore_rate))
            points = RateLimit(int(self.maximum), window)
            waited += self.limiter.acquire(self.key, [points], cost=int(expected))
        with self._lock:
            missing = requested - self.estimated_available()
        if missing > 0:
            pause = missing / self.restore_rate
            self.sleep(pause)
            waited += pause
        self.waited_s += waited
        return waited

    def after(self, operation: str, cost: Mapping[str, Any] | None) -> None:
        """Remember what Shopify reported: the bucket, and this operation's real costs."""
        if not isinstance(cost, Mapping):
            return
        status = cost.get("throttleStatus") or {}
        requested, actual = cost.get("requestedQueryCost"), cost.get("actualQueryCost")
        with self._lock:
            if isinstance(status.get("restoreRate"), int | float) and status["restoreRate"] > 0:
                self.restore_rate = float(status["restoreRate"])
            if isinstance(status.get("maximumAvailable"), int | float):
                self.maximum = float(status["maximumAvailable"])
            if isinstance(status.get("currentlyAvailable"), int | float):
                self.available = float(status["currentlyAvailable"])
                self.seen_at = self.clock()
            estimate = self._estimates.get(operation)
            if isinstance(requested, int | float) and requested > 0:
                if estimate:
                    self.scale[operation] = requested / estimate
                if isinstance(actual, int | float):
                    self.spend[operation] = actual / requested

    def estimated_available(self) -> float:
        """Points in the bucket now, by the last report plus what was restored since."""
        if self.available is None:
            return self.maximum
        restored = (self.clock() - self.seen_at) * self.restore_rate
        return min(self.maximum, self.available + restored)


def throttle_wait(cost: Mapping[str, Any] | None, fallback_rate: float) -> float | None:
    """Seconds until a refused call's requested cost is back in the bucket (None: unknown)."""
    if not isinstance(cost, Mapping):
        return None
    status = cost.get("throttleStatus") or {}
    requested, available = cost.get("requestedQueryCost"), status.get("currentlyAvailable")
    rate = status.get("restoreRate") or fallback_rate
    if not isinstance(requested, int | float) or not isinstance(available, int | float):
        return None
    return max(0.0, (requested - available) / rate)


_PACERS: dict[tuple[str, str], CostPacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer_for(
    channel: str,
    base_url: str,
    restore_rate: int,
    limiter: ChannelRateLimiter | None,
    sleep: Callable[[float], None] | None,
) -> CostPacer:
    """The process's pacer of one channel and shop (clients come and go, the bucket stays)."""
    with _PACERS_LOCK:
        pacer = _PACERS.get((channel, base_url))
        if pacer is None:
            pacer = CostPacer(
                key=f"{channel}#graphql-cost",
                restore_rate=float(restore_rate),
                maximum=float(restore_rate * ASSUMED_BUCKET_SECONDS),
            )
            _PACERS[(channel, base_url)] = pacer
        pacer.limiter = limiter
        pacer.sleep = sleep or time.sleep
        return pacer


def forget_pacers() -> None:
    """Drop every remembered bucket (tests start each sandbox from a full bucket)."""
    with _PACERS_LOCK:
        _PACERS.clear()

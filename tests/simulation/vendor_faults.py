"""Seeded vendor failures in front of a sandbox that has no fault injection of its own.

The custom sandbox fails calls on request; the Shopify and Square sandboxes answer truthfully.
:class:`FaultyTransport` sits between the hub's HTTP client and such a sandbox and fails that
share of calls the same way the custom sandbox does, so a seed means the same faults on every
vendor: ``500`` (a server error), ``429`` (the vendor's own throttle answer, which the adapter
builds) and ``timeout`` (the client gives up; the call reached the vendor half the time).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

KINDS = ("500", "429", "timeout")


class FaultyTransport(httpx.BaseTransport):
    """Forward to ``inner``; with probability ``rate``, fail the call with one of ``kinds``."""

    def __init__(
        self, inner: httpx.BaseTransport, throttled: Callable[[httpx.Request], httpx.Response]
    ) -> None:
        self.inner, self.throttled = inner, throttled
        self.rate, self.kinds = 0.0, KINDS
        self.rng = random.Random(0)
        self.injected: Counter[str] = Counter()

    def set_faults(self, rate: float, kinds: list[str], seed: int) -> None:
        unknown = set(kinds) - set(KINDS)
        if unknown or not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate {rate} with kinds {kinds}")
        self.rate, self.kinds, self.rng = rate, tuple(kinds) or KINDS, random.Random(seed)

    def clear_faults(self) -> None:
        self.rate = 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return self.inner.handle_request(request)
        kind = self.rng.choice(self.kinds)
        self.injected[kind] += 1
        if kind == "500":
            return httpx.Response(500, json={"errors": "Internal Server Error"}, request=request)
        if kind == "429":
            return self.throttled(request)
        if self.rng.random() < 0.5:  # the vendor got it and acted; the answer never came
            self.inner.handle_request(request)
        raise httpx.ReadTimeout("injected: no answer within the timeout", request=request)


class TransportFaults:
    """An adapter mixin: the hub reaches the sandbox through :attr:`transport`, a
    :class:`FaultyTransport`, which injects and counts that vendor's faults."""

    transport: FaultyTransport

    def parts(self) -> dict[str, Any]:
        return {"transport": self.transport}

    @property
    def faults_injected(self) -> Counter[str]:
        return Counter(self.transport.injected)

    def set_faults(self, rate: float, kinds: list[str], seed: int) -> None:
        self.transport.set_faults(rate, kinds, seed)

    def clear_faults(self) -> None:
        self.transport.clear_faults()

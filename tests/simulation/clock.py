"""Virtual time: the hub's ``utcnow`` and the sandboxes' clocks read one simulated clock.

The hub takes the time from :func:`hub.store.types.utcnow`, which its modules import by name,
so :func:`virtual_time` rebinds that name in every loaded ``hub`` module (and the default of
``InboundMessage.received_at``) for the length of a run, then puts the originals back. Leases,
"stale after" thresholds, retry countdowns and count ``as_of`` times then all follow the
simulation, and a run never sleeps.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

#: Every hub module whose time matters; imported before patching so each one is rebound.
HUB_MODULES = (
    "hub.exception_log",
    "hub.ledger.apply",
    "hub.ledger.context",
    "hub.ledger.items",
    "hub.ledger.orders",
    "hub.ledger.returns",
    "hub.sync.deadletters",
    "hub.sync.housekeeping",
    "hub.sync.inbox",
    "hub.sync.lease",
    "hub.sync.outbox",
    "hub.sync.publish",
    "hub.sync.pull",
    "hub.sync.push",
    "hub.sync.reconcile",
    "hub.sync.replay",
    "hub.sync.state",
    "hub.worker.tasks",
)

START = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


class VirtualClock:
    """Simulated time: starts at :data:`START` and moves only when told to."""

    def __init__(self, start: datetime = START) -> None:
        self.start = start
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self._now += timedelta(seconds=seconds)

    def monotonic(self) -> float:
        return (self._now - self.start).total_seconds()

    def elapsed(self) -> float:
        return self.monotonic()


@contextmanager
def virtual_time(clock: VirtualClock) -> Iterator[None]:
    """Make the hub read ``clock`` instead of the wall clock, inside the block."""
    import hub.connector as connector
    import hub.store.types as types

    for name in HUB_MODULES:
        importlib.import_module(name)
    original = types.utcnow
    rebound = [
        module
        for name, module in list(sys.modules.items())
        if (name == "hub" or name.startswith("hub."))
        and getattr(module, "utcnow", None) is original
    ]

    class _Datetime(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            moment = clock.now()
            return moment if tz is not None else moment.replace(tzinfo=None)

    real_datetime = connector.datetime
    for module in rebound:
        module.utcnow = clock.now
    connector.datetime = _Datetime
    try:
        yield
    finally:
        connector.datetime = real_datetime
        for module in rebound:
            module.utcnow = original

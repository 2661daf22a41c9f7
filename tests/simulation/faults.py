"""The faults a run can inject, and the hooks that inject them at commit boundaries.

=======================  ===================================================================
kind                     what happens
=======================  ===================================================================
duplicate_delivery       the vendor sends a webhook again (same delivery id)
reordered_delivery       a webhook other than the oldest one pending is delivered next
worker_crash             the worker dies at a commit boundary of a task: that commit and
                         every later one in the task never happen (no ``finally`` cleanup,
                         no retry, no dead letter); the message is lost or redelivered
broker_loss              a publish never reaches the broker, or a queued message vanishes
db_loss_before_commit    the connection drops as a transaction commits: nothing is written
db_loss_after_commit     the connection drops right after a commit: written, but the caller
                         sees an error
vendor_5xx, vendor_429,  the channel's sandbox fails that share of calls (seeded; on a real
vendor_timeout           vendor's channel a FaultyTransport in front of its sandbox does)
partial_batch            the channel refuses some SKUs of a push batch (Shopify: non-mutable)
revoked_credentials      the channel answers 401 until its token is restored (then replay)
clock_skew               a vendor's clock runs ahead or behind (within ±SKEW_TOLERANCE_S)
channel_edit             someone changes the shown quantity on the channel (drift)
late_mapping             an event names a SKU the hub learns about only later (parked)
=======================  ===================================================================
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

FAULT_KINDS = (
    "duplicate_delivery",
    "reordered_delivery",
    "worker_crash",
    "broker_loss",
    "db_loss_before_commit",
    "db_loss_after_commit",
    "vendor_5xx",
    "vendor_429",
    "vendor_timeout",
    "partial_batch",
    "revoked_credentials",
    "clock_skew",
    "channel_edit",
    "late_mapping",
)
#: The vendor clock skew the simulation allows: well inside any count's cadence.
SKEW_TOLERANCE_S = 5.0


class WorkerKilled(BaseException):
    """The simulated process died (a BaseException: no ``except Exception`` handles it)."""


def connection_lost(where: str) -> sa.exc.OperationalError:
    return sa.exc.OperationalError(
        f"COMMIT ({where})", None, ConnectionError("server closed the connection (injected)")
    )


@dataclass
class CommitFault:
    """Fail the ``nth`` commit (1-based) of the work inside :func:`armed`."""

    kind: str  # crash_before | crash_after | db_before | db_after
    nth: int
    seen: int = 0
    fired: bool = False
    dead: bool = False  # after a crash, nothing commits any more

    def commit(self, session: Session, real_commit) -> None:
        if self.dead:
            raise WorkerKilled("the worker is dead")
        self.seen += 1
        strike = self.seen == self.nth and not self.fired
        if strike and self.kind in ("crash_before", "db_before"):
            self.fired = True
            if self.kind == "crash_before":
                self.dead = True
                raise WorkerKilled(f"killed before commit {self.nth}")
            raise connection_lost("before")
        real_commit(session)
        if strike and self.kind in ("crash_after", "db_after"):
            self.fired = True
            if self.kind == "crash_after":
                self.dead = True
                raise WorkerKilled(f"killed after commit {self.nth}")
            raise connection_lost("after")


@contextmanager
def armed(fault: CommitFault | None) -> Iterator[CommitFault | None]:
    """Route every ORM session's ``commit`` through ``fault`` for the block (no-op for None).

    The commit itself is the real one, so "after" means the data is durable and the caller
    still sees the error, as when a connection drops before the server's answer arrives.
    """
    if fault is None:
        yield None
        return
    real_commit = Session.commit

    def commit(session: Session) -> None:
        fault.commit(session, real_commit)

    Session.commit = commit  # type: ignore[method-assign]
    try:
        yield fault
    finally:
        Session.commit = real_commit  # type: ignore[method-assign]


@dataclass
class FaultLog:
    """What was injected, by kind, and how each failure a task saw ended."""

    injected: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # retry | dead_letter | crash | ...

    def add(self, kind: str, n: int = 1) -> None:
        assert kind in FAULT_KINDS, kind
        self.injected[kind] += n

"""Exactly one scheduler: Celery beat that sends only while it holds the database lease.

Two ``stockhub beat`` replicas started by mistake (or a rolling deploy overlapping old and
new) would send every periodic task twice. Each replica asks for the ``scheduler`` lease in
the database before it sends anything; the holder renews it every third of
``sync.scheduler_lease_s``, the others stand by and take over when it expires — so a
scheduler that crashes is replaced within that time, and one that stops cleanly hands over
at once. The tasks are idempotent anyway; the lease keeps them from running twice as often.

The schedule lives in memory, not in a local file: nothing on the scheduler's disk matters,
so it can move between machines or containers. A new holder runs each periodic task once at
takeover and then on its period.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Any

import sqlalchemy as sa
import structlog
from celery.beat import Scheduler

from hub.sync import lease

LEASE_NAME = "scheduler"


class LeasedScheduler(Scheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from hub.worker.tasks import current_hub

        # ``stockhub run`` forks beat from the worker: connections inherited from the parent
        # must not be used here. SQLite's must be closed too (else "locking protocol"); a
        # PostgreSQL socket is the parent's, so it is only forgotten.
        engine = current_hub().engine
        engine.dispose(close=engine.dialect.name == "sqlite")
        super().__init__(*args, **kwargs)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.holding = False
        self.renewed_at = float("-inf")

    @property
    def lease_s(self) -> float:
        from hub.worker.tasks import current_hub

        return current_hub().settings.sync.scheduler_lease_s

    def tick(self, *args: Any, **kwargs: Any) -> float:
        every = self.lease_s / 3
        if not self.hold_lease(every):
            return every
        return min(super().tick(*args, **kwargs), every)

    def hold_lease(self, every: float) -> bool:
        """True while this process is the scheduler; asks the database every ``every`` s."""
        from hub.worker.tasks import current_hub

        if time.monotonic() - self.renewed_at < every:
            return self.holding
        log = structlog.get_logger()
        try:
            with current_hub().session() as session:
                held = lease.acquire(session, LEASE_NAME, self.owner, self.lease_s)
        except sa.exc.DBAPIError as exc:  # no database: no way to know, so send nothing
            log.warning("scheduler.lease_unknown", error=str(exc.orig).splitlines()[0])
            held = False
        else:
            self.renewed_at = time.monotonic()
        if held != self.holding:
            log.info("scheduler.active" if held else "scheduler.standby", owner=self.owner)
        self.holding = held
        return held

    def close(self) -> None:
        from hub.worker.tasks import current_hub

        if self.holding:  # hand over at once instead of after the lease runs out
            try:
                with current_hub().session() as session:
                    lease.release(session, LEASE_NAME, self.owner)
            except sa.exc.DBAPIError:
                pass
            self.holding = False
        super().close()

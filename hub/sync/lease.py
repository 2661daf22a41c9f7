"""Named leases in the database: one holder at a time, across processes and machines.

Taking a lease is one conditional UPDATE (free, expired, or already ours), so two processes
racing for it cannot both win on SQLite or PostgreSQL. A holder renews well before expiry;
one that dies simply stops renewing and another takes over after ``seconds``.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from hub.models import Lease
from hub.store.types import utcnow
from hub.store.upsert import insert

_LEASE = Lease.__table__  # type: ignore[attr-defined]


def acquire(session: Session, name: str, owner: str, seconds: float) -> bool:
    """Take or renew ``name`` for ``owner``; False while another live holder has it."""
    session.execute(insert(session, _LEASE).values(name=name).on_conflict_do_nothing())
    now = utcnow()
    held_by_us = _LEASE.c.owner == owner
    taken = session.execute(
        sa.update(_LEASE)
        .where(_LEASE.c.name == name)
        .where(sa.or_(_LEASE.c.owner.is_(None), held_by_us, _LEASE.c.until < now))
        .values(
            owner=owner,
            until=now + timedelta(seconds=seconds),
            acquired_at=sa.case((held_by_us, _LEASE.c.acquired_at), else_=now),
        )
    )
    return taken.rowcount == 1


def release(session: Session, name: str, owner: str) -> None:
    session.execute(
        sa.update(_LEASE)
        .where(_LEASE.c.name == name)
        .where(_LEASE.c.owner == owner)
        .values(owner=None, until=None)
    )


def holder(session: Session, name: str) -> Lease | None:
    """The live lease on ``name``, if any (for health pages)."""
    row = session.get(Lease, name)
    return row if row is not None and row.until is not None and row.until > utcnow() else None

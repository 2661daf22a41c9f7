"""A channel's health and the engine's per-channel bookkeeping, on the ``channel_state`` row.

* **pause / resume**: a paused channel is not pushed to; its outbox rows keep coalescing, so
  resuming sends one push of the latest values.
* **lease**: one push run per channel at a time, across every worker on every machine. A
  conditional UPDATE takes it (works the same on SQLite and PostgreSQL); it expires on its
  own, so a worker killed mid-push blocks its channel for at most ``sync.lease_s``.
* **queued flag**: ``push_queued_at`` says a push task is already on its way, so a burst of
  ten thousand events publishes a handful of tasks, not ten thousand.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from hub.models import ChannelState
from hub.store.types import utcnow
from hub.store.upsert import insert

_STATE = ChannelState.__table__  # type: ignore[attr-defined]


def ensure_state(session: Session, channel: str) -> ChannelState:
    state = session.get(ChannelState, channel)
    if state is None:
        row = insert(session, _STATE).values(channel=channel, cursors={})
        session.execute(row.on_conflict_do_nothing())
        state = session.get(ChannelState, channel)
        assert state is not None  # noqa: S101  (type narrowing: the row was just upserted)
    return state


def try_lease(session: Session, channel: str, owner: str, seconds: float) -> bool:
    """Take (or extend) the channel's push lease; False when another live run holds it."""
    ensure_state(session, channel)
    now = utcnow()
    taken = session.execute(
        sa.update(_STATE)
        .where(_STATE.c.channel == channel)
        .where(
            sa.or_(
                _STATE.c.lease_owner.is_(None),
                _STATE.c.lease_owner == owner,
                _STATE.c.lease_until < now,
            )
        )
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
    )
    return taken.rowcount == 1


def release_lease(session: Session, channel: str, owner: str) -> None:
    session.execute(
        sa.update(_STATE)
        .where(_STATE.c.channel == channel)
        .where(_STATE.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def claim_push(session: Session, channel: str, stale_after_s: float) -> bool:
    """True when the caller should publish a push task (none queued, or the queued one is stale)."""
    ensure_state(session, channel)
    now = utcnow()
    claimed = session.execute(
        sa.update(_STATE)
        .where(_STATE.c.channel == channel)
        .where(
            sa.or_(
                _STATE.c.push_queued_at.is_(None),
                _STATE.c.push_queued_at < now - timedelta(seconds=stale_after_s),
            )
        )
        .values(push_queued_at=now)
    )
    return claimed.rowcount == 1


def push_started(session: Session, channel: str) -> None:
    """A push task began: changes from now on must publish a new one."""
    session.execute(
        sa.update(_STATE).where(_STATE.c.channel == channel).values(push_queued_at=None)
    )


def pause(session: Session, channel: str, reason: str) -> bool:
    """Pause pushes to ``channel``; False if it was already paused."""
    state = ensure_state(session, channel)
    if state.paused:
        return False
    state.paused, state.paused_reason, state.paused_at = True, reason, utcnow()
    session.add(state)
    return True


def resume(session: Session, channel: str) -> bool:
    """Resume pushes and resolve the pause's exception record; False if it was not paused.
    The caller publishes the catch-up push (a failure there pauses and records it again)."""
    from hub.exception_log import resolve_exceptions

    state = ensure_state(session, channel)
    if not state.paused:
        return False
    state.paused, state.paused_reason, state.paused_at = False, None, None
    state.consecutive_failures = 0
    session.add(state)
    resolve_exceptions(session, subject=f"channel:{channel}", kinds=("channel_paused",),
                       note="pushes resumed")  # fmt: skip
    return True


def record_success(session: Session, channel: str) -> None:
    state = ensure_state(session, channel)
    state.consecutive_failures, state.last_error, state.last_success_at = 0, None, utcnow()
    session.add(state)


def record_failure(session: Session, channel: str, error: str, *, gave_up: bool) -> int:
    """Note a failed run; returns the count of runs given up in a row (what pausing looks at)."""
    state = ensure_state(session, channel)
    state.last_error = error[:2000]
    if gave_up:
        state.consecutive_failures += 1
    session.add(state)
    return state.consecutive_failures

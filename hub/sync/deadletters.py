"""The dead-letter queue: jobs that gave up, kept with everything a person needs to act.

A dead letter is keyed by (task, channel, subject) while open: the same job failing again adds
an attempt to its history instead of a second row. Each one is mirrored by an exception record
(what ops is asked to look at) and announced to observer plugins after commit.
"""

from __future__ import annotations

import traceback as tb
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from hub.errors import HubError
from hub.exception_log import record_exception, resolve_exceptions
from hub.models import DeadLetter
from hub.notices import DeadLetterNotice
from hub.store.types import utcnow
from hub.vocabulary import DeadLetterStatus, Severity

ACTIVE = (DeadLetterStatus.OPEN.value, DeadLetterStatus.REPLAYED.value)
MAX_TRACEBACK = 20_000


def error_kind(exc: BaseException) -> str:
    return exc.kind if isinstance(exc, HubError) else type(exc).__name__


def error_text(exc: BaseException) -> str:
    """The error for a person: a hub error with its field and fix, anything else with its type."""
    return str(exc) if isinstance(exc, HubError) else f"{type(exc).__name__}: {exc}"


def attempt(exc: BaseException, at: datetime | None = None) -> dict[str, Any]:
    """One line of a job's history: when it failed and why."""
    return {"at": (at or utcnow()).isoformat(), "kind": error_kind(exc), "error": error_text(exc)}


def record_dead_letter(
    session: Session,
    *,
    task: str,
    channel: str | None,
    subject: str,
    payload: dict[str, Any],
    exc: BaseException,
    history: list[dict[str, Any]] | None = None,
) -> DeadLetter:
    """File (or add to) the dead letter for this job and raise its exception record."""
    history = list(history or []) or [attempt(exc)]
    letter = session.exec(
        select(DeadLetter)
        .where(DeadLetter.task == task)
        .where(DeadLetter.channel == channel)
        .where(DeadLetter.subject == subject)
        .where(col(DeadLetter.status).in_(ACTIVE))
    ).first()
    now = utcnow()
    trace = "".join(tb.format_exception(exc))[-MAX_TRACEBACK:]
    if letter is None:
        letter = DeadLetter(task=task, channel=channel, subject=subject, payload=payload,
                            error_kind=error_kind(exc), error=error_text(exc), traceback=trace,
                            history=history, attempts=len(history), first_failed_at=now,
                            last_failed_at=now)  # fmt: skip
    else:
        letter.history = [*letter.history, *history]
        letter.attempts = len(letter.history)
        letter.error_kind, letter.error, letter.traceback = error_kind(exc), error_text(exc), trace
        letter.payload, letter.last_failed_at = payload, now
        letter.status = DeadLetterStatus.OPEN.value
    session.add(letter)
    session.flush()
    record_exception(
        session,
        kind=f"{task}_failed",
        subject=exception_subject(letter),
        channel=channel,
        message=f"{task} {subject} gave up after {letter.attempts} attempt(s): {letter.error}",
        severity=Severity.ERROR,
        details={"dead_letter": letter.id, "error_kind": letter.error_kind},
    )
    return letter


def exception_subject(letter: DeadLetter) -> str:
    return f"dead_letter:{letter.task}:{letter.channel or '-'}:{letter.subject}"


def notice(letter: DeadLetter) -> DeadLetterNotice:
    return DeadLetterNotice(
        id=letter.id or 0, task=letter.task, channel=letter.channel, error_kind=letter.error_kind,
        error=letter.error, attempts=letter.attempts, first_failed_at=letter.first_failed_at,
        last_failed_at=letter.last_failed_at, payload=dict(letter.payload),
    )  # fmt: skip


def close(session: Session, letter: DeadLetter, status: DeadLetterStatus, note: str) -> None:
    """End a dead letter (resolved by a later success, or discarded) and its exception record."""
    letter.status, letter.note, letter.closed_at = status.value, note, utcnow()
    session.add(letter)
    resolve_exceptions(session, subject=exception_subject(letter), note=note)


def resolve_moot(
    session: Session, *, task: str, channel: str | None, subjects: set[str], note: str
) -> int:
    """Close the active dead letters of ``task`` (on ``channel``, if given) a success made moot."""
    if not subjects:
        return 0
    query = (
        select(DeadLetter)
        .where(DeadLetter.task == task)
        .where(col(DeadLetter.status).in_(ACTIVE))
        .where(col(DeadLetter.subject).in_(sorted(subjects)))
    )
    if channel is not None:
        query = query.where(DeadLetter.channel == channel)
    letters = session.exec(query).all()
    moot = [letter for letter in letters if letter.subject in subjects]
    for letter in moot:
        close(session, letter, DeadLetterStatus.RESOLVED, note)
    return len(moot)

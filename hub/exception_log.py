"""The exception log: raise a problem once, count its repeats, resolve it with a note.

A problem is identified by its fingerprint (kind, subject, channel). Raising it again while it is
open or acknowledged bumps ``occurrences`` instead of adding a row, so the log stays a list of
problems, not a list of log lines.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import Session, col, select

from hub.models import ExceptionRecord
from hub.store.types import utcnow
from hub.vocabulary import ExceptionStatus, Severity

MAX_DETAIL_CHARS = 64_000


def fingerprint(kind: str, subject: str, channel: str | None = None) -> str:
    return hashlib.sha256(f"{kind}\x1f{subject}\x1f{channel or ''}".encode()).hexdigest()


def record_exception(
    session: Session,
    *,
    kind: str,
    subject: str,
    message: str,
    severity: Severity = Severity.ERROR,
    channel: str | None = None,
    details: dict[str, Any] | None = None,
) -> ExceptionRecord:
    """Raise (or re-raise) a problem in the caller's transaction."""
    key = fingerprint(kind, subject, channel)
    record = session.exec(
        select(ExceptionRecord)
        .where(ExceptionRecord.fingerprint == key)
        .where(col(ExceptionRecord.status) != ExceptionStatus.RESOLVED.value)
        .order_by(col(ExceptionRecord.id).desc())
    ).first()
    details = _bounded(details or {})
    now = utcnow()
    if record is None:
        record = ExceptionRecord(
            kind=kind,
            severity=severity.value,
            subject=subject,
            channel=channel,
            message=message,
            details=details,
            fingerprint=key,
            created_at=now,
            updated_at=now,
        )
    else:
        record.occurrences += 1
        record.message = message
        record.details = details
        record.updated_at = now
    session.add(record)
    return record


def resolve_exceptions(
    session: Session, *, subject: str, note: str, kinds: tuple[str, ...] | None = None
) -> int:
    """Resolve every unresolved problem about ``subject``; returns how many were resolved."""
    query = select(ExceptionRecord).where(ExceptionRecord.subject == subject)
    query = query.where(col(ExceptionRecord.status) != ExceptionStatus.RESOLVED.value)
    if kinds:
        query = query.where(col(ExceptionRecord.kind).in_(kinds))
    records = session.exec(query).all()
    for record in records:
        set_status(session, record, ExceptionStatus.RESOLVED, note)
    return len(records)


def set_status(
    session: Session, record: ExceptionRecord, status: ExceptionStatus, note: str | None = None
) -> None:
    """Move a problem to ``status``; resolving stamps the time and keeps the note."""
    record.status, record.updated_at = status.value, utcnow()
    if status is ExceptionStatus.RESOLVED:
        record.resolved_at, record.resolution_note = record.updated_at, note
    session.add(record)


def _bounded(details: dict[str, Any]) -> dict[str, Any]:
    """Keep oversized payloads from bloating the log while still keeping their beginning."""
    text = json.dumps(details, default=str)
    if len(text) <= MAX_DETAIL_CHARS:
        return json.loads(text)
    return {"truncated": True, "original_chars": len(text), "head": text[:MAX_DETAIL_CHARS]}

"""The exception log: find, read, acknowledge, resolve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from hub.errors import NotFoundError, ValidationError
from hub.exception_log import set_status as _set_status
from hub.models import ExceptionRecord
from hub.vocabulary import ExceptionStatus

if TYPE_CHECKING:
    from hub.app import Hub

STATUSES = [s.value for s in ExceptionStatus]


def as_dict(record: ExceptionRecord) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    data.pop("fingerprint", None)  # an internal dedup key, not something ops acts on
    return data


def find(hub: Hub, *, status: str | None = "open", kind: str | None = None,
         channel: str | None = None, limit: int = 100) -> list[ExceptionRecord]:  # fmt: skip
    """Newest first; ``status=None`` means every status."""
    if status is not None and status not in STATUSES:
        raise ValidationError(f"unknown status {status!r}", field="status",
                              fix=f"use one of {', '.join(STATUSES)} (or all)")  # fmt: skip
    query = select(ExceptionRecord).order_by(col(ExceptionRecord.updated_at).desc()).limit(limit)
    if status:
        query = query.where(ExceptionRecord.status == status)
    if kind:
        query = query.where(ExceptionRecord.kind == kind)
    if channel:
        query = query.where(ExceptionRecord.channel == channel)
    with hub.session() as session:
        return list(session.exec(query))


def get(hub: Hub, record_id: int) -> ExceptionRecord:
    with hub.session() as session:
        record = session.get(ExceptionRecord, record_id)
    if record is None:
        raise _missing(record_id)
    return record


def set_status(hub: Hub, record_id: int, status: str, note: str | None = None) -> ExceptionRecord:
    """Acknowledge (still open in the views) or resolve (with a note saying what was done)."""
    if status not in STATUSES:
        raise ValidationError(f"unknown status {status!r}", field="status",
                              fix=f"use one of {', '.join(STATUSES)}")  # fmt: skip
    wanted = ExceptionStatus(status)
    if wanted is ExceptionStatus.RESOLVED and not (note or "").strip():
        raise ValidationError("a resolution needs a note", field="note",
                              fix="say what was done about it")  # fmt: skip
    with hub.session() as session:
        record = session.get(ExceptionRecord, record_id)
        if record is None:
            raise _missing(record_id)
        _set_status(session, record, wanted, note)
        session.flush()
        session.refresh(record)
        return record


def _missing(record_id: int) -> NotFoundError:
    return NotFoundError(
        f"no exception with id {record_id}",
        field="id",
        fix="list them with `stockhub exceptions list --status all`",
    )

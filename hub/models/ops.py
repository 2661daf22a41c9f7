"""The exception log: every failure a person must see, with its status and resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.store.types import JSONDoc, UTCDateTime, utcnow
from hub.vocabulary import ExceptionStatus, Severity


class ExceptionRecord(SQLModel, table=True):
    """One problem, raised once per ``fingerprint`` while open (repeats bump ``occurrences``)."""

    __tablename__ = "exception_record"
    __table_args__ = (
        sa.Index("ix_exception_status_kind", "status", "kind"),
        sa.Index("ix_exception_fingerprint", "fingerprint"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=50)
    severity: str = Field(default=Severity.ERROR.value, max_length=20)
    status: str = Field(default=ExceptionStatus.OPEN.value, max_length=20)
    subject: str = Field(max_length=500)  # e.g. "sku:TEE-RED-M", "event:<id>", "return:R1"
    channel: str | None = Field(default=None, max_length=200)
    message: str
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    fingerprint: str = Field(max_length=64)
    occurrences: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_note: str | None = None

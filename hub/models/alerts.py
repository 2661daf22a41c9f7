"""Alert state: one row per condition, so a condition alerts once until it clears."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from hub.store.types import JSONDoc, UTCDateTime, utcnow
from hub.vocabulary import Severity


class AlertState(SQLModel, table=True):
    """A condition the alert check found (``kind`` + ``subject``); ``cleared_at`` is set when a
    later check no longer finds it, and cleared again to None if it comes back (raised anew)."""

    __tablename__ = "alert_state"

    fingerprint: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=50, index=True)
    subject: str = Field(max_length=500)
    channel: str | None = Field(default=None, max_length=200)
    severity: str = Field(default=Severity.WARNING.value, max_length=20)
    message: str
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    raised_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    cleared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    times_raised: int = Field(default=1)

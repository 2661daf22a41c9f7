"""The inventory ledger: received events, append-only entries, and the levels they sum to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.store.types import BigKey, JSONDoc, UTCDateTime, utcnow


class EventRecord(SQLModel, table=True):
    """Every canonical event the ledger has seen, keyed by its id (the idempotency key).

    ``status`` says whether it was applied, is parked waiting for a mapping, or was rejected;
    a parked or rejected event can be applied later under the same id, an applied one never twice.
    """

    __tablename__ = "event"
    __table_args__ = (sa.Index("ix_event_status_waiting", "status", "waiting_for"),)

    id: int | None = Field(default=None, sa_column=sa.Column(BigKey, primary_key=True))
    key: str = Field(max_length=300, unique=True)
    type: str = Field(max_length=50)
    source: str = Field(max_length=200)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(max_length=20)
    payload: dict[str, Any] = Field(sa_type=JSONDoc)
    payload_hash: str = Field(max_length=64)
    error: dict[str, Any] | None = Field(default=None, sa_type=JSONDoc)
    waiting_for: str | None = Field(default=None, max_length=800)  # "system|kind|external_id"
    attempts: int = Field(default=1)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LedgerEntry(SQLModel, table=True):
    """One movement of units in one bucket. Append-only: the database refuses updates/deletes.

    ``kind`` is ``movement`` (an event moved units), ``count`` (a physical count corrected the
    level) or ``absorbed`` (a movement that happened before the latest count, which already
    includes it, so it is cancelled out). The level of a bucket is always the sum of its entries.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.Index("ix_ledger_entry_level_time", "sku_id", "location_id", "bucket", "occurred_at"),
    )

    id: int | None = Field(default=None, sa_column=sa.Column(BigKey, primary_key=True))
    idempotency_key: str = Field(max_length=320, unique=True)  # "<event id>#<n>"
    event_key: str = Field(max_length=300, index=True)
    sku_id: int = Field(foreign_key="sku.id")
    location_id: int = Field(foreign_key="location.id")
    bucket: str = Field(max_length=20)
    delta: int
    kind: str = Field(default="movement", max_length=20)
    reason: str = Field(default="", max_length=200)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StockLevel(SQLModel, table=True):
    """Units of a SKU in one bucket at one location; kept equal to the sum of its entries."""

    __tablename__ = "stock_level"

    sku_id: int = Field(foreign_key="sku.id", primary_key=True)
    location_id: int = Field(foreign_key="location.id", primary_key=True)
    bucket: str = Field(max_length=20, primary_key=True)
    quantity: int = Field(default=0)
    counted_as_of: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

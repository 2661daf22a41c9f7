"""External ids ↔ hub codes, per system. Unique per (system, kind, external id) in the database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.store.types import UTCDateTime, utcnow


class ExternalRef(SQLModel, table=True):
    __tablename__ = "external_ref"
    __table_args__ = (
        sa.UniqueConstraint("system", "kind", "external_id", name="uq_external_ref"),
        sa.Index("ix_external_ref_hub", "kind", "hub_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=200)
    kind: str = Field(max_length=20)  # RefKind
    external_id: str = Field(max_length=500)
    hub_code: str = Field(max_length=200)
    origin: str = Field(default="", max_length=500)  # file:line it was loaded from, or who set it
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

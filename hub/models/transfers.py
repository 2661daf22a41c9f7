"""Transfers between locations: shipped (units in transit) and received."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.store.types import UTCDateTime
from hub.vocabulary import TransferStatus


class Transfer(SQLModel, table=True):
    __tablename__ = "transfer"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=200, unique=True, index=True)
    from_location_id: int | None = Field(default=None, foreign_key="location.id")
    to_location_id: int = Field(foreign_key="location.id")
    status: str = Field(default=TransferStatus.SHIPPED.value, max_length=20)
    shipped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TransferLine(SQLModel, table=True):
    __tablename__ = "transfer_line"

    transfer_id: int = Field(foreign_key="transfer.id", primary_key=True)
    sku_id: int = Field(foreign_key="sku.id", primary_key=True)
    shipped: int = Field(default=0)
    received: int = Field(default=0)

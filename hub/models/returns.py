"""Returns: received → inspected → dispositioned → closed, each step with time and actor."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.store.types import UTCDateTime
from hub.vocabulary import ReturnStatus


class Return(SQLModel, table=True):
    __tablename__ = "return_"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=200, unique=True, index=True)
    channel_id: int | None = Field(default=None, foreign_key="channel.id")
    order_ref: str | None = Field(default=None, max_length=200)
    location_id: int = Field(foreign_key="location.id")
    status: str = Field(default=ReturnStatus.RECEIVED.value, max_length=20, index=True)
    received_at: datetime = Field(sa_type=UTCDateTime)
    received_by: str = Field(max_length=200)
    inspected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    inspected_by: str | None = Field(default=None, max_length=200)
    dispositioned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dispositioned_by: str | None = Field(default=None, max_length=200)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=200)


class ReturnLine(SQLModel, table=True):
    """A group of returned units of one SKU at one stage.

    ``stage`` is ``received``, ``inspected`` (with ``condition``) or ``dispositioned`` (with
    ``disposition`` and, for transfers, ``to_location_id``). Counting units per stage is what the
    state machine checks: a unit cannot be inspected before it was received, nor dispositioned
    before it was inspected.
    """

    __tablename__ = "return_line"

    id: int | None = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="return_.id", index=True)
    stage: str = Field(max_length=20)
    sku_id: int = Field(foreign_key="sku.id")
    quantity: int
    condition: str | None = Field(default=None, max_length=20)
    disposition: str | None = Field(default=None, max_length=20)
    to_location_id: int | None = Field(default=None, foreign_key="location.id")
    event_key: str = Field(max_length=300)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=200)

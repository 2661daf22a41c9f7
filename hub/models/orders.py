"""Reservations: units committed to open order lines, first-reserve-wins."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.store.types import UTCDateTime, utcnow
from hub.vocabulary import ReservationStatus


class Reservation(SQLModel, table=True):
    """Open units of one order line at one location.

    ``location_id`` is NULL for the oversold part: units ordered that no visible location had.
    A bundle line is reserved as its components: ``sku_id`` is the component, ``parent_sku_id``
    the bundle and ``units_per`` the component units per bundle unit. A closed row with no SKU
    and quantity 0 marks a line (or ``*``: the whole order) settled before it was placed.
    """

    __tablename__ = "reservation"
    __table_args__ = (
        sa.Index("ix_reservation_order", "channel_id", "order_ref", "line"),
        sa.Index("ix_reservation_sku_status", "sku_id", "status"),
        sa.CheckConstraint("quantity >= 0", name="ck_reservation_quantity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    order_ref: str = Field(max_length=200)
    line: str = Field(max_length=200)
    sku_id: int | None = Field(default=None, foreign_key="sku.id")  # None: settled-line marker
    parent_sku_id: int | None = Field(default=None, foreign_key="sku.id")
    units_per: int = Field(default=1)
    location_id: int | None = Field(default=None, foreign_key="location.id")
    quantity: int  # units still held (open) or held when closed
    status: str = Field(default=ReservationStatus.OPEN.value, max_length=20)
    event_key: str = Field(max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

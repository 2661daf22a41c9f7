"""The item master: SKUs and the components of bundles/kits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.store.types import JSONDoc, UTCDateTime, utcnow
from hub.vocabulary import SkuStatus


class Sku(SQLModel, table=True):
    """One sellable item, known by its hub code; a bundle has rows in ``SkuComponent``."""

    __tablename__ = "sku"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=200, unique=True, index=True)
    title: str = Field(default="", max_length=500)
    status: str = Field(default=SkuStatus.ACTIVE.value, max_length=20)
    barcodes: list[str] = Field(default_factory=list, sa_type=JSONDoc)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    is_bundle: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SkuComponent(SQLModel, table=True):
    """``quantity`` units of ``component_id`` make one unit of bundle ``bundle_id``."""

    __tablename__ = "sku_component"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="ck_sku_component_quantity"),)

    bundle_id: int = Field(foreign_key="sku.id", primary_key=True)
    component_id: int = Field(foreign_key="sku.id", primary_key=True)
    quantity: int

"""Where stock lives and who sells it: locations, channels, allocation rules.

These rows mirror ``stockhub.toml`` (the file is the source; ``hub.topology.sync_config`` writes
them) so that the ledger can hold foreign keys and SQL can join on them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.store.types import UTCDateTime


class Location(SQLModel, table=True):
    __tablename__ = "location"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=200, unique=True, index=True)
    kind: str = Field(max_length=20)
    owner: str = Field(max_length=200)  # the system whose physical counts are authoritative
    name: str = Field(default="", max_length=500)
    active: bool = Field(default=True)


class Channel(SQLModel, table=True):
    """A configured connector instance, e.g. ``shopify-us``."""

    __tablename__ = "channel"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=200, unique=True, index=True)
    connector: str = Field(max_length=100)
    priority: int = Field(default=100)
    safety_stock: int = Field(default=0)
    buffer: int = Field(default=0)
    paused: bool = Field(default=False)
    active: bool = Field(default=True)


class ChannelLocation(SQLModel, table=True):
    """A location a channel may sell from; ``position`` is the order stock is reserved in."""

    __tablename__ = "channel_location"

    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    location_id: int = Field(foreign_key="location.id", primary_key=True)
    position: int = Field(default=0)


class AllocationRuleRow(SQLModel, table=True):
    """A channel's share of the pool for SKUs matching ``skus`` (exact code or glob)."""

    __tablename__ = "allocation_rule"
    __table_args__ = (
        sa.CheckConstraint(
            "share_percent IS NULL OR (share_percent >= 0 AND share_percent <= 100)",
            name="ck_allocation_rule_share",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    skus: str = Field(default="*", max_length=200)
    share_percent: float | None = None
    floor: int | None = None
    cap: int | None = None
    position: int = Field(default=0)


class ChannelSkuState(SQLModel, table=True):
    """What a channel was last told about a SKU (written by the sync engine)."""

    __tablename__ = "channel_sku_state"

    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    sku_id: int = Field(foreign_key="sku.id", primary_key=True)
    last_pushed: int | None = None
    pushed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

"""The sync engine's tables: inbox, outbox, per-item push results, dead letters, channel state.

The database is the truth and the broker only an accelerator: every inbound message is in
``inbox_message`` before it is processed, every "channel C must learn SKU S" is a row in
``push_outbox`` written in the ledger's own transaction, and every job that gave up is a row in
``dead_letter``. A lost or duplicated broker message therefore costs a little time, never data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.store.types import BigKey, JSONDoc, UTCDateTime, utcnow
from hub.vocabulary import DeadLetterStatus, InboxStatus


class InboxMessage(SQLModel, table=True):
    """One inbound vendor record (webhook or pull), stored raw before anything else happens."""

    __tablename__ = "inbox_message"
    __table_args__ = (
        sa.UniqueConstraint("channel", "delivery_key", name="uq_inbox_delivery"),
        sa.Index("ix_inbox_status_received", "status", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigKey)
    channel: str = Field(max_length=200)
    delivery_key: str = Field(max_length=500)  # the vendor's delivery id, else "sha256:<body>"
    origin: str = Field(default="webhook", max_length=20)  # webhook | pull
    topic: str = Field(max_length=200)
    body: Any = Field(default=None, sa_type=JSONDoc)
    status: str = Field(default=InboxStatus.RECEIVED.value, max_length=20)
    attempts: int = 0
    events: int = 0  # canonical events it translated to
    error: str | None = None
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PushOutbox(SQLModel, table=True):
    """Channel ``channel`` must learn the ATP of ``sku``: one row per pair, many changes coalesced.

    ``seq`` grows with every change; a push removes the row only if ``seq`` is still what it read,
    so a change that lands during a push is never lost. ``first_change_at`` is the oldest change
    not yet pushed (the start of the event-to-channel latency).
    """

    __tablename__ = "push_outbox"
    __table_args__ = (
        sa.UniqueConstraint("channel", "sku", name="uq_push_outbox"),
        sa.Index("ix_push_outbox_channel_first", "channel", "first_change_at"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigKey)
    channel: str = Field(max_length=200)
    sku: str = Field(max_length=200)
    seq: int = 1
    force: bool = False  # push even if the ATP equals what was last pushed (heal, replay)
    first_change_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_change_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PushLog(SQLModel, table=True):
    """What happened to one item of one push: the per-item result and its latency."""

    __tablename__ = "push_log"
    __table_args__ = (sa.Index("ix_push_log_channel_at", "channel", "at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigKey)
    channel: str = Field(max_length=200)
    sku: str = Field(max_length=200)
    quantity: int
    status: str = Field(max_length=20)  # PushStatus
    reason: str = ""
    latency_ms: int | None = None  # from the originating change to the channel's answer
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeadLetter(SQLModel, table=True):
    """A job that gave up (retries exhausted or a permanent error), waiting for a person.

    ``payload`` is what a replay needs (and what ``dlq edit`` changes); ``history`` lists every
    attempt with its time and error.
    """

    __tablename__ = "dead_letter"
    __table_args__ = (sa.Index("ix_dead_letter_status_task", "status", "task"),)

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=50)  # push | inbox | pull
    channel: str | None = Field(default=None, max_length=200)
    subject: str = Field(max_length=500)  # "sku:TEE-RED-M", "inbox:42", "pull:stock"
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)
    error_kind: str = Field(max_length=50)
    error: str
    traceback: str = ""
    history: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONDoc)
    attempts: int = 1
    status: str = Field(default=DeadLetterStatus.OPEN.value, max_length=20)
    note: str | None = None  # discard reason, or what resolved it
    first_failed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_failed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChannelState(SQLModel, table=True):
    """A channel's health and the engine's bookkeeping for it (lease, queued push, cursors)."""

    __tablename__ = "channel_state"

    channel: str = Field(primary_key=True, max_length=200)
    paused: bool = False
    paused_reason: str | None = None
    paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consecutive_failures: int = 0
    last_error: str | None = None
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_owner: str | None = Field(default=None, max_length=200)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    push_queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cursors: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDoc)


class Lease(SQLModel, table=True):
    """A named lease (e.g. ``scheduler``): at most one live holder across every process."""

    __tablename__ = "lease"

    name: str = Field(primary_key=True, max_length=100)
    owner: str | None = Field(default=None, max_length=200)
    until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acquired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

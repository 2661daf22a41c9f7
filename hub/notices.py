"""What observer hooks are told: a push finished, a dead letter was recorded, an alert was raised.

Observer plugins (alert sinks, audit exporters) receive these plain, frozen values rather than
database rows, so they stay decoupled from the store and cannot change the hub's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.connector import PushResult
from hub.vocabulary import Severity

__all__ = ["AlertNotice", "DeadLetterNotice", "PushReport"]


@dataclass(frozen=True)
class PushReport:
    """One finished push call to a channel (after any retries)."""

    channel: str
    connector: str
    results: tuple[PushResult, ...]
    attempts: int
    duration_s: float
    finished_at: datetime


@dataclass(frozen=True)
class DeadLetterNotice:
    """A job whose retries ran out, or whose error was permanent, now waiting for a person."""

    id: int | str
    task: str
    channel: str | None
    error_kind: str
    error: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertNotice:
    """An alert (low stock, discrepancy, returns in limbo, dead-letter growth, sync latency)."""

    kind: str
    severity: Severity
    subject: str
    message: str
    raised_at: datetime
    channel: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

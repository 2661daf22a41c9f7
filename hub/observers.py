"""The hub's own observer plugin: log what the observer hooks report.

Registered by :mod:`hub.plugins` exactly like a third-party plugin (and ``trylast``), so an
alert sink or audit exporter is written the same way as this module.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from hub.events import Event
from hub.hookspecs import hookimpl
from hub.notices import AlertNotice, DeadLetterNotice, PushReport


@hookimpl(trylast=True)
def stockhub_event_applied(event: Event, entry_ids: Sequence[int]) -> None:
    structlog.get_logger().debug(
        "event.applied", event_id=event.id, type=event.type, entries=len(entry_ids)
    )


@hookimpl(trylast=True)
def stockhub_push_completed(report: PushReport) -> None:
    counts: dict[str, int] = {}
    for result in report.results:
        counts[result.status.value] = counts.get(result.status.value, 0) + 1
    structlog.get_logger().info(
        "push.completed",
        channel=report.channel,
        attempts=report.attempts,
        duration_s=round(report.duration_s, 3),
        **counts,
    )


@hookimpl(trylast=True)
def stockhub_dead_letter_recorded(dead_letter: DeadLetterNotice) -> None:
    structlog.get_logger().warning(
        "dead_letter.recorded",
        id=dead_letter.id,
        task=dead_letter.task,
        channel=dead_letter.channel,
        error_kind=dead_letter.error_kind,
        attempts=dead_letter.attempts,
    )


@hookimpl(trylast=True)
def stockhub_alert_raised(alert: AlertNotice) -> None:
    structlog.get_logger().warning(
        "alert.raised",
        kind=alert.kind,
        severity=alert.severity.value,
        subject=alert.subject,
        channel=alert.channel,
        message=alert.message,
    )


@hookimpl(trylast=True)
def stockhub_alert_cleared(alert: AlertNotice) -> None:
    structlog.get_logger().info(
        "alert.cleared", kind=alert.kind, subject=alert.subject, channel=alert.channel
    )

"""The built-in JSON webhook alert sink (Slack-compatible: the body has a ``text`` field).

A plugin like any other: an object with ``stockhub_alert_raised`` / ``stockhub_alert_cleared``
hook implementations, registered when ``[alerts] webhook_url`` is set. A sink that cannot
deliver logs why and carries on: alerting must never break the check that found the problem.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import httpx
import structlog

from hub.hookspecs import hookimpl
from hub.notices import AlertNotice

if TYPE_CHECKING:
    from hub.app import Hub

PLUGIN_NAME = "stockhub.alerts.webhook"


class WebhookSink:
    def __init__(self, url: str, timeout_s: float = 5.0,
                 transport: httpx.BaseTransport | None = None) -> None:  # fmt: skip
        self.url, self.timeout_s, self.transport = url, timeout_s, transport

    @hookimpl
    def stockhub_alert_raised(self, alert: AlertNotice) -> None:
        self.send(alert, "raised")

    @hookimpl
    def stockhub_alert_cleared(self, alert: AlertNotice) -> None:
        self.send(alert, "cleared")

    def send(self, alert: AlertNotice, state: str) -> None:
        body = payload(alert, state)
        try:
            with httpx.Client(timeout=self.timeout_s, transport=self.transport) as client:
                client.post(self.url, json=body).raise_for_status()
        except httpx.HTTPError as exc:  # the URL itself is a secret: never in the message
            status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else None
            structlog.get_logger().warning(
                "alert.webhook_failed", kind=alert.kind, subject=alert.subject,
                error=type(exc).__name__, status=status,
            )  # fmt: skip


def payload(alert: AlertNotice, state: str) -> dict[str, Any]:
    mark = "RESOLVED" if state == "cleared" else alert.severity.value.upper()
    data = asdict(alert)
    data["severity"] = alert.severity.value
    data["raised_at"] = alert.raised_at.isoformat()
    return {"text": f"[{mark}] stockhub {alert.kind}: {alert.message}", "state": state,
            "alert": data}  # fmt: skip


def ensure_webhook_sink(hub: Hub) -> None:
    """Register (or re-point) the sink when ``alerts.webhook_url`` is configured."""
    from hub.plugins import register_plugin

    configured = hub.settings.alerts.webhook_url
    pm = hub.plugins
    current = pm.get_plugin(PLUGIN_NAME)
    url = hub.settings.alerts.resolved_webhook_url() if configured else ""
    if current is not None and (not url or current.url != url):
        pm.unregister(name=PLUGIN_NAME)
        current = None
    if url and current is None:
        register_plugin(pm, WebhookSink(url, hub.settings.alerts.webhook_timeout_s), PLUGIN_NAME)

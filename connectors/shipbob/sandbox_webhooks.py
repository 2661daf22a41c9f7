"""Webhook delivery for the sandbox: Standard Webhooks signatures, retries, duplicates, order.

Every delivery carries ``webhook-id`` (``msg_…``), ``webhook-timestamp`` (the sandbox clock)
and a real ``webhook-signature`` over ``id.timestamp.body`` (:mod:`connectors.shipbob.webhooks`),
plus ``x-webhook-topic``. A retry keeps the id but gets a fresh timestamp and signature, as
Standard Webhooks senders re-sign each attempt; retries, duplicates and held-back deliveries
are the hub's (:mod:`hub.sandbox_webhooks`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from connectors.shipbob import webhooks
from hub import sandbox_webhooks


class WebhookSender(sandbox_webhooks.WebhookSender):
    """ShipBob's signing; the sandbox's state changes call :meth:`_emit`."""

    sign_each_attempt = True

    def __init__(self, secret: str, clock: Callable[[], float]) -> None:
        super().__init__()
        self.webhook_secret, self._webhook_clock = secret, clock

    def _emit(self, topic: str, record: dict[str, Any]) -> None:
        body = json.dumps(record, separators=(",", ":")).encode()
        self.send(topic, f"msg_{uuid.uuid4().hex}", body)

    def signed(self, topic: str, webhook_id: str, body: bytes) -> dict[str, str]:
        stamp = int(self._webhook_clock())
        return webhooks.headers(self.webhook_secret, webhook_id, stamp, body, topic)

"""Notification delivery for the Square sandbox: signed like Square's, retried, duplicated.

Each notification is the envelope Square sends (``merchant_id``, ``type``, ``event_id``,
``created_at``, ``data``) with a real ``x-square-hmacsha256-signature`` over the subscription's
notification URL + raw body. Retries (same ``event_id``) and duplicates are the hub's
(:mod:`hub.sandbox_webhooks`).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from connectors.square import webhooks
from hub import sandbox_webhooks


class NotificationSender(sandbox_webhooks.WebhookSender):
    """Square's envelope and signing; the sandbox's changes call :meth:`_emit`."""

    def __init__(self, signature_key: str, notification_url: str, merchant_id: str) -> None:
        super().__init__()
        self.signature_key, self.notification_url = signature_key, notification_url
        self.merchant_id = merchant_id

    def envelope(self, kind: str, data: dict[str, Any], created_at: str) -> bytes:
        body = {"merchant_id": self.merchant_id, "type": kind, "event_id": str(uuid.uuid4()),
                "created_at": created_at, "data": data}  # fmt: skip
        return json.dumps(body, separators=(",", ":")).encode()

    def signed(self, topic: str, webhook_id: str, body: bytes) -> dict[str, str]:
        return {
            "content-type": "application/json",
            webhooks.SIGNATURE_HEADER: webhooks.signature(
                self.notification_url, body, self.signature_key
            ),
        }

    def _emit(self, kind: str, data: dict[str, Any], created_at: str) -> None:
        body = self.envelope(kind, data, created_at)
        self.send(kind, json.loads(body)["event_id"], body)

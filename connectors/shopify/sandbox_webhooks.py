"""Webhook delivery for the sandbox: signed like Shopify's, retried, duplicated, reordered.

Every delivery carries the headers Shopify sends (``connectors.shopify.webhooks.headers``) with
a real ``X-Shopify-Hmac-Sha256`` over the raw body; the ``X-Shopify-Webhook-Id`` is a random
UUID unless the sandbox is given ``webhook_ids`` (a deterministic simulation needs the same ids
on every run). Retries (same ``X-Shopify-Webhook-Id``),
duplicates and held-back deliveries are the hub's (:mod:`hub.sandbox_webhooks`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

from connectors.shopify import webhooks
from connectors.shopify.settings import DEFAULT_API_VERSION
from hub import sandbox_webhooks


class WebhookSender(sandbox_webhooks.WebhookSender):
    """Shopify's signing; the sandbox's state changes call :meth:`_emit`."""

    def __init__(
        self,
        client_secret: str,
        domain: str,
        clock: Callable[[], float],
        webhook_ids: Callable[[], str] | None = None,
    ) -> None:
        super().__init__()
        self.client_secret, self.webhook_domain, self._webhook_clock = client_secret, domain, clock
        self._webhook_ids = webhook_ids or (lambda: str(uuid.uuid4()))

    def _emit(self, topic: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.send(topic, self._webhook_ids(), body)

    def signed(self, topic: str, webhook_id: str, body: bytes) -> dict[str, str]:
        return webhooks.headers(
            body,
            self.client_secret,
            topic=topic,
            shop_domain=self.webhook_domain,
            webhook_id=webhook_id,
            api_version=DEFAULT_API_VERSION,
            triggered_at=formatdate(self._webhook_clock(), usegmt=True),
        )

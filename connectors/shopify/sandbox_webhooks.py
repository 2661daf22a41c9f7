"""Webhook delivery for the sandbox: signed like Shopify's, retried, duplicated, reordered.

Every delivery carries the headers Shopify sends (``connectors.shopify.webhooks.headers``) with
a real ``X-Shopify-Hmac-Sha256`` over the raw body. A receiver that fails (non-2xx or an
exception) gets the same delivery — same ``X-Shopify-Webhook-Id`` — again, up to
``max_attempts``; ``duplicates`` sends every delivery that many extra times; inside
``held_webhooks()`` deliveries wait and then go out in order, reversed or shuffled.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

import httpx

from connectors.shopify import webhooks
from connectors.shopify.settings import DEFAULT_API_VERSION

Target = Callable[[bytes, dict[str, str]], int]  # a webhook receiver: (body, headers) → status


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery attempt, as the sandbox recorded it."""

    webhook_id: str
    topic: str
    attempt: int
    status: int


class WebhookSender:
    """Subscriptions and deliveries; the sandbox's state changes call :meth:`_emit`."""

    def __init__(self, client_secret: str, domain: str, clock: Callable[[], float]) -> None:
        self.client_secret, self.webhook_domain, self._webhook_clock = client_secret, domain, clock
        self._subscribers: list[tuple[str, Target | str]] = []
        self._subscribers_lock = threading.Lock()
        self._held: list[tuple[str, str, bytes]] | None = None
        self.duplicates = 0
        self.max_attempts = 3
        self.deliveries: list[Delivery] = []

    def subscribe(self, target: Target | str, topics: Iterable[str] = ("*",)) -> None:
        """Send ``topics`` to a callable ``(body, headers) → status`` or an HTTP URL."""
        with self._subscribers_lock:
            self._subscribers.extend((topic, target) for topic in topics)

    def unsubscribe(self) -> None:
        """Stop every delivery (a receiver that is down for good)."""
        with self._subscribers_lock:
            self._subscribers.clear()

    @contextmanager
    def held_webhooks(self, order: str = "fifo", seed: int = 7) -> Iterator[None]:
        """Keep deliveries back, then send them ``fifo``, ``reverse`` or ``shuffle``d."""
        self._held = []
        try:
            yield
        finally:
            held, self._held = self._held, None
            if order == "reverse":
                held.reverse()
            elif order == "shuffle":
                random.Random(seed).shuffle(held)
            for topic, webhook_id, body in held:
                self._deliver(topic, webhook_id, body)

    def _emit(self, topic: str, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        webhook_id = str(uuid.uuid4())
        if self._held is not None:
            self._held.append((topic, webhook_id, body))
        else:
            self._deliver(topic, webhook_id, body)

    def _deliver(self, topic: str, webhook_id: str, body: bytes) -> None:
        targets = [t for wanted, t in self._subscribers if wanted in ("*", topic)]
        headers = webhooks.headers(
            body,
            self.client_secret,
            topic=topic,
            shop_domain=self.webhook_domain,
            webhook_id=webhook_id,
            api_version=DEFAULT_API_VERSION,
            triggered_at=formatdate(self._webhook_clock(), usegmt=True),
        )
        for target in targets:
            for _ in range(1 + self.duplicates):
                self._attempts(target, topic, webhook_id, body, headers)

    def _attempts(
        self, target: Target | str, topic: str, webhook_id: str, body: bytes, headers: dict
    ) -> None:
        for attempt in range(1, self.max_attempts + 1):
            try:
                if isinstance(target, str):
                    sent = httpx.post(target, content=body, headers=headers, timeout=10)
                    status = sent.status_code
                else:
                    status = target(body, dict(headers))
            except Exception:  # a receiver that fails is retried, like Shopify does
                status = 599
            self.deliveries.append(Delivery(webhook_id, topic, attempt, status))
            if 200 <= status < 300:
                return

"""Webhook delivery for the sandbox: Standard Webhooks signatures, retries, duplicates, order.

Every delivery carries ``webhook-id`` (``msg_…``), ``webhook-timestamp`` (the sandbox clock)
and a real ``webhook-signature`` over ``id.timestamp.body`` (:mod:`connectors.shipbob.webhooks`),
plus ``x-webhook-topic``. A receiver that fails (non-2xx or an exception) gets the same delivery
— same id, a fresh timestamp and signature, as Standard Webhooks senders re-sign each attempt —
up to ``max_attempts``; ``duplicates`` sends every delivery that many extra times; inside
``held_webhooks()`` deliveries wait, then go out in order, reversed or shuffled.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.shipbob import webhooks

Target = Callable[[bytes, dict[str, str]], int]  # a webhook receiver: (body, headers) → status


@dataclass(frozen=True)
class Delivery:
    """One delivery attempt, as the sandbox recorded it."""

    webhook_id: str
    topic: str
    attempt: int
    status: int


class WebhookSender:
    """Subscriptions and deliveries; the sandbox's state changes call :meth:`_emit`."""

    def __init__(self, secret: str, clock: Callable[[], float]) -> None:
        self.webhook_secret, self._webhook_clock = secret, clock
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

    def _emit(self, topic: str, record: dict[str, Any]) -> None:
        body = json.dumps(record, separators=(",", ":")).encode()
        webhook_id = f"msg_{uuid.uuid4().hex}"
        if self._held is not None:
            self._held.append((topic, webhook_id, body))
        else:
            self._deliver(topic, webhook_id, body)

    def _deliver(self, topic: str, webhook_id: str, body: bytes) -> None:
        with self._subscribers_lock:
            targets = [t for wanted, t in self._subscribers if wanted in ("*", topic)]
        for target in targets:
            for _ in range(1 + self.duplicates):
                self._attempts(target, topic, webhook_id, body)

    def _attempts(self, target: Target | str, topic: str, webhook_id: str, body: bytes) -> None:
        for attempt in range(1, self.max_attempts + 1):
            stamp = int(self._webhook_clock())
            headers = webhooks.headers(self.webhook_secret, webhook_id, stamp, body, topic)
            try:
                if isinstance(target, str):
                    status = httpx.post(
                        target, content=body, headers=headers, timeout=10
                    ).status_code
                else:
                    status = target(body, dict(headers))
            except Exception:  # a receiver that fails is retried, as ShipBob does
                status = 599
            self.deliveries.append(Delivery(webhook_id, topic, attempt, status))
            if 200 <= status < 300:
                return

"""Webhook delivery for connector sandboxes: subscriptions, retries, duplicates, hold-back.

Vendors differ in how a delivery is signed, not in how it is delivered: to a callable
``(body, headers) → status`` or an HTTP URL, again with the same id while the receiver fails
(non-2xx or an exception) up to ``max_attempts``, ``duplicates`` extra times on request, and
inside :meth:`WebhookSender.held_webhooks` held back, then released in order, reversed or
shuffled. A sandbox inherits :class:`WebhookSender` and signs in :meth:`~WebhookSender.signed`.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar

import httpx

Receiver = Callable[[bytes, dict[str, str]], int]  # a webhook receiver: (body, headers) → status


@dataclass(frozen=True)
class Delivery:
    """One delivery attempt, as the sandbox recorded it (``body`` and ``headers`` as sent)."""

    webhook_id: str
    topic: str
    attempt: int
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


class WebhookSender:
    """Subscriptions and deliveries; the sandbox's state changes call :meth:`send`."""

    #: sign every attempt afresh (Standard Webhooks: a new timestamp), not once per delivery
    sign_each_attempt: ClassVar[bool] = False

    def __init__(self) -> None:
        self._subscribers: list[tuple[str, Receiver | str]] = []
        self._subscribers_lock = threading.Lock()
        self._held: list[tuple[str, str, bytes]] | None = None
        self.duplicates = 0
        self.max_attempts = 3
        self.deliveries: list[Delivery] = []

    def signed(self, topic: str, webhook_id: str, body: bytes) -> dict[str, str]:
        """The headers the vendor sends with ``body``, its signature among them."""
        raise NotImplementedError

    def subscribe(self, target: Receiver | str, topics: Iterable[str] = ("*",)) -> None:
        """Send ``topics`` (``*`` for all) to a callable ``(body, headers) → status`` or a URL."""
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
                random.Random(seed).shuffle(held)  # noqa: S311  (test delivery order)
            for topic, webhook_id, body in held:
                self._deliver(topic, webhook_id, body)

    def send(self, topic: str, webhook_id: str, body: bytes) -> None:
        """Deliver ``body`` to the topic's subscribers now, or later when held."""
        if self._held is not None:
            self._held.append((topic, webhook_id, body))
        else:
            self._deliver(topic, webhook_id, body)

    def _deliver(self, topic: str, webhook_id: str, body: bytes) -> None:
        with self._subscribers_lock:
            targets = [t for wanted, t in self._subscribers if wanted in ("*", topic)]
        headers = None if self.sign_each_attempt else self.signed(topic, webhook_id, body)
        for target in targets:
            for _ in range(1 + self.duplicates):
                self._attempts(target, topic, webhook_id, body, headers)

    def _attempts(
        self,
        target: Receiver | str,
        topic: str,
        webhook_id: str,
        body: bytes,
        headers: dict[str, str] | None,
    ) -> None:
        for attempt in range(1, self.max_attempts + 1):
            sent = headers if headers is not None else self.signed(topic, webhook_id, body)
            status = _post(target, body, sent)
            self.deliveries.append(Delivery(webhook_id, topic, attempt, status, body, sent))
            if 200 <= status < 300:
                return


def _post(target: Receiver | str, body: bytes, headers: dict[str, str]) -> int:
    """The receiver's status; 599 when it raised (a receiver that fails is retried)."""
    try:
        if isinstance(target, str):
            return httpx.post(target, content=body, headers=headers, timeout=10).status_code
        return target(body, dict(headers))
    except Exception:
        return 599

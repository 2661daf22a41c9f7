"""Notification delivery for the Square sandbox: signed like Square's, retried, duplicated.

Each notification is the envelope Square sends (``merchant_id``, ``type``, ``event_id``,
``created_at``, ``data``) with a real ``x-square-hmacsha256-signature`` over the subscription's
notification URL + raw body. A receiver that fails gets the same delivery — same ``event_id``
— again, up to ``max_attempts``; ``duplicates`` sends every one that many extra times.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.square import webhooks

Target = Callable[[bytes, dict[str, str]], int]  # a receiver: (body, headers) → status


@dataclass(frozen=True)
class Delivery:
    """One delivery attempt, as the sandbox recorded it (``body`` and ``headers`` as sent)."""

    event_id: str
    type: str
    attempt: int
    status: int
    body: bytes
    headers: dict[str, str]


class NotificationSender:
    """Subscriptions and deliveries; the sandbox's changes call :meth:`_emit`."""

    def __init__(self, signature_key: str, notification_url: str, merchant_id: str) -> None:
        self.signature_key, self.notification_url = signature_key, notification_url
        self.merchant_id = merchant_id
        self._subscribers: list[tuple[str, Target | str]] = []
        self._lock = threading.Lock()
        self.duplicates = 0
        self.max_attempts = 3
        self.deliveries: list[Delivery] = []

    def subscribe(self, target: Target | str, types: Iterable[str] = ("*",)) -> None:
        """Send ``types`` (event types, ``*`` for all) to a callable or an HTTP URL."""
        with self._lock:
            self._subscribers.extend((kind, target) for kind in types)

    def unsubscribe(self) -> None:
        with self._lock:
            self._subscribers.clear()

    def envelope(self, kind: str, data: dict[str, Any], created_at: str) -> bytes:
        body = {"merchant_id": self.merchant_id, "type": kind, "event_id": str(uuid.uuid4()),
                "created_at": created_at, "data": data}  # fmt: skip
        return json.dumps(body, separators=(",", ":")).encode()

    def signed_headers(self, body: bytes) -> dict[str, str]:
        return {
            "content-type": "application/json",
            webhooks.SIGNATURE_HEADER: webhooks.signature(
                self.notification_url, body, self.signature_key
            ),
        }

    def _emit(self, kind: str, data: dict[str, Any], created_at: str) -> None:
        body = self.envelope(kind, data, created_at)
        headers = self.signed_headers(body)
        with self._lock:
            targets = [t for wanted, t in self._subscribers if wanted in ("*", kind)]
        event_id = json.loads(body)["event_id"]
        for target in targets:
            for _ in range(1 + self.duplicates):
                self._attempts(target, kind, event_id, body, headers)

    def _attempts(self, target, kind, event_id, body, headers) -> None:
        for attempt in range(1, self.max_attempts + 1):
            try:
                if isinstance(target, str):
                    sent = httpx.post(target, content=body, headers=headers, timeout=10)
                    status = sent.status_code
                else:
                    status = target(body, dict(headers))
            except Exception:  # a failing receiver is retried, as Square does
                status = 599
            self.deliveries.append(Delivery(event_id, kind, attempt, status, body, headers))
            if 200 <= status < 300:
                return

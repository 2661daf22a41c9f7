"""Square webhook notifications: signature check, replay check and reading the notification.

``x-square-hmacsha256-signature`` is base64(HMAC-SHA256(subscription signature key,
notification URL + raw body)) — the algorithm of Square's own SDK (``webhooks_helper.py``),
whose official vectors are tests here. The URL is part of what is signed, so a delivery meant
for another endpoint fails too. Comparison is constant time (``hmac.compare_digest``). A
notification carries ``event_id`` (deduplication: Square repeats it on every retry) and
``created_at`` (a genuine but old delivery is a replay and is refused).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from hub import records
from hub.connector import WebhookRequest
from hub.errors import ValidationError

SIGNATURE_HEADER = "x-square-hmacsha256-signature"


def signature(notification_url: str, body: bytes, signature_key: str) -> str:
    """The ``x-square-hmacsha256-signature`` Square sends with ``body`` to ``notification_url``."""
    digest = hmac.new(
        signature_key.encode(), notification_url.encode() + body, hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def is_signed(request: WebhookRequest, signature_key: str | None, url: str | None) -> bool:
    """True only for a body signed with ``signature_key`` for ``url``.

    No key, no URL, no header or an empty body is never genuine (Square's SDK refuses a
    missing key or URL and answers False for an empty body).
    """
    given = request.header(SIGNATURE_HEADER)
    if not signature_key or not url or not given or not request.body:
        return False
    expected = signature(url, request.body, signature_key)
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def is_fresh(body: bytes, max_age_s: int, now: datetime | None = None) -> bool:
    """False when the notification's ``created_at`` is older than ``max_age_s`` (a replay) or
    unreadable; ``max_age_s = 0`` accepts any age."""
    if max_age_s <= 0:
        return True
    try:
        created = parse_time(json.loads(body)["created_at"])
    except (ValueError, KeyError, TypeError, RecursionError):
        return False
    age = ((now or datetime.now(UTC)) - created).total_seconds()
    return age <= max_age_s and age >= -300  # five minutes of clock skew into the future


def parse_time(text: Any) -> datetime:
    """An RFC 3339 time as Square writes it (nanoseconds allowed) → aware UTC datetime."""
    value = str(text).strip().replace("Z", "+00:00")
    if "." in value:  # Python keeps microseconds: cut nanoseconds, keep the offset
        head, rest = value.split(".", 1)
        digits = len(rest) - len(rest.lstrip("0123456789"))
        value = f"{head}.{rest[:digits][:6].ljust(6, '0')}{rest[digits:]}"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no offset")
    return moment.astimezone(UTC)


def notification(request: WebhookRequest) -> dict[str, Any]:
    """The notification object; ValidationError names the missing or malformed field."""
    body = records.document(request.body)  # JSON, nested at most records.MAX_DEPTH deep
    if not isinstance(body, dict):
        raise ValidationError("webhook body must be a JSON object", field="body")
    for key in ("type", "event_id", "created_at"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise ValidationError(f"notification has no {key}", field=f"body.{key}")
    if not isinstance(body.get("data"), dict):
        raise ValidationError("notification has no data object", field="body.data")
    return body

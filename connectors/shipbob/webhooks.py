"""ShipBob webhook deliveries: Standard Webhooks signatures, replay window, parsing.

ShipBob signs with the Standard Webhooks scheme (developer.shipbob.com/webhooks; the api-specs
keep the reference vector): ``webhook-signature`` holds space-separated ``v1,<base64>`` entries,
each base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<raw body>")) where the key is the
base64-decoded part of the ``whsec_`` secret after the prefix. A delivery is genuine when any
``v1`` entry matches (secrets rotate), compared in constant time, and its timestamp is within
the tolerance of now: a captured delivery replayed later is refused even with a valid signature,
and inside the window the inbox drops it as a duplicate by its ``webhook-id``.

The topic is read from the body when it carries one (``topic``/``type``, signed) and otherwise
from ``x-webhook-topic`` (not signed); the record is the body's ``data`` when present, else the
body itself. ShipBob has not published payload schemas (contract notes), so both shapes are
accepted; translation never trusts the topic for what the record itself says.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from hub import records
from hub.connector import InboundMessage, WebhookRequest
from hub.errors import ValidationError

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
TOPIC_HEADER = "x-webhook-topic"
SECRET_PREFIX = "whsec_"  # noqa: S105  (the secret's format prefix)
TOPICS = frozenset(
    {
        "order.shipped",
        "order.shipment.delivered",
        "order.shipment.exception",
        "order.shipment.on_hold",
        "order.shipment.cancelled",
        "return.created",
        "return.updated",
        "return.completed",
    }
)


def signing_key(secret: str) -> bytes | None:
    """The HMAC key of a ``whsec_`` secret (the prefix is optional); None when not base64."""
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True) or None
    except (binascii.Error, ValueError):
        return None


def sign(secret: str, webhook_id: str, timestamp: int | str, body: bytes) -> str:
    """The ``v1,<base64>`` signature entry ShipBob sends for this delivery."""
    key = signing_key(secret)
    if key is None:
        raise ValueError("the webhook secret is not whsec_<base64>")
    content = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def headers(
    secret: str, webhook_id: str, timestamp: int, body: bytes, topic: str | None = None
) -> dict[str, str]:
    """Every header of a signed delivery (the sandbox and the conformance kit use this)."""
    found = {
        ID_HEADER: webhook_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, webhook_id, timestamp, body),
        "content-type": "application/json",
    }
    if topic:
        found[TOPIC_HEADER] = topic
    return found


def verify(
    request: WebhookRequest,
    secret: str | None,
    tolerance_s: int,
    now: Callable[[], float] = time.time,
) -> bool:
    """True only for a delivery signed with ``secret`` whose timestamp is within tolerance."""
    webhook_id = request.header(ID_HEADER)
    stamp = (request.header(TIMESTAMP_HEADER) or "").strip()
    given = request.header(SIGNATURE_HEADER)
    if not secret or not webhook_id or not stamp or not given or not request.body:
        return False
    key = signing_key(secret)
    if key is None or not _is_seconds(stamp) or abs(now() - int(stamp)) > tolerance_s:
        return False
    content = f"{webhook_id}.{stamp}.".encode() + request.body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest())
    matched = False
    for entry in given.split():
        version, _, value = entry.partition(",")
        if version == "v1" and value:
            # no early exit: every entry is compared, so timing says nothing about which matched
            matched |= hmac.compare_digest(value.encode(), expected)
    return matched


def _is_seconds(stamp: str) -> bool:
    """Unix seconds as ASCII digits; ``str.isdigit`` alone lets "²" and 5,000-digit numbers
    through to ``int()``, which raises on them."""
    return stamp.isascii() and stamp.isdigit() and len(stamp) <= 18


def parse(request: WebhookRequest) -> list[InboundMessage]:
    """One record per delivery, deduplicated by ``webhook-id`` (repeated on ShipBob's retries)."""
    body = records.an_object(records.document(request.body), "body")
    topic, record = topic_and_record(body, request.header(TOPIC_HEADER))
    return [InboundMessage(topic=topic, body=record, delivery_id=request.header(ID_HEADER))]


def topic_and_record(body: dict[str, Any], header_topic: str | None) -> tuple[str, Any]:
    """(topic, record) of a delivery body: an envelope ``{topic, data}`` or the bare record."""
    inner = records.text_at(body, "topic", "body", required=False) or records.text_at(
        body, "type", "body", required=False
    )
    topic = (inner or "").strip() or (header_topic or "").strip()
    if not topic:
        raise ValidationError(
            f"webhook names no topic (body 'topic' or header {TOPIC_HEADER})",
            field=f"headers.{TOPIC_HEADER}",
            fix="deliveries come from ShipBob with their topic; check the sender",
        )
    record = body.get("data") if isinstance(body.get("data"), dict) else body
    return topic, record

"""SP-API notifications, forwarded by the user's relay to ``POST /webhooks/<channel>``.

Amazon delivers notifications only to SQS or EventBridge (``contract-notes.json``): there is no
HTTP webhook and no Amazon signature. A small relay the seller runs (an SQS consumer, an
EventBridge API destination, a Lambda) forwards each message to the hub, signing the exact
body it posts with the channel's ``relay_secret``::

    X-Stockhub-Relay-Signature: sha256=<hex HMAC-SHA256(relay_secret, body)>

The body may be the notification itself, an SQS message (``{"MessageId", "Body": "<json>"}``),
an SQS ``ReceiveMessage`` answer (``{"Messages": [...]}``), an EventBridge event (the
notification in ``detail``), or a JSON list of any of those. Each notification becomes one
inbox record keyed by ``NotificationMetadata.NotificationId`` (SQS redelivers the same one),
validated against the saved schema of its ``NotificationType`` where the api-specs are present
(the essentials are checked always).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from connectors.amazon import contract
from hub import records
from hub.connector import InboundMessage, WebhookRequest
from hub.errors import ValidationError

SIGNATURE_HEADER = "X-Stockhub-Relay-Signature"
KNOWN = frozenset(contract.NOTIFICATION_SCHEMAS)


def signature(body: bytes, secret: str) -> str:
    """The header value the relay sends with ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(request: WebhookRequest, secret: str | None) -> bool:
    """True only for a non-empty body signed with ``secret`` (compared in constant time)."""
    given = request.header(SIGNATURE_HEADER)
    if not secret or not given or not request.body:
        return False
    return hmac.compare_digest(given.strip().encode(), signature(request.body, secret).encode())


def parse(request: WebhookRequest) -> list[InboundMessage]:
    """The notifications a relayed body carries; ValidationError names what is wrong."""
    body = records.document(request.body, "relayed body")
    found = [_checked(n, where) for n, where in _unwrap(body, "body")]
    if not found:
        raise ValidationError("the relayed body holds no SP-API notification", field="body")
    return [
        InboundMessage(
            topic=n["NotificationType"],
            body=n,
            delivery_id=f"notification:{n['NotificationMetadata']['NotificationId']}",
        )
        for n in found
    ]


def _unwrap(body: Any, where: str) -> list[tuple[Any, str]]:
    if isinstance(body, list):
        return [pair for i, item in enumerate(body) for pair in _unwrap(item, f"{where}[{i}]")]
    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", field=where)
    if "NotificationType" in body:
        return [(body, where)]
    if isinstance(body.get("Messages"), list):  # SQS ReceiveMessage
        return _unwrap(body["Messages"], f"{where}.Messages")
    if "Body" in body or "body" in body:  # one SQS message
        key = "Body" if "Body" in body else "body"
        inner = body[key]
        if isinstance(inner, str):
            inner = records.document(inner, "SQS body", f"{where}.{key}")
        return _unwrap(inner, f"{where}.{key}")
    if isinstance(body.get("detail"), dict):  # EventBridge event
        return _unwrap(body["detail"], f"{where}.detail")
    raise ValidationError(
        "not an SP-API notification, SQS message or EventBridge event", field=where,
        fix="forward the SQS message body (or the EventBridge event) unchanged",
    )  # fmt: skip


def _checked(notification: dict[str, Any], where: str) -> dict[str, Any]:
    kind = notification.get("NotificationType")
    if not isinstance(kind, str) or kind not in KNOWN:
        raise ValidationError(
            f"notification type {records.shown(kind)} is not handled",
            field=f"{where}.NotificationType",
            fix=f"subscribe the relay's queue to {', '.join(sorted(KNOWN))} only",
        )
    metadata = records.object_at(notification, "NotificationMetadata", where)
    records.text_at(metadata, "NotificationId", f"{where}.NotificationMetadata")
    records.object_at(notification, "Payload", where, required=True)
    if contract.available():
        problems = contract.notification_problems(notification)
        if problems:
            first = problems[0].replace("notification", where, 1)
            raise ValidationError(
                f"does not match the saved {kind} schema: {first}",
                field=first.split(":", 1)[0],
                errors=[{"field": p.split(":", 1)[0], "message": p} for p in problems],
            )
    return notification

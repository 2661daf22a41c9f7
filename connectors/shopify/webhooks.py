"""Shopify webhook deliveries: HMAC verification, signing (for the sandbox) and parsing.

``X-Shopify-Hmac-Sha256`` is base64(HMAC-SHA256(app client secret, raw body)), compared in
constant time (Shopify's shopify-app-js ``validateHmacString``; the api-specs keep its test
vector). A delivery is deduplicated by ``X-Shopify-Webhook-Id``, which Shopify repeats on
every retry of the same delivery. A valid signature for another shop of the same app is not
this channel's delivery: ``X-Shopify-Shop-Domain`` must name the channel's shop when sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from hub import records
from hub.connector import InboundMessage, WebhookRequest
from hub.errors import ValidationError

HMAC_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
SHOP_HEADER = "X-Shopify-Shop-Domain"
VERSION_HEADER = "X-Shopify-API-Version"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
EVENT_ID_HEADER = "X-Shopify-Event-Id"
TRIGGERED_AT_HEADER = "X-Shopify-Triggered-At"


def signature(body: bytes, secret: str) -> str:
    """The ``X-Shopify-Hmac-Sha256`` value Shopify sends with ``body``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(request: WebhookRequest, secret: str | None, shop_domain: str | None = None) -> bool:
    """True only for a body signed with ``secret`` (and, when sent, for ``shop_domain``).

    No secret, no header or an empty body is never genuine (the official library refuses them
    too: MissingHmac, MissingBody).
    """
    given = request.header(HMAC_HEADER)
    if not secret or not given or not request.body:
        return False
    if not hmac.compare_digest(given.strip().encode(), signature(request.body, secret).encode()):
        return False
    sent_shop = request.header(SHOP_HEADER)
    return shop_domain is None or sent_shop is None or sent_shop.lower() == shop_domain.lower()


def headers(
    body: bytes,
    secret: str,
    *,
    topic: str,
    shop_domain: str,
    webhook_id: str,
    api_version: str,
    triggered_at: str | None = None,
) -> dict[str, str]:
    """Every header of a delivery, as Shopify sends them (the sandbox and the kit use this)."""
    found = {
        HMAC_HEADER: signature(body, secret),
        TOPIC_HEADER: topic,
        SHOP_HEADER: shop_domain,
        VERSION_HEADER: api_version,
        WEBHOOK_ID_HEADER: webhook_id,
        EVENT_ID_HEADER: webhook_id,
        "Content-Type": "application/json",
    }
    if triggered_at:
        found[TRIGGERED_AT_HEADER] = triggered_at
    return found


def parse(request: WebhookRequest) -> list[InboundMessage]:
    """One record per delivery: topic from the header, delivery id the webhook id."""
    topic = (request.header(TOPIC_HEADER) or "").strip()
    if not topic:
        raise ValidationError(
            f"webhook has no {TOPIC_HEADER} header",
            field=f"headers.{TOPIC_HEADER}",
            fix="deliveries come from Shopify with their topic; check the sender",
        )
    body = records.document(request.body)  # JSON, nested at most records.MAX_DEPTH deep
    if not isinstance(body, dict):
        raise ValidationError("webhook body must be a JSON object", field="body")
    delivery = request.header(WEBHOOK_ID_HEADER) or request.header(EVENT_ID_HEADER)
    return [InboundMessage(topic=topic, body=body, delivery_id=delivery or None)]

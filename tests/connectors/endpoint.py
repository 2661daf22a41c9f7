"""The hub's webhook endpoint, in process, for the end-to-end tests' sandboxes to deliver to.

What ``POST /webhooks/{channel}`` does, without the HTTP: verify and store, then process what
was stored; the status a vendor would see.
"""

from __future__ import annotations

from hub.app import Hub
from hub.connector import WebhookRequest
from hub.sync import inbox


def answer_webhook(hub: Hub, channel: str, body: bytes, headers: dict[str, str]) -> int:
    """200 once stored and processed, 401 when the signature does not verify."""
    try:
        receipt = inbox.receive_webhook(hub, channel, WebhookRequest(body, headers))
    except inbox.SignatureError:
        return 401
    if receipt.stored:
        inbox.process(hub, receipt.stored)
    return 200

"""Relayed notifications: the relay's signature, SQS / EventBridge envelopes, saved schemas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.amazon import webhooks
from hub.connector import WebhookRequest
from hub.errors import ValidationError

SAMPLES = Path(__file__).resolve().parents[3] / "connectors" / "amazon" / "samples"
NOTIFICATION = json.loads((SAMPLES / "order_change_unshipped.json").read_text())["body"]


def signed(body: bytes, secret: str = "s3cret-relay") -> WebhookRequest:
    return WebhookRequest(body, {webhooks.SIGNATURE_HEADER: webhooks.signature(body, secret)})


def test_signature_is_verified_in_constant_time_over_the_raw_body() -> None:
    body = json.dumps(NOTIFICATION).encode()
    assert webhooks.verify(signed(body), "s3cret-relay")
    assert not webhooks.verify(signed(body), "another-secret")
    assert not webhooks.verify(signed(body), None)
    assert not webhooks.verify(WebhookRequest(body.replace(b"1", b"2", 1),
                                              signed(body).headers), "s3cret-relay")


@pytest.mark.parametrize("wrap", [
    lambda n: n,
    lambda n: {"MessageId": "m", "Body": json.dumps(n)},
    lambda n: {"Messages": [{"MessageId": "m", "Body": json.dumps(n)}]},
    lambda n: {"version": "0", "detail-type": "ORDER_CHANGE", "detail": n},
    lambda n: [n],
], ids=["raw", "sqs-message", "sqs-receive", "eventbridge", "list"])  # fmt: skip
def test_envelopes_unwrap_to_one_record_keyed_by_notification_id(wrap) -> None:
    (message,) = webhooks.parse(signed(json.dumps(wrap(NOTIFICATION)).encode()))
    assert message.topic == "ORDER_CHANGE" and message.body == NOTIFICATION
    assert message.delivery_id == "notification:9d3c2b1a-0000-4000-8000-000000000001"


def test_unknown_type_and_missing_id_name_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        webhooks.parse(signed(json.dumps({**NOTIFICATION, "NotificationType": "X"}).encode()))
    assert caught.value.field == "body.NotificationType"
    broken = {**NOTIFICATION, "NotificationMetadata": {}}
    with pytest.raises(ValidationError) as caught:
        webhooks.parse(signed(json.dumps({"Body": json.dumps(broken)}).encode()))
    assert caught.value.field == "body.Body.NotificationMetadata.NotificationId"


@pytest.mark.usefixtures("amazon_specs")
def test_payload_is_validated_against_the_saved_schema() -> None:
    """A notification whose Summary lacks a required field fails, naming the field."""
    broken = json.loads(json.dumps(NOTIFICATION))
    del broken["Payload"]["OrderChangeNotification"]["Summary"]["FulfillmentType"]
    with pytest.raises(ValidationError, match="FulfillmentType"):
        webhooks.parse(signed(json.dumps(broken).encode()))

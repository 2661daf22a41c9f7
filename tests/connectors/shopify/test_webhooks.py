"""Webhook verification against Shopify's own test vectors, forgeries, parsing, deduplication."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.shopify import webhooks
from connectors.shopify.sandbox import SANDBOX_SECRET
from hub.connector import WebhookRequest
from hub.errors import ValidationError

DOMAIN = "stockhub-sandbox.myshopify.com"


def delivery(body: bytes, secret: str | None = SANDBOX_SECRET, **extra: str) -> WebhookRequest:
    headers = {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Shop-Domain": DOMAIN,
        "X-Shopify-Webhook-Id": "w-1",
        **extra,
    }
    if secret:
        headers[webhooks.HMAC_HEADER] = webhooks.signature(body, secret)
    return WebhookRequest(body, headers)


@pytest.fixture(scope="module")
def vectors(shopify_specs: Path) -> dict:
    """Shopify's saved HMAC test vectors (api-specs/shopify/webhook-hmac-test-vectors.json)."""
    return json.loads((shopify_specs / "webhook-hmac-test-vectors.json").read_text())


class TestVectors:
    def test_official_valid_vector(self, vectors: dict) -> None:
        """shopify-app-js's vector: secret test_secret_key, body {"foo": "bar"} → its header."""
        for case in vectors["valid"]:
            body = case["raw_body"].encode()
            assert webhooks.signature(body, case["secret"]) == case["expected_header"]
            request = WebhookRequest(
                body, {**case["other_headers_in_test"], vectors["header"]: case["expected_header"]}
            )
            assert webhooks.verify(request, case["secret"])

    def test_official_invalid_vectors(self, vectors: dict) -> None:
        """'fake' header, missing body, missing header: all refused."""
        case = vectors["invalid"][0]
        fake = WebhookRequest(case["raw_body"].encode(), {vectors["header"]: case["header"]})
        assert not webhooks.verify(fake, case["secret"])
        valid = vectors["valid"][0]
        empty = WebhookRequest(b"", {vectors["header"]: valid["expected_header"]})
        assert not webhooks.verify(empty, valid["secret"])
        assert not webhooks.verify(WebhookRequest(valid["raw_body"].encode()), valid["secret"])

    def test_the_required_headers_are_the_ones_sent(self, vectors: dict) -> None:
        """The sandbox sends every header the official library checks for classic webhooks."""
        sent = webhooks.headers(
            b"{}", "s", topic="t", shop_domain=DOMAIN, webhook_id="1", api_version="2026-07"
        )
        required = vectors["required_headers_checked_by_official_lib_for_classic_webhooks"]
        assert set(required) <= set(sent)


class TestVerify:
    def test_constant_time_compare(self, monkeypatch) -> None:
        """The digest is compared with hmac.compare_digest."""
        seen = []
        real = webhooks.hmac.compare_digest
        monkeypatch.setattr(
            webhooks.hmac, "compare_digest", lambda a, b: seen.append(1) or real(a, b)
        )
        assert webhooks.verify(delivery(b'{"id":1}'), SANDBOX_SECRET, DOMAIN)
        assert seen == [1]

    @pytest.mark.parametrize("forgery", ["tampered", "other-secret", "unsigned", "no-secret"])
    def test_forgeries_fail(self, forgery: str) -> None:
        body = b'{"id":1}'
        request = delivery(body, secret=None if forgery == "unsigned" else SANDBOX_SECRET)
        secret: str | None = SANDBOX_SECRET
        if forgery == "tampered":
            request = WebhookRequest(b'{"id":2}', request.headers)
        elif forgery == "other-secret":
            request = delivery(body, secret="someone-else")
        elif forgery == "no-secret":
            secret = None
        assert webhooks.verify(request, secret, DOMAIN) is False

    def test_another_shop_of_the_same_app_is_not_this_channel(self) -> None:
        """Same app secret, other shop: refused for this channel's shop domain."""
        request = delivery(b"{}", **{"X-Shopify-Shop-Domain": "other.myshopify.com"})
        assert webhooks.verify(request, SANDBOX_SECRET, DOMAIN) is False
        assert webhooks.verify(request, SANDBOX_SECRET, "OTHER.myshopify.com") is True


class TestParse:
    def test_one_record_deduplicated_by_webhook_id(self) -> None:
        (message,) = webhooks.parse(delivery(b'{"id": 1}'))
        assert (message.topic, message.body) == ("orders/create", {"id": 1})
        assert message.delivery_id == "w-1"

    def test_event_id_is_the_fallback_delivery_id(self) -> None:
        request = WebhookRequest(b"{}", {"X-Shopify-Topic": "t", "X-Shopify-Event-Id": "e-9"})
        assert webhooks.parse(request)[0].delivery_id == "e-9"
        bare = WebhookRequest(b"{}", {"X-Shopify-Topic": "t"})
        assert webhooks.parse(bare)[0].delivery_id is None  # the hub hashes the body

    @pytest.mark.parametrize(
        "body, headers, field",
        [
            (b"{}", {}, "headers.X-Shopify-Topic"),
            (b"{nope", {"X-Shopify-Topic": "t"}, "body"),
            (b"[1]", {"X-Shopify-Topic": "t"}, "body"),
        ],
    )
    def test_unreadable_deliveries_name_the_problem(self, body, headers, field) -> None:
        with pytest.raises(ValidationError) as caught:
            webhooks.parse(WebhookRequest(body, headers))
        assert caught.value.field == field


def test_plugin_verifies_with_the_channel_settings(handle, context) -> None:
    """The hook reads client_secret and the shop from the channel; no secret, no webhooks."""
    body = b'{"id": 1}'
    assert handle.verify_webhook(context(), delivery(body))
    assert not handle.verify_webhook(context(client_secret=None), delivery(body))
    assert not handle.verify_webhook(context(shop="another"), delivery(body))

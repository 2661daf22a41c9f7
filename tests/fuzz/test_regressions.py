"""Crashes the connector fuzzing found, each pinned by the smallest input that showed it."""

from __future__ import annotations

import pytest

from connectors.shipbob import webhooks as shipbob
from connectors.shopify import records
from connectors.square import webhooks as square
from hub.connector import InboundMessage, WebhookRequest
from hub.errors import ValidationError
from tests.fuzz.targets import target

SHIPBOB_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class TestShipBobTimestamp:
    @pytest.mark.parametrize("stamp", ["²", "9" * 5_000, "١٧٠٠٠٠٠٠٠٠"])
    def test_a_timestamp_int_cannot_read_is_not_genuine(self, stamp) -> None:
        """``"²".isdigit()`` is True and ``int("²")`` raises: an unsigned request was a 500."""
        request = WebhookRequest(b"{}", {"webhook-id": "m1", "webhook-timestamp": stamp,
                                         "webhook-signature": "v1,abc"})  # fmt: skip
        assert shipbob.verify(request, SHIPBOB_SECRET, 300) is False


class TestShopifyQuantities:
    @pytest.mark.parametrize(
        "quantity", ["x", [1], {}, 1e999, float("nan"), "9" * 5_000, 1.5, True]
    )
    def test_a_quantity_that_is_not_a_whole_number_is_named(self, quantity) -> None:
        order = {"id": 1, "created_at": "2026-11-22T10:00:00Z",
                 "line_items": [{"id": 7, "variant_id": 9, "quantity": quantity}]}  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            records.order_from_webhook(order)
        assert caught.value.field == "line_items[0].quantity"

    def test_a_fulfillment_line_that_is_not_an_object_is_named(self) -> None:
        order = {"id": 1, "created_at": "2026-11-22T10:00:00Z", "line_items": [],
                 "fulfillments": [{"id": 2, "created_at": "2026-11-22T10:00:00Z",
                                   "line_items": [None]}]}  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            records.order_from_webhook(order)
        assert caught.value.field == "fulfillments[0].line_items[0]"

    def test_whole_numbers_still_read(self) -> None:
        line = {"id": 7, "variant_id": 9, "quantity": "3"}
        order = records.order_from_webhook({"id": 1, "created_at": "t", "line_items": [line]})
        assert order.lines[0].quantity == 3


@pytest.mark.parametrize("name", ["custom", "shopify", "square"])
def test_json_nested_past_the_parser_limit_is_a_validation_error(name) -> None:
    t = target(name)
    request = WebhookRequest(b"[" * 100_000, dict(t.samples[0].headers))
    with pytest.raises(ValidationError) as caught:
        t.handle.parse_webhook(t.context(), request)
    assert caught.value.field == "body" and "unreadable" not in caught.value.context


def test_square_freshness_of_a_deeply_nested_body_is_false() -> None:
    assert square.is_fresh(b"[" * 100_000, 300) is False


class TestTheHandleNet:
    """Whatever a connector trips over in vendor input stays a 4xx / dead letter."""

    def test_a_verifier_that_raises_says_false(self, monkeypatch) -> None:
        t = target("custom")

        def broken(*args, **kwargs):
            raise ValueError("cannot read the header")

        monkeypatch.setattr(t.handle, "call", broken)
        assert t.handle.verify_webhook(t.context(), WebhookRequest(b"{}")) is False

    @pytest.mark.parametrize("error", [TypeError("x"), KeyError("k"), RecursionError()])
    def test_a_translator_that_raises_gives_a_validation_error_with_the_cause(
        self, monkeypatch, error
    ) -> None:
        t = target("custom")

        def broken(*args, **kwargs):
            raise error

        monkeypatch.setattr(t.handle, "call", broken)
        with pytest.raises(ValidationError) as caught:
            t.handle.translate(t.context(), InboundMessage("stock.adjusted", {}))
        assert caught.value.__cause__ is error
        assert caught.value.context["unreadable"] == type(error).__name__

    def test_the_message_never_carries_a_channel_secret(self, monkeypatch) -> None:
        t = target("custom")
        secret = t.context().settings["webhook_secret"]

        def leaky(*args, **kwargs):
            raise ValueError(f"bad key {secret}")

        monkeypatch.setattr(t.handle, "call", leaky)
        with pytest.raises(ValidationError) as caught:
            t.handle.parse_webhook(t.context(), WebhookRequest(b"{}"))
        assert secret not in caught.value.message

    def test_connection_errors_are_not_swallowed(self, monkeypatch) -> None:
        """An outage is transient (the vendor delivers again), not the sender's fault."""
        t = target("custom")

        def down(*args, **kwargs):
            raise ConnectionError("redis down")

        monkeypatch.setattr(t.handle, "call", down)
        with pytest.raises(ConnectionError):
            t.handle.parse_webhook(t.context(), WebhookRequest(b"{}"))

"""Standard Webhooks verification: the reference vector, forgeries, replays, parsing."""

from __future__ import annotations

import json

import pytest

from connectors.shipbob import webhooks
from connectors.shipbob.sandbox import SANDBOX_SECRET
from hub.connector import WebhookRequest
from hub.errors import ValidationError

BODY = json.dumps({"id": 1, "status": "Completed"}).encode()
NOW = 1_800_000_000


def signed(
    body: bytes = BODY, *, secret: str = SANDBOX_SECRET, at: int = NOW, **extra
) -> WebhookRequest:
    return WebhookRequest(
        body, {**webhooks.headers(secret, "msg_1", at, body, "order.shipped"), **extra}
    )


def check(request: WebhookRequest, now: float = NOW, secret: str | None = SANDBOX_SECRET) -> bool:
    return webhooks.verify(request, secret, 300, now=lambda: now)


class TestReferenceVector:
    def test_valid_vector_signs_and_verifies(self, vectors) -> None:
        """The svix/ShipBob vector: our signature equals the expected header, and it verifies."""
        (case,) = vectors["valid"]
        body = case["raw_body"].encode()
        stamp = case["webhook_timestamp"]
        assert (
            webhooks.sign(case["secret"], case["webhook_id"], stamp, body)
            == (case["expected_signature_header"])
        )
        request = WebhookRequest(body, {
            "webhook-id": case["webhook_id"], "webhook-timestamp": str(stamp),
            "webhook-signature": case["expected_signature_header"],
        })  # fmt: skip
        assert webhooks.verify(request, case["secret"], 300, now=lambda: stamp + 10)

    @pytest.mark.parametrize("index", [0, 1])
    def test_invalid_vectors_are_refused(self, vectors, index) -> None:
        """The vector file's wrong and partial signatures fail on the valid vector's message."""
        case, bad = vectors["valid"][0], vectors["invalid"][index]
        request = WebhookRequest(case["raw_body"].encode(), {
            "webhook-id": case["webhook_id"], "webhook-timestamp": str(case["webhook_timestamp"]),
            "webhook-signature": bad["signature_header"],
        })  # fmt: skip
        assert not webhooks.verify(
            request, case["secret"], 300, now=lambda: case["webhook_timestamp"]
        )


class TestVerify:
    def test_genuine_delivery_passes(self) -> None:
        """A delivery signed with the channel's secret, stamped now, is genuine."""
        assert check(signed())

    @pytest.mark.parametrize("skew", [-301, 301, -3600, 86400])
    def test_timestamps_outside_tolerance_are_replays(self, skew) -> None:
        """A valid signature stamped more than 300 s from now (either way) is refused."""
        assert not check(signed(at=NOW + skew))

    @pytest.mark.parametrize("skew", [-300, 0, 299])
    def test_timestamps_inside_tolerance_pass(self, skew) -> None:
        assert check(signed(at=NOW + skew))

    def test_tampering_with_id_timestamp_or_body_fails(self) -> None:
        """The signature covers id, timestamp and body: changing any one breaks it."""
        good = signed()
        for key, value in (("webhook-id", "msg_2"), ("webhook-timestamp", str(NOW + 1))):
            assert not check(WebhookRequest(good.body, {**good.headers, key: value}))
        assert not check(WebhookRequest(good.body + b" ", good.headers))

    def test_foreign_secret_missing_parts_and_bad_secret_fail(self) -> None:
        other = "whsec_" + "A" * 32
        assert not check(signed(secret=other))
        assert not check(signed(), secret=None)
        assert not check(signed(), secret="whsec_not base64!")
        for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            headers = {k: v for k, v in signed().headers.items() if k != missing}
            assert not check(WebhookRequest(BODY, headers))
        assert not check(WebhookRequest(BODY, {**signed().headers, "webhook-timestamp": "soon"}))

    def test_any_v1_entry_may_match_during_rotation(self) -> None:
        """Several space-separated signatures (old and new secret): one valid v1 is enough."""
        old = "whsec_" + "B" * 32
        good = signed()
        both = f"{webhooks.sign(old, 'msg_1', NOW, BODY)} {good.headers['webhook-signature']}"
        assert check(WebhookRequest(BODY, {**good.headers, "webhook-signature": both}))
        v2 = good.headers["webhook-signature"].replace("v1,", "v2,")
        assert not check(WebhookRequest(BODY, {**good.headers, "webhook-signature": v2}))

    def test_every_entry_is_compared_in_constant_time(self, monkeypatch) -> None:
        """Comparison goes through hmac.compare_digest, for every v1 entry."""
        calls = []
        real = webhooks.hmac.compare_digest
        monkeypatch.setattr(
            webhooks.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b)
        )
        good = signed()
        sig = good.headers["webhook-signature"]
        assert check(WebhookRequest(BODY, {**good.headers, "webhook-signature": f"{sig} v1,AAAA"}))
        assert len(calls) == 2


class TestParse:
    def test_bare_record_takes_the_topic_header_and_the_webhook_id(self) -> None:
        (message,) = webhooks.parse(signed())
        assert (message.topic, message.delivery_id, message.body["id"]) == (
            "order.shipped", "msg_1", 1,
        )  # fmt: skip

    def test_envelope_topic_in_the_signed_body_wins_over_the_header(self) -> None:
        body = json.dumps({"topic": "return.updated", "data": {"id": 9}}).encode()
        (message,) = webhooks.parse(signed(body))
        assert (message.topic, message.body) == ("return.updated", {"id": 9})

    @pytest.mark.parametrize(
        ("body", "field"),
        [(b"not json", "body"), (b"[1]", "body"), (b"{}", "headers.x-webhook-topic")],
    )
    def test_unreadable_deliveries_name_the_field(self, body, field) -> None:
        request = WebhookRequest(body, {"webhook-id": "msg_x"})
        with pytest.raises(ValidationError) as caught:
            webhooks.parse(request)
        assert caught.value.field == field


def test_secret_never_in_the_channel_repr(handle, context) -> None:
    """Settings (the token and the whsec_ secret) stay out of the context's repr."""
    text = repr(context())
    assert SANDBOX_SECRET not in text and "pat_sandbox" not in text

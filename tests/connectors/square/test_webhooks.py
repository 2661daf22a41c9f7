"""Signature verification against Square's official vectors, replay checks and parsing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from connectors.square import webhooks
from connectors.square.sandbox import SANDBOX_NOTIFICATION_URL, SANDBOX_SIGNATURE_KEY
from hub.connector import WebhookRequest
from hub.errors import ValidationError


def request(body: str | bytes, signature: str | None) -> WebhookRequest:
    raw = body.encode() if isinstance(body, str) else body
    headers = {"X-Square-HmacSha256-Signature": signature} if signature is not None else {}
    return WebhookRequest(raw, headers)


class TestOfficialVectors:
    def test_every_valid_vector_passes(self, vectors) -> None:
        """Both valid vectors of Square's SDK verify (recomputed and compared)."""
        assert len(vectors["valid"]) == 2
        for v in vectors["valid"]:
            body = v["request_body"].encode()
            assert (
                webhooks.signature(v["notification_url"], body, v["signature_key"])
                == (v["signature_header"])
            ), v["name"]
            assert webhooks.is_signed(
                request(body, v["signature_header"]), v["signature_key"], v["notification_url"]
            ), v["name"]

    def test_every_invalid_vector_fails(self, vectors) -> None:
        """URL mismatch, wrong key, wrong header and a changed body: all four refused."""
        assert len(vectors["invalid"]) == 4
        valid = vectors["valid"][0]["request_body"]
        for v in vectors["invalid"]:
            body = v.get("request_body", valid)
            assert not webhooks.is_signed(
                request(body, v["signature_header"]), v["signature_key"], v["notification_url"]
            ), v["name"]

    def test_missing_key_url_header_or_body_is_never_genuine(self, vectors) -> None:
        """The SDK's error cases: no key, no URL, an empty body — and no header — are refused."""
        v = vectors["valid"][0]
        good = request(v["request_body"], v["signature_header"])
        assert not webhooks.is_signed(good, "", v["notification_url"])
        assert not webhooks.is_signed(good, None, v["notification_url"])
        assert not webhooks.is_signed(good, v["signature_key"], "")
        assert not webhooks.is_signed(request(b"", v["signature_header"]), v["signature_key"],
                                      v["notification_url"])  # fmt: skip
        assert not webhooks.is_signed(request(v["request_body"], None), v["signature_key"],
                                      v["notification_url"])  # fmt: skip

    def test_comparison_is_constant_time(self, monkeypatch, vectors) -> None:
        """The check goes through hmac.compare_digest (a plain == would leak timing)."""
        calls = []
        real = webhooks.hmac.compare_digest
        monkeypatch.setattr(webhooks.hmac, "compare_digest",
                            lambda a, b: calls.append((a, b)) or real(a, b))  # fmt: skip
        v = vectors["valid"][1]
        assert webhooks.is_signed(request(v["request_body"], v["signature_header"]),
                                  v["signature_key"], v["notification_url"])  # fmt: skip
        assert len(calls) == 1


class TestReplays:
    def body(self, age: timedelta) -> bytes:
        created = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
        return json.dumps({"created_at": created}).encode()

    def test_fresh_within_and_stale_beyond_the_window(self) -> None:
        """72 h window: 71 h old passes, 73 h old is a replay; nanosecond stamps parse."""
        assert webhooks.is_fresh(self.body(timedelta(hours=71)), 72 * 3600)
        assert not webhooks.is_fresh(self.body(timedelta(hours=73)), 72 * 3600)
        assert not webhooks.is_fresh(self.body(-timedelta(hours=1)), 72 * 3600)  # future
        assert webhooks.is_fresh(self.body(timedelta(days=400)), 0)  # check off
        assert not webhooks.is_fresh(b"{}", 60) and not webhooks.is_fresh(b"nope", 60)

    def test_plugin_refuses_a_genuinely_signed_old_notification(self, handle, context) -> None:
        """Signed with the right key for the right URL, but 4 days old: refused."""
        body = self.body(timedelta(days=4))
        signed = webhooks.signature(SANDBOX_NOTIFICATION_URL, body, SANDBOX_SIGNATURE_KEY)
        assert not handle.verify_webhook(context(), request(body, signed))
        fresh = self.body(timedelta(minutes=1))
        signed = webhooks.signature(SANDBOX_NOTIFICATION_URL, fresh, SANDBOX_SIGNATURE_KEY)
        assert handle.verify_webhook(context(), request(fresh, signed))


class TestNotification:
    def test_missing_fields_are_named(self) -> None:
        """A notification without event_id names body.event_id."""
        with pytest.raises(ValidationError) as caught:
            webhooks.notification(request(json.dumps({"type": "order.created"}), "x"))
        assert caught.value.field == "body.event_id"
        with pytest.raises(ValidationError) as caught:
            webhooks.notification(request(b"[1]", "x"))
        assert caught.value.field == "body"

    def test_times_keep_their_offset(self) -> None:
        """Nanoseconds are cut to microseconds; offsets are honoured."""
        moment = webhooks.parse_time("2019-10-29T18:38:45.455006797Z")
        assert moment == datetime(2019, 10, 29, 18, 38, 45, 455006, tzinfo=UTC)
        assert webhooks.parse_time("2019-03-04T21:54:45+01:00").hour == 20

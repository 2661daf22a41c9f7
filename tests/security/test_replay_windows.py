"""Replay windows where the vendor gives a time: a genuine but old delivery is refused.

* Square signs the notification body, which carries ``created_at``: older than
  ``webhook_max_age_s`` (default 72 h) or more than five minutes in the future is refused.
* ShipBob signs ``webhook-timestamp`` with the body: further than ``webhook_tolerance_s``
  (default 300 s) from now either way is refused.

Inside the window a replay is still harmless: the inbox stores a delivery id once
(tests/api/test_api.py). Shopify, Amazon's relay and the custom protocol send no signed time.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.shipbob import webhooks as shipbob
from connectors.shipbob.settings import DEFAULT_TOLERANCE_S
from connectors.square.settings import DEFAULT_WEBHOOK_MAX_AGE_S
from hub.connector import WebhookRequest
from tests.fuzz.strategies import FUZZ
from tests.fuzz.targets import target


def _square(age: timedelta, max_age_s: int = DEFAULT_WEBHOOK_MAX_AGE_S) -> bool:
    """Whether the Square channel takes a genuinely signed notification created ``age`` ago."""
    t = target("square")
    sample = t.samples[0]
    body = json.dumps({**sample.body, "created_at": (datetime.now(UTC) - age).isoformat()})
    ctx = t.handle.context("square-1", {**t.kit.settings, "webhook_max_age_s": max_age_s})
    return t.handle.verify_webhook(ctx, t.signed(body.encode(), dict(sample.headers)))


def _shipbob(skew_s: float, tolerance_s: int = DEFAULT_TOLERANCE_S) -> bool:
    """Whether the ShipBob channel takes a genuine delivery stamped ``skew_s`` before now."""
    t = target("shipbob")
    secret = t.kit.settings["webhook_secret"]
    stamp = int(time.time() - skew_s)
    body = t.samples[0].raw_body()
    headers = shipbob.headers(secret, "msg_window", stamp, body)
    ctx = t.handle.context("bob-1", {**t.kit.settings, "webhook_tolerance_s": tolerance_s})
    return t.handle.verify_webhook(ctx, WebhookRequest(body, headers))


class TestSquareCreatedAt:
    @pytest.mark.parametrize("age", [timedelta(0), timedelta(hours=71), timedelta(minutes=-4)])
    def test_inside_the_window_is_genuine(self, age) -> None:
        assert _square(age)

    @pytest.mark.parametrize("age", [timedelta(hours=73), timedelta(days=400),
                                     timedelta(minutes=-6), timedelta(days=-1)])  # fmt: skip
    def test_outside_the_window_is_a_replay(self, age) -> None:
        assert not _square(age)

    @FUZZ
    @given(age_s=st.integers(-10 * 86_400, 10 * 86_400), max_age_s=st.integers(60, 7 * 86_400))
    def test_the_window_is_exactly_max_age_back_and_five_minutes_ahead(self, age_s, max_age_s):
        if -290 <= age_s <= max_age_s - 10:  # margins for the seconds the test itself takes
            assert _square(timedelta(seconds=age_s), max_age_s)
        elif age_s < -310 or age_s > max_age_s + 10:
            assert not _square(timedelta(seconds=age_s), max_age_s)

    def test_a_notification_without_a_readable_time_is_refused(self) -> None:
        t = target("square")
        settings = {**t.kit.settings, "webhook_max_age_s": DEFAULT_WEBHOOK_MAX_AGE_S}
        ctx = t.handle.context("square-1", settings)  # the kit turns the window off
        for created in (None, "yesterday", 12, "2026-11-22T10:00:00"):  # the last: no offset
            body = json.dumps({**t.samples[0].body, "created_at": created}).encode()
            assert not t.handle.verify_webhook(ctx, t.signed(body))


class TestShipBobTimestamp:
    @pytest.mark.parametrize("skew_s", [0, 290, -290])
    def test_inside_the_tolerance_is_genuine(self, skew_s) -> None:
        assert _shipbob(skew_s)

    @pytest.mark.parametrize("skew_s", [310, -310, 86_400, 10**9])
    def test_outside_the_tolerance_is_a_replay(self, skew_s) -> None:
        assert not _shipbob(skew_s)

    @FUZZ
    @given(skew_s=st.integers(-3 * 86_400, 3 * 86_400), tolerance_s=st.integers(30, 3_600))
    def test_the_tolerance_holds_both_ways(self, skew_s, tolerance_s) -> None:
        if abs(skew_s) <= tolerance_s - 5:
            assert _shipbob(skew_s, tolerance_s)
        elif abs(skew_s) > tolerance_s + 5:
            assert not _shipbob(skew_s, tolerance_s)

    def test_a_replayed_signature_on_a_new_timestamp_fails(self) -> None:
        """Moving the timestamp into the window breaks the signature, which covers it."""
        t = target("shipbob")
        body = t.samples[0].raw_body()
        old = shipbob.headers(t.kit.settings["webhook_secret"], "m", int(time.time()) - 3_600,
                              body)  # fmt: skip
        moved = {**old, shipbob.TIMESTAMP_HEADER: str(int(time.time()))}
        assert not t.handle.verify_webhook(t.context(), WebhookRequest(body, moved))

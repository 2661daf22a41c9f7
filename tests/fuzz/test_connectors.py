"""Every connector's webhook verifier, parser and translator under hostile input.

The engine calls these through :class:`hub.dispatch.ConnectorHandle`, and so do these tests.
Properties, for every connector:

* a verifier never raises and says ``False`` to anything not signed with the channel's secret
  (random bodies, random or truncated headers, odd timestamps);
* a parser given a *genuinely signed* body of any shape returns inbox records or raises a
  :class:`hub.errors.HubError` (a 4xx naming the field), nothing else — a stray exception is
  a 5xx at the webhook endpoint;
* a translator given a mutated record (values of the wrong type, huge numbers, nasty text,
  deep nesting, fields dropped or added) returns valid canonical events or raises a
  ``HubError`` — a stray exception escapes the inbox's dead-letter path.

The handle turns a connector tripping over input into a ``ValidationError`` marked
``unreadable`` (:data:`hub.dispatch.UNREADABLE`); that net must never be needed here: every
connector names the bad field itself (:mod:`hub.records` has the path-naming accessors), so a
test fails when the net catches anything.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.connector import InboundMessage, WebhookRequest
from hub.errors import HubError
from hub.events import Event, parse_event
from tests.fuzz.strategies import ADVERSARIAL_BODIES, FUZZ, headers_for
from tests.fuzz.targets import CONNECTORS, HEADERS, fresh_square_notification, target

pytestmark = pytest.mark.parametrize("name", CONNECTORS)

#: Connectors whose own code names every bad field (the handle's safety net is never used):
#: all of them. A new connector belongs here from its first commit.
STRICT = frozenset(CONNECTORS)


def _only_hub_errors(name: str, call, *args):
    """``call(*args)``, or None when it raised a HubError; any other exception fails."""
    try:
        return call(*args)
    except HubError as exc:
        if name in STRICT and "unreadable" in exc.context:
            raise AssertionError(f"{name} tripped over its input: {exc.message}") from exc
        return None


class TestVerifiers:
    @FUZZ
    @given(data=st.data())
    def test_garbage_is_never_genuine_and_never_raises(self, name, data) -> None:
        """Random bodies with random values in the signature headers: False, no exception."""
        t = target(name)
        _, body = data.draw(t.bodies)
        headers = data.draw(headers_for(HEADERS[name]))
        assert t.handle.verify_webhook(t.context(), WebhookRequest(body, headers)) is False

    @FUZZ
    @given(data=st.data())
    def test_a_signed_body_with_tampered_headers_never_raises(self, name, data) -> None:
        """A genuine signature with one header replaced by garbage: a bool, no exception."""
        t = target(name)
        sample = data.draw(st.sampled_from(t.samples))
        request = t.signed(sample.raw_body(), dict(sample.headers))
        header = data.draw(st.sampled_from(sorted(request.headers)))
        garbage = data.draw(headers_for([header]))
        tampered = WebhookRequest(request.body, {**request.headers, **garbage})
        assert t.handle.verify_webhook(t.context(), tampered) in (True, False)

    @FUZZ
    @given(data=st.data())
    def test_a_changed_byte_breaks_the_signature(self, name, data) -> None:
        """Flipping any byte of a genuinely signed body makes it not genuine."""
        t = target(name)
        sample = data.draw(st.sampled_from(t.samples))
        body = sample.raw_body()
        if name == "square":
            body = fresh_square_notification(sample.body)
        request = t.signed(body, dict(sample.headers))
        assert t.handle.verify_webhook(t.context(), request) is True
        at = data.draw(st.integers(0, len(body) - 1))
        flipped = body[:at] + bytes([body[at] ^ data.draw(st.integers(1, 255))]) + body[at + 1 :]
        forged = WebhookRequest(flipped, request.headers)
        assert t.handle.verify_webhook(t.context(), forged) is False


class TestParsers:
    @pytest.mark.parametrize("body", ADVERSARIAL_BODIES, ids=range(len(ADVERSARIAL_BODIES)))
    def test_adversarial_bodies_are_a_hub_error(self, name, body) -> None:
        """Nesting past the recursion limit, numbers Python refuses, BOMs, NULs: never a crash."""
        t = target(name)
        request = WebhookRequest(body, dict(t.samples[0].headers))
        for message in _only_hub_errors(name, t.handle.parse_webhook, t.context(), request) or []:
            _check_events(_only_hub_errors(name, t.handle.translate, t.context(), message), name)

    @FUZZ
    @given(data=st.data())
    def test_any_body_parses_to_records_or_a_hub_error(self, name, data) -> None:
        """What a parser sees only after the signature verified: it still may be anything."""
        t = target(name)
        sample, body = data.draw(t.bodies)
        headers = {**sample.headers, **data.draw(headers_for(HEADERS[name][1:]))}
        request = WebhookRequest(body, headers)
        messages = _only_hub_errors(name, t.handle.parse_webhook, t.context(), request)
        for message in messages or []:
            assert isinstance(message, InboundMessage) and isinstance(message.topic, str)

    @FUZZ
    @given(data=st.data())
    def test_parsed_garbage_translates_to_events_or_a_hub_error(self, name, data) -> None:
        """Parse and translate in a row, as a delivery travels webhook → inbox → worker."""
        t = target(name)
        sample, body = data.draw(t.mutated_samples)
        request = t.signed(json.dumps(body).encode(), dict(sample.headers))
        ctx = t.context()
        for message in _only_hub_errors(name, t.handle.parse_webhook, ctx, request) or []:
            _check_events(_only_hub_errors(name, t.handle.translate, ctx, message), name)


class TestTranslators:
    @FUZZ
    @given(data=st.data())
    def test_mutated_records_become_valid_events_or_a_hub_error(self, name, data) -> None:
        t = target(name)
        topic, body = data.draw(t.mutated_records)
        message = InboundMessage(topic=topic, body=body, delivery_id="fuzz-1")
        _check_events(_only_hub_errors(name, t.handle.translate, t.context(), message), name)


def _check_events(events, name: str) -> None:
    for event in events or []:
        assert isinstance(event, Event)
        assert event.source == "fuzzed", f"{name}: an event must be sourced from its channel"
        assert parse_event(event.to_json()) == event  # the public wire form round-trips

"""Crashes and leaks the API fuzzing (tests/fuzz) found, each pinned on both databases."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from connectors.custom.protocol import DELIVERY_HEADER, SIGNATURE_HEADER, signature
from hub.models import EventRecord, ExceptionRecord, InboxMessage
from tests.api.conftest import OPS
from tests.engine.conftest import SECRET

HUGE = 2**63  # past SQLite's INTEGER: the driver raised OverflowError, a 500


class TestRecordIds:
    PATHS = [("GET", "/api/v1/dead-letters/{}"), ("POST", "/api/v1/dead-letters/{}/replay"),
             ("POST", "/api/v1/dead-letters/{}/discard"),
             ("PUT", "/api/v1/dead-letters/{}/payload"), ("GET", "/api/v1/exceptions/{}"),
             ("POST", "/api/v1/exceptions/{}/acknowledge"),
             ("POST", "/api/v1/exceptions/{}/resolve")]  # fmt: skip

    def test_an_id_beyond_the_column_is_422_not_500(self, client):
        for method, path in self.PATHS:
            for number in (HUGE, 2**31, 0):
                answer = client.request(method, path.format(number), headers=OPS,
                                        json={"reason": "r", "note": "n"})  # fmt: skip
                assert answer.status_code == 422, (method, path, number, answer.text)
                assert answer.json()["field"] in ("path.letter_id", "path.record_id")

    def test_replaying_huge_ids_is_422(self, client):
        answer = client.post("/api/v1/dead-letters/replay", json={"ids": [HUGE]}, headers=OPS)
        assert answer.status_code == 422 and answer.json()["field"] == "body.ids[0]"

    def test_the_dashboard_refuses_a_huge_id(self, client):
        client.cookies.set("stockhub_token", OPS["Authorization"].split()[1])
        assert client.get(f"/dead-letters/{HUGE}").status_code < 500


class TestTokenBeforeBody:
    @pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b'{"reason": '])
    @pytest.mark.parametrize(
        "path", ["/api/v1/channels/web/pause", "/api/v1/dead-letters/replay",
                 "/api/v1/exceptions/1/resolve"],
    )  # fmt: skip
    def test_a_malformed_body_without_a_token_is_401(self, client, path, body):
        """FastAPI reads the body before the token dependency: it used to answer 400/422."""
        answer = client.post(path, content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 401, answer.text
        assert answer.headers["www-authenticate"] == "Bearer"

    def test_a_read_token_with_a_malformed_body_is_403(self, client):
        from tests.api.conftest import READ

        answer = client.post("/api/v1/channels/web/pause", content=b"{",
                             headers={**READ, "Content-Type": "application/json"})  # fmt: skip
        assert answer.status_code == 403 and answer.json()["error"] == "this token may only read"


class TestDeepNesting:
    DEEP = "[" * 20_000  # the test hub refuses bodies over 64 KiB; 1,000 levels break json

    def test_events_nested_past_the_parser_limit_are_422_and_write_nothing(self, client, api_hub):
        for content, kind in ((self.DEEP, "application/json"),
                              ('{"a":' * 5_000, "application/json"),
                              (self.DEEP + "\n", "application/x-ndjson")):  # fmt: skip
            answer = client.post("/api/v1/events", content=content,
                                 headers={**OPS, "Content-Type": kind})  # fmt: skip
            assert answer.status_code == 422, answer.text[:300]
        with api_hub.session() as session:
            assert session.exec(select(EventRecord)).all() == []
            rejected = session.exec(select(ExceptionRecord)).all()
        assert [r.kind for r in rejected] == ["invalid_event"]  # the NDJSON line, kept

    def test_a_signed_webhook_nested_past_the_limit_is_422_and_stores_nothing(
        self, client, api_hub
    ):
        body = self.DEEP.encode()
        headers = {SIGNATURE_HEADER: signature(body, SECRET), DELIVERY_HEADER: "deep-1"}
        answer = client.post("/webhooks/pos", content=body, headers=headers)
        assert answer.status_code == 422 and answer.json()["field"] == "body", answer.text
        with api_hub.session() as session:
            assert session.exec(select(InboxMessage)).all() == []


def test_metrics_are_documented_as_text(client):
    """The OpenAPI document said application/json; Prometheus text is what is served."""
    document = client.get("/openapi.json").json()
    assert "text/plain" in document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")


def test_the_exception_log_keeps_a_rejected_event_without_applying_it(client, api_hub):
    bad = {"id": "x/1", "type": "stock.adjusted", "source": "pos", "occurred_at": "nope",
           "data": {}}  # fmt: skip
    answer = client.post("/api/v1/events", content=json.dumps(bad), headers=OPS)
    assert answer.status_code == 422 and answer.json()["summary"]["applied"] == 0

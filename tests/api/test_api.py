"""The HTTP API end to end over a real hub: auth, webhooks, events, stock, ops actions, errors."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from connectors.custom.protocol import DELIVERY_HEADER, SIGNATURE_HEADER, signature
from hub.models import DeadLetter, ExceptionRecord, InboxMessage
from hub.sync import inbox
from tests.api.conftest import OPS, READ
from tests.engine.conftest import SECRET


def sale(n: int, sku: str = "SKU-000", delta: int = -1) -> dict:
    return {"id": f"pos/sale/{n}", "type": "stock.adjusted", "source": "pos",
            "occurred_at": f"2026-11-22T10:{n % 60:02d}:00Z",
            "data": {"sku": sku, "location": "shop", "delta": delta, "reason": "sale"}}  # fmt: skip


def signed(body: bytes, delivery: str, secret: str = SECRET) -> dict[str, str]:
    return {SIGNATURE_HEADER: signature(body, secret), DELIVERY_HEADER: delivery,
            "Content-Type": "application/json"}  # fmt: skip


def on_hand(client, sku: str = "SKU-000", where: str = "shop") -> int:
    view = client.get(f"/api/v1/stock/{sku}", headers=READ).json()
    return view["locations"].get(where, {}).get("on_hand", 0)


def dead_letter(client, api_hub) -> int:
    """A webhook the connector cannot translate: processing it gives up into a dead letter."""
    bad = sale(7, delta=3)
    bad["data"]["delta"] = "three"
    body = json.dumps(bad).encode()
    assert client.post("/webhooks/pos", content=body, headers=signed(body, "d-bad")).json() == {
        "stored": 1, "duplicates": 0}  # fmt: skip
    with api_hub.session() as session:
        (row,) = session.exec(select(InboxMessage)).all()
    assert inbox.process(api_hub, [row.id]).dead == [row.id]
    (letter,) = client.get("/api/v1/dead-letters", headers=READ).json()
    return letter["id"]


GETS = ["/api/v1/stock", "/api/v1/stock/SKU-000", "/api/v1/channels/web/stock", "/api/v1/returns",
        "/api/v1/dead-letters", "/api/v1/dead-letters/1", "/api/v1/exceptions",
        "/api/v1/exceptions/1", "/api/v1/channels"]  # fmt: skip
POSTS = ["/api/v1/events", "/api/v1/dead-letters/1/replay", "/api/v1/dead-letters/replay",
         "/api/v1/dead-letters/1/discard", "/api/v1/exceptions/1/acknowledge",
         "/api/v1/exceptions/1/resolve", "/api/v1/channels/web/pause",
         "/api/v1/channels/web/resume"]  # fmt: skip


class TestTokens:
    @pytest.mark.parametrize("path", GETS + POSTS)
    def test_no_token_is_401_and_a_wrong_one_403(self, client, path):
        call = client.get if path in GETS else client.post
        missing = call(path)
        assert missing.status_code == 401, missing.text
        assert missing.headers["www-authenticate"] == "Bearer"
        assert missing.json()["field"] == "Authorization"
        wrong = call(path, headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 403, wrong.text

    @pytest.mark.parametrize("path", POSTS)
    def test_the_read_token_cannot_act(self, client, path):
        answer = client.post(path, headers=READ, json={})
        assert answer.status_code == 403
        assert answer.json()["error"] == "this token may only read"

    def test_the_read_token_reads_and_the_ops_token_does_both(self, client):
        assert client.get("/api/v1/channels", headers=READ).status_code == 200
        assert client.get("/api/v1/channels", headers=OPS).status_code == 200

    def test_with_no_token_configured_every_ops_endpoint_is_closed(self, api_hub, monkeypatch):
        from fastapi.testclient import TestClient

        from hub.api import create_app
        from hub.config import ApiSection

        monkeypatch.delenv("STOCKHUB_OPS_TOKEN")
        api_hub.settings = api_hub.settings.model_copy(update={"api": ApiSection()})
        client = TestClient(create_app(api_hub, publish=False))
        answer = client.get("/api/v1/channels", headers={"Authorization": "Bearer "})
        assert answer.status_code == 401 and "STOCKHUB_OPS_TOKEN" in answer.json()["fix"]
        assert client.get("/healthz").status_code == 200


class TestWebhooks:
    def test_a_signed_delivery_is_stored_once_and_applied_by_the_worker_path(
        self, client, api_hub
    ):
        body = json.dumps(sale(1, delta=5)).encode()
        first = client.post("/webhooks/pos", content=body, headers=signed(body, "d-1"))
        again = client.post("/webhooks/pos", content=body, headers=signed(body, "d-1"))
        assert first.json() == {"stored": 1, "duplicates": 0}
        assert again.json() == {"stored": 0, "duplicates": 1}
        with api_hub.session() as session:
            ids = [row.id for row in session.exec(select(InboxMessage))]
        assert on_hand(client) == 0  # acknowledged before processing
        inbox.process(api_hub, ids)
        assert on_hand(client) == 5

    def test_a_forged_signature_is_401_and_nothing_is_written(self, client, api_hub):
        body = json.dumps(sale(2)).encode()
        answer = client.post("/webhooks/pos", content=body,
                             headers=signed(body, "d-2", secret="forged"))  # fmt: skip
        assert answer.status_code == 401 and answer.json()["field"] == "signature"
        unsigned = client.post("/webhooks/pos", content=body)
        assert unsigned.status_code == 401
        with api_hub.session() as session:
            assert session.exec(select(InboxMessage)).all() == []

    def test_an_unknown_channel_is_404_naming_the_channels(self, client):
        answer = client.post("/webhooks/nope", content=b"{}")
        assert answer.status_code == 404
        assert answer.json()["field"] == "channel" and "web, pos" in answer.json()["fix"]

    def test_a_body_over_the_limit_is_413_before_anything_reads_it(self, client, api_hub):
        body = b"x" * (64 * 1024 + 1)
        assert client.post("/webhooks/pos", content=body).status_code == 413

        def chunks():  # no Content-Length: counted while streaming
            for _ in range(80):
                yield b"y" * 1024

        assert client.post("/webhooks/pos", content=chunks()).status_code == 413
        with api_hub.session() as session:
            assert session.exec(select(InboxMessage)).all() == []


class TestEvents:
    def test_one_a_list_and_ndjson_apply_once_each(self, client):
        one = client.post("/api/v1/events", json=sale(1, delta=10), headers=OPS)
        assert one.status_code == 200 and one.json()["summary"]["applied"] == 1
        many = client.post("/api/v1/events", json=[sale(2), sale(3)], headers=OPS)
        assert many.json()["summary"] == {"applied": 2, "duplicate": 0, "parked": 0,
                                          "rejected": 0}  # fmt: skip
        lines = "\n".join(json.dumps(e) for e in (sale(3), sale(4), sale(5)))
        nd = client.post("/api/v1/events", content=lines,
                         headers={**OPS, "Content-Type": "application/x-ndjson"})  # fmt: skip
        assert nd.json()["summary"]["duplicate"] == 1 and nd.json()["summary"]["applied"] == 2
        assert [e["line"] for e in nd.json()["events"]] == [1, 2, 3]
        assert on_hand(client) == 10 - 4

    def test_a_bad_event_is_422_naming_the_field_and_the_good_ones_still_apply(self, client):
        bad = sale(9)
        bad["data"]["delta"] = "lots"
        answer = client.post("/api/v1/events", json=[sale(8, delta=2), bad], headers=OPS)
        assert answer.status_code == 422
        body = answer.json()
        assert body["field"] == "data.delta" and body["summary"]["rejected"] == 1
        assert body["events"][1]["index"] == 1 and body["events"][0]["status"] == "applied"
        assert on_hand(client) == 2

    @pytest.mark.parametrize(
        ("content", "needle"),
        [(b"{not json", "malformed JSON"), (b"42", "expected an event object"),
         (b"[]", "no events"), (b"\xff\xfe", "UTF-8")],
    )  # fmt: skip
    def test_a_body_that_is_not_events_is_422(self, client, content, needle):
        answer = client.post("/api/v1/events", content=content,
                             headers={**OPS, "Content-Type": "application/json"})  # fmt: skip
        assert answer.status_code == 422 and needle in answer.json()["error"]
        assert answer.json()["field"] == "body"


class TestStock:
    def test_the_stock_view_is_the_public_v1_format(self, client):
        client.post("/api/v1/events", json=sale(1, delta=4), headers=OPS)
        view = client.get("/api/v1/stock/SKU-000", headers=READ).json()
        assert set(view) == {"sku", "locations", "channels", "oversold"}
        assert view["channels"]["pos"] == {"atp": 4, "last_pushed": None, "pushed_at": None}

    def test_unknown_sku_is_404_naming_the_field(self, client):
        answer = client.get("/api/v1/stock/NOPE", headers=READ)
        assert answer.status_code == 404 and answer.json()["field"] == "sku"

    def test_pages_follow_the_next_cursor(self, client):
        first = client.get("/api/v1/stock?limit=3", headers=READ).json()
        rest = client.get(f"/api/v1/stock?limit=3&after={first['next']}", headers=READ).json()
        codes = [v["sku"] for v in first["items"] + rest["items"]]
        assert codes == [f"SKU-{i:03d}" for i in range(5)] and rest["next"] is None

    def test_per_channel_stock_shows_atp_and_the_last_push(self, client, api_hub):
        from hub.sync.push import push_channel

        client.post("/api/v1/events", json=sale(1, delta=6), headers=OPS)
        push_channel(api_hub, "pos")
        items = client.get("/api/v1/channels/pos/stock", headers=READ).json()["items"]
        assert items[0]["sku"] == "SKU-000" and items[0]["atp"] == items[0]["last_pushed"] == 6
        assert items[0]["pushed_at"].endswith("Z")


class TestDeadLetters:
    def test_inspect_edit_and_replay_resolves_it(self, client, api_hub):
        letter_id = dead_letter(client, api_hub)
        full = client.get(f"/api/v1/dead-letters/{letter_id}", headers=READ).json()
        assert full["task"] == "inbox" and "delta" in full["error"]
        assert full["payload"]["body"]["data"]["delta"] == "three" and full["history"]
        fixed = {**full["payload"], "body": sale(7, delta=3)}
        answer = client.put(f"/api/v1/dead-letters/{letter_id}/payload?replay=true", json=fixed,
                            headers=OPS)  # fmt: skip
        assert answer.status_code == 200 and "processed 1" in answer.json()["outcome"]
        assert on_hand(client) == 3
        assert client.get("/api/v1/dead-letters", headers=READ).json() == []
        resolved = client.get("/api/v1/dead-letters?status=resolved", headers=READ).json()
        assert [r["id"] for r in resolved] == [letter_id]

    def test_replay_all_filtered_and_discard_with_a_reason(self, client, api_hub):
        letter_id = dead_letter(client, api_hub)
        none = client.post("/api/v1/dead-letters/replay", json={"channel": "web"}, headers=OPS)
        assert none.json() == {"replayed": 0, "failed": 0, "results": []}
        again = client.post("/api/v1/dead-letters/replay", json={"channel": "pos"}, headers=OPS)
        assert again.json()["failed"] == 1  # still untranslatable: it fails again, stays open
        no_reason = client.post(f"/api/v1/dead-letters/{letter_id}/discard", json={}, headers=OPS)
        assert no_reason.status_code == 422 and no_reason.json()["field"] == "body.reason"
        done = client.post(f"/api/v1/dead-letters/{letter_id}/discard",
                           json={"reason": "test record"}, headers=OPS)  # fmt: skip
        assert done.json()["status"] == "discarded"
        with api_hub.session() as session:
            assert "test record" in session.get(DeadLetter, letter_id).note

    def test_a_missing_letter_is_404(self, client):
        assert client.get("/api/v1/dead-letters/999", headers=READ).status_code == 404
        assert client.post("/api/v1/dead-letters/999/replay", headers=OPS).status_code == 404


class TestExceptionsAndChannels:
    def test_filter_acknowledge_and_resolve_with_a_note(self, client, api_hub):
        bad = sale(9)
        bad["data"]["location"] = "mars"
        client.post("/api/v1/events", json=bad, headers=OPS)
        (record,) = client.get("/api/v1/exceptions", headers=READ).json()
        assert record["kind"] == "invalid" and "mars" in record["message"]
        assert client.get("/api/v1/exceptions?kind=oversold", headers=READ).json() == []
        assert client.get("/api/v1/exceptions?channel=web", headers=READ).json() == []
        path = f"/api/v1/exceptions/{record['id']}"
        assert client.post(f"{path}/acknowledge", headers=OPS).json()["status"] == "acknowledged"
        empty = client.post(f"{path}/resolve", json={"note": ""}, headers=OPS)
        assert empty.status_code == 422 and empty.json()["field"] == "body.note"
        done = client.post(f"{path}/resolve", json={"note": "typo fixed upstream"}, headers=OPS)
        assert done.json()["status"] == "resolved"
        assert done.json()["resolution_note"] == "typo fixed upstream"
        with api_hub.session() as session:
            assert session.get(ExceptionRecord, record["id"]).status == "resolved"

    def test_pause_and_resume_show_in_health(self, client):
        paused = client.post("/api/v1/channels/web/pause", json={"reason": "vendor outage"},
                             headers=OPS)  # fmt: skip
        assert paused.json()["outcome"] == "paused"
        health = {c["channel"]: c for c in client.get("/api/v1/channels", headers=READ).json()}
        assert health["web"]["status"] == "paused"
        assert health["web"]["paused_reason"] == "vendor outage"
        resumed = client.post("/api/v1/channels/web/resume", headers=OPS).json()
        assert resumed["outcome"].startswith("resumed")
        assert client.post("/api/v1/channels/nope/pause", headers=OPS).status_code == 404


class TestBadInputNeverFails:
    @pytest.mark.parametrize(
        ("method", "path", "body", "field"),
        [
            ("get", "/api/v1/stock?limit=0", None, "query.limit"),
            ("get", "/api/v1/stock?limit=many", None, "query.limit"),
            ("get", "/api/v1/dead-letters?status=bogus", None, "query.status"),
            ("get", "/api/v1/dead-letters?task=bogus", None, "query.task"),
            ("get", "/api/v1/dead-letters/abc", None, "path.letter_id"),
            ("get", "/api/v1/exceptions?status=bogus", None, "query.status"),
            ("get", "/api/v1/exceptions/abc", None, "path.record_id"),
            ("post", "/api/v1/dead-letters/replay", {"ids": ["x"]}, "body.ids[0]"),
            ("post", "/api/v1/dead-letters/replay", {"ids": [0]}, "body.ids[0]"),
            ("post", "/api/v1/dead-letters/replay", {"extra": 1}, "body.extra"),
            ("post", "/api/v1/channels/web/pause", {"reason": ""}, "body.reason"),
            ("put", "/api/v1/dead-letters/1/payload", [1], "body"),
            ("get", "/api/v1/returns?limbo=perhaps", None, "query.limbo"),
        ],
    )  # fmt: skip
    def test_bad_input_is_4xx_with_the_field(self, client, method, path, body, field):
        answer = client.request(method.upper(), path, json=body, headers=OPS)
        assert 400 <= answer.status_code < 500, answer.text
        assert answer.json()["field"] == field, answer.json()
        assert answer.json()["error"]


class TestPublished:
    def test_the_openapi_document_is_valid_openapi(self, client):
        from openapi_spec_validator import validate

        document = client.get("/openapi.json").json()
        validate(document)
        paths = set(document["paths"])
        assert {
            "/webhooks/{channel}", "/api/v1/events", "/api/v1/stock/{sku}",
            "/api/v1/dead-letters/{letter_id}/replay", "/api/v1/exceptions/{record_id}/resolve",
            "/api/v1/channels/{channel}/pause", "/healthz", "/readyz", "/metrics",
        } <= paths  # fmt: skip

    def test_health_and_readiness(self, client, monkeypatch, tmp_path):
        monkeypatch.chdir(tmp_path)  # the embedded broker's file lands here
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ok", "database": "ok", "broker": "ok"}

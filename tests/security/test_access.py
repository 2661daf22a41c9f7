"""Who may call what, and how much they may send.

Every operation under ``/api/v1`` is enumerated from the application's OpenAPI document (a
new endpoint is covered the day it is added): no token → 401, a wrong token → 403,
the read token on anything but GET → 403 ``this token may only read``, the read token on a GET
→ neither. ``/metrics`` needs a token when ``[api] metrics_public = false``. The body limit
holds on every endpoint that takes a body, with or without ``Content-Length``.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from hub.api import create_app
from hub.config import ApiSection
from hub.models import EventRecord, InboxMessage
from tests.api.conftest import OPS, READ


def _routes(app) -> list[tuple[str, str]]:
    """(method, path) of every /api/v1 operation, from the application's own OpenAPI document."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/api/v1"):
            concrete = re.sub(r"\{[a-z_]+\}", "1", path.replace("{channel}", "web"))
            found += [(method.upper(), concrete) for method in sorted(operations)]
    return found


@pytest.fixture
def routes(api_hub) -> list[tuple[str, str]]:
    found = _routes(create_app(api_hub, publish=False))
    assert len(found) >= 17, found  # the API reference lists 17 operations under /api/v1
    return found


def test_every_ops_route_needs_a_valid_token(client, routes) -> None:
    for method, path in routes:
        missing = client.request(method, path, json={})
        assert missing.status_code == 401, (method, path, missing.text)
        assert missing.headers["www-authenticate"] == "Bearer"
        for wrong in ("Bearer not-the-token", "Basic b3BzOm9wcw==", "Bearer ", "bearer"):
            answer = client.request(method, path, json={}, headers={"Authorization": wrong})
            assert answer.status_code in (401, 403), (method, path, wrong, answer.text)


def test_the_read_token_reads_and_never_acts(client, routes) -> None:
    for method, path in routes:
        answer = client.request(method, path, json={}, headers=READ)
        if method == "GET":
            assert answer.status_code not in (401, 403), (method, path, answer.text)
        else:
            assert answer.status_code == 403, (method, path, answer.text)
            assert answer.json()["error"] == "this token may only read"


def test_a_token_in_the_query_string_is_not_accepted(client) -> None:
    token = OPS["Authorization"].split()[1]
    assert client.get(f"/api/v1/channels?token={token}").status_code == 401
    assert client.get(f"/api/v1/channels?access_token={token}").status_code == 401


def test_private_metrics_need_a_token(api_hub) -> None:
    api = api_hub.settings.api.model_copy(update={"metrics_public": False})
    api_hub.settings = api_hub.settings.model_copy(update={"api": api})
    client = TestClient(create_app(api_hub, publish=False))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=READ).status_code == 200


def test_tokens_in_the_file_are_refused() -> None:
    with pytest.raises(ValueError, match="not the token"):
        ApiSection(ops_token="literally-the-token")


BODIES = [("POST", "/webhooks/pos"), ("POST", "/api/v1/events"),
          ("POST", "/api/v1/dead-letters/replay"), ("PUT", "/api/v1/dead-letters/1/payload"),
          ("POST", "/api/v1/channels/web/pause"), ("POST", "/api/v1/exceptions/1/resolve"),
          ("POST", "/api/v1/dead-letters/1/discard")]  # fmt: skip
LIMIT = 64 * 1024  # tests/api/conftest.py


class TestBodyLimit:
    @pytest.mark.parametrize(("method", "path"), BODIES)
    def test_over_the_limit_is_413_with_or_without_a_length(self, client, method, path):
        big = b"[" + b"1," * (LIMIT // 2) + b"1]"
        sized = client.request(method, path, content=big, headers=OPS)
        assert sized.status_code == 413, sized.text[:200]
        assert sized.json()["field"] == "body"

        def chunks():
            for _ in range(LIMIT // 1024 + 2):
                yield b" " * 1024

        streamed = client.request(method, path, content=chunks(), headers=OPS)
        assert streamed.status_code == 413, streamed.text[:200]

    def test_a_lying_or_odd_content_length_is_refused(self, client, api_hub) -> None:
        for length in ("-1", "1e9", "abc", str(LIMIT + 1), " 5", "99999999999999999999"):
            answer = client.post("/api/v1/events", content=b"{}",
                                 headers={**OPS, "Content-Length": length})  # fmt: skip
            assert answer.status_code in (400, 413), (length, answer.status_code)

    def test_the_limit_applies_before_the_token_is_checked(self, client) -> None:
        """An anonymous client cannot make the hub read a large body either."""
        assert client.post("/api/v1/events", content=b"x" * (LIMIT + 1)).status_code == 413

    def test_just_under_the_limit_is_read(self, client, api_hub) -> None:
        body = b'{"id": "a", "type": "nope", "pad": "' + b"x" * (LIMIT - 100) + b'"}\n'
        assert len(body) < LIMIT
        answer = client.post("/api/v1/events", content=body,
                             headers={**OPS, "Content-Type": "application/x-ndjson"})  # fmt: skip
        assert answer.status_code == 422  # read and judged, not refused unread
        with api_hub.session() as session:
            assert session.exec(select(EventRecord)).all() == []
            assert session.exec(select(InboxMessage)).all() == []

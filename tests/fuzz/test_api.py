"""The HTTP API fuzzed through its own OpenAPI document (schemathesis).

For every operation, with inputs generated from the schema (valid and invalid):

* with the ops token: never a 5xx; the answer has the documented content type and, for a
  documented status, the documented shape; a 4xx is ``{"error", "field", "fix"}`` with an
  error message, and writes nothing (every watched table is byte-for-byte as before — the one
  documented exception: ``POST /api/v1/events`` keeps each rejected event in the exception log);
* without a token: every ``/api/v1`` operation answers 401 and writes nothing.

``STOCKHUB_FUZZ_API_EXAMPLES`` sets the examples per operation (default 25: the default suite
stays quick; raise it to search longer).
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from hub.api import create_app
from tests.api.conftest import OPS
from tests.fuzz.conftest import WATCHED, fingerprint

API_EXAMPLES = int(os.environ.get("STOCKHUB_FUZZ_API_EXAMPLES", "25"))
API_FUZZ = settings(
    max_examples=API_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
EVENTS = ("POST", "/api/v1/events")
#: A rejected event is kept, as ``rejected`` in the event log and in the exception log
#: (docs/api.md); the good events of a mixed batch still apply, and nothing else changes.
RECORDS_REJECTIONS = {"event", "exception_record"}


def _document() -> dict:
    """The OpenAPI document, from an application around a stand-in hub (the document depends on
    the routes, not on data); each test then calls the application around its own hub."""
    from hub.config import Settings

    return create_app(SimpleNamespace(settings=Settings()), publish=False).openapi()


schema = schemathesis.openapi.from_dict(_document()).exclude(path="/readyz")


@pytest.fixture
def app(fuzz_hub):
    return create_app(fuzz_hub, publish=False)


@schema.parametrize()
@API_FUZZ
def test_no_server_error_and_no_write_from_rejected_input(case, app, fuzz_hub) -> None:
    before, applied = fingerprint(fuzz_hub), _applied(fuzz_hub)
    response = case.call(app=app, headers={**(case.headers or {}), **OPS})
    case.validate_response(response, checks=CHECKS)
    if not 400 <= response.status_code < 500:
        return
    body = response.json()
    assert body.get("error"), f"a {response.status_code} must say what is wrong: {body}"
    assert "field" in body and "fix" in body, body
    after = fingerprint(fuzz_hub)
    changed = {table for table in after if after[table] != before[table]}
    if response.status_code == 409 and "failed again" in body["error"]:
        return  # not a rejection: the replay ran (no worker here) and its failure is recorded
    if (case.method.upper(), case.path) == EVENTS:
        good = (body.get("summary") or {}).get("applied", 0)
        assert _applied(fuzz_hub) == applied + good, "only the good events of a batch apply"
        changed -= RECORDS_REJECTIONS if good == 0 else set(WATCHED)
    assert not changed, f"{case.method} {case.path} answered {response.status_code} " \
        f"but wrote to {sorted(changed)}"  # fmt: skip


@schema.include(path_regex=r"^/api/v1/").parametrize()
@settings(API_FUZZ, max_examples=max(API_EXAMPLES // 5, 3))
def test_every_ops_endpoint_needs_a_token(case, app, fuzz_hub) -> None:
    before = fingerprint(fuzz_hub)
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    response = case.call(app=app, headers=headers)
    if response.status_code == 413:
        pass  # the size limit is checked before anything else reads the request
    elif case.method.upper() != case.operation.method.upper():  # a method this path lacks
        assert response.status_code in (401, 405), (case.method, case.path, response.text)
    else:
        assert response.status_code == 401, (case.method, case.path, response.text)
        assert response.headers["www-authenticate"] == ["Bearer"]
    assert fingerprint(fuzz_hub) == before


def _applied(hub) -> int:
    with hub.engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT count(*) FROM event WHERE status = 'applied'")
        ).scalar_one()

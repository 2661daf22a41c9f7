"""The saved OpenAPI is the judge: the connector's requests and the sandbox's answers follow it.

Every request a full pull of stock (both counting modes), orders and returns makes is checked
by the sandbox against the saved document of its version (2026-01 and 2025-07) — none is
refused — and every answer is validated with jsonschema against the operation's response
schema; webhook records against ``Orders.ShipmentViewModel`` / ``Returns.PublicReturnDto``. The
validator itself refuses what the spec forbids, so these checks can fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from connectors.shipbob import schema
from connectors.shipbob.sandbox import ShipBobSandbox
from connectors.shipbob.settings import API_VERSIONS
from hub.connector import Resource

SAMPLES = Path(__file__).resolve().parents[3] / "connectors" / "shipbob" / "samples"
AUTH = {"Authorization": "Bearer pat_sandbox_5e1d0c"}


@pytest.fixture(autouse=True)
def _specs(shipbob_specs) -> None:
    assert schema.source() == "saved"


def recording(sandbox: ShipBobSandbox, seen: list) -> httpx.MockTransport:
    inner = sandbox.transport()

    def answer(request: httpx.Request) -> httpx.Response:
        response = inner.handle_request(request)
        response.read()
        seen.append((request, response))
        return response

    return httpx.MockTransport(answer)


@pytest.mark.parametrize("version", API_VERSIONS)
@pytest.mark.parametrize("account_location", ["", "3pl-shipbob"])
def test_every_request_and_answer_of_a_full_pull_follows_the_spec(
    handle, context, sandbox, version, account_location
) -> None:
    seen: list = []
    ctx = context(recording(sandbox, seen), api_version=version, account_location=account_location)
    for resource in Resource:
        cursor = None
        while True:
            _, page = handle.pull(ctx, resource, cursor, limit=3)
            cursor = page.cursor
            if not page.has_more:
                break
    assert sandbox.rejected == []
    assert {r.url.path for r, _ in seen} >= {f"/{version}/order", f"/{version}/return"}
    for request, response in seen:
        assert response.status_code == 200, (request.url, response.text)
        name = schema.response_schema(version, "GET", request.url.path)
        errors = [e.message for e in schema.validator(version, name).iter_errors(response.json())]
        assert errors == [], (request.url, errors[:3])


def test_sandbox_refuses_what_the_spec_does_not_allow(sandbox) -> None:
    """Undeclared parameter, out-of-range value, bad date, unknown path, no token."""
    for url, status in (
        ("/2026-01/order?Updated=1", 400),
        ("/2026-01/order?Limit=251", 400),
        ("/2026-01/order?LastUpdateStartDate=yesterday", 400),
        ("/2026-01/return?SortOrder=Sideways", 400),
        ("/2026-01/inventory-level/locations?IsActive=maybe", 400),
        ("/2026-01/inventory-levels", 404),
        ("/2024-01/order", 404),
    ):
        reply = sandbox.handle("GET", url, AUTH)
        assert reply.status == status, (url, reply.body)
    assert sandbox.handle("GET", "/2026-01/order", {}).status == 401


def test_webhook_subscription_body_is_validated(sandbox) -> None:
    """POST /webhook: the spec's whsec_ pattern and topic enum are enforced (422)."""
    good = {"url": "https://hub.example/webhooks/shipbob", "topics": ["order.shipped"],
            "secret": "whsec_" + "a" * 32}  # fmt: skip
    bad = {**good, "topics": ["order.created"], "secret": "not-a-secret"}
    reply = sandbox.handle("POST", "/2026-01/webhook", AUTH, json.dumps(good).encode())
    assert reply.status == 200 and reply.body["topics"] == ["order.shipped"]
    refused = sandbox.handle("POST", "/2026-01/webhook", AUTH, json.dumps(bad).encode())
    assert refused.status == 422 and "order.created" in refused.body["detail"]


def test_webhook_records_follow_the_resource_schemas() -> None:
    """Sample deliveries (made by the sandbox) validate as ShipmentViewModel / PublicReturnDto."""
    for path in sorted(SAMPLES.glob("*.json")):
        sample = json.loads(path.read_text())
        name = "Orders.ShipmentViewModel" if sample["topic"].startswith("order.") else (
            "Returns.PublicReturnDto")  # fmt: skip
        errors = [e.message for e in schema.validator("2026-01", name).iter_errors(sample["body"])]
        assert errors == [], (path.name, errors[:3])
    broken = {"id": "seven", "status": "Completed"}
    assert list(schema.validator("2026-01", "Orders.ShipmentViewModel").iter_errors(broken))


def test_topics_are_the_documented_enum(contract_notes) -> None:
    from connectors.shipbob import translate, webhooks

    documented = set(contract_notes["webhooks"]["topics_2025_07_enum"])
    assert webhooks.TOPICS == documented
    assert translate.ORDER_TOPICS | translate.RETURN_TOPICS == documented

"""The Square sandbox: contract validation, signatures, throttling, HTTP and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from connectors.square import schema, webhooks
from connectors.square.sandbox import SANDBOX_TOKEN, SquareSandbox
from connectors.square.sandbox_seed import ONLINE, PRODUCTS, STORE
from hub.connector import PushStatus, Resource, StockUpdate, WebhookRequest

AUTH = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}
ROOT = Path(__file__).resolve().parents[3]


def test_requests_are_validated_against_the_saved_openapi(square_specs, sandbox) -> None:
    """A misspelt field and a number where Square wants a decimal string: 400 BAD_REQUEST
    naming both, nothing applied."""
    body = {"idempotency_key": "k", "changes": [{"type": "PHYSICAL_COUNT", "physical_count": {
        "catalog_object_id": PRODUCTS[0][1], "location_id": ONLINE, "state": "IN_STOCK",
        "quantity": 5, "occured_at": "2026-11-22T10:00:00Z"}}]}  # fmt: skip
    reply = sandbox.handle("POST", "/v2/inventory/changes/batch-create", AUTH,
                           json.dumps(body).encode())  # fmt: skip
    details = " ".join(e["detail"] for e in reply.body["errors"])
    assert reply.status == 400 and "occured_at" in details and "quantity" in details
    assert sandbox.push_batch_sizes == []


def test_read_only_states_are_refused(sandbox) -> None:
    """Square's READ-ONLY states cannot be written: INVALID_VALUE on the change's state."""
    from connectors.square import translate

    change = translate.physical_count(PRODUCTS[0][1], ONLINE, 1,
                                      sandbox.store.now(), "r")  # fmt: skip
    change["physical_count"]["state"] = "RESERVED_FOR_SALE"
    reply = sandbox.handle(
        "POST",
        "/v2/inventory/changes/batch-create",
        AUTH,
        json.dumps({"idempotency_key": "r", "changes": [change]}).encode(),
    )
    assert reply.status == 400
    assert reply.body["errors"][0]["field"] == "changes[0].physical_count.state"


def test_connector_traffic_is_valid_for_every_operation(square_specs, handle, context) -> None:
    """Pushes, count pulls, order searches and order reads all pass strict validation."""
    sandbox = SquareSandbox.seeded()
    ctx = context(sandbox.transport())
    handle.push_stock(ctx, [StockUpdate("S", "o", 3, PRODUCTS[0][1], ONLINE)])
    for resource in Resource:
        handle.pull(ctx, resource, None, 100)
    sandbox.subscribe(lambda body, headers: handle.parse_webhook(
        ctx, WebhookRequest(body, headers)) and 200)  # fmt: skip
    sandbox.act(lambda s: s.sell([(PRODUCTS[0][1], 1)], STORE))
    operations = {op for op, _ in sandbox.requests}
    assert operations == {"BatchChangeInventory", "BatchRetrieveInventoryCounts",
                          "SearchOrders", "RetrieveOrder"}  # fmt: skip
    assert sandbox.api.validated >= 4 and sandbox.api.invalid == []


def test_sandbox_answers_validate_against_the_response_schemas(square_specs, sandbox) -> None:
    """What the sandbox answers is what Square's schemas describe (non-strict)."""
    for path, body, name in (
        (
            "/v2/inventory/counts/batch-retrieve",
            {"limit": 5},
            "BatchRetrieveInventoryCountsResponse",
        ),
        ("/v2/orders/search", {"location_ids": [STORE]}, "SearchOrdersResponse"),
    ):
        reply = sandbox.handle("POST", path, AUTH, json.dumps(body).encode())
        assert reply.status == 200 and schema.problems(name, reply.body, strict=False) == []
    order = next(iter(sandbox.store.orders))
    reply = sandbox.handle("GET", f"/v2/orders/{order}", AUTH, b"")
    assert schema.problems("RetrieveOrderResponse", reply.body, strict=False) == []


def test_notifications_are_signed_for_the_url_and_match_the_event_schemas(square_specs) -> None:
    """Every notification of a sale and a return verifies and fits its event schema."""
    sandbox, got = SquareSandbox.seeded(), []
    sandbox.subscribe(lambda body, headers: got.append((body, headers)) or 200)
    sale = sandbox.act(lambda s: s.sell([(PRODUCTS[0][1], 1)], STORE))
    line = sandbox.store.orders[sale]["line_items"][0]["uid"]
    sandbox.act(lambda s: s.return_items(sale, [(line, 1)]))
    names = {
        "inventory.count.updated": "InventoryCountUpdatedEvent",
        "order.created": "OrderCreatedEvent",
        "refund.created": "RefundCreatedEvent",
    }
    for body, headers in got:
        note = json.loads(body)
        assert webhooks.is_signed(WebhookRequest(body, headers), sandbox.signature_key,
                                  sandbox.notification_url)  # fmt: skip
        assert schema.problems(names[note["type"]], note, strict=False) == [], note["type"]
    assert {json.loads(b)["type"] for b, _ in got} == set(names)


def test_rate_limit_is_a_429_with_square_errors() -> None:
    """Over the bucket: 429, RATE_LIMITED, RATE_LIMIT_ERROR."""
    sandbox = SquareSandbox.seeded(rate=0.001, burst=2, clock=lambda: 1000.0)
    answers = [
        sandbox.handle(
            "POST", "/v2/orders/search", AUTH, json.dumps({"location_ids": [STORE]}).encode()
        )
        for _ in range(3)
    ]
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[2].body["errors"][0] == {"category": "RATE_LIMIT_ERROR",
                                            "code": "RATE_LIMITED",
                                            "detail": "too many requests"}  # fmt: skip


def test_serves_real_http(handle, context) -> None:
    """Over a real socket the connector pushes and pulls as in process."""
    sandbox = SquareSandbox.seeded()
    with sandbox.serve() as origin:
        ctx = context(None, base_url=origin)
        (result,) = handle.push_stock(ctx, [StockUpdate("S", "o", 8, PRODUCTS[1][1], ONLINE)])
        events, _ = handle.pull(ctx, Resource.STOCK, None, 1000)
    assert result.status is PushStatus.ACCEPTED and sandbox.quantity(PRODUCTS[1][1], ONLINE) == 8
    assert len(events) == 2 * len(PRODUCTS) - len(PRODUCTS)  # store only (location_ids)


def test_runs_as_a_module() -> None:
    """`python -m connectors.square.sandbox --port 0 --seeded` listens and answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.square.sandbox", "--port", "0", "--seeded"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("square sandbox listening on http://127.0.0.1:")
        origin = line.split()[4]
        answer = httpx.post(f"{origin}/v2/orders/search", headers=AUTH,
                            json={"location_ids": [STORE]}, timeout=5)  # fmt: skip
        assert answer.status_code == 200 and answer.json()["orders"]
        assert httpx.post(f"{origin}/v2/orders/search", json={}, timeout=5).status_code == 401
    finally:
        process.terminate()
        process.wait(5)


REQUESTS = ["BatchChangeInventoryRequest", "BatchRetrieveInventoryCountsRequest",
            "SearchOrdersRequest"]  # fmt: skip


@pytest.mark.parametrize("name", REQUESTS)
def test_square_examples_pass_our_strict_validation(square_specs, name) -> None:
    """Square's own request examples pass the strict checker (it is not over-strict)."""
    example = json.loads((square_specs / f"examples/{name}.example.json").read_text())
    assert schema.problems(name, example) == []

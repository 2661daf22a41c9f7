"""What the connector sends and the sandbox answers, checked against Amazon's saved contract."""

from __future__ import annotations

import json

import httpx
import pytest

from connectors.amazon import contract, translate
from connectors.amazon.pacing import USAGE_PLANS, operation_of
from connectors.amazon.sandbox import AmazonSandbox
from connectors.amazon.statuses import order_statuses
from hub.connector import StockUpdate

pytestmark = pytest.mark.usefixtures("amazon_specs")


def recorded(sandbox: AmazonSandbox) -> tuple[list[httpx.Request], httpx.MockTransport]:
    """A transport to the sandbox that keeps every request and answer it carried."""
    seen: list[httpx.Request] = []
    inner = sandbox.transport()

    def relay(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return inner.handle_request(request)

    return seen, httpx.MockTransport(relay)


def test_every_request_body_matches_the_saved_models(handle, context, sandbox) -> None:
    """A patch push, a feed push and both pulls: each body validates against its definition
    (the feed document against the JSON_LISTINGS_FEED schema and the product type)."""
    seen, transport = recorded(sandbox)
    ctx = context(transport)
    levels = sandbox.stock_levels()
    small = [StockUpdate(f"H{i}", "dc", 4, sku, code) for i, (sku, code) in enumerate(levels)]
    big = [StockUpdate(f"B{i}", "dc", i, f"SKU-{i}", "DEFAULT") for i in range(700)]
    handle.push_stock(ctx, small)
    handle.push_stock(ctx, big)
    handle.pull(ctx, "orders", None, 100)
    handle.pull(ctx, "stock", None, 100)
    definitions = {
        ("PATCH", "/listings/"): ("listings", "ListingsItemPatchRequest"),
        ("POST", "/feeds/2021-06-30/documents"): ("feeds", "CreateFeedDocumentSpecification"),
        ("POST", "/feeds/2021-06-30/feeds"): ("feeds", "CreateFeedSpecification"),
    }
    checked = 0
    for request in seen:
        for (method, prefix), (model, name) in definitions.items():
            if request.method == method and request.url.path.startswith(prefix):
                body = json.loads(request.content)
                assert contract.model_problems(model, name, body) == [], request.url
                checked += 1
        if request.method == "PUT":
            document = json.loads(request.content)
            assert contract.feed_validator().problems(document) == []
            assert len(document["messages"]) == 700
            checked += 1
    assert checked == len(small) + 3
    assert sandbox.invalid == [] and sandbox.validated["ListingsItemPatchRequest"] == len(small)


def test_sandbox_answers_match_the_saved_response_models(context, handle, sandbox) -> None:
    """getOrders, getOrderItems, getInventorySummaries, the feed calls and patches answer in
    the shape of the models' response definitions."""
    seen, transport = recorded(sandbox)
    ctx = context(transport)
    handle.pull(ctx, "orders", None, 100)
    handle.pull(ctx, "stock", None, 100)
    handle.push_stock(ctx, [StockUpdate(f"B{i}", "dc", 1, f"S{i}", "DEFAULT") for i in range(700)])
    handle.push_stock(ctx, [StockUpdate("H", "dc", 1, "TS-RED-M-US", "DEFAULT")])
    responses = {
        "getOrders": ("orders", "GetOrdersResponse"),
        "getOrderItems": ("orders", "GetOrderItemsResponse"),
        "getInventorySummaries": ("fba", "GetInventorySummariesResponse"),
        "createFeedDocument": ("feeds", "CreateFeedDocumentResponse"),
        "createFeed": ("feeds", "CreateFeedResponse"),
        "getFeed": ("feeds", "Feed"),
        "getFeedDocument": ("feeds", "FeedDocument"),
        "patchListingsItem": ("listings", "ListingsItemSubmissionResponse"),
    }
    found = set()
    # each operation once more, to read its answer body
    for request in seen:
        operation = operation_of(request.method, request.url.path)
        if operation not in responses or operation in found:
            continue
        reply = sandbox.handle(request.method, str(request.url), request.headers, request.content)
        if reply.status >= 400:
            continue
        model, name = responses[operation]
        assert contract.model_problems(model, name, reply.body) == [], operation
        found.add(operation)
    assert found >= set(responses) - {"createFeedDocument", "createFeed"}


def test_processing_report_matches_the_saved_schema(handle, context, sandbox) -> None:
    """The sandbox's gzip report of a feed with refused messages validates against schema v2."""
    import gzip

    ctx = context(sandbox.transport())
    handle.push_stock(ctx, [StockUpdate(f"B{i}", "dc", 1, f"S{i}", "DEFAULT") for i in range(700)])
    (feed,) = sandbox.store.feeds.values()
    report = json.loads(gzip.decompress(sandbox.store.documents[feed.result_id].content))
    assert len(report["issues"]) == 700
    assert contract.schema_problems(contract.REPORT_SCHEMA, report) == []


def test_usage_plans_are_the_contract_notes(amazon_specs) -> None:
    """Every rate and burst the pacer and sandbox use is the transcribed Usage Plan."""
    notes = json.loads((amazon_specs / "contract-notes.json").read_text())
    documented = {
        name: tuple(plan)
        for group, plans in notes["rate_limits"]["per_operation_defaults"].items()
        if group not in ("_format", "orders_2026-01-01")
        for name, plan in plans.items()
    }
    for operation, plan in USAGE_PLANS.items():
        assert documented[operation] == plan, operation


def test_order_status_map_covers_the_model_enum() -> None:
    """Every OrderStatus of ordersV0 and of the ORDER_CHANGE schema has an action."""
    order = contract.load(contract.MODELS["orders"])["definitions"]["Order"]
    schema = contract.load(contract.NOTIFICATION_SCHEMAS["ORDER_CHANGE"])
    summary = schema["properties"]["Payload"]["properties"]["OrderChangeNotification"][
        "properties"]["Summary"]  # fmt: skip
    statuses = set(order["properties"]["OrderStatus"]["enum"])
    assert statuses == set(summary["properties"]["OrderStatus"]["enum"])
    assert set(order_statuses()) == statuses


def test_product_type_rules_hold_for_pushed_values() -> None:
    """DEFAULT needs a whole quantity >= 0; AMAZON_NA takes none (the fragment's own rules)."""
    assert contract.availability_problems(translate.availability("DEFAULT", 0)) == []
    assert contract.availability_problems(translate.availability("DEFAULT", -1))
    assert contract.availability_problems(translate.availability("AMAZON_NA", 3))
    assert contract.availability_problems([{"fulfillment_channel_code": "AMAZON_NA"}]) == []


def test_feed_validator_agrees_with_full_validation() -> None:
    """The shape cache gives the verdict validating every message would (bad ones named)."""
    items = [(f"S{i}", "DEFAULT", i) for i in range(50)]
    document = translate.feed_document("A1SANDBOXSELLER", "PRODUCT", items)
    document["messages"][7]["patches"][0]["value"][0]["quantity"] = -3
    document["messages"][9]["messageId"] = 0
    problems = contract.feed_validator().problems(document)
    assert any(p.startswith("feed.messages[7].patches[0].value") for p in problems)
    assert any(p.startswith("feed.messages[9].messageId") for p in problems)
    full = contract.schema_problems(contract.FEED_SCHEMA, document, "feed")
    assert {p.split(":")[0] for p in full} <= {p.split(":")[0] for p in problems}


def test_samples_are_valid_notifications() -> None:
    """Every sample the conformance kit uses validates against its saved schema."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "connectors" / "amazon" / "samples"
    for path in sorted(folder.glob("*.json")):
        body = json.loads(path.read_text())["body"]
        assert contract.notification_problems(body) == [], path.name

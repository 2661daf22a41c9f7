"""The Shopify sandbox: auth, schema validation, cost and throttling, version rules, webhooks."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from connectors.shopify import documents, webhooks
from connectors.shopify.sandbox import SANDBOX_SECRET, SANDBOX_TOKEN, ShopifySandbox
from connectors.shopify.sandbox_seed import DC, STORE
from hub.connector import PushStatus, StockUpdate
from hub.connector import WebhookRequest as Delivered

AUTH = {"X-Shopify-Access-Token": SANDBOX_TOKEN}
ITEM = "gid://shopify/InventoryItem/808950810"  # TEE-RED-M in the seed


def call(sandbox, query: str, variables=None, version="2026-07", headers=AUTH):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    return sandbox.handle("POST", f"/admin/api/{version}/graphql.json", headers, body)


def set_input(*quantities: dict, **extra) -> dict:
    return {
        "input": {
            "reason": "correction",
            "name": "available",
            "quantities": list(quantities),
            **extra,
        }
    }


def qty(quantity: int, item: str = ITEM, location: str = DC, **extra) -> dict:
    return {"inventoryItemId": item, "locationId": location, "quantity": quantity, **extra}


def set_call(sandbox, version: str, *quantities: dict, key: str | None = "k-1", **extra):
    document = documents.set_available(version)
    variables = set_input(*quantities, **extra)
    if document is documents.SET_AVAILABLE_CHANGE_FROM:
        variables["idempotencyKey"] = key
    return call(sandbox, document.text, variables, version)


def payload(reply) -> dict:
    return reply.body["data"]["inventorySetQuantities"]


class TestRequests:
    @pytest.mark.parametrize("headers", [{}, {"X-Shopify-Access-Token": "shpat_wrong"}])
    def test_without_the_access_token_nothing_happens(self, headers) -> None:
        sandbox = ShopifySandbox.seeded()
        before = sandbox.stock_levels()
        reply = set_call(sandbox, "2026-07", qty(0, changeFromQuantity=None), key="k")
        assert reply.status == 200  # the right token
        sandbox = ShopifySandbox.seeded()
        denied = call(sandbox, documents.LOCATIONS.text, {"first": 5}, headers=headers)
        assert denied.status == 401 and "access token" in denied.body["errors"]
        assert sandbox.stock_levels() == before

    @pytest.mark.parametrize(
        "path", ["/admin/api/2026-07/graphql", "/admin/api/2026-13/graphql.json", "/graphql.json"]
    )
    def test_unknown_paths_and_versions_are_404(self, path: str) -> None:
        sandbox = ShopifySandbox()
        assert sandbox.handle("POST", path, AUTH, b"{}").status == 404
        assert call(sandbox, "{ shop { name } }", version="2024-10").status == 404

    def test_body_without_query_is_400(self) -> None:
        sandbox = ShopifySandbox()
        path = "/admin/api/2026-07/graphql.json"
        assert sandbox.handle("POST", path, AUTH, b"nope").status == 400

    def test_invalid_documents_are_refused_before_running_or_charging(self) -> None:
        """Validated against the schema: an unknown field is an error and costs nothing."""
        sandbox = ShopifySandbox.seeded()
        reply = call(sandbox, "{ locations(first: 2) { nodes { id warpDrive } } }")
        (error,) = reply.body["errors"]
        assert "warpDrive" in error["message"]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert sandbox.cost_log == [] and "data" not in reply.body

    def test_subset_schema_serves_the_connector_without_the_api_specs(self, handle, context):
        """schema_source="subset" (a fresh clone): the connector's calls still validate and run."""
        sandbox = ShopifySandbox.seeded(schema_source="subset")
        ctx = context(sandbox.transport())
        (result,) = handle.push_stock(ctx, [StockUpdate("s", "l", 4, ITEM, DC)])
        assert result.status is PushStatus.ACCEPTED
        events, _ = handle.pull(ctx, "orders", None, limit=100)
        assert events and sandbox.stock_levels()[(ITEM, DC)] == 4


class TestCost:
    def test_cost_is_reported_and_the_difference_refunded(self) -> None:
        """requestedQueryCost is reserved, actualQueryCost charged; throttleStatus shows it."""
        sandbox = ShopifySandbox.seeded()
        reply = call(sandbox, documents.LOCATIONS.text, {"first": 50})
        spent = reply.body["extensions"]["cost"]
        assert spent["requestedQueryCost"] == 2 + 50 + 1
        assert spent["actualQueryCost"] == 2 + 2 + 1  # two locations came back
        assert spent["throttleStatus"]["currentlyAvailable"] == pytest.approx(2000 - 5, abs=1)
        assert spent["throttleStatus"]["restoreRate"] == 100

    def test_throttled_when_the_bucket_is_short_then_restored(self) -> None:
        """A 785-point orders query twice on an 800-point bucket: THROTTLED until restored."""
        now = [1000.0]
        sandbox = ShopifySandbox.seeded(bucket_size=800, restore_rate=10, clock=lambda: now[0])
        variables = {"first": documents.ORDER_PAGE_SIZE}
        first = call(sandbox, documents.ORDERS.text, variables)
        left = first.body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
        assert first.body["extensions"]["cost"]["requestedQueryCost"] == 785 > left
        second = call(sandbox, documents.ORDERS.text, variables)
        assert second.status == 200 and "data" not in second.body
        assert second.body["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert second.body["extensions"]["cost"]["actualQueryCost"] is None
        now[0] += (785 - left) / 10 + 0.1  # restored at 10 points/s
        assert "data" in call(sandbox, documents.ORDERS.text, variables).body
        assert sandbox.throttled == 1

    def test_throttled_status_can_be_429(self) -> None:
        sandbox = ShopifySandbox.seeded(bucket_size=50, throttle_status=429)
        assert call(sandbox, documents.LOCATIONS.text, {"first": 50}).status == 429


class TestSetQuantities:
    def test_pushes_change_per_location_state(self) -> None:
        """Setting available at one location changes only it; on_hand follows available."""
        sandbox = ShopifySandbox.seeded()
        before = sandbox.quantities(ITEM, DC)
        store = sandbox.stock_levels()[(ITEM, STORE)]
        set_call(sandbox, "2026-07", qty(20, changeFromQuantity=None))
        after = sandbox.quantities(ITEM, DC)
        assert after["available"] == 20
        assert after["on_hand"] - before["on_hand"] == 20 - before["available"]
        assert sandbox.stock_levels()[(ITEM, STORE)] == store
        assert sandbox.push_batch_sizes == [1] and sandbox.mutation_calls == 1

    def test_2025_compare_quantity_is_required_and_checked(self) -> None:
        sandbox = ShopifySandbox.seeded()
        current = sandbox.stock_levels()[(ITEM, DC)]
        (missing,) = payload(set_call(sandbox, "2025-01", qty(5)))["userErrors"]
        assert missing["code"] == "COMPARE_QUANTITY_REQUIRED"
        (stale,) = payload(set_call(sandbox, "2025-01", qty(5, compareQuantity=current + 1)))[
            "userErrors"
        ]
        assert stale == {
            "code": "COMPARE_QUANTITY_STALE",
            "field": ["input", "quantities", "0", "compareQuantity"],
            "message": "The compareQuantity value does not match persisted value.",
        }
        fine = payload(set_call(sandbox, "2025-01", qty(5, compareQuantity=current)))
        assert fine["userErrors"] == [] and fine["inventoryAdjustmentGroup"]["id"]
        ignored = payload(set_call(sandbox, "2025-01", qty(6), ignoreCompareQuantity=True))
        assert ignored["userErrors"] == [] and sandbox.stock_levels()[(ITEM, DC)] == 6

    def test_2026_04_requires_idempotent_and_change_from(self) -> None:
        """Without @idempotent or without changeFromQuantity the call fails; compareQuantity is
        not an input field any more."""
        sandbox = ShopifySandbox.seeded()
        legacy = documents.SET_AVAILABLE_COMPARE.text
        no_key = call(sandbox, legacy, set_input(qty(5, changeFromQuantity=None)), "2026-04")
        assert "@idempotent" in no_key.body["errors"][0]["message"]
        no_change_from = set_call(sandbox, "2026-04", qty(5))
        assert "changeFromQuantity is required" in no_change_from.body["errors"][0]["message"]
        removed = set_call(sandbox, "2026-04", qty(5, changeFromQuantity=None, compareQuantity=1))
        assert "compareQuantity" in removed.body["errors"][0]["message"]
        assert sandbox.push_batch_sizes == []

    def test_2026_01_accepts_both_shapes(self) -> None:
        sandbox = ShopifySandbox.seeded()
        current = sandbox.stock_levels()[(ITEM, DC)]
        plain = call(
            sandbox,
            documents.SET_AVAILABLE_COMPARE.text,
            set_input(qty(5, compareQuantity=current)),
            "2026-01",
        )
        assert payload(plain)["userErrors"] == []
        stale = set_call(sandbox, "2026-01", qty(7, changeFromQuantity=4), key="k-2")
        assert payload(stale)["userErrors"][0]["code"] == "CHANGE_FROM_QUANTITY_STALE"

    def test_repeated_idempotency_key_returns_the_first_answer(self) -> None:
        """The same key and input: the first result, not applied again; other input: refused."""
        sandbox = ShopifySandbox.seeded()
        first = set_call(sandbox, "2026-07", qty(9, changeFromQuantity=None), key="same")
        sandbox.act(lambda shop: shop.change(ITEM, DC, {"available": 3}))
        again = set_call(sandbox, "2026-07", qty(9, changeFromQuantity=None), key="same")
        assert payload(again) == payload(first) and sandbox.stock_levels()[(ITEM, DC)] == 3
        other = set_call(sandbox, "2026-07", qty(8, changeFromQuantity=None), key="same")
        code = other.body["errors"][0]["extensions"]["code"]
        assert code == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"

    @pytest.mark.parametrize("atomic", [False, True])
    def test_item_errors_with_and_without_atomic_batches(self, atomic: bool) -> None:
        """Unknown item, unstocked location, duplicate pair; the clean one applies unless atomic."""
        sandbox = ShopifySandbox.seeded(atomic=atomic)
        new_place = sandbox.act(lambda shop: (shop.add_location("Popup"), []))
        answer = payload(
            set_call(
                sandbox,
                "2026-07",
                qty(1, item="gid://shopify/InventoryItem/404", changeFromQuantity=None),
                qty(2, location=new_place, changeFromQuantity=None),
                qty(3, changeFromQuantity=None),
                qty(4, changeFromQuantity=None),
            )
        )
        assert [(e["code"], e["field"][2]) for e in answer["userErrors"]] == [
            ("INVALID_INVENTORY_ITEM", "0"),
            ("ITEM_NOT_STOCKED_AT_LOCATION", "1"),
            ("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "3"),
        ]
        assert (answer["inventoryAdjustmentGroup"] is None) is atomic
        assert (sandbox.stock_levels()[(ITEM, DC)] == 3) is not atomic

    def test_orders_commit_available_units(self) -> None:
        """An order moves units from available to committed at its location; shipping them
        lowers on_hand; a cancel gives them back."""
        sandbox = ShopifySandbox.seeded()
        variant = sandbox.shop.items[ITEM]["variant"]
        before = sandbox.quantities(ITEM, DC)
        order = sandbox.act(lambda shop: shop.create_order([(variant, 2)], DC))
        placed = sandbox.quantities(ITEM, DC)
        assert (placed["available"], placed["committed"]) == (
            before["available"] - 2,
            before["committed"] + 2,
        )
        assert placed["on_hand"] == before["on_hand"]
        sandbox.act(lambda shop: shop.cancel(order))
        assert sandbox.quantities(ITEM, DC) == before


class Receiver(BaseHTTPRequestHandler):
    got: list[tuple[bytes, dict]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.got.append((body, dict(self.headers.items())))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class TestWebhooks:
    def test_deliveries_are_signed_with_the_client_secret(self) -> None:
        sandbox = ShopifySandbox.seeded()
        got = []
        sandbox.subscribe(
            lambda body, headers: got.append((body, headers)) or 200, ["orders/create"]
        )
        variant = sandbox.shop.items[ITEM]["variant"]
        sandbox.act(lambda shop: shop.create_order([(variant, 1)], DC))
        ((body, headers),) = got
        assert webhooks.verify(Delivered(body, headers), SANDBOX_SECRET, sandbox.domain)
        assert headers["X-Shopify-Topic"] == "orders/create"
        assert json.loads(body)["line_items"][0]["variant_id"] == 49148301

    def test_failures_are_retried_and_duplicates_sent_on_request(self) -> None:
        sandbox = ShopifySandbox.seeded()
        statuses = iter([500, 200, 200])
        sandbox.subscribe(lambda body, headers: next(statuses), ["inventory_levels/update"])
        sandbox.duplicates = 1
        sandbox.act(lambda shop: shop.change(ITEM, DC, {"available": 1}))
        attempts = [(d.attempt, d.status) for d in sandbox.deliveries]
        assert attempts == [(1, 500), (2, 200), (1, 200)]
        assert len({d.webhook_id for d in sandbox.deliveries}) == 1

    def test_receiver_down_gives_up_after_max_attempts(self) -> None:
        sandbox = ShopifySandbox.seeded()
        sandbox.subscribe(lambda body, headers: 1 / 0)
        sandbox.act(lambda shop: shop.change(ITEM, DC, {"available": 1}))
        assert [d.status for d in sandbox.deliveries] == [599] * sandbox.max_attempts

    def test_held_deliveries_go_out_reversed(self) -> None:
        sandbox = ShopifySandbox.seeded()
        topics = []
        sandbox.subscribe(lambda body, headers: topics.append(headers["X-Shopify-Topic"]) or 200)
        variant = sandbox.shop.items[ITEM]["variant"]
        with sandbox.held_webhooks(order="reverse"):
            order = sandbox.act(lambda shop: shop.create_order([(variant, 1)], DC))
            sandbox.act(lambda shop: shop.fulfill(order))
            assert topics == []
        assert topics[0] == "orders/updated" and topics[-1] == "orders/create"

    def test_delivery_over_http(self) -> None:
        receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        thread = threading.Thread(target=receiver.serve_forever, daemon=True)
        thread.start()
        try:
            sandbox = ShopifySandbox.seeded()
            sandbox.subscribe(f"http://127.0.0.1:{receiver.server_address[1]}/webhooks/shop")
            sandbox.act(lambda shop: shop.change(ITEM, DC, {"available": 2}))
        finally:
            receiver.shutdown()
            receiver.server_close()
        ((body, headers),) = Receiver.got
        assert webhooks.verify(Delivered(body, headers), SANDBOX_SECRET)


class TestServing:
    def test_connector_over_real_http(self, handle, context) -> None:
        """serve(): the connector pushes and pulls through a socket, base_url set to it."""
        sandbox = ShopifySandbox.seeded()
        with sandbox.serve() as origin:
            ctx = context(None, base_url=origin)
            (result,) = handle.push_stock(ctx, [StockUpdate("s", "l", 8, ITEM, DC)])
            events, page = handle.pull(ctx, "stock", None, limit=100)
        assert result.status is PushStatus.ACCEPTED and sandbox.stock_levels()[(ITEM, DC)] == 8
        assert len(events) == len(sandbox.stock_levels()) and not page.has_more

    def test_standalone_main(self) -> None:
        """`python -m connectors.shopify.sandbox --port 0 --seeded` prints its origin and serves."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "connectors.shopify.sandbox", "--port", "0", "--seeded"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            line = proc.stdout.readline()
            origin = line.split(" on ", 1)[1].split(" ", 1)[0]
            query = {"query": documents.LOCATIONS.text, "variables": {"first": 5}}
            url = f"{origin}/admin/api/2026-07/graphql.json"
            answer = httpx.post(url, json=query, headers=AUTH)
            denied = httpx.post(url, json=query)
        finally:
            proc.terminate()
            proc.wait(5)
        assert denied.status_code == 401
        assert len(answer.json()["data"]["locations"]["nodes"]) == 2

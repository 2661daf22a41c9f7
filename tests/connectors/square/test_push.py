"""Push with BatchChangeInventory: allocation only, batches, idempotency, 24 h window, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from connectors.square import push, schema, translate
from connectors.square.client import SquareClient
from connectors.square.sandbox_seed import ONLINE, PRODUCTS, STORE
from hub.connector import PushStatus, StockUpdate
from hub.errors import ConfigError, PermanentError, RateLimitedError

ITEMS = [variation for _, variation, *_ in PRODUCTS]


def updates(location: str = ONLINE, start: int = 20, n: int = 4) -> list[StockUpdate]:
    return [StockUpdate(f"SKU-{i}", "online", start + i, item, location)
            for i, item in enumerate(ITEMS[:n])]  # fmt: skip


def spy(sandbox, sent: list) -> httpx.MockTransport:
    """The sandbox's transport, recording every request body."""
    inner = sandbox.transport()

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read() or b"{}")
        sent.append((request.url.path, body, dict(request.headers)))
        return inner.handle_request(request)

    return httpx.MockTransport(handler)


class TestAllocationOnly:
    def test_sets_in_stock_of_the_allocation(self, handle, context, sandbox) -> None:
        """Four absolute counts land as IN_STOCK at the online allocation; the store keeps its."""
        store = {i: sandbox.quantity(i, STORE) for i in ITEMS}
        results = handle.push_stock(context(sandbox.transport()), updates())
        assert [r.status for r in results] == [PushStatus.ACCEPTED] * 4
        assert [sandbox.quantity(i, ONLINE) for i in ITEMS] == [20, 21, 22, 23]
        assert {i: sandbox.quantity(i, STORE) for i in ITEMS} == store

    def test_a_store_location_is_rejected_without_a_call(self, handle, context, sandbox) -> None:
        """An update for the store's physical count is rejected with the reason; no request."""
        (result,) = handle.push_stock(context(sandbox.transport()), updates(STORE, n=1))
        assert result.status is PushStatus.REJECTED and "physical count" in result.reason
        assert sandbox.push_batch_sizes == []

    def test_no_allocation_configured_is_a_config_error(self, handle, context, sandbox) -> None:
        """Without allocation_location_id the hub owns no Square count: ConfigError naming it."""
        with pytest.raises(ConfigError) as caught:
            handle.push_stock(context(sandbox.transport(), allocation_location_id=""), updates())
        assert caught.value.field == "settings.allocation_location_id"


class TestBatches:
    def test_batch_size_is_configurable_and_conservative(self, handle, context, sandbox) -> None:
        """Default 50 per call; batch_size=3 gives 3+1 for four updates."""
        from connectors.square.settings import DEFAULT_BATCH_SIZE, INFO

        assert DEFAULT_BATCH_SIZE == 50 < INFO.max_batch_size == 100
        handle.push_stock(context(sandbox.transport(), batch_size=3), updates())
        assert sandbox.push_batch_sizes == [3, 1]
        with pytest.raises(ConfigError):
            handle.push_stock(context(sandbox.transport(), batch_size=101), updates())

    def test_body_is_valid_and_occurred_at_inside_the_window(self, context, sandbox) -> None:
        """Every body validates against api.json; occurred_at is the call's time (≤ 24 h, not
        in the future); the key is derived from the changes and that time."""
        schema_ok = schema.available()
        sent: list = []
        moment = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
        with SquareClient(context(spy(sandbox, sent))) as client:
            sandbox.store.clock = sandbox._clock = lambda: moment.timestamp() + 1
            push.push(client, updates(), clock=lambda: moment)
        ((path, body, headers),) = sent
        assert path == "/v2/inventory/changes/batch-create"
        assert headers["square-version"] == "2025-08-20"
        assert headers["authorization"].startswith("Bearer ")
        counts = [c["physical_count"] for c in body["changes"]]
        assert {c["occurred_at"] for c in counts} == {"2026-11-22T10:00:00.000Z"}
        assert {c["state"] for c in counts} == {"IN_STOCK"}
        assert body["idempotency_key"] == translate.idempotency_key(
            "square-store-12", "2026-11-22T10:00:00.000Z", body["changes"]
        )
        if schema_ok:
            assert schema.problems("BatchChangeInventoryRequest", body) == []

    def test_a_count_older_than_24_hours_is_refused_by_square(self, context, sandbox) -> None:
        """The sandbox enforces Square's rule, so a stale occurred_at would be caught."""
        old = datetime.now(UTC) - timedelta(hours=25)
        with SquareClient(context(sandbox.transport())) as client:
            results = push.push(client, updates(n=1), clock=lambda: old)
        assert results[0].status is PushStatus.REJECTED and "occurred_at" in results[0].reason


class TestIdempotency:
    def test_client_retries_replay_the_same_key_and_apply_once(self, context, sandbox) -> None:
        """A 500 after Square applied the call: the retry carries the same key and body, Square
        answers the first response, and the count is applied once."""
        sent: list = []
        inner = spy(sandbox, sent)
        state = {"failed": False}

        def flaky(request: httpx.Request) -> httpx.Response:
            response = inner.handle_request(request)
            if not state["failed"]:
                state["failed"] = True
                return httpx.Response(500, text="lost the answer")
            return response

        with SquareClient(context(httpx.MockTransport(flaky))) as client:
            results = push.push(client, updates(n=1))
        assert results[0].status is PushStatus.ACCEPTED
        assert len(sent) == 2 and sent[0][1] == sent[1][1]
        assert sandbox.push_batch_sizes == [1]  # the replay was answered, not applied

    def test_reused_key_with_another_body_is_refused(self, sandbox) -> None:
        """Square's rule, emulated: same key, different changes → IDEMPOTENCY_KEY_REUSED."""
        auth = {"Authorization": f"Bearer {next(iter(sandbox.tokens))}"}
        now = translate.iso(datetime.now(UTC))
        first = {
            "idempotency_key": "k-1",
            "changes": [translate.physical_count(ITEMS[0], ONLINE, 5, now, "r")],
        }
        again = {
            "idempotency_key": "k-1",
            "changes": [translate.physical_count(ITEMS[0], ONLINE, 6, now, "r")],
        }
        path = "/v2/inventory/changes/batch-create"
        assert sandbox.handle("POST", path, auth, json.dumps(first).encode()).status == 200
        assert sandbox.handle("POST", path, auth, json.dumps(first).encode()).status == 200
        reply = sandbox.handle("POST", path, auth, json.dumps(again).encode())
        assert reply.status == 400 and reply.body["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
        assert sandbox.quantity(ITEMS[0], ONLINE) == 5


class TestErrors:
    def test_unknown_items_are_rejected_and_the_rest_resent(self, handle, context) -> None:
        """A strict catalogue answers NOT_FOUND for changes[1]: it is rejected with Square's
        code, the other three are sent again and applied."""
        from connectors.square.sandbox import SquareSandbox

        sandbox = SquareSandbox.seeded(strict_catalog=True)
        batch = updates()
        batch[1] = StockUpdate("SKU-X", "online", 3, "NOPE0000000000000000NOPE", ONLINE)
        results = handle.push_stock(context(sandbox.transport()), batch)
        assert [r.status.value for r in results] == ["accepted", "rejected", "accepted",
                                                      "accepted"]  # fmt: skip
        assert "NOT_FOUND" in results[1].reason and "NOPE" in results[1].reason
        assert sandbox.push_batch_sizes == [4, 3]

    def test_rate_limited_backs_off_then_succeeds(self, handle, context, sandbox, waits) -> None:
        """Two 429 RATE_LIMITED answers: the client waits (backoff, no Retry-After) and retries."""
        sandbox.throttle_next = 2
        results = handle.push_stock(context(sandbox.transport()), updates(n=1))
        assert results[0].status is PushStatus.ACCEPTED
        assert sandbox.throttled == 2 and len(waits) == 2

    def test_rate_limited_in_a_400_body_is_still_a_rate_limit(self, handle, context) -> None:
        """Square's RATE_LIMITED code is honoured whatever the status; exhausted retries raise
        RateLimitedError with the channel in its context."""
        body = {"errors": [{"category": "RATE_LIMIT_ERROR", "code": "RATE_LIMITED"}]}
        transport = httpx.MockTransport(lambda r: httpx.Response(400, json=body))
        with pytest.raises(RateLimitedError) as caught:
            handle.push_stock(context(transport), updates(n=1))
        assert caught.value.context["channel"] == "square-store-12"

    def test_whole_request_error_fails_the_batch(self, handle, context) -> None:
        """A 400 naming no change is a PermanentError, the token not in its message."""
        from connectors.square.sandbox import SANDBOX_TOKEN

        body = {"errors": [{"category": "INVALID_REQUEST_ERROR", "code": "BAD_REQUEST",
                            "detail": f"echo {SANDBOX_TOKEN}"}]}  # fmt: skip
        transport = httpx.MockTransport(lambda r: httpx.Response(400, json=body))
        with pytest.raises(PermanentError) as caught:
            handle.push_stock(context(transport), updates(n=1))
        assert SANDBOX_TOKEN not in str(caught.value)

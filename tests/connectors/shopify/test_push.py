"""Push to scripted Shopify answers (respx): throttling, stale compare, item errors, 5xx, 401."""

from __future__ import annotations

import json

import httpx
import pytest

from connectors.shopify import documents
from hub.connector import PushStatus, StockUpdate
from hub.errors import ConfigError, PermanentError, RateLimitedError, TransientError
from tests.connectors.shopify.conftest import CHANNEL

URL = "https://stockhub-sandbox.myshopify.com/admin/api/{}/graphql.json"
LOC = "gid://shopify/Location/487838322"


def item(n: int) -> str:
    return f"gid://shopify/InventoryItem/{n}"


def update(n: int, quantity: int, expected: int | None = None) -> StockUpdate:
    return StockUpdate(f"SKU-{n}", "dc", quantity, item(n), LOC, expected)


def cost(requested: int = 12, available: int = 1988, actual: int | None = 11) -> dict:
    status = {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0}
    return {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}


def answer(data: dict | None = None, errors: list | None = None, **extensions) -> httpx.Response:
    body: dict = {"extensions": {"cost": extensions.get("cost") or cost()}}
    if data is not None:
        body["data"] = data
    if errors is not None:
        body["errors"] = errors
    return httpx.Response(extensions.get("status", 200), json=body)


def set_answer(*user_errors: dict, applied: bool = True, left: int = 1988) -> httpx.Response:
    group = {"id": "gid://shopify/InventoryAdjustmentGroup/1"} if applied else None
    payload = {"inventoryAdjustmentGroup": group, "userErrors": list(user_errors)}
    return answer({"inventorySetQuantities": payload}, cost=cost(available=left))


def user_error(index: int, code: str, field: str = "locationId") -> dict:
    return {"code": code, "field": ["input", "quantities", str(index), field], "message": code}


THROTTLED = [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]


class Vendor:
    """A scripted shop: the answers in order, and every request body it got."""

    def __init__(self, respx_mock, *answers: httpx.Response, version: str = "2026-07") -> None:
        self.bodies: list[dict] = []
        self.answers = list(answers)
        respx_mock.post(URL.format(version)).mock(side_effect=self.reply)

    def reply(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return self.answers.pop(0)

    def operations(self) -> list[str]:
        return [b["operationName"] for b in self.bodies]


class TestThrottling:
    @pytest.mark.parametrize("status", [200, 429])
    def test_throttled_then_success_waits_what_the_bucket_needs(
        self, handle, context, waits, respx_mock, status
    ) -> None:
        """THROTTLED (as 200 or 429) is retried after (requested − available) / restoreRate."""
        vendor = Vendor(
            respx_mock,
            answer(
                errors=THROTTLED, cost=cost(requested=12, available=2, actual=None), status=status
            ),
            set_answer(),
        )
        (result,) = handle.push_stock(context(), [update(1, 5)])
        assert result.status is PushStatus.ACCEPTED
        assert len(vendor.bodies) == 2 and vendor.bodies[0] == vendor.bodies[1]
        assert waits == [pytest.approx(0.1)]

    def test_throttled_longer_than_the_client_may_wait_goes_back_to_the_engine(
        self, handle, context, respx_mock
    ) -> None:
        """A wait over RetrySettings.max_wait_s is not slept: RateLimitedError with retry_after."""
        Vendor(respx_mock, answer(errors=THROTTLED, cost=cost(requested=1000, available=0)))
        with pytest.raises(RateLimitedError) as caught:
            handle.push_stock(context(), [update(1, 5)])
        assert caught.value.retry_after == pytest.approx(10.0)

    def test_a_low_bucket_is_waited_for_before_the_next_call(
        self, handle, context, waits, respx_mock
    ) -> None:
        """After an answer reporting 2 points left, the next 12-point call waits 0.1 s (10 points
        at 100/s; the pacer's clock is held still so a slow machine cannot restore them first)."""
        from connectors.shopify import pacing

        Vendor(respx_mock, set_answer(left=2), set_answer())
        ctx = context()
        handle.push_stock(ctx, [update(1, 5)])
        for pacer in pacing._PACERS.values():
            pacer.clock = lambda pacer=pacer: pacer.seen_at
        handle.push_stock(ctx, [update(1, 6)])
        assert waits == [pytest.approx(0.1)]


class TestCompareAndSet:
    def test_stale_item_is_re_read_and_reported_alone(self, handle, context, respx_mock) -> None:
        """A stale changeFromQuantity: that item comes back stale_compare with Shopify's value."""
        level = {"quantities": [{"name": "available", "quantity": 7}]}
        reread = {"nodes": [{"id": item(2), "inventoryLevel": level}]}
        vendor = Vendor(
            respx_mock,
            set_answer(user_error(1, "CHANGE_FROM_QUANTITY_STALE", "changeFromQuantity")),
            answer(reread),
        )
        results = handle.push_stock(context(), [update(1, 5, 4), update(2, 6, 9), update(3, 1, 1)])
        assert [r.status for r in results] == [
            PushStatus.ACCEPTED,
            PushStatus.STALE_COMPARE,
            PushStatus.ACCEPTED,
        ]
        assert results[1].actual == 7 and "expected 9, Shopify holds 7" in results[1].reason
        assert vendor.operations() == ["StockhubSetAvailable", "StockhubAvailable"]
        assert vendor.bodies[1]["variables"] == {"ids": [item(2)], "locationId": LOC}

    def test_2026_shape_sends_change_from_on_every_quantity(
        self, handle, context, respx_mock
    ) -> None:
        """From 2026-04: changeFromQuantity present (null without expected) and @idempotent."""
        vendor = Vendor(respx_mock, set_answer())
        handle.push_stock(context(), [update(1, 5, 4), update(2, 6)])
        body = vendor.bodies[0]
        assert "@idempotent(key: $idempotencyKey)" in body["query"]
        quantities = body["variables"]["input"]["quantities"]
        assert [q["changeFromQuantity"] for q in quantities] == [4, None]
        assert all("compareQuantity" not in q for q in quantities)
        assert "ignoreCompareQuantity" not in body["variables"]["input"]
        assert body["variables"]["input"]["name"] == "available"

    def test_legacy_versions_compare_and_split_unknown_expectations(
        self, handle, context, respx_mock
    ) -> None:
        """Before 2026-04: compareQuantity where known; the rest in a call that opts out."""
        vendor = Vendor(respx_mock, set_answer(), set_answer(), version="2025-01")
        results = handle.push_stock(context(api_version="2025-01"), [update(1, 5, 4), update(2, 6)])
        assert [r.status for r in results] == [PushStatus.ACCEPTED] * 2
        first, second = (b["variables"]["input"] for b in vendor.bodies)
        assert first["quantities"][0]["compareQuantity"] == 4
        assert "ignoreCompareQuantity" not in first
        assert second["ignoreCompareQuantity"] is True
        assert "compareQuantity" not in second["quantities"][0]
        assert all("@idempotent" not in b["query"] for b in vendor.bodies)
        assert "idempotencyKey" not in vendor.bodies[0]["variables"]


class TestItemErrors:
    def test_item_errors_are_per_item_results(self, handle, context, respx_mock) -> None:
        """Not stocked / unknown item: rejected with code, message, item and location; one call."""
        vendor = Vendor(
            respx_mock,
            set_answer(
                user_error(0, "ITEM_NOT_STOCKED_AT_LOCATION"),
                user_error(2, "INVALID_INVENTORY_ITEM", "inventoryItemId"),
            ),
        )
        results = handle.push_stock(context(), [update(1, 5), update(2, 6), update(3, 7)])
        assert [r.status for r in results] == [
            PushStatus.REJECTED,
            PushStatus.ACCEPTED,
            PushStatus.REJECTED,
        ]
        assert results[0].reason == (
            f"ITEM_NOT_STOCKED_AT_LOCATION: ITEM_NOT_STOCKED_AT_LOCATION ({item(1)} at {LOC})"
        )
        assert results[2].reason.startswith("INVALID_INVENTORY_ITEM")
        assert len(vendor.bodies) == 1

    def test_batch_refused_whole_is_sent_again_without_the_bad_items(
        self, handle, context, respx_mock
    ) -> None:
        """No adjustment group (Shopify applied nothing): the clean items go again, alone."""
        vendor = Vendor(
            respx_mock,
            set_answer(user_error(1, "ITEM_NOT_STOCKED_AT_LOCATION"), applied=False),
            set_answer(),
        )
        results = handle.push_stock(context(), [update(1, 5), update(2, 6), update(3, 7)])
        assert [r.status.value for r in results] == ["accepted", "rejected", "accepted"]
        resent = vendor.bodies[1]["variables"]["input"]["quantities"]
        assert [q["inventoryItemId"] for q in resent] == [item(1), item(3)]
        assert (
            vendor.bodies[0]["variables"]["idempotencyKey"]
            != (vendor.bodies[1]["variables"]["idempotencyKey"])
        )

    def test_error_without_an_item_fails_the_batch(self, handle, context, respx_mock) -> None:
        """INVALID_REASON names no quantity: a PermanentError for the whole call."""
        bad = {"code": "INVALID_REASON", "field": ["input", "reason"], "message": "bad reason"}
        Vendor(respx_mock, set_answer(bad, applied=False))
        with pytest.raises(PermanentError, match="INVALID_REASON: bad reason"):
            handle.push_stock(context(), [update(1, 5)])


class TestTransportErrors:
    def test_5xx_is_retried_with_the_same_idempotency_key(
        self, handle, context, respx_mock
    ) -> None:
        """502 then success: accepted; the retry repeats the request and its @idempotent key."""
        vendor = Vendor(respx_mock, httpx.Response(502, text="Bad Gateway"), set_answer())
        (result,) = handle.push_stock(context(), [update(1, 5)])
        assert result.status is PushStatus.ACCEPTED
        keys = [b["variables"]["idempotencyKey"] for b in vendor.bodies]
        assert len(keys) == 2 and keys[0] == keys[1]

    def test_5xx_until_retries_run_out_is_transient(self, handle, context, respx_mock) -> None:
        """Three 503s: TransientError naming connector and channel (the engine retries later)."""
        vendor = Vendor(respx_mock, *[httpx.Response(503) for _ in range(3)])
        with pytest.raises(TransientError) as caught:
            handle.push_stock(context(), [update(1, 5)])
        assert len(vendor.bodies) == 3
        assert caught.value.context["connector"] == "shopify"

    def test_401_is_a_config_error_and_the_token_never_leaks(
        self, handle, context, respx_mock
    ) -> None:
        """401: ConfigError (the engine pauses the channel), not retried, token filtered."""
        token = "shpat_leaky_0123456789"
        text = f"[API] Invalid API key or access token {token}"
        vendor = Vendor(respx_mock, httpx.Response(401, json={"errors": text}))
        with pytest.raises(ConfigError) as caught:
            handle.push_stock(context(access_token=token), [update(1, 5)])
        error = caught.value
        assert (error.context["status"], error.context["channel"]) == (401, CHANNEL)
        assert len(vendor.bodies) == 1 and token not in str(error)

    def test_access_denied_is_a_config_error(self, handle, context, respx_mock) -> None:
        """A GraphQL ACCESS_DENIED (missing write_inventory scope) is a configuration problem."""
        denied = [{"message": "Access denied", "extensions": {"code": "ACCESS_DENIED"}}]
        Vendor(respx_mock, answer(errors=denied))
        with pytest.raises(ConfigError, match="Access denied"):
            handle.push_stock(context(), [update(1, 5)])


class TestVariants:
    def test_variants_resolve_once_and_aliases_are_sent_once(
        self, handle, context, respx_mock
    ) -> None:
        """A variant GID is looked up once per process; variant + item of one target: one entry."""
        variant = "gid://shopify/ProductVariant/77"
        lookup = answer({"nodes": [{"id": variant, "inventoryItem": {"id": item(1)}}]})
        vendor = Vendor(respx_mock, lookup, set_answer(), set_answer())
        updates = [
            StockUpdate("TEE", "dc", 5, item(1), LOC),
            StockUpdate("TEE", "dc", 5, variant, LOC),
        ]
        results = handle.push_stock(context(), updates)
        assert [r.status for r in results] == [PushStatus.ACCEPTED] * 2
        sent = vendor.bodies[1]["variables"]["input"]["quantities"]
        assert [q["inventoryItemId"] for q in sent] == [item(1)]
        handle.push_stock(context(), [StockUpdate("TEE", "dc", 6, variant, LOC)])
        assert vendor.operations() == [
            "StockhubVariantItems",
            "StockhubSetAvailable",
            "StockhubSetAvailable",
        ]

    def test_unknown_variant_is_rejected_without_a_call(self, handle, context, respx_mock) -> None:
        """A variant the shop does not have is a per-item rejection naming it."""
        vendor = Vendor(respx_mock, answer({"nodes": [None]}))
        ghost = "gid://shopify/ProductVariant/404"
        (result,) = handle.push_stock(context(), [StockUpdate("X", "dc", 1, ghost, LOC)])
        assert result.status is PushStatus.REJECTED and ghost in result.reason
        assert vendor.operations() == ["StockhubVariantItems"]


def test_push_documents_are_the_declared_ones() -> None:
    """The push sends documents.set_available's text for each version family."""
    assert documents.set_available("2026-07") is documents.SET_AVAILABLE_CHANGE_FROM
    assert documents.set_available("2026-01") is documents.SET_AVAILABLE_COMPARE

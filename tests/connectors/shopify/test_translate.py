"""translate.py and records.py: Shopify payloads → canonical events, and push inputs. Pure."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.shopify import translate
from connectors.shopify.quantities import quantity_map
from connectors.shopify.records import (
    Level,
    gid,
    gid_kind,
    legacy_id,
    level_from_graphql,
    level_from_webhook,
    order_from_graphql,
    order_from_webhook,
)
from hub.errors import MappingError, ValidationError
from hub.events import parse_event
from hub.vocabulary import Bucket

SAMPLES = Path(translate.__file__).with_name("samples")
CH = "shopify-us"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())["body"]


def line(n: int, variant: int | None, quantity: int = 1, **extra) -> dict:
    return {"id": n, "variant_id": variant, "quantity": quantity, **extra}


def order(**fields) -> dict:
    base = {
        "id": 450789469,
        "created_at": "2026-11-22T10:00:00-05:00",
        "updated_at": "2026-11-22T10:05:00-05:00",
        "cancelled_at": None,
        "line_items": [line(466157049, 39072856, 2), line(518995019, 49148385, 1)],
    }
    return {**base, **fields}


def fulfillment(n: int, *lines: tuple[int, int], status="success", location=487838322) -> dict:
    items = [{"id": li, "quantity": q} for li, q in lines]
    return {
        "id": n,
        "status": status,
        "created_at": "2026-11-22T12:00:00Z",
        "location_id": location,
        "line_items": items,
    }


def refund(n: int, *lines: tuple[int, int, str], location: int | None = 487838322, **extra):
    rows = [
        {
            "line_item_id": li,
            "quantity": q,
            "restock_type": kind,
            "location_id": location,
            "line_item": {"id": li, "variant_id": 39072856 if li == 466157049 else 49148385},
        }
        for li, q, kind in lines
    ]
    return {
        "id": n,
        "order_id": 450789469,
        "created_at": "2026-11-23T09:00:00Z",
        "refund_line_items": rows,
        **extra,
    }


def events(topic: str, body: dict) -> list[dict]:
    found = translate.webhook_events(topic, body, CH)
    for event in found:
        parse_event(event)  # every event is valid canonical JSON
    return found


class TestIds:
    def test_gid_helpers(self) -> None:
        """Numeric ids become GIDs, GIDs stay; the legacy id and kind read back out."""
        assert gid("Order", 1) == "gid://shopify/Order/1" == gid("Order", "gid://shopify/Order/1")
        level = "gid://shopify/InventoryLevel/9?inventory_item_id=8"
        assert legacy_id(level) == "9" and legacy_id(42) == "42"
        assert gid_kind("gid://shopify/ProductVariant/3") == "ProductVariant"
        assert gid_kind("conformance-unknown-1") == ""


class TestOrders:
    def test_created_order_reserves_its_variant_lines(self) -> None:
        """orders/create → one order.placed: order GID, line GIDs, variant GIDs, quantities."""
        (placed,) = events("orders/create", order())
        assert placed == {
            "id": f"{CH}/order/450789469/placed",
            "type": "order.placed",
            "source": CH,
            "occurred_at": "2026-11-22T10:00:00-05:00",
            "data": {
                "channel": CH,
                "order": "gid://shopify/Order/450789469",
                "lines": [
                    {
                        "line": "gid://shopify/LineItem/466157049",
                        "sku": "gid://shopify/ProductVariant/39072856",
                        "quantity": 2,
                    },
                    {
                        "line": "gid://shopify/LineItem/518995019",
                        "sku": "gid://shopify/ProductVariant/49148385",
                        "quantity": 1,
                    },
                ],
            },
        }

    def test_lines_without_a_variant_carry_no_stock(self) -> None:
        """Custom items and gift cards (no variant_id) are left out; none left, no event."""
        (placed,) = events("orders/create", order(line_items=[line(1, None), line(2, 5)]))
        assert [x["line"] for x in placed["data"]["lines"]] == ["gid://shopify/LineItem/2"]
        assert events("orders/create", order(line_items=[line(1, None)])) == []

    def test_successful_fulfillments_ship_from_their_location(self) -> None:
        """orders/updated with fulfillments: order.fulfilled per successful one, with variants."""
        body = order(
            fulfillments=[
                fulfillment(255858046, (466157049, 2)),
                fulfillment(255858047, (518995019, 1), status="cancelled"),
            ]
        )
        placed, shipped = events("orders/updated", body)
        assert placed["id"] == f"{CH}/order/450789469/placed"
        assert shipped["id"] == f"{CH}/order/450789469/fulfillment/255858046"
        assert shipped["data"]["location"] == "gid://shopify/Location/487838322"
        assert shipped["data"]["lines"] == [
            {
                "line": "gid://shopify/LineItem/466157049",
                "sku": "gid://shopify/ProductVariant/39072856",
                "quantity": 2,
            }
        ]

    def test_fulfillment_without_location_names_the_field(self) -> None:
        body = order(fulfillments=[fulfillment(1, (466157049, 1), location=None)])
        with pytest.raises(ValidationError) as caught:
            events("orders/updated", body)
        assert caught.value.field == "location_id"

    def test_cancelled_order_releases_every_open_line(self) -> None:
        """orders/cancelled → placed (harmless if known) and order.cancelled without lines."""
        placed, cancelled = events("orders/cancelled", order(cancelled_at="2026-11-22T11:00:00Z"))
        assert cancelled["type"] == "order.cancelled" and "lines" not in cancelled["data"]
        assert cancelled["occurred_at"] == "2026-11-22T11:00:00Z"

    def test_every_fact_keeps_its_id_whatever_the_topic(self) -> None:
        """An older copy translates to a subset of a newer one's ids: nothing can be undone."""
        old = events("orders/create", order())
        new = events(
            "orders/updated",
            order(
                fulfillments=[fulfillment(9, (466157049, 2))],
                cancelled_at="2026-11-22T13:00:00Z",
            ),
        )
        assert {e["id"] for e in old} < {e["id"] for e in new}
        assert {e["type"] for e in new} == {"order.placed", "order.fulfilled", "order.cancelled"}

    @pytest.mark.parametrize("missing", ["id", "created_at"])
    def test_missing_fields_are_named(self, missing: str) -> None:
        body = order()
        del body[missing]
        with pytest.raises(ValidationError) as caught:
            events("orders/create", body)
        assert caught.value.field == missing

    def test_not_an_object_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            translate.webhook_events("orders/create", [1, 2], CH)

    def test_topics_the_hub_does_not_use_translate_to_nothing(self) -> None:
        """inventory_levels/update is kept in the inbox but changes no ledger; others likewise."""
        assert events("inventory_levels/update", sample("inventory_levels_update")) == []
        assert events("products/update", {"id": 1}) == []


class TestRefunds:
    def test_restock_types(self) -> None:
        """cancel → order.cancelled for its lines; return → return.received at the location;
        no_restock → nothing."""
        body = refund(
            509562969,
            (466157049, 1, "return"),
            (518995019, 1, "cancel"),
            (518995019, 1, "no_restock"),
        )
        cancel, received = events("refunds/create", body)
        assert cancel["id"] == f"{CH}/order/450789469/refund/509562969/cancel"
        assert cancel["data"]["lines"] == ["gid://shopify/LineItem/518995019"]
        assert received["id"] == f"{CH}/order/450789469/refund/509562969/return/487838322"
        assert received["data"] == {
            "channel": CH,
            "order": "gid://shopify/Order/450789469",
            "location": "gid://shopify/Location/487838322",
            "lines": [{"sku": "gid://shopify/ProductVariant/39072856", "quantity": 1}],
            "return": "gid://shopify/Refund/509562969@487838322",
        }

    def test_legacy_restock_follows_fulfilment(self) -> None:
        """A refund from before restock types: shipped line → return, unshipped → cancel."""
        shipped = refund(1, (466157049, 1, "legacy_restock"))
        shipped["refund_line_items"][0]["line_item"]["fulfillment_status"] = "fulfilled"
        assert [e["type"] for e in events("refunds/create", shipped)] == ["return.received"]
        unshipped = refund(2, (466157049, 1, "legacy_restock"))
        assert [e["type"] for e in events("refunds/create", unshipped)] == ["order.cancelled"]

    def test_sdk_fixture_shape_without_restock_type(self, shopify_specs: Path) -> None:
        """The SDK's refund fixture (``restock: true``, no restock_type/location): unshipped
        lines, so their reservations are released."""
        fixture = shopify_specs / "examples/shopify_python_api-fixtures/refund.json"
        body = json.loads(fixture.read_text())["refund"]
        (cancel,) = events("refunds/create", body)
        assert cancel["data"]["lines"] == [
            "gid://shopify/LineItem/703073504",
            "gid://shopify/LineItem/466157049",
        ]

    def test_return_without_location_names_the_field(self) -> None:
        with pytest.raises(ValidationError) as caught:
            events("refunds/create", refund(1, (466157049, 1, "return"), location=None))
        assert caught.value.field == "refund_line_items[0].location_id"

    def test_order_payload_refunds_match_the_refund_webhook(self) -> None:
        """A refund seen inside orders/updated and as refunds/create gives the same events."""
        body = refund(7, (466157049, 1, "return"))
        inside = events("orders/updated", order(refunds=[body]))
        alone = events("refunds/create", body)
        assert alone == [e for e in inside if "/refund/" in e["id"]]

    def test_kinds_split_orders_from_returns(self) -> None:
        model = order_from_webhook(order(refunds=[refund(7, (466157049, 1, "return"))]))
        only_returns = translate.order_events(model, CH, [translate.RETURN_EVENTS])
        only_orders = translate.order_events(model, CH, [translate.ORDER_EVENTS])
        assert [e["type"] for e in only_returns] == ["return.received"]
        assert [e["type"] for e in only_orders] == ["order.placed"]


def graphql_order() -> dict:
    page = {"hasNextPage": False, "endCursor": None}
    return {
        "id": "gid://shopify/Order/450789469",
        "createdAt": "2026-11-22T10:00:00-05:00",
        "updatedAt": "2026-11-22T10:05:00-05:00",
        "cancelledAt": None,
        "lineItems": {
            "pageInfo": page,
            "nodes": [
                {
                    "id": "gid://shopify/LineItem/466157049",
                    "quantity": 2,
                    "variant": {"id": "gid://shopify/ProductVariant/39072856"},
                },
                {
                    "id": "gid://shopify/LineItem/518995019",
                    "quantity": 1,
                    "variant": {"id": "gid://shopify/ProductVariant/49148385"},
                },
            ],
        },
        "fulfillments": [
            {
                "id": "gid://shopify/Fulfillment/255858046",
                "createdAt": "2026-11-22T12:00:00Z",
                "status": "SUCCESS",
                "location": {"id": "gid://shopify/Location/487838322"},
                "fulfillmentLineItems": {
                    "pageInfo": page,
                    "nodes": [
                        {"quantity": 2, "lineItem": {"id": "gid://shopify/LineItem/466157049"}}
                    ],
                },
            }
        ],
        "refunds": [
            {
                "id": "gid://shopify/Refund/7",
                "createdAt": "2026-11-23T09:00:00Z",
                "refundLineItems": {
                    "pageInfo": page,
                    "nodes": [
                        {
                            "quantity": 1,
                            "restockType": "RETURN",
                            "location": {"id": "gid://shopify/Location/487838322"},
                            "lineItem": {"id": "gid://shopify/LineItem/466157049"},
                        }
                    ],
                },
            }
        ],
    }


def test_graphql_and_webhook_shapes_give_identical_events() -> None:
    """The same order read by pull (GraphQL) and by webhook (REST JSON): the very same events."""
    from_webhook = translate.order_events(
        order_from_webhook(
            order(
                fulfillments=[fulfillment(255858046, (466157049, 2))],
                refunds=[refund(7, (466157049, 1, "return"))],
            )
        ),
        CH,
    )
    from_pull = translate.order_events(order_from_graphql(graphql_order()), CH)
    assert from_pull == from_webhook


@given(
    st.lists(
        st.tuples(
            st.integers(1, 10**12), st.one_of(st.none(), st.integers(1, 10**12)), st.integers(0, 50)
        ),
        max_size=8,
        unique_by=lambda t: t[0],
    ),
    st.booleans(),
)
def test_any_order_translates_deterministically_to_valid_events(lines, cancelled) -> None:
    """Random orders: valid canonical events, same ids twice, no duplicate ids, placed first."""
    body = order(
        line_items=[line(n, v, q) for n, v, q in lines],
        cancelled_at="2026-11-22T11:00:00Z" if cancelled else None,
    )
    first, again = events("orders/updated", body), events("orders/updated", copy.deepcopy(body))
    assert first == again
    ids = [e["id"] for e in first]
    assert len(ids) == len(set(ids))
    if any(v and q for _, v, q in lines):
        assert first[0]["type"] == "order.placed"


class TestLevels:
    MAP = {
        "available": Bucket.ON_HAND,
        "committed": Bucket.ON_HAND,
        "damaged": Bucket.DAMAGED,
        "on_hand": None,
    }

    def test_quantity_names_map_to_buckets(self) -> None:
        """Names sharing a bucket add up; null names are not counted; unknown names are errors."""
        assert translate.bucket_quantities(
            {"available": 5, "committed": 2, "damaged": 1, "on_hand": 8}, self.MAP
        ) == {"on_hand": 7, "damaged": 1}
        with pytest.raises(MappingError, match="quality_control"):
            translate.bucket_quantities({"quality_control": 1}, self.MAP)

    def test_level_becomes_a_count_of_its_variant(self) -> None:
        """A pulled level: stock.counted of the variant at the location, as of updatedAt."""
        node = {
            "id": "gid://shopify/InventoryLevel/487838322?inventory_item_id=808950810",
            "updatedAt": "2026-11-23T06:00:00Z",
            "item": {
                "id": "gid://shopify/InventoryItem/808950810",
                "variant": {"id": "gid://shopify/ProductVariant/49148301"},
            },
            "quantities": [{"name": "available", "quantity": 9}],
        }
        level = level_from_graphql(node, "gid://shopify/Location/487838322")
        event = translate.level_event(level, CH, self.MAP)
        assert event["data"] == {
            "sku": "gid://shopify/ProductVariant/49148301",
            "location": "gid://shopify/Location/487838322",
            "as_of": "2026-11-23T06:00:00Z",
            "quantities": {"on_hand": 9},
        }
        assert event["id"].startswith(f"{CH}/level/808950810/487838322/2026-11-23T06:00:00Z/")
        parse_event(event)

    def test_two_changes_in_one_second_are_two_events(self) -> None:
        """Shopify's timestamps have one-second resolution: the quantities tell changes apart."""
        at, item, where = "2026-11-23T06:00:00Z", "gid://shopify/InventoryItem/1", "l"
        first = translate.level_event(Level(item, "v", where, at, {"available": 1}), CH, self.MAP)
        again = translate.level_event(Level(item, "v", where, at, {"available": 1}), CH, self.MAP)
        other = translate.level_event(Level(item, "v", where, at, {"available": 2}), CH, self.MAP)
        assert first["id"] == again["id"] != other["id"]

    def test_webhook_level_and_the_shipped_quantity_map(self) -> None:
        """inventory_levels/update reads as an available level; the bundled map counts it."""
        level = level_from_webhook(sample("inventory_levels_update"))
        assert level.quantities.keys() == {"available"}
        assert translate.level_event(level, CH, quantity_map())["data"]["sku"] == level.item

    def test_nothing_countable_is_no_event(self) -> None:
        level = Level("gid://shopify/InventoryItem/1", None, "l", "t", {"on_hand": 5})
        assert translate.level_event(level, CH, self.MAP) is None


class TestPushInputs:
    def test_quantity_input_by_version_family(self) -> None:
        """2026-04+: changeFromQuantity always present; before: compareQuantity when known."""
        new = translate.quantity_input("i", "l", 5, None, change_from=True)
        assert new == {
            "inventoryItemId": "i",
            "locationId": "l",
            "quantity": 5,
            "changeFromQuantity": None,
        }
        assert translate.quantity_input("i", "l", 5, 3, False)["compareQuantity"] == 3
        assert "compareQuantity" not in translate.quantity_input("i", "l", 5, None, False)

    def test_set_input_opts_out_only_when_no_compare_is_sent(self) -> None:
        legacy = translate.set_quantities_input([{"quantity": 1}], "stockhub://x", False)
        assert legacy["ignoreCompareQuantity"] is True and legacy["name"] == "available"
        assert "ignoreCompareQuantity" not in translate.set_quantities_input(
            [{"quantity": 1, "compareQuantity": 0}], "stockhub://x", False
        )
        assert "ignoreCompareQuantity" not in translate.set_quantities_input([], "u", True)

    @pytest.mark.parametrize(
        "field, index",
        [
            (["input", "quantities", "3", "locationId"], 3),
            (["input", "quantities", "0"], 0),
            (["input", "reason"], None),
            (None, None),
        ],
    )
    def test_user_error_index(self, field, index) -> None:
        assert translate.user_error_index({"field": field}) == index

    def test_stale_codes_and_re_read_values(self) -> None:
        assert translate.is_stale({"code": "COMPARE_QUANTITY_STALE"})
        assert translate.is_stale({"code": "CHANGE_FROM_QUANTITY_STALE"})
        assert not translate.is_stale({"code": "ITEM_NOT_STOCKED_AT_LOCATION"})
        nodes = [
            {"id": "a", "inventoryLevel": {"quantities": [{"name": "available", "quantity": 4}]}},
            {"id": "b", "inventoryLevel": None},
            None,
        ]
        assert translate.available_of(nodes) == {"a": 4, "b": 0}


def test_bundled_quantity_map_covers_every_documented_name(contract_notes) -> None:
    """The names the contract notes list all have a bucket (or null) in mappings/shopify."""
    text = contract_notes["names_and_reasons"]["inventoryAdjustQuantities.name"]
    documented = {
        "available",
        "committed",
        "reserved",
        "damaged",
        "quality_control",
        "safety_stock",
        "incoming",
        "on_hand",
    }
    assert all(name in text for name in documented)
    names = quantity_map()
    assert set(names) == documented
    assert names["available"] is Bucket.ON_HAND and names["on_hand"] is None
    assert Bucket.RESERVED not in names.values()

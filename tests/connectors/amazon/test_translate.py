"""Pure translation: order facts from pulls and notifications, FBA counts, push bodies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.amazon import translate
from connectors.amazon.statuses import fba_quantity_map, order_statuses, read_order_statuses
from hub.errors import ConfigError, MappingError, ValidationError
from hub.events import parse_event

SAMPLES = Path(__file__).resolve().parents[3] / "connectors" / "amazon" / "samples"
PLACES = translate.Places("DEFAULT", "AMAZON_NA")


def pulled(status: str, shipped: int = 0, channel: str = "MFN") -> translate.OrderFacts:
    order = {"AmazonOrderId": "113-1", "OrderStatus": status, "FulfillmentChannel": channel,
             "PurchaseDate": "2026-11-22T10:00:00Z", "LastUpdateDate": "2026-11-22T11:00:00Z"}
    items = [{"OrderItemId": "I1", "SellerSKU": "S1", "QuantityOrdered": 2,
              "QuantityShipped": shipped},
             {"OrderItemId": "I2", "SellerSKU": "S2", "QuantityOrdered": 1,
              "QuantityShipped": 0}]  # fmt: skip
    return translate.facts_from_pull(order, items)


def events(facts: translate.OrderFacts) -> list[tuple[str, str]]:
    found = translate.order_events(facts, "amz", PLACES, order_statuses())
    for event in found:
        parse_event(event)
    return [(e["type"], e["id"].removeprefix("amz/order/113-1/")) for e in found]


class TestOrders:
    @pytest.mark.parametrize("status", ["Pending", "Unshipped", "PendingAvailability"])
    def test_open_orders_reserve(self, status) -> None:
        assert events(pulled(status)) == [("order.placed", "placed")]

    def test_partially_shipped_fulfils_only_complete_lines(self) -> None:
        assert events(pulled("PartiallyShipped", shipped=2)) == [
            ("order.placed", "placed"), ("order.fulfilled", "item/I1/shipped")]
        assert events(pulled("PartiallyShipped", shipped=1)) == [("order.placed", "placed")]

    @pytest.mark.parametrize("status", ["Shipped", "InvoiceUnconfirmed"])
    def test_shipped_orders_fulfil_every_line(self, status) -> None:
        assert [t for t, _ in events(pulled(status))] == [
            "order.placed", "order.fulfilled", "order.fulfilled"]

    @pytest.mark.parametrize("status", ["Canceled", "Unfulfillable"])
    def test_cancelled_orders_release(self, status) -> None:
        assert events(pulled(status)) == [("order.cancelled", "cancelled")]

    def test_ids_are_the_same_whichever_path_saw_the_order(self) -> None:
        """ORDER_CHANGE facts get the ids a pull of the order gives (idempotent in the ledger)."""
        body = json.loads((SAMPLES / "order_change_partially_shipped.json").read_text())["body"]
        notified = translate.notification_events(body, "amz", PLACES, order_statuses())
        order_id = body["Payload"]["OrderChangeNotification"]["AmazonOrderId"]
        assert [e["id"] for e in notified] == [
            f"amz/order/{order_id}/placed", f"amz/order/{order_id}/item/48827194660891/shipped"]

    def test_amazon_fulfilled_lines_name_the_fba_location(self) -> None:
        found = translate.order_events(pulled("Shipped", channel="AFN"), "amz", PLACES,
                                       order_statuses())  # fmt: skip
        assert found[0]["data"]["lines"][0]["location"] == "AMAZON_NA"
        assert {e["data"]["location"] for e in found[1:]} == {"AMAZON_NA"}
        merchant = translate.order_events(pulled("Shipped"), "amz", PLACES, order_statuses())
        assert "location" not in merchant[0]["data"]["lines"][0]
        assert merchant[1]["data"]["location"] == "DEFAULT"

    def test_unknown_status_and_missing_sku_name_the_field(self) -> None:
        with pytest.raises(ValidationError) as caught:
            translate.order_events(pulled("Teleported"), "amz", PLACES, order_statuses())
        assert caught.value.field == "OrderStatus"
        facts = translate.facts_from_pull(
            {"AmazonOrderId": "1", "OrderStatus": "Unshipped", "PurchaseDate": "x",
             "LastUpdateDate": "y"}, [{"OrderItemId": "I", "QuantityOrdered": 1}])  # fmt: skip
        with pytest.raises(ValidationError, match="SellerSKU"):
            translate.order_events(facts, "amz", PLACES, order_statuses())
        with pytest.raises(ValidationError) as caught:
            translate.facts_from_pull({"OrderStatus": "Pending"}, [])
        assert caught.value.field == "Order.AmazonOrderId"

    def test_quantity_change_notification_is_not_applied(self) -> None:
        body = json.loads((SAMPLES / "listings_item_mfn_quantity_change.json").read_text())["body"]
        assert translate.notification_events(body, "amz", PLACES, order_statuses()) == []


class TestStatusMap:
    def test_bad_action_names_the_status(self, tmp_path) -> None:
        path = tmp_path / "s.yaml"
        path.write_text("system: amazon\nkind: order_status\nstatuses:\n  Shipped: teleport\n")
        with pytest.raises(ConfigError) as caught:
            read_order_statuses(path)
        assert caught.value.field == "statuses.Shipped"


class TestInventory:
    def test_fba_details_count_through_the_status_map(self) -> None:
        summary = {"sellerSku": "F1", "lastUpdatedTime": "2026-11-22T10:00:00Z",
                   "inventoryDetails": {
                       "fulfillableQuantity": 40, "inboundWorkingQuantity": 5,
                       "inboundShippedQuantity": 3, "inboundReceivingQuantity": 2,
                       "reservedQuantity": {"totalReservedQuantity": 4,
                                            "pendingCustomerOrderQuantity": 4,
                                            "pendingTransshipmentQuantity": 0,
                                            "fcProcessingQuantity": 0},
                       "unfulfillableQuantity": {"totalUnfulfillableQuantity": 1,
                                                 "customerDamagedQuantity": 1}}}  # fmt: skip
        event = translate.inventory_event(summary, "amz", "AMAZON_NA", fba_quantity_map(), "-")
        parse_event(event)
        assert event["data"]["quantities"] == {"on_hand": 44, "incoming": 5, "in_transit": 5,
                                               "quarantined": 0, "damaged": 1}  # fmt: skip
        summary["inventoryDetails"]["newQuantity"] = 1
        with pytest.raises(MappingError) as caught:
            translate.inventory_event(summary, "amz", "AMAZON_NA", fba_quantity_map(), "-")
        assert caught.value.field == "inventoryDetails.newQuantity"


def test_feed_document_numbers_messages_from_one() -> None:
    items = [("S1", "DEFAULT", 3), ("S2", "DEFAULT", 0)]
    document = translate.feed_document("A1", "PRODUCT", items)
    assert [m["messageId"] for m in document["messages"]] == [1, 2]
    assert document["messages"][1]["patches"][0]["value"] == [
        {"fulfillment_channel_code": "DEFAULT", "quantity": 0}]


class TestListingEvents:
    """searchListingsItems items → what the channel shows, per merchant fulfilment code."""

    def test_merchant_codes_with_a_quantity_are_counted_and_fba_is_left_out(self) -> None:
        from connectors.amazon.translate import listing_events

        item = {"sku": "AMZ-TEE", "fulfillmentAvailability": [
            {"fulfillmentChannelCode": "DEFAULT", "quantity": 4},
            {"fulfillmentChannelCode": "AMAZON_NA"},
            {"fulfillmentChannelCode": "MLF"},
        ]}  # fmt: skip
        (event,) = listing_events(item, "amazon-us", "2026-11-23T10:00:00Z")
        assert event["data"] == {"sku": "AMZ-TEE", "location": "DEFAULT",
                                 "as_of": "2026-11-23T10:00:00Z", "quantities": {"on_hand": 4}}
        assert event["type"] == "stock.counted" and event["source"] == "amazon-us"

    def test_a_bad_quantity_names_its_path(self) -> None:
        from connectors.amazon.translate import listing_events
        from hub.errors import ValidationError

        item = {"sku": "AMZ-TEE",
                "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": -1}]}
        with pytest.raises(ValidationError) as caught:
            listing_events(item, "amazon-us", "2026-11-23T10:00:00Z")
        assert caught.value.field == "fulfillmentAvailability[0].quantity"

"""ShipBob records → canonical events: counts, shipments, returns (pure functions)."""

from __future__ import annotations

import pytest

from connectors.shipbob import translate
from connectors.shipbob.quantities import quantity_map
from hub.errors import MappingError, ValidationError
from hub.events import parse_event

CH = "shipbob"
SHIPMENT = {
    "id": 77, "order_id": 7, "status": "Processing", "created_date": "2026-11-22T10:00:00",
    "last_update_at": "2026-11-22T10:05:00Z", "location": {"id": 156},
    "products": [{"id": 1, "inventory_items": [{"id": 1180431, "quantity": 2}]},
                 {"id": 2, "inventory_items": [{"id": 1180431, "quantity": 1},
                                               {"id": 1180434, "quantity": 4}]}],
}  # fmt: skip


def valid(events):
    return [parse_event(e) for e in events]


class TestCounts:
    def test_per_center_fields_map_to_buckets_and_derived_ones_are_dropped(self) -> None:
        fields = {"on_hand_quantity": 40, "committed_quantity": 3, "fulfillable_quantity": 37,
                  "awaiting_quantity": 24, "internal_transfer_quantity": 6}  # fmt: skip
        event = translate.count_event(1180431, "156", fields, "2026-11-22T10:00:00Z", CH,
                                      quantity_map())  # fmt: skip
        assert event["data"]["quantities"] == {"on_hand": 40, "incoming": 24, "in_transit": 6}
        valid([event])

    def test_account_totals_map_exception_to_quarantined_and_ignore_demand(self) -> None:
        fields = {"total_on_hand_quantity": 52, "total_exception_quantity": 1,
                  "total_backordered_quantity": 2, "total_committed_quantity": 3,
                  "total_fulfillable_quantity": 49, "total_sellable_quantity": 73,
                  "total_awaiting_quantity": 24, "total_internal_transfer_quantity": 0}  # fmt: skip
        event = translate.count_event(1, "3pl", fields, "2026-11-22T10:00:00Z", CH, quantity_map())
        assert event["data"]["quantities"] == {
            "on_hand": 52, "quarantined": 1, "incoming": 24, "in_transit": 0,
        }  # fmt: skip

    def test_unknown_quantity_field_names_itself(self) -> None:
        with pytest.raises(MappingError) as caught:
            translate.count_event(1, "156", {"lost_quantity": 1}, "2026-11-22T10:00:00Z", CH,
                                  quantity_map())  # fmt: skip
        assert caught.value.field == "lost_quantity"

    def test_same_observation_same_id_new_observation_new_id(self) -> None:
        fields = {"on_hand_quantity": 5}
        a = translate.count_event(1, "156", fields, "2026-11-22T10:00:00Z", CH, quantity_map())
        b = translate.count_event(1, "156", fields, "2026-11-22T10:00:00Z", CH, quantity_map())
        c = translate.count_event(1, "156", fields, "2026-11-22T11:00:00Z", CH, quantity_map())
        assert a["id"] == b["id"] != c["id"]


class TestShipments:
    def test_open_shipment_is_placed_per_inventory_item(self) -> None:
        (placed,) = valid(translate.shipment_events(SHIPMENT, CH))
        assert placed.type == "order.placed" and placed.data.order == "7"
        assert [(x.line, x.sku, x.quantity, x.location) for x in placed.data.lines] == [
            ("77/1180431", "1180431", 3, "156"), ("77/1180434", "1180434", 4, "156")]  # fmt: skip
        assert placed.occurred_at.isoformat() == "2026-11-22T10:00:00+00:00"  # naive = UTC

    def test_completed_shipment_is_placed_and_fulfilled_at_its_center(self) -> None:
        done = {
            **SHIPMENT,
            "status": "Completed",
            "actual_fulfillment_date": "2026-11-22T12:00:00Z",
        }
        placed, shipped = valid(translate.shipment_events(done, CH))
        assert shipped.type == "order.fulfilled" and shipped.data.location == "156"
        assert [x.line for x in shipped.data.lines] == [x.line for x in placed.data.lines]

    def test_cancelled_shipment_releases_its_lines(self) -> None:
        (cancelled,) = valid(translate.shipment_events({**SHIPMENT, "status": "Cancelled"}, CH))
        assert cancelled.type == "order.cancelled"
        assert cancelled.data.lines == ["77/1180431", "77/1180434"]

    def test_order_from_a_known_sales_channel_is_left_to_that_channel(self) -> None:
        order = {"id": 7, "channel": {"id": 100102}, "shipments": [SHIPMENT]}
        assert translate.order_events(order, CH, {"100102"}) == []
        assert len(translate.order_events(order, CH, {"999"})) == 1

    def test_topic_does_not_override_the_records_state(self) -> None:
        """An order.shipped topic on a Processing shipment ships nothing."""
        events = translate.webhook_events("order.shipped", SHIPMENT, CH)
        assert [e["type"] for e in events] == ["order.placed"]
        assert translate.webhook_events("billing.charge.created", {"id": 1}, CH) == []

    def test_missing_fields_are_named(self) -> None:
        with pytest.raises(ValidationError) as caught:
            translate.shipment_events({**SHIPMENT, "order_id": None}, CH)
        assert caught.value.field == "order_id"


RETURN = {
    "id": 9001, "status": "Completed", "insert_date": "2026-11-22T09:00:00Z",
    "arrived_date": "2026-11-23T09:00:00Z", "completed_date": "2026-11-24T09:00:00Z",
    "fulfillment_center": {"id": 156}, "store_order_id": "S-1001",
    "inventory": [{"id": 1180431, "quantity": 3, "action_requested": {"action": "Quarantine"},
                   "action_taken": [
                       {"action": "Restock", "action_reason": "Like new", "quantity_processed": 1},
                       {"action": "Default", "action_reason": "Defective zipper",
                        "quantity_processed": 1},
                       {"action": "Dispose", "action_reason": "Wrong item sent back",
                        "quantity_processed": 1}]}],
}  # fmt: skip


class TestReturns:
    def test_completed_return_walks_the_state_machine_with_conditions(self) -> None:
        events = valid(translate.return_events(RETURN, CH))
        assert [e.type for e in events] == ["return.received"] + [
            "return.inspected", "return.dispositioned"] * 3  # fmt: skip
        received = events[0].data
        assert (received.return_, received.location, received.order) == (
            "shipbob/return/9001", "156", "S-1001")  # fmt: skip
        inspected = [e.data.lines[0].condition.value for e in events[1::2]]
        dispositions = [e.data.lines[0].disposition.value for e in events[2::2]]
        assert inspected == ["sellable", "defective", "wrong_item"]
        assert dispositions == ["restock", "quarantine", "write_off"]  # Default → requested

    @pytest.mark.parametrize("status", ["AwaitingArrival", "Awaiting Arrival", "Cancelled"])
    def test_nothing_moves_before_arrival_or_after_cancellation(self, status) -> None:
        assert translate.return_events({**RETURN, "status": status}, CH) == []

    def test_arrived_return_is_received_only(self) -> None:
        arrived = {**RETURN, "status": "Arrived",
                   "inventory": [{**RETURN["inventory"][0], "action_taken": []}]}  # fmt: skip
        assert [e["type"] for e in translate.return_events(arrived, CH)] == ["return.received"]

    def test_an_earlier_copy_is_a_subset_of_a_later_one(self) -> None:
        later = {e["id"] for e in translate.return_events(RETURN, CH)}
        earlier = {
            **RETURN,
            "status": "Processing",
            "inventory": [
                {
                    **RETURN["inventory"][0],
                    "action_taken": RETURN["inventory"][0]["action_taken"][:1],
                }
            ],
        }
        assert {e["id"] for e in translate.return_events(earlier, CH)} < later  # fmt: skip

    def test_unknown_action_names_the_field(self) -> None:
        item = {**RETURN["inventory"][0], "action_requested": None,
                "action_taken": [{"action": "Donate", "quantity_processed": 1}]}  # fmt: skip
        with pytest.raises(MappingError) as caught:
            translate.return_events({**RETURN, "inventory": [item]}, CH)
        assert caught.value.field == "inventory[0].action_taken[0].action"

"""Square records → canonical events (pure): counts by state, orders, fulfilments, returns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.square import translate
from connectors.square.states import state_map
from hub.errors import MappingError, ValidationError

CH, LOC = "square-store-12", "59TNP9SA8VGDA"
STATES = state_map()
AT = "2026-11-22T10:00:00.000Z"


def count(state: str, qty: str, item: str = "V1", at: str = AT) -> dict:
    return {"catalog_object_id": item, "location_id": LOC, "state": state, "quantity": qty,
            "calculated_at": at}  # fmt: skip


def order(state: str = "COMPLETED", **extra) -> dict:
    base = {"id": "O1", "location_id": LOC, "state": state, "created_at": AT,
            "updated_at": AT, "closed_at": AT,
            "line_items": [{"uid": "L1", "catalog_object_id": "V1", "quantity": "2"},
                           {"uid": "L2", "catalog_object_id": "V2", "quantity": "1"},
                           {"uid": "L3", "quantity": "1", "name": "custom amount"}]}  # fmt: skip
    return {**base, **extra}


class TestCounts:
    def test_states_add_up_in_their_bucket(self) -> None:
        """IN_STOCK 9 + RESERVED_FOR_SALE 1 → on_hand 10; WASTE → damaged; SOLD is no stock."""
        (event,) = translate.count_events(
            [count("IN_STOCK", "9"), count("RESERVED_FOR_SALE", "1"), count("WASTE", "2"),
             count("SOLD", "40")], CH, STATES, complete=False)  # fmt: skip
        assert event["data"]["quantities"] == {"on_hand": 10, "damaged": 2}
        assert event["type"] == "stock.counted" and event["source"] == CH

    def test_a_partial_notification_does_not_guess_a_shared_bucket(self) -> None:
        """IN_STOCK alone cannot say on_hand (RESERVED_FOR_SALE is unknown) — unless complete."""
        assert translate.count_events([count("IN_STOCK", "9")], CH, STATES, False) == []
        (event,) = translate.count_events([count("IN_STOCK", "9")], CH, STATES, True)
        assert event["data"]["quantities"] == {"on_hand": 9}
        assert translate.incomplete_pairs([count("IN_STOCK", "9")], STATES) == [("V1", LOC)]
        assert translate.incomplete_pairs([count("WASTE", "9")], STATES) == []

    def test_as_of_is_the_latest_state_and_ids_are_stable(self) -> None:
        """The id carries as_of and a digest: same record, same id; new quantity, new id."""
        later = "2026-11-22T10:00:05.250Z"
        records = [count("IN_STOCK", "9", at=later), count("RESERVED_FOR_SALE", "1")]
        (a,) = translate.count_events(records, CH, STATES, True)
        (b,) = translate.count_events(records, CH, STATES, True)
        (c,) = translate.count_events(
            [count("IN_STOCK", "8", at=later), count("RESERVED_FOR_SALE", "1")], CH, STATES, True
        )
        assert a == b and a["data"]["as_of"] == later and a["id"] != c["id"]

    def test_unknown_state_fraction_and_negative(self) -> None:
        """An unmapped state is a MappingError; fractions are refused naming the field;
        Square's negative IN_STOCK counts as zero."""
        with pytest.raises(MappingError):
            translate.count_events([count("LOST_IN_SPACE", "1")], CH, STATES, True)
        with pytest.raises(ValidationError) as caught:
            translate.count_events([count("IN_STOCK", "1.5")], CH, STATES, True)
        assert caught.value.field == "counts[0].quantity"
        (event,) = translate.count_events([count("IN_STOCK", "-3")], CH, STATES, True)
        assert event["data"]["quantities"] == {"on_hand": 0}

    def test_other_locations_are_ignored(self) -> None:
        assert translate.count_events([count("IN_STOCK", "1")], CH, STATES, True,
                                      reads=lambda loc: loc == "ELSEWHERE") == []  # fmt: skip


class TestOrders:
    def test_counter_sale_is_placed_and_handed_over(self) -> None:
        """COMPLETED without fulfilments: placed (lines with a variation) + fulfilled at once."""
        placed, done = translate.order_events(order(), CH)
        assert placed["type"] == "order.placed" and placed["id"] == f"{CH}/order/O1/placed"
        assert [
            (x["line"], x["sku"], x["quantity"], x["location"]) for x in placed["data"]["lines"]
        ] == [("L1", "V1", 2, LOC), ("L2", "V2", 1, LOC)]
        assert done["type"] == "order.fulfilled" and done["data"]["location"] == LOC
        assert done["id"] == f"{CH}/order/O1/completed"

    def test_open_pickup_reserves_and_completed_pickup_ships(self) -> None:
        """OPEN with a RESERVED fulfilment: placed only; COMPLETED fulfilment (ENTRY_LIST):
        fulfilled for its entries; a cancelled one releases its lines."""
        open_ = order("OPEN", fulfillments=[{"uid": "F1", "state": "RESERVED"}])
        assert [e["type"] for e in translate.order_events(open_, CH)] == ["order.placed"]
        mixed = order("OPEN", fulfillments=[
            {"uid": "F1", "state": "COMPLETED", "line_item_application": "ENTRY_LIST",
             "entries": [{"line_item_uid": "L1", "quantity": "2"}]},
            {"uid": "F2", "state": "CANCELED", "line_item_application": "ENTRY_LIST",
             "entries": [{"line_item_uid": "L2", "quantity": "1"}]}])  # fmt: skip
        events = {e["id"].rsplit("O1/", 1)[1]: e for e in translate.order_events(mixed, CH)}
        assert set(events) == {"placed", "fulfillment/F1", "fulfillment/F2/cancelled"}
        assert events["fulfillment/F2/cancelled"]["data"]["lines"] == ["L2"]

    def test_cancelled_and_draft(self) -> None:
        """CANCELED → order.cancelled (all open lines); DRAFT moves nothing."""
        events = translate.order_events(order("CANCELED"), CH)
        assert events[-1]["type"] == "order.cancelled" and "lines" not in events[-1]["data"]
        assert translate.order_events(order("DRAFT"), CH) == []

    def test_itemized_return_is_received_at_the_store(self) -> None:
        """returns[] → return.received of the variations, code <order>:<return uid>."""
        back = order(
            line_items=[],
            returns=[
                {
                    "uid": "R1",
                    "source_order_id": "O0",
                    "return_line_items": [
                        {"catalog_object_id": "V1", "quantity": "1"},
                        {"catalog_object_id": "V1", "quantity": "1"},
                        {"quantity": "1", "name": "no variation"},
                    ],
                }
            ],
        )
        (event,) = translate.order_events(back, CH)
        assert event["type"] == "return.received"
        assert event["data"] == {
            "return": "O1:R1",
            "channel": CH,
            "location": LOC,
            "order": "O0",
            "lines": [{"sku": "V1", "quantity": 2}],
        }

    def test_missing_fields_are_named(self) -> None:
        bad = order()
        del bad["line_items"][0]["uid"]
        with pytest.raises(ValidationError) as caught:
            translate.order_events(bad, CH)
        assert caught.value.field == "order.line_items[0].uid"


class TestRecords:
    def test_refund_record_yields_only_returns_of_live_refunds(self) -> None:
        """refund.* with the return order: return.received; a FAILED refund: nothing."""
        back = order(line_items=[], returns=[{"uid": "R1", "return_line_items": [
            {"catalog_object_id": "V1", "quantity": "1"}]}])  # fmt: skip
        note = {"data": {"object": {"refund": {"status": "COMPLETED"}}}}
        body = {"notification": note, "order": back}
        (event,) = translate.record_events("refund.updated", body, CH, STATES)
        assert event["type"] == "return.received"
        note["data"]["object"]["refund"]["status"] = "FAILED"
        assert translate.record_events("refund.updated", body, CH, STATES) == []

    def test_vendor_example_counts_translate(self, square_specs: Path) -> None:
        """Square's own inventory.count.updated example (IN_STOCK only): nothing is guessed
        from it raw; completed, it is on_hand 10 of its variation."""
        note = json.loads((square_specs / "examples/InventoryCountUpdatedEvent.example.json")
                          .read_text())  # fmt: skip
        assert translate.record_events("inventory.count.updated", note, CH, STATES) == []
        counts = note["data"]["object"]["inventory_counts"]
        body = {"notification": note, "counts": counts, "complete": True}
        (event,) = translate.record_events("inventory.count.updated", body, CH, STATES)
        assert event["data"]["quantities"] == {"on_hand": 10}
        assert event["data"]["sku"] == "FGQ5JJWT2PYTHF35CKZ2DSKP"

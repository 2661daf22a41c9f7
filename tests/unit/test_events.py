"""Canonical events: the v1 wire format is parsed exactly and bad fields are named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import ValidationError
from hub.events import EVENT_TYPES, field_path, parse_event

DESIGN_EXAMPLE = {
    "id": "square-store-12/sale/98765/1",
    "type": "stock.adjusted",
    "source": "square-store-12",
    "occurred_at": "2026-11-22T10:00:00Z",
    "data": {
        "sku": "TEE-RED-M",
        "location": "store-12",
        "bucket": "on_hand",
        "delta": -1,
        "reason": "sale",
    },
}


def errors_of(raw) -> list[dict]:
    with pytest.raises(ValidationError) as caught:
        parse_event(raw)
    return caught.value.errors or [{"field": caught.value.field, "message": caught.value.message}]


class TestParseEvent:
    def test_design_example_round_trips_exactly(self):
        """The example in DESIGN.md parses and serialises back to the same object."""
        assert parse_event(DESIGN_EXAMPLE).to_json() == DESIGN_EXAMPLE

    def test_every_type_of_the_v1_table_is_known(self):
        """The eleven v1 event types are all accepted."""
        assert set(EVENT_TYPES) == {
            "item.upserted",
            "stock.counted",
            "stock.adjusted",
            "order.placed",
            "order.cancelled",
            "order.fulfilled",
            "return.received",
            "return.inspected",
            "return.dispositioned",
            "transfer.shipped",
            "transfer.received",
        }

    def test_times_are_normalised_to_utc(self):
        """An offset timestamp is converted to UTC, not dropped."""
        event = parse_event({**DESIGN_EXAMPLE, "occurred_at": "2026-11-22T12:00:00+02:00"})
        assert event.to_json()["occurred_at"] == "2026-11-22T10:00:00Z"

    def test_unknown_type_names_the_field_and_lists_the_types(self):
        """An unknown type is refused with the list of valid ones as the fix."""
        with pytest.raises(ValidationError) as caught:
            parse_event({**DESIGN_EXAMPLE, "type": "stock.moved"})
        assert caught.value.field == "type" and "stock.adjusted" in caught.value.fix

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"delta": 0}, "data.delta"),
            ({"delta": "1"}, "data.delta"),
            ({"bucket": "reserved"}, "data.bucket"),
            ({"bucket": "shelf"}, "data.bucket"),
            ({"colour": "red"}, "data.colour"),
            ({"sku": ""}, "data.sku"),
            ({"sku": " TEE"}, "data.sku"),
        ],
    )
    def test_bad_data_fields_are_named(self, data, field):
        """Each bad field in ``data`` is reported by its dotted path."""
        raw = {**DESIGN_EXAMPLE, "data": {**DESIGN_EXAMPLE["data"], **data}}
        assert field in [e["field"] for e in errors_of(raw)]

    def test_naive_timestamp_is_refused(self):
        """A time without a zone is ambiguous across vendors and is refused."""
        found = errors_of({**DESIGN_EXAMPLE, "occurred_at": "2026-11-22T10:00:00"})
        assert found[0]["field"] == "occurred_at" and "timezone" in found[0]["message"]

    def test_reserved_cannot_be_counted(self):
        """Counts are physical; reserved is derived from orders."""
        raw = {
            "id": "c",
            "type": "stock.counted",
            "source": "wms",
            "occurred_at": "2026-11-22T10:00:00Z",
            "data": {
                "sku": "A",
                "location": "l",
                "as_of": "2026-11-22T10:00:00Z",
                "quantities": {"reserved": 1},
            },
        }
        assert errors_of(raw)[0]["field"] == "data.quantities"

    def test_not_an_object(self):
        """A JSON array or string is not an event."""
        with pytest.raises(ValidationError, match="must be a JSON object"):
            parse_event(["not", "an", "event"])


class TestFieldPath:
    def test_nested_paths_read_like_the_json(self):
        """Indexes become brackets and ``return_`` is shown as ``return``."""
        assert field_path(("data", "lines", 0, "sku")) == "data.lines[0].sku"
        assert field_path(("data", "return_")) == "data.return"


@given(
    delta=st.integers(min_value=-(10**6), max_value=10**6).filter(bool),
    sku=st.from_regex(r"[A-Z][A-Z0-9-]{0,20}", fullmatch=True),
)
def test_adjustments_round_trip(delta, sku):
    """Any valid adjustment survives parse → to_json unchanged."""
    raw = {**DESIGN_EXAMPLE, "data": {**DESIGN_EXAMPLE["data"], "delta": delta, "sku": sku}}
    assert parse_event(raw).to_json() == raw

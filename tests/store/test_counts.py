"""The count rule: a count is the truth as of its time, and never rolls back newer movements."""

from __future__ import annotations

from tests.helpers import apply, count, ledger_sums, levels

ON_HAND = ("TEE-RED-M", "store-12", "on_hand")


def sale(hub, n: int, at: str):
    return apply(
        hub,
        f"sale/{n}",
        "stock.adjusted",
        "square-store-12",
        at,
        sku="TEE-RED-M",
        location="store-12",
        delta=-1,
        reason="sale",
    )


class TestStockCounted:
    def test_late_count_keeps_sales_made_after_its_as_of(self, hub):
        """A count taken at 10:00 but delivered after an 11:00 sale leaves the sale applied."""
        count(hub, "TEE-RED-M", "store-12", 10, "08:00", "square-store-12")
        sale(hub, 1, "11:00")
        count(hub, "TEE-RED-M", "store-12", 7, "10:00", "square-store-12")
        assert levels(hub.engine)[ON_HAND] == 6

    def test_movement_older_than_the_count_is_absorbed(self, hub):
        """A sale from 09:00 arriving after a 10:00 count is already inside that count."""
        count(hub, "TEE-RED-M", "store-12", 7, "10:00", "square-store-12")
        out = sale(hub, 1, "09:00")
        assert out.status == "applied" and "absorbed" in out.notes[0]
        assert levels(hub.engine)[ON_HAND] == 7
        assert ledger_sums(hub.engine) == levels(hub.engine)

    def test_count_older_than_the_latest_count_is_stale(self, hub):
        """A 09:00 count delivered after a 10:00 count changes nothing."""
        count(hub, "TEE-RED-M", "store-12", 7, "10:00", "square-store-12")
        out = count(hub, "TEE-RED-M", "store-12", 99, "09:00", "square-store-12")
        assert out.status == "applied" and "stale" in out.notes[0]
        assert levels(hub.engine)[ON_HAND] == 7

    def test_any_delivery_order_gives_the_same_level(self, hub):
        """Counts and sales delivered in reverse order end at the in-order result."""
        count(hub, "TEE-RED-M", "store-12", 10, "08:00", "square-store-12")
        sale(hub, 3, "12:00")
        count(hub, "TEE-RED-M", "store-12", 8, "11:00", "square-store-12")
        sale(hub, 2, "10:30")
        sale(hub, 1, "09:00")
        # in order: 10 @08, -1 @09, -1 @10:30, count 8 @11, -1 @12 → 7
        assert levels(hub.engine)[ON_HAND] == 7

    def test_count_from_a_non_owner_is_rejected(self, hub):
        """A sales channel cannot count a 3PL's warehouse; nothing changes."""
        out = count(hub, "TEE-RED-M", "3pl-shipbob", 50, "08:00", "shopify-us")
        assert out.status == "rejected" and out.field == "source"
        assert "shipbob" in out.message
        assert levels(hub.engine) == {}

    def test_operator_may_count_any_location(self, hub):
        """An operator source (hub.operators) may correct any location."""
        out = count(hub, "TEE-RED-M", "3pl-shipbob", 50, "08:00", "ops")
        assert out.status == "applied"

    def test_counting_a_bundle_is_rejected(self, hub):
        """Bundles have no stock of their own; their components are counted."""
        out = count(hub, "GIFT-SET", "dc-east", 5, "08:00", "wms")
        assert out.status == "rejected" and out.field == "data.sku"

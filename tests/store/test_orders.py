"""Orders: first reserve wins, oversold is explicit, cancels release, fulfilment ships."""

from __future__ import annotations

from sqlmodel import Session, select

from hub.models import ExceptionRecord
from hub.stockview import stock_view
from tests.helpers import apply, atp, count, levels


def place(hub, order: str, lines, channel="shopify-us", at="10:00", source=None):
    return apply(
        hub,
        f"{channel}/{order}/placed",
        "order.placed",
        source or channel,
        at,
        channel=channel,
        order=order,
        lines=lines,
    )


def line(n: str, sku: str, qty: int, **extra):
    return {"line": n, "sku": sku, "quantity": qty, **extra}


class TestPlacement:
    def test_reserves_from_locations_in_configured_order(self, hub):
        """Shopify reserves from dc-east first, then store-12."""
        count(hub, "TEE-RED-M", "dc-east", 2, "06:00", "wms")
        count(hub, "TEE-RED-M", "store-12", 5, "06:00", "square-store-12")
        place(hub, "1", [line("1", "TEE-RED-M", 4)])
        lv = levels(hub.engine)
        assert lv[("TEE-RED-M", "dc-east", "reserved")] == 2
        assert lv[("TEE-RED-M", "store-12", "reserved")] == 2

    def test_oversold_units_are_recorded_and_raised(self, hub):
        """Units no visible location holds become oversold, with an exception record."""
        count(hub, "TEE-RED-M", "dc-east", 3, "06:00", "wms")
        place(hub, "1", [line("1", "TEE-RED-M", 5)])
        with hub.session() as session:
            view = stock_view(session, "TEE-RED-M")
            problems = session.exec(select(ExceptionRecord)).all()
        assert view["oversold"] == 2
        assert view["locations"]["dc-east"]["reserved"] == 3
        assert [(p.kind, p.channel, p.details["oversold"]) for p in problems] == [
            ("oversold", "shopify-us", 2)
        ]

    def test_bundle_reserves_its_components(self, hub):
        """A gift set reserves one tee and two mugs per set; its ATP is limited by them."""
        count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        count(hub, "MUG-WHT", "dc-east", 7, "06:00", "wms")
        assert atp(hub, "GIFT-SET")["shopify-us"] == 3  # mugs: (7 - 1 safety) // 2
        place(hub, "1", [line("1", "GIFT-SET", 2)])
        lv = levels(hub.engine)
        assert lv[("TEE-RED-M", "dc-east", "reserved")] == 2
        assert lv[("MUG-WHT", "dc-east", "reserved")] == 4
        assert atp(hub, "GIFT-SET")["shopify-us"] == 1

    def test_line_location_must_be_one_the_channel_sells_from(self, hub):
        """Naming a location outside the channel's list is rejected on that line's field."""
        count(hub, "TEE-RED-M", "3pl-shipbob", 10, "06:00", "shipbob")
        out = place(hub, "1", [line("1", "TEE-RED-M", 1, location="3pl-shipbob")])
        assert out.status == "rejected" and out.field == "data.lines[0].location"
        assert ("TEE-RED-M", "3pl-shipbob", "reserved") not in levels(hub.engine)

    def test_a_channel_cannot_place_another_channels_orders(self, hub):
        """Shopify sending an Amazon order is a non-owner write and is rejected."""
        count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        out = place(hub, "1", [line("1", "TEE-RED-M", 1)], channel="amazon-us", source="shopify-us")
        assert out.status == "rejected" and out.field == "source"

    def test_same_line_placed_twice_under_new_ids_reserves_once(self, hub):
        """orders/create and orders/updated both saying 'placed' do not double-reserve."""
        count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        place(hub, "1", [line("1", "TEE-RED-M", 2)])
        again = apply(
            hub,
            "shopify-us/1/updated",
            "order.placed",
            "shopify-us",
            "10:01",
            channel="shopify-us",
            order="1",
            lines=[line("1", "TEE-RED-M", 2)],
        )
        assert again.status == "applied" and "already known" in again.notes[0]
        assert levels(hub.engine)[("TEE-RED-M", "dc-east", "reserved")] == 2


class TestCancelAndFulfil:
    def test_cancel_releases_every_open_line(self, hub):
        """Cancelling without lines releases the whole order, oversold part included."""
        count(hub, "TEE-RED-M", "dc-east", 1, "06:00", "wms")
        place(hub, "1", [line("1", "TEE-RED-M", 3)])
        apply(hub, "c1", "order.cancelled", "shopify-us", "11:00", channel="shopify-us", order="1")
        with hub.session() as session:
            view = stock_view(session, "TEE-RED-M")
        assert view["locations"]["dc-east"]["reserved"] == 0 and view["oversold"] == 0

    def test_cancel_before_placement_wins(self, hub):
        """A cancellation delivered before its placement leaves nothing reserved."""
        count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        apply(hub, "c1", "order.cancelled", "shopify-us", "11:00", channel="shopify-us", order="1")
        place(hub, "1", [line("1", "TEE-RED-M", 3)])
        assert ("TEE-RED-M", "dc-east", "reserved") not in levels(hub.engine)

    def test_fulfilment_ships_reserved_units(self, hub):
        """Fulfilment takes the units out of on_hand and out of reserved."""
        count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        place(hub, "1", [line("1", "TEE-RED-M", 3)])
        apply(
            hub,
            "f1",
            "order.fulfilled",
            "shopify-us",
            "12:00",
            channel="shopify-us",
            order="1",
            location="dc-east",
            lines=[line("1", "TEE-RED-M", 3)],
        )
        assert levels(hub.engine) == {("TEE-RED-M", "dc-east", "on_hand"): 7}

    def test_fulfilment_from_another_location_releases_the_original(self, hub):
        """Reserved at dc-east but shipped from store-12: dc-east's reservation is released."""
        count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        count(hub, "TEE-RED-M", "store-12", 4, "06:00", "square-store-12")
        place(hub, "1", [line("1", "TEE-RED-M", 2)])
        apply(
            hub,
            "f1",
            "order.fulfilled",
            "square-store-12",
            "12:00",
            channel="shopify-us",
            order="1",
            location="store-12",
            lines=[line("1", "TEE-RED-M", 2)],
        )
        assert levels(hub.engine) == {
            ("TEE-RED-M", "dc-east", "on_hand"): 10,
            ("TEE-RED-M", "store-12", "on_hand"): 2,
        }

    def test_fulfilment_before_placement_does_not_reserve_later(self, hub):
        """A shipment delivered before its order leaves no reservation behind."""
        count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        apply(
            hub,
            "f1",
            "order.fulfilled",
            "shopify-us",
            "12:00",
            channel="shopify-us",
            order="1",
            location="dc-east",
            lines=[line("1", "TEE-RED-M", 2)],
        )
        place(hub, "1", [line("1", "TEE-RED-M", 2)])
        assert levels(hub.engine) == {("TEE-RED-M", "dc-east", "on_hand"): 8}

    def test_exceptions_name_the_channel(self, hub):
        """Oversold problems carry the channel so ops can filter by it."""
        place(hub, "1", [line("1", "TEE-RED-L", 1)], channel="amazon-us")
        with Session(hub.engine) as session:
            problem = session.exec(select(ExceptionRecord)).one()
        assert problem.channel == "amazon-us" and problem.subject == "sku:TEE-RED-L"

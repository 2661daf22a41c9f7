"""Returns and transfers move units between buckets and locations without losing any."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from hub.ledger import returns_in_limbo
from hub.models import ExceptionRecord, Return
from hub.store.types import utcnow
from tests.helpers import apply, atp, count, levels


def receive(hub, code="R1", qty=3, at="10:00"):
    return apply(
        hub,
        f"{code}/received",
        "return.received",
        "shopify-us",
        at,
        return_=code,
        channel="shopify-us",
        order="S-1",
        location="dc-east",
        lines=[{"sku": "TEE-RED-M", "quantity": qty}],
    )


def inspect(hub, code="R1", at="11:00", **conditions):
    lines = [{"sku": "TEE-RED-M", "quantity": q, "condition": c} for c, q in conditions.items()]
    return apply(
        hub, f"{code}/inspected/{at}", "return.inspected", "wms", at, return_=code, lines=lines
    )


def dispose(hub, *lines, code="R1", at="12:00"):
    return apply(
        hub,
        f"{code}/dispositioned/{at}",
        "return.dispositioned",
        "wms",
        at,
        return_=code,
        lines=list(lines),
    )


def unit(qty, disposition, **extra):
    return {"sku": "TEE-RED-M", "quantity": qty, "disposition": disposition, **extra}


class TestReturns:
    def test_full_lifecycle_moves_units_and_stamps_each_step(self, hub):
        """Received → inspected → restock/quarantine/write-off → closed, with times and actors."""
        count(hub, "TEE-RED-M", "dc-east", 5, "06:00", "wms")
        receive(hub, qty=4)
        assert levels(hub.engine)[("TEE-RED-M", "dc-east", "returned_pending")] == 4
        inspect(hub, sellable=2, damaged=2)
        dispose(hub, unit(2, "restock"), unit(1, "quarantine"), unit(1, "write_off"))
        assert levels(hub.engine) == {
            ("TEE-RED-M", "dc-east", "on_hand"): 7,
            ("TEE-RED-M", "dc-east", "quarantined"): 1,
        }
        with Session(hub.engine) as session:
            ret = session.exec(select(Return)).one()
        assert ret.status == "closed"
        assert (ret.received_by, ret.inspected_by, ret.closed_by) == ("shopify-us", "wms", "wms")
        assert ret.received_at < ret.inspected_at < ret.closed_at

    def test_restock_makes_units_sellable_at_once(self, hub):
        """ATP rises in the same transaction as the restock."""
        count(hub, "TEE-RED-M", "dc-east", 5, "06:00", "wms")
        receive(hub, qty=3)
        inspect(hub, sellable=3)
        before = atp(hub, "TEE-RED-M")["shopify-us"]
        dispose(hub, unit(3, "restock"))
        assert atp(hub, "TEE-RED-M")["shopify-us"] == before + 3

    def test_damaged_units_cannot_be_restocked(self, hub):
        """Restocking more than was inspected sellable is rejected on the disposition field."""
        receive(hub, qty=2)
        inspect(hub, sellable=1, damaged=1)
        out = dispose(hub, unit(2, "restock"))
        assert out.status == "rejected" and out.field == "data.lines[0].disposition"
        assert levels(hub.engine) == {("TEE-RED-M", "dc-east", "returned_pending"): 2}

    def test_disposition_before_inspection_is_a_state_error(self, hub):
        """The state machine holds: no disposition before inspection."""
        receive(hub)
        out = dispose(hub, unit(1, "write_off"))
        assert out.status == "rejected" and "inspected" in out.message

    def test_transfer_disposition_ships_to_another_location(self, hub):
        """A transfer disposition puts units in transit to the destination as return:<code>."""
        receive(hub, qty=2)
        inspect(hub, defective=2)
        dispose(hub, unit(2, "transfer", to_location="3pl-shipbob"))
        assert levels(hub.engine) == {("TEE-RED-M", "3pl-shipbob", "in_transit"): 2}
        apply(
            hub,
            "rt/in",
            "transfer.received",
            "shipbob",
            "15:00",
            transfer="return:R1",
            to_location="3pl-shipbob",
            lines=[{"sku": "TEE-RED-M", "quantity": 2}],
        )
        assert levels(hub.engine) == {("TEE-RED-M", "3pl-shipbob", "on_hand"): 2}

    def test_partial_disposition_leaves_it_dispositioned_not_closed(self, hub):
        """Units still waiting keep the return open."""
        receive(hub, qty=2)
        inspect(hub, sellable=2)
        dispose(hub, unit(1, "restock"))
        with Session(hub.engine) as session:
            assert session.exec(select(Return.status)).one() == "dispositioned"

    def test_returns_past_the_sla_are_reported(self, hub):
        """A return received long ago and not closed is in limbo; a fresh one is not."""
        apply(
            hub,
            "old",
            "return.received",
            "shopify-us",
            "2026-01-01T10:00:00Z",
            return_="OLD",
            channel="shopify-us",
            location="dc-east",
            lines=[{"sku": "MUG-WHT", "quantity": 1}],
        )
        receive(hub, code="NEW", at=utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))
        with hub.session() as session:
            stuck = returns_in_limbo(session, utcnow(), timedelta(hours=72))
        assert [r.code for r in stuck] == ["OLD"]


class TestTransfers:
    def test_manual_transfer_to_a_dark_store(self, hub):
        """Units leave dc-east, travel, and arrive at the dark store."""
        count(hub, "TEE-RED-M", "dc-east", 100, "06:00", "wms")
        apply(
            hub,
            "t/s",
            "transfer.shipped",
            "ops",
            "07:00",
            transfer="T1",
            from_location="dc-east",
            to_location="dark-store-1",
            lines=[{"sku": "TEE-RED-M", "quantity": 24}],
        )
        assert levels(hub.engine)[("TEE-RED-M", "dark-store-1", "in_transit")] == 24
        apply(
            hub,
            "t/r",
            "transfer.received",
            "dark-ops",
            "09:00",
            transfer="T1",
            to_location="dark-store-1",
            lines=[{"sku": "TEE-RED-M", "quantity": 24}],
        )
        assert levels(hub.engine) == {
            ("TEE-RED-M", "dc-east", "on_hand"): 76,
            ("TEE-RED-M", "dark-store-1", "on_hand"): 24,
        }

    def test_receipt_before_shipment_ends_in_the_same_state(self, hub):
        """Out-of-order halves of a transfer converge."""
        count(hub, "TEE-RED-M", "dc-east", 100, "06:00", "wms")
        apply(
            hub,
            "t/r",
            "transfer.received",
            "dark-ops",
            "09:00",
            transfer="T1",
            to_location="dark-store-1",
            lines=[{"sku": "TEE-RED-M", "quantity": 24}],
        )
        apply(
            hub,
            "t/s",
            "transfer.shipped",
            "ops",
            "07:00",
            transfer="T1",
            from_location="dc-east",
            to_location="dark-store-1",
            lines=[{"sku": "TEE-RED-M", "quantity": 24}],
        )
        assert levels(hub.engine) == {
            ("TEE-RED-M", "dc-east", "on_hand"): 76,
            ("TEE-RED-M", "dark-store-1", "on_hand"): 24,
        }

    def test_over_receipt_is_flagged(self, hub):
        """Receiving more than was shipped raises a transfer discrepancy."""
        count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        apply(
            hub,
            "t/s",
            "transfer.shipped",
            "ops",
            "07:00",
            transfer="T1",
            from_location="dc-east",
            to_location="dark-store-1",
            lines=[{"sku": "TEE-RED-M", "quantity": 2}],
        )
        apply(
            hub,
            "t/r",
            "transfer.received",
            "dark-ops",
            "09:00",
            transfer="T1",
            to_location="dark-store-1",
            lines=[{"sku": "TEE-RED-M", "quantity": 3}],
        )
        with Session(hub.engine) as session:
            assert session.exec(select(ExceptionRecord.kind)).all() == ["transfer_discrepancy"]

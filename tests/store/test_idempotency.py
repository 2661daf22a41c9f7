"""Idempotency, parking and rejection: the ledger applies each event once and loses none."""

from __future__ import annotations

from sqlmodel import Session, select

from hub.ledger import release_parked
from hub.mappings.sync import import_crosswalk
from hub.models import EventRecord, ExceptionRecord
from hub.vocabulary import RefKind
from tests.helpers import apply, count, entry_count, ledger_sums, levels


class TestDuplicates:
    def test_same_event_twice_changes_nothing_and_says_duplicate(self, hub):
        """The second application of an event id reports duplicate and leaves the ledger as is."""
        first = count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        before, entries = levels(hub.engine), entry_count(hub.engine)
        second = count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        assert (first.status, second.status) == ("applied", "duplicate")
        assert levels(hub.engine) == before == {("TEE-RED-M", "dc-east", "on_hand"): 10}
        assert entry_count(hub.engine) == entries

    def test_reused_id_with_other_payload_is_ignored_and_logged(self, hub):
        """An id reused for different content does not apply and raises an exception record."""
        apply(
            hub,
            "e1",
            "stock.adjusted",
            "wms",
            "07:00",
            sku="MUG-WHT",
            location="dc-east",
            delta=5,
            reason="receipt",
        )
        again = apply(
            hub,
            "e1",
            "stock.adjusted",
            "wms",
            "07:00",
            sku="MUG-WHT",
            location="dc-east",
            delta=50,
            reason="receipt",
        )
        assert again.status == "duplicate" and again.conflict
        assert levels(hub.engine) == {("MUG-WHT", "dc-east", "on_hand"): 5}
        with Session(hub.engine) as session:
            kinds = session.exec(select(ExceptionRecord.kind)).all()
        assert kinds == ["idempotency_conflict"]

    def test_levels_always_equal_the_sum_of_entries(self, hub):
        """Stock levels are maintained in the same transaction as the entries they sum."""
        count(hub, "TEE-RED-M", "dc-east", 10, "06:00", "wms")
        apply(
            hub,
            "o1",
            "order.placed",
            "shopify-us",
            "07:00",
            channel="shopify-us",
            order="1",
            lines=[{"line": "1", "sku": "TEE-RED-M", "quantity": 3}],
        )
        apply(
            hub,
            "f1",
            "order.fulfilled",
            "shopify-us",
            "08:00",
            channel="shopify-us",
            order="1",
            location="dc-east",
            lines=[{"line": "1", "sku": "TEE-RED-M", "quantity": 3}],
        )
        assert (
            levels(hub.engine)
            == ledger_sums(hub.engine)
            == {("TEE-RED-M", "dc-east", "on_hand"): 7}
        )


class TestParking:
    def test_unmapped_external_sku_is_parked_then_applied_when_mapped(self, hub):
        """An event naming an unknown external SKU waits, then applies once the crosswalk has it."""
        out = apply(
            hub,
            "sb/1",
            "stock.adjusted",
            "shipbob",
            "07:00",
            sku="SB-INV-77",
            location="3pl-shipbob",
            delta=4,
            reason="receipt",
        )
        assert out.status == "parked" and out.field == "data.sku"
        assert "SB-INV-77" in out.message and "crosswalk" in out.fix
        assert levels(hub.engine) == {}
        assert release_parked(hub.engine, hub.policy) == []  # still unmapped: stays parked

        class Row:
            system, kind, external_id, hub_id, file, line = (
                "shipbob",
                RefKind.SKU,
                "SB-INV-77",
                "TEE-RED-L",
                "crosswalk.csv",
                2,
            )

        with Session(hub.engine) as session:
            import_crosswalk(session, [Row()])
            session.commit()
        released = release_parked(hub.engine, hub.policy)
        assert [o.status for o in released] == ["applied"]
        assert levels(hub.engine) == {("TEE-RED-L", "3pl-shipbob", "on_hand"): 4}
        with Session(hub.engine) as session:
            record = session.exec(select(EventRecord).where(EventRecord.key == "sb/1")).one()
            problem = session.exec(select(ExceptionRecord)).one()
        assert record.status == "applied" and record.attempts == 2
        assert problem.status == "resolved" and "later attempt" in problem.resolution_note


class TestRejection:
    def test_rejected_event_is_kept_and_can_be_corrected_under_the_same_id(self, hub):
        """A rejected event stays in the event table and the log; a corrected resend applies."""
        bad = apply(
            hub, "x1", "stock.adjusted", "wms", "07:00", sku="MUG-WHT", location="dc-west", delta=1
        )
        assert bad.status == "rejected" and bad.field == "data.location"
        good = apply(
            hub, "x1", "stock.adjusted", "wms", "07:00", sku="MUG-WHT", location="dc-east", delta=1
        )
        assert good.status == "applied"
        assert levels(hub.engine) == {("MUG-WHT", "dc-east", "on_hand"): 1}
        with Session(hub.engine) as session:
            statuses = session.exec(select(ExceptionRecord.status)).all()
        assert statuses == ["resolved"]

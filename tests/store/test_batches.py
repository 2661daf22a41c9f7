"""Batches: one transaction for many events, with exactly the outcomes of one at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from hub.ledger import apply_batch, apply_event
from tests.conftest import make_hub
from tests.helpers import entry_count, event, ledger_sums, levels


def mixed_day():
    """Counts, an order, a duplicate inside the batch, a rejected and a parked event."""
    return [
        event(
            "c1",
            "stock.counted",
            "wms",
            "06:00",
            sku="TEE-RED-M",
            location="dc-east",
            as_of="2026-11-22T06:00:00Z",
            quantities={"on_hand": 10},
        ),
        event(
            "o1",
            "order.placed",
            "shopify-us",
            "07:00",
            channel="shopify-us",
            order="1",
            lines=[{"line": "1", "sku": "TEE-RED-M", "quantity": 4}],
        ),
        event(
            "bad", "stock.adjusted", "wms", "07:30", sku="TEE-RED-M", location="dc-west", delta=1
        ),
        event(
            "c1",
            "stock.counted",
            "wms",
            "06:00",
            sku="TEE-RED-M",
            location="dc-east",
            as_of="2026-11-22T06:00:00Z",
            quantities={"on_hand": 10},
        ),
        event("park", "stock.adjusted", "wms", "08:00", sku="WMS-404", location="dc-east", delta=2),
        event(
            "f1",
            "order.fulfilled",
            "shopify-us",
            "09:00",
            channel="shopify-us",
            order="1",
            location="dc-east",
            lines=[{"line": "1", "sku": "TEE-RED-M", "quantity": 4}],
        ),
    ]


class TestApplyBatch:
    def test_batch_equals_one_at_a_time(self, hub):
        """Statuses, levels and entries match applying the same events singly."""
        batched = [o.status for o in apply_batch(hub.engine, mixed_day(), hub.policy)]
        assert batched == ["applied", "applied", "rejected", "duplicate", "parked", "applied"]
        state = (levels(hub.engine), entry_count(hub.engine))
        assert (
            levels(hub.engine)
            == ledger_sums(hub.engine)
            == {("TEE-RED-M", "dc-east", "on_hand"): 6}
        )
        again = [o.status for o in apply_batch(hub.engine, mixed_day(), hub.policy)]
        assert again == ["duplicate", "duplicate", "rejected", "duplicate", "parked", "duplicate"]
        assert (levels(hub.engine), entry_count(hub.engine)) == state

    def test_rejected_event_inside_a_batch_leaves_no_trace_but_its_record(self, hub):
        """A failure rolls back its own savepoint only: the events around it stay applied."""
        outcomes = apply_batch(hub.engine, mixed_day()[:3], hub.policy)
        assert outcomes[2].field == "data.location"
        assert levels(hub.engine) == {
            ("TEE-RED-M", "dc-east", "on_hand"): 10,
            ("TEE-RED-M", "dc-east", "reserved"): 4,
        }


@pytest.mark.postgres
def test_racing_batches_apply_each_event_once(settings, pg_engine):
    """Two workers posting the same batch at once: every event applied exactly once."""
    hub = make_hub(settings, pg_engine)
    apply_event(hub.engine, mixed_day()[0], hub.policy)
    orders = [
        event(
            f"o{i}",
            "order.placed",
            "shopify-us",
            "07:00",
            channel="shopify-us",
            order=str(i),
            lines=[{"line": "1", "sku": "TEE-RED-M", "quantity": 1}],
        )
        for i in range(40)
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: apply_batch(hub.engine, orders, hub.policy), range(2)))
    statuses = sorted(o.status for batch in results for o in batch)
    assert statuses.count("applied") == 40 and statuses.count("duplicate") == 40
    lv = levels(hub.engine)
    assert lv[("TEE-RED-M", "dc-east", "reserved")] == 10  # 10 on hand, 30 oversold

"""Pulls resume from their cursors and hand over only what changed."""

from __future__ import annotations

from connectors.shipbob.sandbox_seed import CICERO, TEE_RED_M
from connectors.shipbob.sandbox_warehouse import RESTOCK


def drain(handle, ctx, resource, cursor=None, limit=2):
    events = []
    while True:
        found, page = handle.pull(ctx, resource, cursor, limit=limit)
        events.extend(found)
        cursor = page.cursor
        if not page.has_more:
            return events, cursor


def test_stock_hands_over_changed_levels_only(handle, context, sandbox, clock) -> None:
    ctx = context(sandbox.transport())
    first, cursor = drain(handle, ctx, "stock", limit=1)
    assert len(first) == 5 and len({e.id for e in first}) == 5  # one count per item and center
    assert drain(handle, ctx, "stock", cursor)[0] == []
    clock[0] += 60
    sandbox.act(lambda w: w.set_level(TEE_RED_M, CICERO, on_hand=38))
    (changed,), _ = drain(handle, ctx, "stock", cursor)
    assert (changed.data.sku, changed.data.location, changed.data.quantities["on_hand"]) == (
        str(TEE_RED_M), str(CICERO), 38)  # fmt: skip


def test_account_location_reports_one_count_per_item(handle, context, sandbox) -> None:
    ctx = context(sandbox.transport(), account_location="3pl-shipbob")
    events, _ = drain(handle, ctx, "stock")
    by_sku = {e.data.sku: e.data.quantities for e in events}
    assert by_sku[str(TEE_RED_M)] == {"on_hand": 51, "incoming": 24, "in_transit": 6,
                                      "quarantined": 0}  # fmt: skip
    assert {e.data.location for e in events} == {"3pl-shipbob"}


def test_orders_updated_after_the_cursor_are_seen_again(handle, context, sandbox, clock) -> None:
    ctx = context(sandbox.transport())
    events, cursor = drain(handle, ctx, "orders")
    settled = {e.data.order for e in events if e.type != "order.placed"}
    opened = next(e for e in events if e.type == "order.placed" and e.data.order not in settled)
    clock[0] += 60
    sandbox.act(lambda w: w.ship(int(opened.data.order)))
    again, cursor = drain(handle, ctx, "orders", cursor)
    assert [e.type for e in again] == ["order.placed", "order.fulfilled"]  # ids repeat: deduped
    assert opened.id in {e.id for e in again}
    assert drain(handle, ctx, "orders", cursor)[0] == []


def test_open_returns_are_followed_until_they_complete(handle, context, sandbox, clock) -> None:
    """A return awaiting arrival at the first sweep is picked up when it arrives, by id."""
    ctx = context(sandbox.transport())
    _, cursor = drain(handle, ctx, "returns")
    waiting = max(sandbox.warehouse.returns)
    clock[0] += 86400  # a day later: not "created since" the cursor any more
    sandbox.act(lambda w: w.arrive(waiting))
    (received,), cursor = drain(handle, ctx, "returns", cursor)
    assert received.type == "return.received"
    sandbox.act(lambda w: w.process(waiting, [(TEE_RED_M, RESTOCK, 1, "ok")]))
    sandbox.act(lambda w: w.complete(waiting))
    done, cursor = drain(handle, ctx, "returns", cursor)
    assert [e.type for e in done] == ["return.received", "return.inspected",
                                      "return.dispositioned"]  # fmt: skip
    assert drain(handle, ctx, "returns", cursor)[0] == []

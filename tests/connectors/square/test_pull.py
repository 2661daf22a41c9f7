"""Pulls: counts by cursor and updated_after (pairs completed), orders by SearchOrders."""

from __future__ import annotations

import httpx

from connectors.square.pull import decode
from connectors.square.sandbox_seed import PRODUCTS, STORE
from hub.connector import Resource
from hub.errors import ConfigError


def test_counts_page_by_cursor_and_complete_each_pair(handle, context, sandbox) -> None:
    """limit=1 pages one count at a time (Square's cursor), yet MUG-WHT's on_hand is IN_STOCK +
    RESERVED_FOR_SALE (27 + 2) because each page's pair is read whole."""
    ctx, cursor, seen = context(sandbox.transport()), None, {}
    for _ in range(50):
        events, page = handle.pull(ctx, Resource.STOCK, cursor, limit=1)
        for e in events:
            seen[e.data.sku] = e.data.quantities
        cursor = page.cursor
        if not page.has_more:
            break
    mug = PRODUCTS[3][1]
    assert seen[mug]["on_hand"] == 29 and seen[PRODUCTS[0][1]]["returned_pending"] == 1
    assert set(seen) == {variation for _, variation, *_ in PRODUCTS}


def test_next_sweep_asks_updated_after_and_sees_only_changes(handle, context, sandbox) -> None:
    """After a full sweep, a sale changes one variation: the next sweep sends updated_after
    and hands over that variation only; a third finds nothing."""
    sent = []
    inner = sandbox.transport()

    def spy(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return inner.handle_request(request)

    ctx = context(httpx.MockTransport(spy))
    _, page = handle.pull(ctx, Resource.STOCK, None, limit=1000)
    assert "since" in decode(page.cursor)
    import time

    time.sleep(1.1)  # Square's updated_after is by its clock; the mark keeps a second back
    sandbox.act(lambda s: s.sell([(PRODUCTS[2][1], 1)], STORE))
    events, page = handle.pull(ctx, Resource.STOCK, page.cursor, limit=1000)
    assert [e.data.sku for e in events] == [PRODUCTS[2][1]] and b"updated_after" in sent[-2]
    assert events[0].data.quantities["on_hand"] == 5  # 7 seeded, 1 sold in the seed, 1 now
    again, _ = handle.pull(ctx, Resource.STOCK, page.cursor, limit=1000)
    assert again == []


def test_orders_pull_needs_the_store_locations(handle, context, sandbox) -> None:
    """SearchOrders needs location_ids: ConfigError naming the setting."""
    import pytest

    with pytest.raises(ConfigError) as caught:
        handle.pull(context(sandbox.transport(), location_ids=""), Resource.ORDERS, None, 10)
    assert caught.value.field == "settings.location_ids"


def test_orders_and_returns_pull_the_seeded_facts(handle, context, sandbox) -> None:
    """The seed: two counter sales, a pickup, a cancelled pickup; one itemized return."""
    ctx = context(sandbox.transport())
    orders, _ = handle.pull(ctx, Resource.ORDERS, None, 100)
    kinds = sorted(e.type for e in orders)
    assert kinds.count("order.placed") == 4 and kinds.count("order.fulfilled") == 2
    assert kinds.count("order.cancelled") == 2  # the pickup's fulfilment and the order
    returns, _ = handle.pull(ctx, Resource.RETURNS, None, 100)
    assert [e.type for e in returns] == ["return.received"]

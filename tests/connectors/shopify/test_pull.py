"""Pull: orders, returns and inventory levels since a cursor, with GraphQL pagination."""

from __future__ import annotations

import pytest

from connectors.shopify import documents, pull
from connectors.shopify.sandbox import ShopifySandbox
from connectors.shopify.sandbox_seed import DC, STORE
from hub.errors import ValidationError

ITEM = "gid://shopify/InventoryItem/808950810"


def everything(handle, ctx, resource: str, cursor=None, limit: int = 3):
    """Page to the end; (event ids in order, last cursor, pages)."""
    ids, pages = [], 0
    while True:
        events, page = handle.pull(ctx, resource, cursor, limit=limit)
        ids += [e.id for e in events]
        cursor, pages = page.cursor, pages + 1
        if not page.has_more:
            return ids, cursor, pages


class TestOrders:
    def test_small_pages_resume_inside_an_order(self, handle, context, sandbox) -> None:
        """limit=1 splits orders' events across pulls; nothing lost, nothing twice."""
        ctx = context(sandbox.transport())
        paged, cursor, pages = everything(handle, ctx, "orders", limit=1)
        whole, _ = handle.pull(ctx, "orders", None, limit=1000)
        assert paged == [e.id for e in whole] and len(paged) == pages - 1 + 0**0 - 1 + 1
        assert handle.pull(ctx, "orders", cursor, limit=100)[0] == []

    def test_a_changed_order_comes_back_with_its_new_facts(self, handle, context, sandbox):
        """Fulfilling an open order moves it past the cursor: the fulfilment is pulled."""
        ctx = context(sandbox.transport())
        seen, cursor, _ = everything(handle, ctx, "orders")
        orders = sandbox.shop.orders.values()
        open_order = next(o for o in orders if not o.fulfillments and not o.cancelled_at)
        sandbox.act(lambda shop: shop.fulfill(open_order.id))
        again, page = handle.pull(ctx, "orders", cursor, limit=100)
        assert [e.type for e in again if e.id not in seen] == ["order.fulfilled"]
        assert not page.has_more

    def test_returns_are_pulled_alone(self, handle, context, sandbox) -> None:
        events, _ = handle.pull(context(sandbox.transport()), "returns", None, limit=100)
        assert [e.type for e in events] == ["return.received"]
        assert events[0].data.location == DC

    def test_long_orders_are_completed_with_follow_up_queries(self, handle, context) -> None:
        """45 lines, 5 fulfillments of 9 lines, 4 refunds: more than the first page of each."""
        sandbox = ShopifySandbox.seeded()
        variant = next(iter(sandbox.shop.variants))
        order = sandbox.act(lambda shop: shop.create_order([(variant, 1)] * 45, DC))
        lines = [line.id for line in sandbox.shop.orders[order].lines]
        for n in range(5):
            sandbox.act(lambda shop, n=n: _ship(shop, order, lines[n * 9 : n * 9 + 9]))
        for n in range(4):
            sandbox.act(lambda shop, n=n: shop.refund(order, [(lines[n], 1)], "return", DC))
        ctx = context(sandbox.transport())
        events, _ = handle.pull(ctx, "orders", None, limit=1000)
        mine = [e for e in events if e.data.order == order]
        assert len(mine[0].data.lines) == 45
        assert sum(len(e.data.lines) for e in mine if e.type == "order.fulfilled") == 45
        returned, _ = handle.pull(ctx, "returns", None, limit=1000)
        assert len([e for e in returned if e.data.order == order]) == 4

    def test_garbage_cursor_is_a_validation_error(self, handle, context, sandbox) -> None:
        with pytest.raises(ValidationError):
            handle.pull(context(sandbox.transport()), "orders", "not-base64!", limit=5)


def _ship(shop, order_id: str, line_ids: list[str]):
    """A fulfillment of some lines only (the sandbox's fulfill ships everything left)."""
    order = shop.orders[order_id]
    keep = {line.id: line.removed for line in order.lines}
    for line in order.lines:
        if line.id not in line_ids:
            line.removed = line.quantity  # hide from this fulfillment
    result = shop.fulfill(order_id)
    for line in order.lines:
        line.removed = keep[line.id]
    return result


class TestLevels:
    def test_sales_channel_reports_available_as_on_hand(self, handle, context, sandbox) -> None:
        """Default: one stock.counted per level, {on_hand: available}, the variant as SKU."""
        events, page = handle.pull(context(sandbox.transport()), "stock", None, limit=100)
        assert not page.has_more and len(events) == len(sandbox.stock_levels())
        variant = "gid://shopify/ProductVariant/49148301"
        counted = next(e for e in events if (e.data.sku, e.data.location) == (variant, DC))
        assert counted.data.quantities == {"on_hand": sandbox.stock_levels()[(ITEM, DC)]}

    def test_shop_owning_counts_reports_every_quantity_name(self, handle, context) -> None:
        """counts_owned: committed counts as on_hand, damaged as damaged, through the map."""
        sandbox = ShopifySandbox.seeded()
        counts = {"available": 4, "committed": 2, "damaged": 1, "incoming": 6}
        sandbox.act(lambda shop: shop.change(ITEM, STORE, counts))
        ctx = context(sandbox.transport(), counts_owned=True)
        events, _ = handle.pull(ctx, "stock", None, limit=100)
        counted = next(e for e in events if e.data.location == STORE and "49148301" in e.data.sku)
        assert counted.data.quantities == {
            "on_hand": 6,  # available + committed
            "damaged": 1,
            "incoming": 6,
            "quarantined": 0,  # reserved, safety_stock, quality_control: none
        }

    def test_only_changed_levels_after_the_cursor(self, handle, context, sandbox) -> None:
        """After a sweep nothing is new; a changed level is the one event of the next sweep."""
        ctx = context(sandbox.transport())
        first, cursor, pages = everything(handle, ctx, "stock", limit=3)
        assert len(first) == len(set(first)) == len(sandbox.stock_levels()) and pages >= 3
        assert handle.pull(ctx, "stock", cursor, limit=100)[0] == []
        sandbox.act(lambda shop: shop.change(ITEM, STORE, {"available": 42}))
        changed, page = handle.pull(ctx, "stock", cursor, limit=100)
        assert [(e.data.location, e.data.quantities) for e in changed] == [(STORE, {"on_hand": 42})]
        assert handle.pull(ctx, "stock", page.cursor, limit=100)[0] == []

    def test_cursor_round_trip(self) -> None:
        state = {"since": "2026-11-23T06:00:00Z", "seen": {"a": "b"}}
        assert pull.decode(pull.encode(state)) == state and pull.decode(None) == {}


def test_order_page_stays_under_the_single_query_budget() -> None:
    """Two orders per page keep the requested cost of ORDERS under 1000 points."""
    from connectors.shopify.cost import requested_cost

    cost = requested_cost(documents.ORDERS.text, {"first": documents.ORDER_PAGE_SIZE})
    assert cost < 1000

"""The real vendor connectors in the simulation: every vendor-side fault reaches them.

The default seeds choose a fault's channel at random, so whether Shopify sees each kind in
them is luck; this day aims every vendor-side fault at the shop on purpose, with orders,
a cancellation, a fulfilment and a return in Shopify's webhooks between them, and requires
every invariant — after each step and once quiet — plus the failures the Shopify connector
must have turned into dead letters. A second day does the same to the marketplace on the
Amazon connector, with orders, a cancellation, a line cancelled at
the 3PL, shipments and an order pull between them. The all-custom company still runs too.
"""

from __future__ import annotations

import sqlalchemy as sa

from hub.models import DeadLetter
from tests.simulation import world as w
from tests.simulation.runner import Simulation, run_seed
from tests.simulation.steps import Step

AT = "2026-11-22T06:00:00.000000Z"
LATER = "2026-11-22T06:10:00.000000Z"  # after the opening counts: receipts count on top


def _emit(source: str, type_: str, key: str, data: dict, at: str = AT) -> Step:
    event = {"id": f"{source}/{key}", "type": type_, "source": source, "occurred_at": at}
    return Step("emit", {"channel": source, "event": {**event, "data": data}})


def _order(code: str, sku: str, quantity: int, channel: str = "shop", *more: str) -> Step:
    lines = [{"line": "1", "sku": sku, "quantity": quantity}]
    lines += [{"line": str(n), "sku": x, "quantity": 1} for n, x in enumerate(more, start=2)]
    data = {"channel": channel, "order": code, "lines": lines}
    return _emit(channel, "order.placed", code, data)


def _busy(n: int = 12) -> list[Step]:
    return [Step("deliver", {"pick": 0.0}), Step("work", {"pick": 0.0})] * n


def _day() -> list[Step]:
    steps: list[Step] = []
    for n, sku in enumerate(w.SKUS):
        steps.append(Step("stock", {"location": "dc", "sku": sku, "quantity": 20}))
        data = {"sku": sku, "location": "dc", "as_of": AT, "quantities": {"on_hand": 20}}
        steps.append(_emit("wms", "stock.counted", f"count-{n}", data))
    steps += _busy(20)
    faults = {"channel": "shop", "rate": 0.7, "kinds": ["429", "500", "timeout"], "seed": 3}
    steps += [Step("vendor_faults", faults), _order("o-1", "TEE-RED-M", 2), *_busy()]
    steps += [Step("vendor_faults", {"channel": "shop", "rate": 0.0})]
    steps += [Step("reject", {"channel": "shop", "skus": ["TEE-BLU-M"]})]
    steps += [_order("o-2", "TEE-BLU-M", 1), Step("deliver", {"pick": 0.0, "dup": True})]
    steps += _busy()
    steps += [Step("revoke", {"channel": "shop"}), _order("o-3", "MUG-WHT", 3), *_busy()]
    steps += [Step("restore", {"channel": "shop"}), Step("replay"), *_busy()]
    steps += [Step("skew", {"system": "shop", "seconds": -4.0})]
    cancel = {"channel": "shop", "order": "o-3"}
    steps += [_emit("shop", "order.cancelled", "c-3", cancel), *_busy()]
    ship = {"channel": "shop", "order": "o-1", "location": "dc"}
    ship["lines"] = [{"line": "1", "sku": "TEE-RED-M", "quantity": 2}]
    steps += [Step("reject", {"channel": "shop", "skus": []})]
    steps += [_emit("shop", "order.fulfilled", "f-1", ship), *_busy()]
    back = {"return": "r-1", "channel": "shop", "order": "o-1", "location": "store"}
    back["lines"] = [{"sku": "TEE-RED-M", "quantity": 1}]
    steps += [_emit("shop", "return.received", "r-1", back), *_busy()]
    steps += [Step("edit", {"channel": "shop", "sku": "MUG-WHT", "quantity": 50})]
    steps += [Step("reconcile", {"channel": "shop"}), *_busy()]
    return steps


def test_every_vendor_fault_reaches_the_shopify_channel(sim_engine):
    """Shopify takes 5xx, THROTTLED, timeouts, a non-mutable item, a revoked token, skew and
    an edit, and the day still keeps every invariant and converges."""
    sim = Simulation(sim_engine)
    with sim.running():
        for step in _day():
            assert sim.execute(step), "\n".join(map(str, sim.violations))
        assert sim.quiesce(), "\n".join(map(str, sim.violations))
        result = sim.result(None)
        shop = sim.world.vendors["shop"]
        topics = {d.topic for d in shop.sandbox.deliveries}
    for kind in ("vendor_5xx", "vendor_429", "vendor_timeout", "partial_batch"):
        assert result.faults[kind] > 0, kind
    for kind in ("revoked_credentials", "clock_skew", "channel_edit", "duplicate_delivery"):
        assert result.faults[kind] > 0, kind
    assert topics == {"orders/create", "orders/updated", "orders/cancelled", "refunds/create"}
    with sim_engine.connect() as connection:
        letters = set(
            connection.execute(
                sa.select(DeadLetter.error_kind).where(DeadLetter.channel == "shop")
            ).scalars()
        )
    assert {"push_rejected", "config"} <= letters


def test_the_all_custom_company_still_runs(sim_engine):
    """Every channel on ``custom`` (the world before real vendors) keeps every invariant."""
    result = run_seed(4, sim_engine, steps=80, vendors=w.CUSTOM_ONLY)
    assert result.ok, "\n".join(map(str, result.violations))


def _market_day() -> list[Step]:
    steps: list[Step] = []
    for n, sku in enumerate(w.SKUS):
        steps.append(Step("stock", {"location": "tpl", "sku": sku, "quantity": 20}))
        data = {"sku": sku, "location": "tpl", "as_of": AT, "quantities": {"on_hand": 20}}
        steps.append(_emit("tpl", "stock.counted", f"count-{n}", data))
    steps += _busy(20)
    steps += [_order("m-1", "TEE-RED-M", 2, "market"), *_busy()]
    for n, kind in enumerate(["429", "500", "timeout"]):  # each kind while pushes go out
        faults = {"channel": "market", "rate": 1.0, "kinds": [kind], "seed": n}
        more = {"sku": w.SKUS[n], "location": "tpl", "delta": 5, "reason": "receipt"}
        steps += [Step("vendor_faults", faults), _emit("tpl", "stock.adjusted", kind, more, LATER)]
        steps += _busy(12)
    steps += [Step("vendor_faults", {"channel": "market", "rate": 0.0}), Step("replay")]
    steps += _busy()
    steps += [Step("reject", {"channel": "market", "skus": ["TEE-BLU-M"]})]
    steps += [_order("m-2", "TEE-BLU-M", 1, "market")]
    steps += [Step("deliver", {"pick": 0.0, "dup": True}), *_busy()]
    steps += [Step("revoke", {"channel": "market"}), _order("m-3", "MUG-WHT", 3, "market")]
    steps += [*_busy(), Step("restore", {"channel": "market"}), Step("replay"), *_busy()]
    steps += [Step("skew", {"system": "market", "seconds": 4.0})]
    cancel = {"channel": "market", "order": "m-3"}
    steps += [_emit("market", "order.cancelled", "c-3", cancel), *_busy()]
    steps += [_order("m-4", "TEE-RED-L", 1, "market", "MUG-WHT"), *_busy()]
    line = {"channel": "market", "order": "m-4", "lines": ["2"]}
    steps += [_emit("market", "order.cancelled", "c-4", line), *_busy()]
    steps += [Step("reject", {"channel": "market", "skus": []})]
    for code, sku, qty in (("m-1", "TEE-RED-M", 2), ("m-4", "TEE-RED-L", 1)):
        ship = {"channel": "market", "order": code, "location": "tpl"}
        ship["lines"] = [{"line": "1", "sku": sku, "quantity": qty}]
        steps += [_emit("market", "order.fulfilled", f"f-{code}", ship), *_busy()]
    steps += [Step("pull", {"channel": "market"}), *_busy()]  # the same facts, pulled
    back = {"return": "r-1", "channel": "market", "order": "m-1", "location": "tpl"}
    back["lines"] = [{"sku": "TEE-RED-M", "quantity": 1}]
    steps += [_emit("tpl", "return.received", "r-1", back), *_busy()]
    steps += [Step("edit", {"channel": "market", "sku": "MUG-WHT", "quantity": 50})]
    steps += [Step("reconcile", {"channel": "market"}), *_busy()]
    return steps


def test_every_vendor_fault_reaches_the_amazon_channel(sim_engine):
    """Amazon takes 5xx, QuotaExceeded, timeouts, a refused listing, a revoked grant, skew and
    a hand edit (reconciliation reads the listing, sees the drift and re-pushes ATP), and the
    day keeps every invariant and converges."""
    sim = Simulation(sim_engine)
    with sim.running():
        for step in _market_day():
            assert sim.execute(step), "\n".join(map(str, sim.violations))
        shown = sim.world.shown("market", "MUG-WHT")
        assert shown != 50, "reconciliation did not see the edit in Seller Central"
        receipt = {"sku": "MUG-WHT", "location": "tpl", "delta": 5, "reason": "receipt"}
        for step in [_emit("tpl", "stock.adjusted", "receipt-mug", receipt, LATER), *_busy()]:
            assert sim.execute(step), "\n".join(map(str, sim.violations))
        assert sim.quiesce(), "\n".join(map(str, sim.violations))
        result = sim.result(None)
        market = sim.world.vendors["market"]
        statuses = {order.status for order in market.store.orders.values()}
        pulled = market.sandbox.operations["getOrders"]
    for kind in ("vendor_5xx", "vendor_429", "vendor_timeout", "partial_batch"):
        assert result.faults[kind] > 0, kind
    for kind in ("revoked_credentials", "clock_skew", "channel_edit", "duplicate_delivery"):
        assert result.faults[kind] > 0, kind
    assert statuses == {"Shipped", "PartiallyShipped", "Canceled", "Unshipped"}
    assert pulled > 0
    with sim_engine.connect() as connection:
        letters = set(
            connection.execute(
                sa.select(DeadLetter.error_kind).where(DeadLetter.channel == "market")
            ).scalars()
        )
    assert {"push_rejected", "config"} <= letters

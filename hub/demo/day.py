"""An omnichannel day, compressed into minutes: what each system does and when.

Each :class:`Beat` is one moment of the day (a clock time, a line of narration, an action on
the sandboxes or the hub's API). The actions are what the outside world does; the hub's
reaction — webhooks stored, ledger entries, pushes, retries, dead letters — is the real engine.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

SKUS = ("TEE-RED-M", "TEE-RED-L", "TEE-BLU-M", "MUG-WHT")


@dataclass(frozen=True)
class Beat:
    clock: str
    story: str
    act: Callable[[Any, random.Random], str]  # returns what happened, for the console


def event(kind: str, source: str, key: str, clock: str, **data: Any) -> dict[str, Any]:
    return {"id": f"demo/{source}/{key}", "type": kind, "source": source,
            "occurred_at": f"{time.strftime('%Y-%m-%d', time.gmtime())}T{clock}:00Z",
            "data": data}  # fmt: skip


def _counts(world, rng: random.Random) -> str:
    """The warehouse and the dark store count what they hold (Square reports the store's)."""
    where = {"dc-east": ("wms", 40), "dark-store-1": ("dark-ops", 6)}
    if "square-store-12" not in {v.channel for v in world.vendors}:
        where["store-12"] = ("square-store-12", 8)
    events = [
        event("stock.counted", owner, f"count/{loc}/{sku}", "06:00", sku=sku, location=loc,
              as_of=f"{time.strftime('%Y-%m-%d', time.gmtime())}T06:00:00Z",
              quantities={"on_hand": rng.randint(size // 2, size)})
        for loc, (owner, size) in where.items() for sku in SKUS
    ]  # fmt: skip
    done = world.post_events(events)["summary"]
    pulled = ""
    channels = {v.channel for v in world.vendors}
    for channel, who in (("square-store-12", "store 12 (Square)"), ("shipbob", "the 3PL")):
        if channel in channels:
            world.cli("sync", "pull", "--channel", channel)  # counts the owner keeps itself
            pulled += f"; counts pulled from {who}"
    return f"{done['applied']} counts applied at {len(where)} location(s){pulled}"


def _flash_sale(world, rng: random.Random) -> str:
    shop = _vendor(world, "shopify-us")
    for _ in range(25):
        shop.order(rng)
        time.sleep(rng.uniform(0.05, 0.25))
    return f"{len(shop.orders)} Shopify orders so far, each a signed orders/create webhook"


def _store_sales(world, rng: random.Random) -> str:
    square = _vendor(world, "square-store-12")
    for _ in range(8):
        square.sell(rng)
        time.sleep(rng.uniform(0.05, 0.2))
    return f"{len(square.sales)} counter sales at store 12, signed Square notifications"


def _amazon_orders(world, rng: random.Random) -> str:
    amazon = _vendor(world, "amazon-us")
    for _ in range(8):
        amazon.order(rng)
    for order_id in amazon.orders[:3]:
        amazon.ship(order_id)
    world.cli("sync", "pull", "--channel", "amazon-us")  # the scheduler would, within a minute
    return f"{len(amazon.orders)} Amazon orders, 3 shipped, pulled with getOrders"


def _ship(world, rng: random.Random) -> str:
    shop = _vendor(world, "shopify-us")
    shipped = shop.orders[: len(shop.orders) // 2]
    for order_id in shipped:
        shop.ship(order_id)
    return f"{len(shipped)} orders fulfilled from dc-east"


def _transfer(world, rng: random.Random) -> str:
    lines = [{"sku": "TEE-RED-M", "quantity": 4}, {"sku": "MUG-WHT", "quantity": 6}]
    world.post_events([
        event("transfer.shipped", "ops", "transfer/T-1/shipped", "12:00", transfer="T-1",
              from_location="dc-east", to_location="dark-store-1", lines=lines),
        event("transfer.received", "ops", "transfer/T-1/received", "12:40", transfer="T-1",
              to_location="dark-store-1", lines=lines),
    ])  # fmt: skip
    return "transfer T-1 (4 tees, 6 mugs) dc-east → dark-store-1, shipped and received"


def _outage(world, rng: random.Random) -> str:
    quick = _vendor(world, "quick-commerce")
    quick.outage()
    sales = [event("stock.adjusted", "dark-ops", f"sale/{n}", "13:10", sku=rng.choice(SKUS),
                   location="dark-store-1", delta=-1, reason="sale") for n in range(6)]  # fmt: skip
    world.post_events(sales)
    return "quick-commerce answers 503 to every call; dark-store sales keep coming (6)"


def _recover(world, rng: random.Random) -> str:
    _vendor(world, "quick-commerce").recover()
    return "quick-commerce is back: the next push catches up, moot dead letters close"


def _3pl_ships(world, rng: random.Random) -> str:
    shipbob = _vendor(world, "shipbob")
    shipbob.ship_orders(rng, 5)
    return f"{len(shipbob.shipped)} orders shipped by ShipBob (signed order.shipped webhooks)"


def _3pl_return(world, rng: random.Random) -> str:
    _vendor(world, "shipbob").return_and_restock()
    return "a return arrives at the 3PL, is inspected and restocked (return.* webhooks)"


def _returns(world, rng: random.Random) -> str:
    shop = _vendor(world, "shopify-us")
    returned = shop.orders[:3]
    for order_id in returned:
        shop.refund_restock(order_id)
    return f"{len(returned)} Shopify refunds with restock (refunds/create webhooks)"


def _vendor(world, channel: str):
    return next(v for v in world.vendors if v.channel == channel)


def beats(channels: set[str]) -> Iterator[Beat]:
    """The day, keeping only what the configured vendors can play."""
    yield Beat("06:00", "Morning counts at the warehouse and the dark store", _counts)
    if "shopify-us" in channels:
        yield Beat("09:00", "Flash sale on Shopify", _flash_sale)
    if "amazon-us" in channels:
        yield Beat("10:00", "Amazon orders come in", _amazon_orders)
    if "shopify-us" in channels:
        yield Beat("11:00", "The warehouse ships the first half of the orders", _ship)
    if "square-store-12" in channels:
        yield Beat("11:30", "Lunchtime sales at store 12 (Square POS)", _store_sales)
    yield Beat("12:00", "Manual transfer to the dark store", _transfer)
    if "quick-commerce" in channels:
        yield Beat("13:00", "Injected outage: the quick-commerce app goes down", _outage)
    if "shipbob" in channels:
        yield Beat("14:00", "The 3PL ships orders", _3pl_ships)
    if "shopify-us" in channels:
        yield Beat("15:00", "Customers return items", _returns)
    if "shipbob" in channels:
        yield Beat("16:30", "A return reaches the 3PL", _3pl_return)
    if "quick-commerce" in channels:
        yield Beat("17:00", "The quick-commerce app recovers", _recover)

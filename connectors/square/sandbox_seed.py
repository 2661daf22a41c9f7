"""The sample Square store the conformance kit, the demo and the tests start from.

Ids line up with ``mappings/crosswalk.csv`` (channel ``square-store-12``): variations
W62UWFY35CWMYGVWK6TWJDNI (TEE-RED-M), AII4EWXHN5B3MZRNXR2ZAUMF (TEE-RED-L),
HXFVTM6DQ2SK4RWY2PIM4Q7E (TEE-BLU-M), QJ3BGU5LT7OXC2YZ6HPRK4MN (MUG-WHT) at store location
59TNP9SA8VGDA (store-12). ``ONLINE`` is a second location, the online allocation the hub may
own. Orders give pulls something to page through: two counter sales, a pickup, a cancelled
pickup and an itemized return.
"""

from __future__ import annotations

from connectors.square.sandbox_store import Store

STORE, ONLINE = "59TNP9SA8VGDA", "7MR4Q5ONLINE0"
#: (SKU, variation id, IN_STOCK at the store, IN_STOCK in the online allocation)
PRODUCTS = (
    ("TEE-RED-M", "W62UWFY35CWMYGVWK6TWJDNI", 12, 4),
    ("TEE-RED-L", "AII4EWXHN5B3MZRNXR2ZAUMF", 4, 2),
    ("TEE-BLU-M", "HXFVTM6DQ2SK4RWY2PIM4Q7E", 7, 3),
    ("MUG-WHT", "QJ3BGU5LT7OXC2YZ6HPRK4MN", 30, 6),
)


def seed(store: Store) -> None:
    """Fill ``store`` (its notifications go nowhere)."""
    store.locations |= {STORE, ONLINE}
    for _, variation, here, online in PRODUCTS:
        store.variations.add(variation)
        store.set_count(variation, STORE, "IN_STOCK", here)
        store.set_count(variation, ONLINE, "IN_STOCK", online)
    tee, mug = PRODUCTS[0][1], PRODUCTS[3][1]
    sale, _ = store.sell([(tee, 2), (mug, 1)], STORE)
    store.sell([(PRODUCTS[2][1], 1)], STORE)
    store.order_pickup([(mug, 2)], STORE)
    gone, _ = store.order_pickup([(PRODUCTS[1][1], 1)], STORE)
    store.cancel(gone)
    first_line = store.orders[sale]["line_items"][0]["uid"]
    store.return_items(sale, [(first_line, 1)], restock=False)

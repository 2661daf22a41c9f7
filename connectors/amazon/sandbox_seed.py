"""The sample seller: listings named like ``mappings/crosswalk.csv`` (amazon-us), FBA stock, orders.

Merchant-fulfilled listings (channel code DEFAULT) for the crosswalk's seller SKUs; FBA
inventory for three Amazon-fulfilled SKUs; four orders covering the status map's actions:
an unshipped MFN order (reserve), a shipped MFN order (ship), a canceled one (cancel) and a
shipped Amazon-fulfilled order.
"""

from __future__ import annotations

from connectors.amazon.sandbox_store import Store

LISTINGS = {
    "TS-RED-M-US": 12,
    "TS-RED-L-US": 7,
    "TS-BLU-M-US": 4,
    "MUG-WHT-11OZ": 30,
    "GIFTSET-RED-2MUG": 3,
}
FBA = {
    "TS-RED-M-FBA": {"fulfillable": 40, "pending_orders": 2, "inbound_shipped": 10},
    "TS-BLU-M-FBA": {"fulfillable": 15, "damaged": 1},
    "MUG-WHT-FBA": {"fulfillable": 60, "inbound_working": 24},
}


def seed(store: Store) -> None:
    for sku, quantity in LISTINGS.items():
        store.add_listing(sku, "DEFAULT", quantity)
    for sku in FBA:
        store.add_listing(sku, "AMAZON_NA", None)
    for sku, quantities in FBA.items():
        store.set_fba(sku, **quantities)
    store.create_order([("TS-RED-M-US", 1), ("MUG-WHT-11OZ", 2)])
    shipped = store.create_order([("TS-BLU-M-US", 1)])
    store.ship(shipped)
    canceled = store.create_order([("TS-RED-L-US", 1)])
    store.cancel(canceled)
    fba = store.create_order([("TS-RED-M-FBA", 1)], afn=True)
    store.ship(fba)

"""The sample shop the conformance kit and the demo start from.

Ids line up with ``mappings/crosswalk.csv``: inventory items 808950810 (TEE-RED-M), 39072856
(TEE-RED-L), 457924702 (TEE-BLU-M), 49148385 (MUG-WHT); locations 487838322 (dc-east) and
1034478814 (store-12). Variant ids are the sandbox's own. Three orders give pulls something to
page through: one shipped and partly returned, one open, one cancelled.
"""

from __future__ import annotations

from connectors.shopify.records import gid
from connectors.shopify.sandbox_shop import Shop

#: (SKU, variant id, inventory item id, available at DC, available at the store)
PRODUCTS = (
    ("TEE-RED-M", 49148301, 808950810, 12, 3),
    ("TEE-RED-L", 49148302, 39072856, 4, 0),
    ("TEE-BLU-M", 49148303, 457924702, 7, 2),
    ("MUG-WHT", 49148304, 49148385, 30, 5),
)
DC, STORE = gid("Location", 487838322), gid("Location", 1034478814)


def seed(shop: Shop) -> None:
    """Fill ``shop`` with the sample catalogue, levels and orders (their webhooks go nowhere)."""
    shop.add_location("Fifth Avenue AppleStore", 487838322)
    shop.add_location("Store 12", 1034478814)
    variants = []
    for sku, variant, item, dc, store in PRODUCTS:
        variant_gid, item_gid = shop.add_product(sku, variant, item)
        shop.stock(item_gid, DC, available=dc)
        shop.stock(item_gid, STORE, available=store)
        variants.append(variant_gid)
    shipped, _ = shop.create_order([(variants[0], 2), (variants[3], 1)], DC)
    shop.fulfill(shipped)
    first_line = shop.orders[shipped].lines[0].id
    shop.refund(shipped, [(first_line, 1)], "return", DC)
    shop.create_order([(variants[2], 1)], DC)
    cancelled, _ = shop.create_order([(variants[1], 1)], STORE)
    shop.cancel(cancelled)

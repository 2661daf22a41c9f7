"""The sample ShipBob account: ids as in ``mappings/crosswalk.csv`` (system ``shipbob``).

Two fulfillment centers (156 Cicero, 183 Moreno Valley) that the sample hub holds as one
location, four inventory items, and a little history so every pull has something to find: a
shipped order, an open one, a cancelled one, a completed return with a restock and a disposal,
and one awaiting arrival. Times are fixed (November 2026) so the records are the same every run.
"""

from __future__ import annotations

from connectors.shipbob.sandbox_warehouse import DISPOSE, RESTOCK, Warehouse

CICERO, MORENO = 156, 183
TEE_RED_M, TEE_RED_L, TEE_BLU_M, MUG_WHT = 1180431, 1180432, 1180433, 1180434
SEED_TIME = 1795334400.0  # 2026-11-22T08:00:00Z


def seed(warehouse: Warehouse) -> None:
    clock = warehouse.clock
    warehouse.clock = lambda: SEED_TIME
    try:
        warehouse.add_center(CICERO, "Cicero (IL)")
        warehouse.add_center(MORENO, "Moreno Valley (CA)")
        for inventory_id, sku in (
            (TEE_RED_M, "TEE-RED-M"),
            (TEE_RED_L, "TEE-RED-L"),
            (TEE_BLU_M, "TEE-BLU-M"),
            (MUG_WHT, "MUG-WHT"),
        ):
            warehouse.add_item(inventory_id, sku)
        warehouse.set_level(TEE_RED_M, CICERO, on_hand=40, awaiting=24)
        warehouse.set_level(TEE_RED_M, MORENO, on_hand=12, internal_transfer=6)
        warehouse.set_level(TEE_RED_L, CICERO, on_hand=9, exception=1)
        warehouse.set_level(TEE_BLU_M, MORENO, on_hand=30, backordered=2)
        warehouse.set_level(MUG_WHT, CICERO, on_hand=100)
        shipped, _ = warehouse.create_order([(TEE_RED_M, 2)], CICERO)
        warehouse.ship(shipped)
        warehouse.create_order([(TEE_BLU_M, 1)], MORENO)
        warehouse.create_order([(MUG_WHT, 3)], CICERO)
        cancelled, _ = warehouse.create_order([(TEE_RED_L, 1)], CICERO)
        warehouse.cancel(cancelled)
        returned, _ = warehouse.create_return(shipped, [(TEE_RED_M, 2)], CICERO)
        warehouse.arrive(returned)
        warehouse.process(returned, [(TEE_RED_M, RESTOCK, 1, "Like new"),
                                     (TEE_RED_M, DISPOSE, 1, "Damaged")])  # fmt: skip
        warehouse.complete(returned)
        warehouse.create_return(shipped, [(TEE_RED_M, 1)], CICERO)
    finally:
        warehouse.clock = clock

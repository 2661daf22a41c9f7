"""The sandbox's warehouse: fulfillment centers, inventory levels, orders, shipments, returns.

Plain state with the moves a 3PL makes, each returning the webhooks ShipBob would send as
``(topic, record)``. Records are built in the shapes of the saved OpenAPI
(``Inventory.InventoryQuantityFcResponse``, ``Orders.OrderViewModel`` / ``ShipmentViewModel``,
``Returns.PublicReturnDto``); the sandbox tests validate them against it. Quantities follow the
spec's arithmetic: fulfillable = on hand − committed, sellable = fulfillable + awaiting.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Hook = tuple[str, dict[str, Any]]
FIELDS = ("on_hand", "committed", "awaiting", "internal_transfer", "exception", "backordered")
RESTOCK, QUARANTINE, DISPOSE = "Restock", "Quarantine", "Dispose"


@dataclass
class Level:
    on_hand: int = 0
    committed: int = 0
    awaiting: int = 0
    internal_transfer: int = 0
    exception: int = 0
    backordered: int = 0


@dataclass
class Warehouse:
    """Everything one ShipBob account holds (guarded by the sandbox's lock)."""

    clock: Callable[[], float]
    centers: dict[int, str] = field(default_factory=dict)
    items: dict[int, tuple[str, str]] = field(default_factory=dict)  # id → (name, sku)
    levels: dict[tuple[int, int], Level] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    returns: dict[int, dict[str, Any]] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(500001))

    def now(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- set-up and warehouse work -----------------------------------------------------------

    def add_center(self, center_id: int, name: str) -> int:
        self.centers[center_id] = name
        return center_id

    def add_item(self, inventory_id: int, sku: str, name: str | None = None) -> int:
        self.items[inventory_id] = (name or sku, sku)
        return inventory_id

    def level(self, inventory_id: int, center: int) -> Level:
        if inventory_id not in self.items or center not in self.centers:
            raise KeyError(f"unknown inventory {inventory_id} or fulfillment center {center}")
        return self.levels.setdefault((inventory_id, center), Level())

    def set_level(self, inventory_id: int, center: int, **quantities: int) -> list[Hook]:
        """Receiving, a cycle count, a loss: ShipBob's numbers change, no webhook is sent."""
        level = self.level(inventory_id, center)
        for name, value in quantities.items():
            if name not in FIELDS or value < 0:
                raise ValueError(f"{name}={value}: not a quantity field or negative")
            setattr(level, name, value)
        return []

    # --- orders and shipments ----------------------------------------------------------------

    def create_order(
        self,
        lines: Iterable[tuple[int, int]],
        center: int,
        *,
        channel: tuple[int, str] = (100100, "ShipBob Default"),
        reference_id: str | None = None,
    ) -> tuple[int, list[Hook]]:
        """A new order with one Processing shipment; its units are committed at ``center``."""
        order_id, shipment_id, now = next(self._ids), next(self._ids), self.now()
        products = []
        for n, (inventory_id, quantity) in enumerate(lines):
            name, sku = self.items[inventory_id]
            self.level(inventory_id, center).committed += quantity
            products.append({"id": 700000 + inventory_id, "name": name, "reference_id": sku,
                             "sku": sku, "quantity": quantity, "external_line_id": n + 1,
                             "inventory_id": inventory_id})  # fmt: skip
        shipment = {
            "id": shipment_id, "order_id": order_id,
            "reference_id": reference_id or f"SB-{order_id}",
            "status": "Processing", "created_date": now, "last_update_at": now,
            "location": {"id": center, "name": self.centers[center]},
            "products": [self._shipment_product(p) for p in products],
            "actual_fulfillment_date": None, "delivery_date": None, "tracking": None,
        }  # fmt: skip
        self.orders[order_id] = {
            "id": order_id, "order_number": f"#{order_id}",
            "reference_id": shipment["reference_id"],
            "status": "Processing", "created_date": now, "purchase_date": now,
            "channel": {"id": channel[0], "name": channel[1]},
            "products": [{k: p[k] for k in ("id", "reference_id", "sku", "quantity",
                                             "external_line_id")} for p in products],
            "shipments": [shipment],
        }  # fmt: skip
        return order_id, []

    def _shipment_product(self, product: dict[str, Any]) -> dict[str, Any]:
        item = {"id": product["inventory_id"], "name": product["name"],
                "quantity": product["quantity"], "quantity_committed": product["quantity"],
                "is_dangerous_goods": False, "lot": None, "expiration_date": None,
                "serial_numbers": []}  # fmt: skip
        keys = ("id", "name", "reference_id", "sku")
        return {**{k: product[k] for k in keys}, "inventory_items": [item]}

    def shipment(self, order_id: int) -> dict[str, Any]:
        return self.orders[order_id]["shipments"][0]

    def ship(self, order_id: int) -> list[Hook]:
        """Pick, pack and hand to the carrier: on hand and committed go down."""
        shipment, now = self._open(order_id), self.now()
        for center, inventory_id, quantity in self._units(shipment):
            level = self.level(inventory_id, center)
            level.on_hand -= quantity
            level.committed -= quantity
        shipment.update(status="Completed", actual_fulfillment_date=now, last_update_at=now,
                        tracking={"carrier": "USPS", "tracking_number": f"9400{order_id}",
                                  "shipping_date": now})  # fmt: skip
        self.orders[order_id]["status"] = "Fulfilled"
        return [("order.shipped", dict(shipment))]

    def deliver(self, order_id: int) -> list[Hook]:
        shipment = self.shipment(order_id)
        shipment.update(delivery_date=self.now(), last_update_at=self.now())
        return [("order.shipment.delivered", dict(shipment))]

    def exception(self, order_id: int, reason: str = "Out of stock") -> list[Hook]:
        shipment = self._open(order_id)
        shipment.update(
            status="Exception",
            last_update_at=self.now(),
            status_details=[{"id": 1, "name": reason, "description": reason}],
        )
        return [("order.shipment.exception", dict(shipment))]

    def cancel(self, order_id: int) -> list[Hook]:
        shipment = self._open(order_id)
        for center, inventory_id, quantity in self._units(shipment):
            self.level(inventory_id, center).committed -= quantity
        shipment.update(status="Cancelled", last_update_at=self.now())
        self.orders[order_id]["status"] = "Cancelled"
        return [("order.shipment.cancelled", dict(shipment))]

    def _open(self, order_id: int) -> dict[str, Any]:
        shipment = self.shipment(order_id)
        if shipment["status"] in ("Completed", "Cancelled"):
            raise ValueError(f"shipment {shipment['id']} is already {shipment['status']}")
        return shipment

    @staticmethod
    def _units(shipment: dict[str, Any]) -> list[tuple[int, int, int]]:
        center = shipment["location"]["id"]
        return [(center, item["id"], item["quantity"])
                for p in shipment["products"] for item in p["inventory_items"]]  # fmt: skip

    # --- returns -----------------------------------------------------------------------------

    def create_return(
        self, order_id: int, lines: Iterable[tuple[int, int]], center: int
    ) -> tuple[int, list[Hook]]:
        """A customer return announced (RMA): awaiting arrival, nothing moves yet."""
        return_id, now = next(self._ids), self.now()
        shipment = self.shipment(order_id)
        inventory = []
        for inventory_id, quantity in lines:
            name, sku = self.items[inventory_id]
            inventory.append({"id": inventory_id, "name": name, "sku": sku,
                              "quantity": quantity, "barcodes": [],
                              "action_requested": {"action": RESTOCK,
                                                   "action_type": "InventoryDefault",
                                                   "instructions": None},
                              "action_taken": []})  # fmt: skip
        self.returns[return_id] = {
            "id": return_id, "reference_id": f"RMA-{return_id}", "status": "AwaitingArrival",
            "return_type": "Regular", "insert_date": now, "awaiting_arrival_date": now,
            "arrived_date": None, "processing_date": None, "completed_date": None,
            "cancelled_date": None, "original_shipment_id": shipment["id"],
            "store_order_id": self.orders[order_id]["reference_id"],
            "fulfillment_center": {"id": center, "name": self.centers[center]},
            "channel": dict(self.orders[order_id]["channel"]), "customer_name": "stockhub",
            "inventory": inventory, "status_history": [{"status": "AwaitingArrival",
                                                        "timestamp": now}],
            "tracking_number": None, "shipment_tracking_number": None, "transactions": [],
        }  # fmt: skip
        return return_id, [("return.created", self._return_copy(return_id))]

    def arrive(self, return_id: int) -> list[Hook]:
        return self._status(return_id, "Arrived", "arrived_date", "return.updated")

    def process(self, return_id: int, steps: Iterable[tuple[int, str, int, str]]) -> list[Hook]:
        """Inspect and act on units: (inventory id, Restock|Quarantine|Dispose, qty, reason)."""
        record = self.returns[return_id]
        center = record["fulfillment_center"]["id"]
        items = {item["id"]: item for item in record["inventory"]}
        for inventory_id, action, quantity, reason in steps:
            items[inventory_id]["action_taken"].append(
                {"action": action, "action_reason": reason, "quantity_processed": quantity,
                 "image_url": None})  # fmt: skip
            level = self.level(inventory_id, center)
            if action == RESTOCK:
                level.on_hand += quantity
            elif action == QUARANTINE:
                level.exception += quantity
        return self._status(return_id, "Processing", "processing_date", "return.updated")

    def complete(self, return_id: int) -> list[Hook]:
        return self._status(return_id, "Completed", "completed_date", "return.completed")

    def _status(self, return_id: int, status: str, stamp: str, topic: str) -> list[Hook]:
        record, now = self.returns[return_id], self.now()
        if record["status"] != status:
            record["status_history"].append({"status": status, "timestamp": now})
        record["status"] = status
        record[stamp] = record.get(stamp) or now
        return [(topic, self._return_copy(return_id))]

    def _return_copy(self, return_id: int) -> dict[str, Any]:
        record = self.returns[return_id]
        copy = dict(record)
        copy["inventory"] = [{**i, "action_taken": list(i["action_taken"])}
                             for i in record["inventory"]]  # fmt: skip
        return copy

    # --- what the API shows ------------------------------------------------------------------

    def levels_by_center(self) -> list[dict[str, Any]]:
        """``Inventory.InventoryQuantityFcResponse`` per item, by inventory id."""
        found = []
        for inventory_id, (name, sku) in sorted(self.items.items()):
            locations = [
                {"location_id": center, "name": self.centers[center],
                 "on_hand_quantity": lv.on_hand, "committed_quantity": lv.committed,
                 "fulfillable_quantity": max(lv.on_hand - lv.committed, 0),
                 "awaiting_quantity": lv.awaiting,
                 "internal_transfer_quantity": lv.internal_transfer}
                for (item, center), lv in sorted(self.levels.items()) if item == inventory_id
            ]  # fmt: skip
            found.append({"inventory_id": inventory_id, "name": name, "sku": sku,
                          "locations": locations})  # fmt: skip
        return found

    def totals(self) -> list[dict[str, Any]]:
        """``Inventory.InventoryQuantityResponse`` per item: the account-wide totals."""
        found = []
        for inventory_id, (name, sku) in sorted(self.items.items()):
            sums = Level()
            for (item, _), lv in self.levels.items():
                if item == inventory_id:
                    for name_ in FIELDS:
                        setattr(sums, name_, getattr(sums, name_) + getattr(lv, name_))
            fulfillable = max(sums.on_hand - sums.committed, 0)
            found.append({
                "inventory_id": inventory_id, "name": name, "sku": sku,
                "total_on_hand_quantity": sums.on_hand,
                "total_committed_quantity": sums.committed,
                "total_fulfillable_quantity": fulfillable,
                "total_awaiting_quantity": sums.awaiting,
                "total_sellable_quantity": fulfillable + sums.awaiting,
                "total_backordered_quantity": sums.backordered,
                "total_exception_quantity": sums.exception,
                "total_internal_transfer_quantity": sums.internal_transfer,
            })  # fmt: skip
        return found

    def order_updated(self, order: dict[str, Any]) -> str:
        return max([order["created_date"]] + [s["last_update_at"] for s in order["shipments"]])

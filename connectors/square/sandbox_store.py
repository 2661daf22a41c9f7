"""The merchant behind the Square sandbox: locations, variations, counts by state, orders.

Counts follow the Inventory API: a quantity per (variation, location, state), each with the
``calculated_at`` of its last change. A counter sale is a COMPLETED order and moves units from
IN_STOCK to SOLD; a pickup order reserves (IN_STOCK → RESERVED_FOR_SALE) until its fulfillment
completes; an itemized return is a new order with ``returns[]`` and a refund, its units going to
IN_STOCK (restocked) or RETURNED_BY_CUSTOMER. Every change returns the notifications Square
would send (``(type, data)``), which the sandbox signs and delivers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

Notice = tuple[str, dict[str, Any]]  # (event type, data)
UNTRACKED = frozenset({"NONE", "SOLD", "UNLINKED_RETURN"})
EVENTS = {
    "order_created": "order.created",
    "order_updated": "order.updated",
    "order_fulfillment_updated": "order.fulfillment.updated",
}


def stamp(seconds: float) -> str:
    """RFC 3339, milliseconds, Z (what Square writes)."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Count:
    quantity: Decimal
    calculated_at: str


@dataclass
class Store:
    """One merchant's data; every method returns the notifications it causes."""

    clock: Callable[[], float]
    merchant_id: str = "MLSTOCKHUB0001"
    locations: set[str] = field(default_factory=set)
    variations: set[str] = field(default_factory=set)
    counts: dict[tuple[str, str, str], Count] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def now(self) -> str:
        return stamp(self.clock())

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}SBX"

    # --- counts ---------------------------------------------------------------------------

    def quantity(self, item: str, location: str, state: str = "IN_STOCK") -> int:
        count = self.counts.get((item, location, state))
        return int(count.quantity) if count else 0

    def move(self, changes: list[tuple[str, str, str, Decimal]], at: str | None = None) -> Notice:
        """Apply (item, location, state, delta) changes; one count notification for them."""
        at = at or self.now()
        touched = []
        for item, location, state, delta in changes:
            if state in UNTRACKED:
                continue
            count = self.counts.get((item, location, state)) or Count(Decimal(0), at)
            self.counts[(item, location, state)] = Count(count.quantity + delta, at)
            touched.append((item, location, state))
        return self.count_notice(sorted(set(touched)))

    def set_count(self, item: str, location: str, state: str, quantity: int) -> Notice:
        """A physical count: the state's quantity becomes ``quantity``."""
        self.counts[(item, location, state)] = Count(Decimal(quantity), self.now())
        return self.count_notice([(item, location, state)])

    def count_record(self, key: tuple[str, str, str]) -> dict[str, Any]:
        item, location, state = key
        count = self.counts[key]
        return {"catalog_object_id": item, "catalog_object_type": "ITEM_VARIATION",
                "state": state, "location_id": location, "quantity": str(count.quantity),
                "calculated_at": count.calculated_at}  # fmt: skip

    def count_notice(self, keys: list[tuple[str, str, str]]) -> Notice:
        counts = [self.count_record(k) for k in keys]
        return "inventory.count.updated", {
            "type": "inventory_counts", "id": self.new_id("IC"),
            "object": {"inventory_counts": counts},
        }  # fmt: skip

    # --- orders -----------------------------------------------------------------------------

    def _order(self, location: str, lines: list[tuple[str, int]], state: str) -> dict[str, Any]:
        at = self.now()
        order = {
            "id": self.new_id("ORD"), "location_id": location, "state": state, "version": 1,
            "created_at": at, "updated_at": at,
            "line_items": [
                {"uid": self.new_id("LI"), "catalog_object_id": item, "quantity": str(qty),
                 "name": item, "base_price_money": {"amount": 1000, "currency": "USD"}}
                for item, qty in lines
            ],
        }  # fmt: skip
        if state == "COMPLETED":
            order["closed_at"] = at
        self.orders[order["id"]] = order
        return order

    def order_notice(self, kind: str, order: dict[str, Any]) -> Notice:
        inner = {"order_id": order["id"], "location_id": order["location_id"],
                 "state": order["state"], "version": order["version"],
                 "created_at": order["created_at"]}  # fmt: skip
        if kind != "order_created":
            inner["updated_at"] = order["updated_at"]
        return EVENTS[kind], {"type": kind, "id": order["id"], "object": {kind: inner}}

    def _touch(self, order: dict[str, Any], **changes: Any) -> None:
        order.update(changes, updated_at=self.now(), version=order["version"] + 1)

    def sell(self, lines: list[tuple[str, int]], location: str) -> tuple[str, list[Notice]]:
        """A counter sale: a COMPLETED order, units from IN_STOCK to SOLD."""
        order = self._order(location, lines, "COMPLETED")
        moved = self.move([(i, location, "IN_STOCK", Decimal(-q)) for i, q in lines])
        return order["id"], [self.order_notice("order_created", order), moved]

    def order_pickup(self, lines: list[tuple[str, int]], location: str) -> tuple[str, list]:
        """An online pickup order: OPEN, one PICKUP fulfillment, units reserved for sale."""
        order = self._order(location, lines, "OPEN")
        order["fulfillments"] = [
            {
                "uid": self.new_id("FF"),
                "type": "PICKUP",
                "state": "RESERVED",
                "line_item_application": "ALL",
            }
        ]
        moved = self.move(
            [(i, location, s, Decimal(q if s != "IN_STOCK" else -q))
             for i, q in lines for s in ("IN_STOCK", "RESERVED_FOR_SALE")]
        )  # fmt: skip
        return order["id"], [self.order_notice("order_created", order), moved]

    def complete_pickup(self, order_id: str) -> list[Notice]:
        order = self.orders[order_id]
        (fulfillment,) = order["fulfillments"]
        old = fulfillment["state"]
        fulfillment["state"] = "COMPLETED"
        self._touch(order, state="COMPLETED", closed_at=self.now())
        moved = self.move([(li["catalog_object_id"], order["location_id"], "RESERVED_FOR_SALE",
                            -Decimal(li["quantity"])) for li in order["line_items"]])  # fmt: skip
        kind, data = self.order_notice("order_fulfillment_updated", order)
        data["object"]["order_fulfillment_updated"]["fulfillment_update"] = [
            {"fulfillment_uid": fulfillment["uid"], "old_state": old, "new_state": "COMPLETED"}
        ]
        return [(kind, data), self.order_notice("order_updated", order), moved]

    def cancel(self, order_id: str) -> list[Notice]:
        order = self.orders[order_id]
        for fulfillment in order.get("fulfillments", []):
            fulfillment["state"] = "CANCELED"
        self._touch(order, state="CANCELED", closed_at=self.now())
        released = [(li["catalog_object_id"], order["location_id"], s, Decimal(q))
                    for li in order["line_items"] if order.get("fulfillments")
                    for s, q in (("RESERVED_FOR_SALE", -int(li["quantity"])),
                                 ("IN_STOCK", int(li["quantity"])))]  # fmt: skip
        notices = [self.order_notice("order_updated", order)]
        return notices + ([self.move(released)] if released else [])

    def return_items(
        self, order_id: str, lines: list[tuple[str, int]], restock: bool = True
    ) -> tuple[str, list[Notice]]:
        """An itemized return of ``(line uid, quantity)``: a return order and a refund."""
        sale = self.orders[order_id]
        by_uid = {li["uid"]: li for li in sale["line_items"]}
        at = self.now()
        back = self.new_id("ORD")
        self.orders[back] = {
            "id": back, "location_id": sale["location_id"], "state": "COMPLETED", "version": 1,
            "created_at": at, "updated_at": at, "closed_at": at,
            "returns": [{"uid": self.new_id("RT"), "source_order_id": order_id,
                         "return_line_items": [
                             {"uid": self.new_id("RLI"), "source_line_item_uid": uid,
                              "catalog_object_id": by_uid[uid]["catalog_object_id"],
                              "quantity": str(qty)} for uid, qty in lines]}],
        }  # fmt: skip
        refund = {"id": self.new_id("RF"), "status": "PENDING",
                  "location_id": sale["location_id"], "order_id": back,
                  "payment_id": self.new_id("PAY"), "created_at": at, "updated_at": at,
                  "amount_money": {"amount": 1000, "currency": "USD"}}  # fmt: skip
        self.refunds[refund["id"]] = refund
        state = "IN_STOCK" if restock else "RETURNED_BY_CUSTOMER"
        moved = self.move([(by_uid[uid]["catalog_object_id"], sale["location_id"], state,
                            Decimal(qty)) for uid, qty in lines])  # fmt: skip
        return back, [self.order_notice("order_created", self.orders[back]),
                      self.refund_notice("refund.created", refund), moved]  # fmt: skip

    def refund_notice(self, event: str, refund: dict[str, Any]) -> Notice:
        return event, {"type": "refund", "id": refund["id"], "object": {"refund": dict(refund)}}

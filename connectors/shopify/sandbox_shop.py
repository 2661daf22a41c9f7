"""The sandbox's shop: locations, products, per-location inventory quantities, orders, refunds.

Plain state and the changes a merchant or a customer makes, with Shopify's quantity semantics:
an order moves units from ``available`` to ``committed`` at its location; a fulfillment ships
committed units (on_hand drops); a cancel or a ``cancel`` refund gives them back to available;
a ``return`` refund restocks available at its location. ``on_hand`` is the sum of the states
(incoming excluded). Every change returns the webhooks Shopify would send; the sandbox
delivers them. Timestamps have Shopify's one-second resolution; ``seq`` orders changes that
share a second.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.shopify.records import gid, legacy_id

NAMES = (
    "available",
    "committed",
    "reserved",
    "damaged",
    "quality_control",
    "safety_stock",
    "incoming",
)
ON_HAND_PARTS = NAMES[:-1]  # incoming is not on hand yet
Webhook = tuple[str, dict[str, Any]]  # (topic, REST-shaped payload)


@dataclass
class LevelState:
    quantities: dict[str, int]
    created_at: str
    updated_at: str
    seq: int

    def quantity(self, name: str) -> int:
        if name == "on_hand":
            return sum(self.quantities.get(n, 0) for n in ON_HAND_PARTS)
        return self.quantities.get(name, 0)


@dataclass
class LineState:
    id: str
    variant: str
    quantity: int
    sku: str
    fulfilled: int = 0
    removed: int = 0  # refunded before shipping


@dataclass
class OrderState:
    id: str
    name: str
    location: str
    created_at: str
    updated_at: str
    seq: int
    lines: list[LineState]
    cancelled_at: str | None = None
    fulfillments: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)


class Shop:
    """Everything the shop holds; callers hold the sandbox's lock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.locations: dict[str, dict[str, Any]] = {}
        self.items: dict[str, dict[str, Any]] = {}  # inventory item → {id, sku, variant}
        self.variants: dict[str, str] = {}  # variant → inventory item
        self.levels: dict[tuple[str, str], LevelState] = {}
        self.orders: dict[str, OrderState] = {}
        self.non_mutable: set[str] = set()  # items Shopify will not set (bundles)
        self._ids = itertools.count(5_000_000_001)
        self._seq = itertools.count(1)

    # --- catalogue -----------------------------------------------------------------------

    def now(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def new_id(self) -> int:
        return next(self._ids)

    def add_location(self, name: str, number: int | None = None, active: bool = True) -> str:
        location = gid("Location", number or self.new_id())
        self.locations[location] = {"id": location, "name": name, "isActive": active}
        return location

    def add_product(self, sku: str, variant: int | None = None, item: int | None = None):
        """A product variant and its inventory item; returns (variant GID, item GID)."""
        variant_gid = gid("ProductVariant", variant or self.new_id())
        item_gid = gid("InventoryItem", item or self.new_id())
        self.variants[variant_gid] = item_gid
        self.items[item_gid] = {"id": item_gid, "sku": sku, "variant": variant_gid}
        return variant_gid, item_gid

    def stock(self, item: str, location: str, **quantities: int) -> list[Webhook]:
        """Stock ``item`` at ``location`` (activate the level) with the given quantities."""
        level = self.levels.get((item, location))
        if level is None:
            stamp = self.now()
            level = LevelState(dict.fromkeys(NAMES, 0), stamp, stamp, next(self._seq))
            self.levels[(item, location)] = level
        return self.change(item, location, quantities)

    def change(self, item: str, location: str, changes: dict[str, int]) -> list[Webhook]:
        """Set quantities by name; an ``available`` change sends ``inventory_levels/update``."""
        level = self.levels[(item, location)]
        before = level.quantities["available"]
        level.quantities.update(changes)
        level.updated_at, level.seq = self.now(), next(self._seq)
        if level.quantities["available"] == before and "available" not in changes:
            return []
        payload = {
            "inventory_item_id": int(legacy_id(item)),
            "location_id": int(legacy_id(location)),
            "available": level.quantities["available"],
            "updated_at": level.updated_at,
            "admin_graphql_api_id": level_gid(item, location),
        }
        return [("inventory_levels/update", payload)]

    def move(self, item: str, location: str, **deltas: int) -> list[Webhook]:
        level = self.levels.get((item, location))
        if level is None:  # Shopify stocks an item where an order takes it from
            self.stock(item, location)
            level = self.levels[(item, location)]
        changes = {k: level.quantities.get(k, 0) + v for k, v in deltas.items()}
        return self.change(item, location, changes)

    # --- orders ------------------------------------------------------------------------------

    def create_order(self, lines: Iterable[tuple[str, int]], location: str) -> tuple[str, list]:
        number = self.new_id()
        stamp = self.now()
        order = OrderState(
            id=gid("Order", number),
            name=f"#{1000 + len(self.orders) + 1}",
            location=location,
            created_at=stamp,
            updated_at=stamp,
            seq=next(self._seq),
            lines=[
                LineState(gid("LineItem", self.new_id()), v, q, self.items[self.variants[v]]["sku"])
                for v, q in lines
            ],
        )
        self.orders[order.id] = order
        hooks: list[Webhook] = []
        for line in order.lines:
            item = self.variants[line.variant]
            hooks += self.move(item, location, available=-line.quantity, committed=line.quantity)
        return order.id, [("orders/create", order_payload(order)), *hooks]

    def fulfill(self, order_id: str, location: str | None = None) -> tuple[str, list]:
        order = self.orders[order_id]
        where = location or order.location
        lines, hooks = [], []
        for line in order.lines:
            left = line.quantity - line.fulfilled - line.removed
            if left > 0:
                line.fulfilled += left
                lines.append((line, left))
                hooks += self.move(self.variants[line.variant], order.location, committed=-left)
        fulfillment = {
            "id": gid("Fulfillment", self.new_id()),
            "created_at": self.now(),
            "status": "success",
            "location": where,
            "lines": lines,
        }
        order.fulfillments.append(fulfillment)
        return fulfillment["id"], [*self._touch(order), *hooks]

    def cancel(self, order_id: str, restock: bool = True) -> list[Webhook]:
        order = self.orders[order_id]
        hooks: list[Webhook] = []
        if restock:
            unshipped = [
                (line.id, line.quantity - line.fulfilled - line.removed) for line in order.lines
            ]
            unshipped = [(lid, q) for lid, q in unshipped if q > 0]
            if unshipped:
                _, hooks = self.refund(order_id, unshipped, "cancel", touch=False)
        order.cancelled_at = self.now()
        touched = self._touch(order)
        return [("orders/cancelled", touched[0][1]), *hooks, *touched]

    def refund(
        self,
        order_id: str,
        lines: Iterable[tuple[str, int]],
        restock_type: str,
        location: str | None = None,
        touch: bool = True,
    ) -> tuple[str, list]:
        order = self.orders[order_id]
        by_id = {line.id: line for line in order.lines}
        where = location or order.location
        refund = {"id": gid("Refund", self.new_id()), "created_at": self.now(), "lines": []}
        hooks: list[Webhook] = []
        for line_id, quantity in lines:
            line = by_id[line_id]
            item = self.variants[line.variant]
            if restock_type == "cancel":
                line.removed += quantity
                hooks += self.move(item, order.location, committed=-quantity, available=quantity)
            elif restock_type == "return":
                hooks += self.move(item, where, available=quantity)
            spot = order.location if restock_type == "cancel" else where
            refund["lines"].append((line, quantity, restock_type, spot))
        order.refunds.append(refund)
        payload = refund_payload(order, refund)
        tail = self._touch(order) if touch else []
        return refund["id"], [("refunds/create", payload), *hooks, *tail]

    def _touch(self, order: OrderState) -> list[Webhook]:
        order.updated_at, order.seq = self.now(), next(self._seq)
        return [("orders/updated", order_payload(order))]


def level_gid(item: str, location: str) -> str:
    return f"gid://shopify/InventoryLevel/{legacy_id(location)}?inventory_item_id={legacy_id(item)}"


# --- REST-shaped webhook payloads ---------------------------------------------------------------


def _line_payload(line: LineState) -> dict[str, Any]:
    status = (
        "fulfilled" if line.fulfilled >= line.quantity else ("partial" if line.fulfilled else None)
    )
    return {
        "id": int(legacy_id(line.id)),
        "admin_graphql_api_id": line.id,
        "variant_id": int(legacy_id(line.variant)),
        "sku": line.sku,
        "quantity": line.quantity,
        "current_quantity": line.quantity - line.removed,
        "fulfillable_quantity": max(line.quantity - line.fulfilled - line.removed, 0),
        "fulfillment_status": status,
    }


def order_payload(order: OrderState) -> dict[str, Any]:
    """The order as orders/* webhooks carry it (the REST Order resource, trimmed)."""
    return {
        "id": int(legacy_id(order.id)),
        "admin_graphql_api_id": order.id,
        "name": order.name,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "cancelled_at": order.cancelled_at,
        "location_id": int(legacy_id(order.location)),
        "line_items": [_line_payload(line) for line in order.lines],
        "fulfillments": [
            {
                "id": int(legacy_id(f["id"])),
                "admin_graphql_api_id": f["id"],
                "order_id": int(legacy_id(order.id)),
                "status": f["status"],
                "created_at": f["created_at"],
                "location_id": int(legacy_id(f["location"])),
                "line_items": [{**_line_payload(line), "quantity": q} for line, q in f["lines"]],
            }
            for f in order.fulfillments
        ],
        "refunds": [refund_payload(order, r) for r in order.refunds],
    }


def refund_payload(order: OrderState, refund: dict[str, Any]) -> dict[str, Any]:
    """A refund as ``refunds/create`` (and the order's ``refunds``) carry it."""
    return {
        "id": int(legacy_id(refund["id"])),
        "admin_graphql_api_id": refund["id"],
        "order_id": int(legacy_id(order.id)),
        "created_at": refund["created_at"],
        "restock": any(kind != "no_restock" for _, _, kind, _ in refund["lines"]),
        "refund_line_items": [
            {
                "id": n + 1,
                "line_item_id": int(legacy_id(line.id)),
                "quantity": quantity,
                "restock_type": kind,
                "location_id": int(legacy_id(where)) if kind != "no_restock" else None,
                "line_item": _line_payload(line),
            }
            for n, (line, quantity, kind, where) in enumerate(refund["lines"])
        ],
    }

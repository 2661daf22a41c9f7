"""The sandbox seller's state: listings, orders, FBA inventory, feeds and their documents.

Plain data plus the merchant's and Amazon's actions (create an order, ship it, cancel it,
change FBA quantities) and the feed processor, which applies a JSON_LISTINGS_FEED the way the
listings API applies patches and writes a processing report (schema v2). The HTTP side is
:mod:`connectors.amazon.sandbox_api`.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.amazon.settings import is_merchant_code

AVAILABILITY = "/attributes/fulfillment_availability"
#: Codes of the sandbox's own issues, where the saved contract names none; "90220" is the
#: "is required but not supplied" code of Amazon's report example.
NOT_FOUND = "SANDBOX_LISTING_NOT_FOUND"
INVALID_VALUE = "SANDBOX_INVALID_ATTRIBUTE"
MISSING = "90220"


def iso(moment: float, millis: bool = False) -> str:
    stamp = datetime.fromtimestamp(moment, UTC)
    if millis:
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Listing:
    sku: str
    product_type: str = "PRODUCT"
    asin: str = "B000000000"
    availability: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Item:
    id: str
    sku: str
    ordered: int
    shipped: int = 0
    asin: str = "B000000000"


@dataclass
class Order:
    id: str
    status: str
    channel: str  # MFN | AFN
    purchased: float
    updated: float
    items: list[Item]


@dataclass
class Feed:
    id: str
    document_id: str
    marketplaces: list[str]
    created: float
    ready_at: float
    status: str = "IN_QUEUE"
    started: float | None = None
    ended: float | None = None
    result_id: str | None = None
    forced: str | None = None  # FATAL or CANCELLED when a test asked for it


@dataclass
class Document:
    content_type: str
    content: bytes | None = None
    compressed: bool = False


@dataclass
class Store:
    """Everything one sandbox seller holds."""

    seller_id: str
    marketplace_id: str
    clock: Callable[[], float]
    listings: dict[str, Listing] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    fba: dict[str, tuple[dict[str, Any], float]] = field(default_factory=dict)
    feeds: dict[str, Feed] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    _numbers: Any = field(default_factory=lambda: itertools.count(1000001))

    # --- the merchant and Amazon act ------------------------------------------------------------

    def add_listing(self, sku: str, code: str = "DEFAULT", quantity: int | None = 0,
                    product_type: str = "PRODUCT") -> Listing:  # fmt: skip
        entry: dict[str, Any] = {"fulfillment_channel_code": code}
        if quantity is not None and is_merchant_code(code):
            entry["quantity"] = quantity
        listing = Listing(sku, product_type, f"B0{next(self._numbers):08d}", [entry])
        self.listings[sku] = listing
        return listing

    def create_order(self, lines: list[tuple[str, int]], *, afn: bool = False,
                     status: str = "Unshipped") -> str:  # fmt: skip
        """A buyer orders; Amazon holds the units (MFN listings' quantities drop)."""
        number = next(self._numbers)
        order_id = f"113-{number:07d}-{(number * 7919) % 10_000_000:07d}"
        now = self.clock()
        items = [Item(f"{number}{n:04d}", sku, qty) for n, (sku, qty) in enumerate(lines, 1)]
        self.orders[order_id] = Order(order_id, status, "AFN" if afn else "MFN", now, now, items)
        if not afn:
            for sku, qty in lines:
                self._take(sku, qty)
        return order_id

    def ship(self, order_id: str, item_id: str | None = None) -> None:
        """The seller (or Amazon) ships the whole order, or one item of it."""
        order = self.orders[order_id]
        for item in order.items:
            if item_id is None or item.id == item_id:
                item.shipped = item.ordered
        done = all(i.shipped >= i.ordered for i in order.items)
        order.status = "Shipped" if done else "PartiallyShipped"
        order.updated = self.clock()

    def cancel(self, order_id: str) -> None:
        """The order is canceled; an MFN order's units become sellable again."""
        order = self.orders[order_id]
        if order.channel == "MFN" and order.status not in ("Canceled", "Shipped"):
            for item in order.items:
                self._take(item.sku, -(item.ordered - item.shipped))
        order.status = "Canceled"
        order.updated = self.clock()

    def set_fba(self, sku: str, **quantities: int) -> None:
        """Amazon's fulfilment network reports new quantities for ``sku``."""
        details: dict[str, Any] = {
            "fulfillableQuantity": quantities.get("fulfillable", 0),
            "inboundWorkingQuantity": quantities.get("inbound_working", 0),
            "inboundShippedQuantity": quantities.get("inbound_shipped", 0),
            "inboundReceivingQuantity": quantities.get("inbound_receiving", 0),
            "reservedQuantity": {
                "totalReservedQuantity": quantities.get("pending_orders", 0),
                "pendingCustomerOrderQuantity": quantities.get("pending_orders", 0),
                "pendingTransshipmentQuantity": 0,
                "fcProcessingQuantity": 0,
            },
            "researchingQuantity": {"totalResearchingQuantity": 0,
                                    "researchingQuantityBreakdown": []},
            "unfulfillableQuantity": {
                "totalUnfulfillableQuantity": quantities.get("damaged", 0),
                "customerDamagedQuantity": quantities.get("damaged", 0),
                "warehouseDamagedQuantity": 0, "distributorDamagedQuantity": 0,
                "carrierDamagedQuantity": 0, "defectiveQuantity": 0, "expiredQuantity": 0,
            },
        }  # fmt: skip
        self.fba[sku] = (details, self.clock())

    def _take(self, sku: str, quantity: int) -> None:
        listing = self.listings.get(sku)
        for entry in listing.availability if listing else []:
            if "quantity" in entry:
                entry["quantity"] = max(0, entry["quantity"] - quantity)

    # --- listings -------------------------------------------------------------------------------

    def apply_patches(self, listing: Listing, patches: list[dict[str, Any]]) -> None:
        """Apply JSON Patch operations on fulfillment_availability (validated by the caller)."""
        for patch in patches:
            if patch["path"] != AVAILABILITY:
                continue
            if patch["op"] == "delete":
                listing.availability = []
            elif patch["op"] == "merge":
                given = {e["fulfillment_channel_code"]: e for e in patch["value"]}
                kept = [e for e in listing.availability
                        if e["fulfillment_channel_code"] not in given]  # fmt: skip
                listing.availability = kept + [dict(e) for e in patch["value"]]
            else:  # add, replace: the attribute becomes the value
                listing.availability = [dict(e) for e in patch["value"]]

    def levels(self) -> dict[tuple[str, str], int]:
        return {
            (sku, e["fulfillment_channel_code"]): e["quantity"]
            for sku, listing in self.listings.items()
            for e in listing.availability
            if "quantity" in e
        }

    # --- feeds ----------------------------------------------------------------------------------

    def new_document(self, content_type: str) -> str:
        document_id = f"amzn1.tortuga.4.na.{uuid.uuid4()}"
        self.documents[document_id] = Document(content_type)
        return document_id

    def new_feed(self, document_id: str, marketplaces: list[str], delay_s: float,
                 forced: str | None) -> Feed:  # fmt: skip
        now = self.clock()
        feed = Feed(str(next(self._numbers) * 1000 + 7), document_id, marketplaces, now,
                    now + delay_s, forced=forced)  # fmt: skip
        self.feeds[feed.id] = feed
        return feed

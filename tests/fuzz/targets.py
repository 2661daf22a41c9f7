"""Every connector as the engine calls it: its handle, a channel context, a signer, samples.

Built from the connector's own conformance kit (sandbox settings, samples, webhook signer), so
a new connector that ships a kit is fuzzed with one line in ``CONNECTORS``. Square reads the
order a notification names while parsing: its context routes to the in-process sandbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache, cached_property
from typing import Any

from hypothesis import strategies as st

from hub.conformance import ConformanceKit, Sample
from hub.connector import ChannelContext, WebhookRequest
from hub.dispatch import ConnectorHandle, get_connector
from hub.http import RetrySettings
from hub.plugins import make_plugin_manager
from tests.fuzz.strategies import mutated, raw_bodies

CONNECTORS = ("custom", "shopify", "square", "shipbob", "amazon")
CHANNEL = "fuzzed"
FAST = RetrySettings(max_attempts=2, initial_backoff_s=0.0, max_backoff_s=0.0, jitter_s=0.0,
                     max_elapsed_s=2.0, max_wait_s=0.0)  # fmt: skip

#: The headers each connector's verifier and parser read.
HEADERS = {
    "custom": ["X-Stockhub-Signature", "X-Stockhub-Delivery"],
    "shopify": ["X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain",
                "X-Shopify-Webhook-Id", "X-Shopify-Event-Id"],
    "square": ["x-square-hmacsha256-signature"],
    "shipbob": ["webhook-id", "webhook-timestamp", "webhook-signature", "x-webhook-topic"],
    "amazon": ["X-Stockhub-Relay-Signature"],
}  # fmt: skip


@dataclass
class Target:
    name: str
    handle: ConnectorHandle
    kit: ConformanceKit
    samples: list[Sample]
    #: extra inbox records (topic, body) beyond the samples: shapes only a parse step makes
    records: list[tuple[str, Any]] = field(default_factory=list)
    _context: ChannelContext | None = None

    def context(self) -> ChannelContext:
        """The channel, on one sandbox per connector (building a seeded sandbox is slow)."""
        if self._context is None:
            self._context = self.handle.context(CHANNEL, dict(self.kit.settings),
                                                transport=self.kit.sandbox().transport(),
                                                retry=FAST, sleep=lambda s: None)  # fmt: skip
        return self._context

    def signed(self, body: bytes, headers: dict[str, str] | None = None) -> WebhookRequest:
        assert self.kit.sign_webhook is not None
        return WebhookRequest(
            body, {**(headers or {}), **self.kit.sign_webhook(body, self.kit.settings)}
        )

    @cached_property
    def bodies(self) -> st.SearchStrategy[tuple[Sample, bytes]]:
        """(sample, a raw body derived from it): built once, strategies are costly to build."""
        return st.one_of([st.tuples(st.just(s), raw_bodies(s.body)) for s in self.samples])

    @cached_property
    def mutated_samples(self) -> st.SearchStrategy[tuple[Sample, Any]]:
        return st.one_of([st.tuples(st.just(s), mutated(s.body)) for s in self.samples])

    @cached_property
    def mutated_records(self) -> st.SearchStrategy[tuple[str, Any]]:
        """(topic, a mutated inbox record): the record's topic, another known one, or any."""
        topics = st.sampled_from(self.topics()) | st.text(max_size=30)
        return st.one_of([st.tuples(st.just(topic) | topics, mutated(body))
                          for topic, body in self.inbox_records()])  # fmt: skip

    def topics(self) -> list[str]:
        return sorted({s.topic for s in self.samples} | {t for t, _ in self.records})

    def inbox_records(self) -> list[tuple[str, Any]]:
        return [(s.topic, s.body) for s in self.samples] + self.records


@cache
def target(name: str) -> Target:
    module = __import__(f"connectors.{name}.plugin", fromlist=["plugin"])
    handle = get_connector(name, make_plugin_manager(plugins={name: module},
                                                     load_entry_points=False))  # fmt: skip
    kit = handle.call("stockhub_conformance_kit")
    records = {"square": SQUARE_RECORDS, "amazon": AMAZON_RECORDS}.get(name, [])
    return Target(name, handle, kit, kit.samples(), records)


def fresh_square_notification(body: dict[str, Any]) -> bytes:
    """A Square sample re-dated to now, so the replay window lets it through."""
    return json.dumps({**body, "created_at": datetime.now(UTC).isoformat()}).encode()


_AT = "2026-11-22T10:00:00.000Z"
_LOC = "59TNP9SA8VGDA"
_ORDER = {
    "id": "O1", "location_id": _LOC, "state": "COMPLETED", "created_at": _AT, "updated_at": _AT,
    "closed_at": _AT,
    "line_items": [{"uid": "L1", "catalog_object_id": "V1", "quantity": "2"},
                   {"uid": "L2", "catalog_object_id": "V2", "quantity": "1"}],
    "fulfillments": [{"uid": "F1", "state": "COMPLETED", "line_item_application": "ENTRY_LIST",
                      "entries": [{"line_item_uid": "L1", "quantity": "2"}]}],
    "returns": [{"uid": "R1", "source_order_id": "O0",
                 "return_line_items": [{"catalog_object_id": "V1", "quantity": "1"}]}],
}  # fmt: skip
_NOTE = {
    "type": "order.updated",
    "event_id": "e1",
    "created_at": _AT,
    "data": {"type": "order", "id": "O1", "object": {"order_updated": {"order_id": "O1"}}},
}
_REFUND = {
    **_NOTE,
    "type": "refund.created",
    "data": {"object": {"refund": {"status": "COMPLETED", "order_id": "O1"}}},
}
_COUNTS = [
    {
        "catalog_object_id": "V1",
        "location_id": _LOC,
        "state": state,
        "quantity": qty,
        "calculated_at": _AT,
    }
    for state, qty in (("IN_STOCK", "9"), ("WASTE", "1"))
]
#: What Square's parse step stores: the notification with the order (or every count) it read.
SQUARE_RECORDS = [
    ("order.updated", {"notification": _NOTE, "order": _ORDER}),
    ("refund.created", {"notification": _REFUND, "order": _ORDER}),
    ("inventory.count.updated", {"notification": _NOTE, "counts": _COUNTS, "complete": True}),
]

#: Amazon records a pull stores: an order with its items, and one FBA inventory summary.
AMAZON_RECORDS = [
    ("order", {"order": {"AmazonOrderId": "111-1", "OrderStatus": "Shipped",
                         "FulfillmentChannel": "MFN", "PurchaseDate": _AT, "LastUpdateDate": _AT},
               "items": [{"OrderItemId": "I1", "SellerSKU": "TEE", "QuantityOrdered": 2,
                          "QuantityShipped": 1}]}),
    ("inventory_summary", {"sellerSku": "TEE", "lastUpdatedTime": _AT,
                           "inventoryDetails": {"fulfillableQuantity": 5,
                                                "reservedQuantity": {"totalReservedQuantity": 1}}}),
]  # fmt: skip

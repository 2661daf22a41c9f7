"""A verified notification → the inbox record the translation needs (reads Square when thin).

Square's order and refund notifications name an order but carry none of its lines, and a
count notification names only the states that changed. So, before the record is stored:

* ``order.*`` → the order (``RetrieveOrder``); ``refund.*`` → the order the refund belongs to
  (the return order of an itemized POS return);
* ``inventory.count.updated`` → for pairs missing a state that shares a bucket with one that
  changed, every state of the pair (``BatchRetrieveInventoryCounts``), so on_hand is whole.

The notification is kept unchanged inside the record. A Square outage raises (the endpoint
answers 5xx and Square delivers again); an order Square no longer has is stored with the reason,
and its translation becomes a dead letter a person can see.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from connectors.square import translate
from connectors.square.client import COUNTS_PATH, SquareClient
from connectors.square.states import state_map
from hub.connector import InboundMessage
from hub.errors import PermanentError, ValidationError


def record(client: SquareClient, note: dict[str, Any]) -> InboundMessage:
    """The inbox record for one notification, keyed by its ``event_id``."""
    topic, event_id = note["type"], note["event_id"]
    body: dict[str, Any] = {"notification": note}
    obj = note["data"].get("object") if isinstance(note["data"].get("object"), dict) else {}
    try:
        if topic in translate.ORDER_TOPICS:
            inner = next((v for v in obj.values() if isinstance(v, dict)), {})
            order_id = inner.get("order_id") or note["data"].get("id")
            if order_id and client.merchant.reads(inner.get("location_id")):
                body["order"] = fetch_order(client, str(order_id))
        elif topic in translate.REFUND_TOPICS:
            refund = obj.get("refund") if isinstance(obj.get("refund"), dict) else {}
            if refund.get("order_id") and client.merchant.reads(refund.get("location_id")):
                body["order"] = fetch_order(client, str(refund["order_id"]))
        elif topic == translate.COUNT_TOPIC:
            body.update(complete_counts(client, obj.get("inventory_counts") or []))
    except PermanentError as exc:  # stored, so the failure is visible and replayable
        body["fetch_error"] = exc.message
    return InboundMessage(topic=topic, body=body, delivery_id=f"square:{event_id}")


def fetch_order(client: SquareClient, order_id: str) -> dict[str, Any]:
    answer = client.get(f"/v2/orders/{quote(order_id, safe='')}", "RetrieveOrder")
    order = answer.get("order")
    if not isinstance(order, dict):
        raise client.error("RetrieveOrder", f"no order {order_id} in the answer")
    return order


def complete_counts(client: SquareClient, counts: list[Any]) -> dict[str, Any]:
    """``{"counts": [...], "complete": True}`` with every state of the incomplete pairs read."""
    states = state_map(client.merchant.state_map)
    if not isinstance(counts, list):
        raise ValidationError("inventory_counts must be a list", field="data.object")
    missing = translate.incomplete_pairs(counts, states)
    if not missing:
        return {"counts": counts, "complete": True}
    fetched = read_counts(client, missing)
    kept = [
        c for c in counts
        if isinstance(c, dict) and (c.get("catalog_object_id"), c.get("location_id")) not in missing
    ]  # fmt: skip
    return {"counts": kept + fetched, "complete": True}


def read_counts(client: SquareClient, pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Every state's count of ``pairs`` (one call per 1000 variations, following cursors)."""
    wanted = set(pairs)
    items = sorted({item for item, _ in pairs})
    locations = sorted({location for _, location in pairs})
    found: list[dict[str, Any]] = []
    for start in range(0, len(items), 1000):
        body: dict[str, Any] = {"catalog_object_ids": items[start : start + 1000],
                                "location_ids": locations, "limit": 1000}  # fmt: skip
        while True:
            answer = client.post(COUNTS_PATH, body, "BatchRetrieveInventoryCounts")
            found.extend(
                c for c in answer.get("counts") or []
                if (c.get("catalog_object_id"), c.get("location_id")) in wanted
            )  # fmt: skip
            if not answer.get("cursor"):
                break
            body = {**body, "cursor": answer["cursor"]}
    return found

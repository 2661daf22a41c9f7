"""Pull: orders (and the returns in their refunds) and inventory levels, page by page.

Cursors are opaque to the hub: URL-safe base64 of a small JSON object.

* **Orders / returns** — ``orders(sortKey: UPDATED_AT, after: <cursor>)``: an order that
  changes moves to the end of that order, so continuing after the last cursor sees it again with
  its new facts (their event ids repeat for what was already seen; the inbox and ledger drop
  those). A pull collects up to ``limit`` events across GraphQL pages; an order whose events do
  not all fit is resumed at the same order, skipping what was handed over. Nested lists longer
  than the first page (line items, fulfillments, refunds) are completed with follow-up queries.
* **Stock** — a sweep over the shop's active locations, each paged with
  ``inventoryLevels(query: "updated_at:>='<since>'")``. The next sweep starts from the server's
  ``Date`` when this one began, minus a second for its resolution; levels already handed over
  at that boundary are remembered in the cursor so they are not handed over twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from connectors.shopify import documents as docs
from connectors.shopify import translate
from connectors.shopify.client import ShopifyClient
from connectors.shopify.records import legacy_id, level_from_graphql, order_from_graphql
from hub import cursors
from hub.connector import PullResult
from hub.vocabulary import Bucket

LEVEL_PAGE_SIZE = 100
LOCATION_PAGE_SIZE = 50


def encode(state: Mapping[str, Any]) -> str:
    return cursors.encode(state)


def decode(cursor: str | None) -> dict[str, Any]:
    return cursors.decode(cursor, "Shopify")


# --- orders and returns -----------------------------------------------------------------------


def orders(
    client: ShopifyClient, kinds: Sequence[str], cursor: str | None, limit: int
) -> PullResult:
    """Order or return events since ``cursor``, at most ``limit``."""
    state = decode(cursor)
    after, resume, skip = state.get("after"), state.get("order"), int(state.get("skip") or 0)
    events: list[dict[str, Any]] = []
    channel = client.channel.channel
    while True:
        page = client.execute(docs.ORDERS, {"first": docs.ORDER_PAGE_SIZE, "after": after})[
            "orders"
        ]
        for edge in page["edges"]:
            node = complete_order(client, edge["node"])
            found = translate.order_events(order_from_graphql(node), channel, kinds)
            done = skip if node["id"] == resume else 0
            resume, skip = None, 0
            room = limit - len(events)
            if len(found) - done > room:
                events.extend(found[done : done + room])
                state = {"after": after, "order": node["id"], "skip": done + room}
                return PullResult(events, encode(state), has_more=True)
            events.extend(found[done:])
            after = edge["cursor"]
        more = bool(page["pageInfo"]["hasNextPage"])
        if not more or len(events) >= limit:
            return PullResult(events, encode({"after": after}), has_more=more)


def complete_order(client: ShopifyClient, node: dict[str, Any]) -> dict[str, Any]:
    """The order with every nested list complete (follow-up queries only where truncated)."""
    node = dict(node)
    node["lineItems"] = _rest(client, docs.ORDER_LINES, node["id"], node["lineItems"], "order")
    children = {
        "fulfillments": node.get("fulfillments") or [],
        "refunds": node.get("refunds") or [],
    }
    if any(len(v) >= docs.CHILDREN_FIRST for v in children.values()):
        extra = client.execute(docs.ORDER_CHILDREN, {"id": node["id"]})["order"] or {}
        for name, known in children.items():
            have = {c["id"] for c in known}
            children[name] = known + [
                {**c, _LINES[name]: _EMPTY_PAGE}
                for c in extra.get(name) or []
                if c["id"] not in have
            ]
    for name, items in children.items():
        document = docs.FULFILLMENT_LINES if name == "fulfillments" else docs.REFUND_LINES
        node[name] = [
            {**c, _LINES[name]: _rest(client, document, c["id"], c[_LINES[name]], "node")}
            for c in items
        ]
    return node


_LINES = {"fulfillments": "fulfillmentLineItems", "refunds": "refundLineItems"}
_EMPTY_PAGE = {"pageInfo": {"hasNextPage": True, "endCursor": None}, "nodes": []}


def _rest(
    client: ShopifyClient, document: docs.Document, owner: str, page: dict[str, Any], root: str
) -> dict[str, Any]:
    """A connection with every page: follow ``endCursor`` while ``hasNextPage``."""
    nodes = list(page["nodes"])
    info = page["pageInfo"]
    while info["hasNextPage"]:
        data = client.execute(document, {"id": owner, "after": info["endCursor"]})[root] or {}
        more = next((v for v in data.values() if isinstance(v, dict) and "nodes" in v), None)
        if more is None:
            break
        nodes.extend(more["nodes"])
        info = more["pageInfo"]
    return {"pageInfo": {"hasNextPage": False, "endCursor": info.get("endCursor")}, "nodes": nodes}


# --- inventory levels -------------------------------------------------------------------------


def levels(
    client: ShopifyClient,
    quantity_map: Mapping[str, Bucket | None],
    names: Sequence[str],
    cursor: str | None,
    limit: int,
) -> PullResult:
    """``stock.counted`` events for levels changed since ``cursor``, at most ``limit``."""
    state = decode(cursor)
    since, seen = state.get("since"), dict(state.get("seen") or {})
    location, after, mark = state.get("location"), state.get("after"), state.get("mark")
    events: list[dict[str, Any]] = []
    locations = active_locations(client)
    mark = mark or _server_time(client)
    if location is None and locations:
        location = locations[0]
    while location is not None and len(events) < limit:
        variables = {
            "locationId": location,
            "first": min(LEVEL_PAGE_SIZE, limit - len(events)),
            "after": after,
            "query": f"updated_at:>='{since}'" if since else None,
            "names": list(names),
        }
        page = (client.execute(docs.LEVELS, variables)["location"] or {}).get("inventoryLevels")
        for node in (page or {}).get("nodes") or []:
            event = translate.level_event(
                level_from_graphql(node, location), client.channel.channel, quantity_map
            )
            key = event["id"] if event else node["updatedAt"]  # time and quantities
            if seen.get(node["id"]) == key:
                continue
            if event is not None:
                events.append(event)
            if _at(node["updatedAt"]) >= _at(mark) - timedelta(seconds=1):
                seen[node["id"]] = key
        if page and page["pageInfo"]["hasNextPage"]:
            after = page["pageInfo"]["endCursor"]
            continue
        location, after = _next(locations, location), None
    if location is not None:
        state = {"since": since, "seen": seen, "location": location, "after": after, "mark": mark}
        return PullResult(events, encode(state), has_more=True)
    boundary = _at(mark) - timedelta(seconds=1)
    seen = {k: v for k, v in seen.items() if _at(_stamp(v)) >= boundary}
    since = boundary.strftime("%Y-%m-%dT%H:%M:%SZ")
    return PullResult(events, encode({"since": since, "seen": seen}), has_more=False)


def active_locations(client: ShopifyClient) -> list[str]:
    """The shop's active location GIDs, by numeric id (a stable order for the cursor)."""
    found, after = [], None
    while True:
        page = client.execute(docs.LOCATIONS, {"first": LOCATION_PAGE_SIZE, "after": after})
        page = page["locations"]
        found.extend(n["id"] for n in page["nodes"] if n.get("isActive", True))
        if not page["pageInfo"]["hasNextPage"]:
            return sorted(found, key=lambda g: int(legacy_id(g) or 0))
        after = page["pageInfo"]["endCursor"]


def _next(locations: list[str], current: str) -> str | None:
    key = int(legacy_id(current) or 0)
    return next((loc for loc in locations if int(legacy_id(loc) or 0) > key), None)


def _server_time(client: ShopifyClient) -> str:
    """When this sweep began by the shop's clock (the last answer's Date header)."""
    moment = parsedate_to_datetime(client.server_date) if client.server_date else None
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp(key: str) -> str:
    """The updatedAt inside a seen-key (an event id ``…/<updatedAt>/<digest>``, or the stamp)."""
    parts = key.split("/")
    return parts[-2] if len(parts) > 2 else key


def _at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))

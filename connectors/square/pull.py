"""Pull: counts (``BatchRetrieveInventoryCounts``) and orders/returns (``SearchOrders``).

Cursors are opaque to the hub: URL-safe base64 of a small JSON object holding Square's own
page cursor, the ``since`` of the sweep and what was handed over at its boundary.

* **Counts** — a sweep pages with Square's cursor (``updated_after`` = the previous sweep's
  start by Square's clock, less a second; none on the first sweep: everything). Each page's
  pairs are completed with one more read of all their states, because a page may split a
  pair's states and on_hand needs IN_STOCK and RESERVED_FOR_SALE together.
* **Orders / returns** — ``SearchOrders`` over the channel's locations (``location_ids``,
  at most 10), ``updated_at`` from ``since``, sorted by ``UPDATED_AT`` ascending. An order
  whose events do not fit in ``limit`` is resumed at that order.

In both, records already handed over at the boundary are remembered, so pulling from the last
cursor finds nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from connectors.square import translate
from connectors.square.client import COUNTS_PATH, SEARCH_ORDERS_PATH, SquareClient
from connectors.square.inbound import read_counts
from connectors.square.states import state_map
from connectors.square.webhooks import parse_time
from hub import cursors
from hub.connector import PullResult
from hub.errors import ConfigError

MAX_PAGE = 1000
MAX_SEARCH_LOCATIONS = 10


def encode(state: Mapping[str, Any]) -> str:
    return cursors.encode(state)


def decode(cursor: str | None) -> dict[str, Any]:
    return cursors.decode(cursor, "Square")


# --- counts -------------------------------------------------------------------------------------


def counts(client: SquareClient, cursor: str | None, limit: int) -> PullResult:
    """``stock.counted`` events for counts calculated since ``cursor``, one Square page."""
    state = decode(cursor)
    since, page_cursor = state.get("since"), state.get("sq")
    seen: dict[str, str] = dict(state.get("seen") or {})
    body: dict[str, Any] = {"limit": max(1, min(limit, MAX_PAGE))}
    if client.merchant.location_ids:
        body["location_ids"] = list(client.merchant.location_ids)
    if since:
        body["updated_after"] = since
    if page_cursor:
        body["cursor"] = page_cursor
    answer = client.post(COUNTS_PATH, body, "BatchRetrieveInventoryCounts")
    mark = state.get("mark") or _mark(client)
    page = [c for c in answer.get("counts") or [] if isinstance(c, dict)]
    pairs = sorted({(str(c.get("catalog_object_id")), str(c.get("location_id"))) for c in page})
    complete = read_counts(client, pairs) if pairs else []
    states = state_map(client.merchant.state_map)
    channel = client.channel.channel
    events = []
    for event in translate.count_events(complete, channel, states, True, client.merchant.reads):
        pair = f"{event['data']['sku']}@{event['data']['location']}"
        if seen.get(pair) == event["id"]:
            continue  # handed over at the previous boundary
        events.append(event)
        if parse_time(event["data"]["as_of"]) >= parse_time(mark):
            seen[pair] = event["id"]
    if answer.get("cursor"):
        more = {"since": since, "sq": answer["cursor"], "mark": mark, "seen": seen}
        return PullResult(events, encode(more), has_more=True)
    seen = {k: v for k, v in seen.items() if _stamp(v) >= parse_time(mark)}
    return PullResult(events, encode({"since": mark, "seen": seen}), has_more=False)


def _mark(client: SquareClient) -> str:
    """When this sweep began by Square's clock (the Date of its first answer), less a second."""
    moment = parsedate_to_datetime(client.server_date) if client.server_date else None
    return translate.iso((moment or datetime.now(UTC)) - timedelta(seconds=1))


def _stamp(event_id: str) -> datetime:
    """The as_of inside a count event id ``…/<as_of>/<digest>``."""
    return parse_time(event_id.split("/")[-2])


# --- orders and returns ---------------------------------------------------------------------------


def orders(
    client: SquareClient, kinds: tuple[str, ...], cursor: str | None, limit: int
) -> PullResult:
    """Order or return events of orders updated since ``cursor``, at most ``limit``."""
    locations = client.merchant.location_ids
    if not locations or len(locations) > MAX_SEARCH_LOCATIONS:
        raise ConfigError(
            "pulling orders needs the channel's Square locations (1 to 10)",
            field="settings.location_ids",
            fix="list the store's Square location ids, comma-separated",
        )
    state = decode(cursor)
    since, page_cursor = state.get("since"), state.get("sq")
    resume, skip = state.get("order"), int(state.get("skip") or 0)
    seen: dict[str, str] = dict(state.get("seen") or {})
    mark = state.get("mark")
    channel, events = client.channel.channel, []
    while True:
        answer = client.post(SEARCH_ORDERS_PATH, _search(locations, since, page_cursor),
                             "SearchOrders")  # fmt: skip
        mark = mark or _mark(client)
        found = [o for o in answer.get("orders") or [] if isinstance(o, dict)]
        if resume is not None:  # re-read the page we stopped in; skip to the order
            ids = [o.get("id") for o in found]
            found = found[ids.index(resume) :] if resume in ids else found
        for order in found:
            stamp = str(order.get("updated_at") or "")
            if seen.get(str(order.get("id"))) == stamp and resume is None:
                continue
            facts = translate.order_events(order, channel, kinds, client.merchant.reads)
            done, resume_here = (skip if order.get("id") == resume else 0), None
            resume, skip = None, 0
            room = limit - len(events)
            if len(facts) - done > room:
                events.extend(facts[done : done + room])
                resume_here = {"since": since, "sq": page_cursor, "mark": mark, "seen": seen,
                               "order": order.get("id"), "skip": done + room}  # fmt: skip
                return PullResult(events, encode(resume_here), has_more=True)
            events.extend(facts[done:])
            if stamp and parse_time(stamp) >= parse_time(mark):
                seen[str(order.get("id"))] = stamp
        page_cursor = answer.get("cursor")
        if not page_cursor:
            seen = {k: v for k, v in seen.items() if parse_time(v) >= parse_time(mark)}
            return PullResult(events, encode({"since": mark, "seen": seen}), has_more=False)
        if len(events) >= limit:
            more = {"since": since, "sq": page_cursor, "mark": mark, "seen": seen}
            return PullResult(events, encode(more), has_more=True)


def _search(locations: tuple[str, ...], since: str | None, cursor: str | None) -> dict[str, Any]:
    query: dict[str, Any] = {"sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"}}
    if since:
        query["filter"] = {"date_time_filter": {"updated_at": {"start_at": since}}}
    body: dict[str, Any] = {"location_ids": list(locations), "query": query, "limit": 100}
    if cursor:
        body["cursor"] = cursor
    return body

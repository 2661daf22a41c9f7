"""Pull: counts, orders (their shipments) and returns, by sweeps that resume from a cursor.

A *sweep* is a fixed list of queries, each read page by page. The cursor (opaque to the hub:
URL-safe base64 of zlib-compressed JSON) holds the sweep's position — query, page link, record,
events of that record already handed over — so a pull hands over at most ``limit`` events and
the next one continues exactly there, and ``seen``: a digest per record already handed over, so
a record that has not changed since is not handed over again.

* **stock** — every item's levels (``inventory-level/locations`` per fulfillment center, or the
  account-wide ``inventory-level`` totals at ``account_location``). ShipBob has no "changed
  since" filter for levels, so each sweep reads them all; unchanged ones are skipped by digest.
  A count is as of the moment ShipBob answered its page (the ``Date`` header).
* **orders** — ``GET order`` with ``LastUpdateStartDate`` = the previous sweep's start (by
  ShipBob's clock, less a second); each order's shipments become events.
* **returns** — returns created since the previous sweep, plus every return still open (by id),
  because ShipBob offers no "updated since" filter for returns and they move on for days.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from connectors.shipbob import translate
from connectors.shipbob.client import ShipBobClient
from hub import cursors
from hub.connector import PullResult
from hub.errors import PermanentError, ValidationError
from hub.vocabulary import Bucket

#: a record of a page: (key, its events, a digest of what it says, a time for pruning or None)
Record = tuple[str, list[dict[str, Any]], str, str | None]
#: reads one page of a query: (query, link or None) → (records, next link or None)
Fetch = Callable[[dict[str, Any], Any], tuple[list[Record], Any]]
OPEN_RETURN_STATES = frozenset({"awaitingarrival", "arrived", "processing"})
IDS_PER_QUERY = 50


def encode(state: Mapping[str, Any]) -> str:
    return cursors.encode(state, compress=True)


def decode(cursor: str | None) -> dict[str, Any]:
    return cursors.decode(cursor, "ShipBob", compressed=True)


def sweep(
    client: ShipBobClient,
    cursor: str | None,
    limit: int,
    plan: Callable[[dict[str, Any]], list[dict[str, Any]]],
    fetch: Fetch,
    keep: Callable[[dict[str, Any]], None] = lambda state: None,
) -> PullResult:
    """Hand over up to ``limit`` events of the current sweep (see the module docstring).

    :param keep: adds a resource's own running state to the cursor before it is written.
    """
    state = decode(cursor)
    seen: dict[str, list[Any]] = dict(state.get("seen") or {})
    if state.get("queries") is None:  # a new sweep: fix its queries and its start
        state = {**state, "queries": plan(state), "q": 0, "link": None, "rec": 0, "skip": 0}
        state["mark"] = None
    events: list[dict[str, Any]] = []
    queries = state["queries"]
    while state["q"] < len(queries):
        records, following = fetch(queries[state["q"]], state["link"])
        state["mark"] = state["mark"] or server_time(client)
        while state["rec"] < len(records):
            key, found, digest, stamp = records[state["rec"]]
            if (seen.get(key) or [None])[0] == digest and not state["skip"]:
                state["rec"] += 1
                continue
            if len(events) >= limit:
                keep(state)
                return PullResult(events, encode({**state, "seen": seen}), has_more=True)
            room = limit - len(events)
            todo = found[state["skip"] :]
            if len(todo) > room:
                events.extend(todo[:room])
                state["skip"] += room
                keep(state)
                return PullResult(events, encode({**state, "seen": seen}), has_more=True)
            events.extend(todo)
            seen[key] = [digest, stamp]
            state["rec"], state["skip"] = state["rec"] + 1, 0
        if following:
            state["link"], state["rec"] = following, 0
        else:
            state["q"], state["link"], state["rec"] = state["q"] + 1, None, 0
    keep(state)
    mark = state["mark"] or server_time(client)
    since = (_at(mark) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    still = set(state.get("open") or ())
    kept = {k: v for k, v in seen.items() if v[1] is None or _at(v[1]) >= _at(since) or k in still}
    done: dict[str, Any] = {"since": since, "seen": kept}
    if "open" in state:
        done["open"] = state["open"]
    return PullResult(events, encode(done), has_more=False)


# --- stock -----------------------------------------------------------------------------------


def stock(
    client: ShipBobClient, quantity_map: Mapping[str, Bucket | None], cursor: str | None, limit: int
) -> PullResult:
    """``stock.counted`` per item and location whose quantities changed since ``cursor``."""
    account = client.account
    channel = client.channel.channel
    resource = "inventory-level" if account.account_location else "inventory-level/locations"

    def fetch(query: dict[str, Any], link: Any) -> tuple[list[Record], Any]:
        page = client.follow(link) if link else client.get(resource, query)
        items = _paged_items(page, resource)
        as_of = server_time(client)
        records: list[Record] = []
        for item in items:
            for location, fields in _levels(item, account.account_location):
                event = translate.count_event(
                    item.get("inventory_id"), location, fields, as_of, channel, quantity_map
                )
                digest = translate.quantity_digest(fields)
                key = f"{item.get('inventory_id')}@{location}"
                records.append((key, [event] if event else [], digest, None))
        return records, page.get("next")

    return sweep(client, cursor, limit, lambda s: [{"PageSize": account.page_size}], fetch)


def _levels(item: dict[str, Any], account_location: str | None) -> list[tuple[str, dict]]:
    if account_location:
        return [(account_location, translate.quantity_fields(item))]
    found = []
    for i, level in enumerate(item.get("locations") or []):
        if level.get("location_id") is None:
            raise ValidationError("a level has no location_id", field=f"locations[{i}].location_id")
        found.append((str(level["location_id"]), translate.quantity_fields(level)))
    return found


# --- orders ----------------------------------------------------------------------------------


def orders(client: ShipBobClient, cursor: str | None, limit: int) -> PullResult:
    """Shipment events of orders updated since the last sweep."""
    account = client.account
    channel = client.channel.channel

    def plan(state: dict[str, Any]) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"Limit": account.page_size}
        if state.get("since"):
            query["LastUpdateStartDate"] = state["since"]
        return [query]

    def fetch(query: dict[str, Any], link: Any) -> tuple[list[Record], Any]:
        number = int(link or 1)
        page = client.get("order", {**query, "Page": number})
        if not isinstance(page, list):
            raise _shape(client, "order", "a JSON array of orders")
        records = []
        for order in page:
            found = translate.order_events(order, channel, account.known_order_channels)
            records.append((f"order/{order.get('id')}", found, _ids_digest(found), _updated(order)))
        return records, (number + 1 if len(page) >= account.page_size else None)

    return sweep(client, cursor, limit, plan, fetch)


def _updated(order: dict[str, Any]) -> str:
    stamps = [order.get("created_date")] + [
        s.get("last_update_at") or s.get("created_date") for s in order.get("shipments") or []
    ]
    return max(translate.timestamp(s, "last_update_at") for s in stamps if s)


# --- returns ---------------------------------------------------------------------------------


def returns(client: ShipBobClient, cursor: str | None, limit: int) -> PullResult:
    """Return events of returns created since the last sweep, and of those still open."""
    account = client.account
    channel = client.channel.channel
    still_open: set[str] = set()

    def plan(state: dict[str, Any]) -> list[dict[str, Any]]:
        base: dict[str, Any] = {"Limit": account.page_size, "SortOrder": "Asc"}
        queries = [{**base, "StartDate": state["since"]} if state.get("since") else base]
        known = sorted(state.get("open") or [], key=_numeric)
        for start in range(0, len(known), IDS_PER_QUERY):
            queries.append({**base, "Ids": ",".join(known[start : start + IDS_PER_QUERY])})
        return queries

    def fetch(query: dict[str, Any], link: Any) -> tuple[list[Record], Any]:
        page = client.follow(link) if link else client.get("return", query)
        records = []
        for record in _paged_items(page, "return"):
            rid = str(record.get("id"))
            if translate._state(record.get("status")) in OPEN_RETURN_STATES:
                still_open.add(rid)
            else:
                still_open.discard(rid)
            found = translate.return_events(record, channel)
            stamp = translate.timestamp(record.get("insert_date"), "insert_date")
            records.append((rid, found, _ids_digest(found), stamp))
        return records, page.get("next")

    def keep(state: dict[str, Any]) -> None:
        state["open"] = sorted(still_open, key=_numeric)

    still_open.update(decode(cursor).get("open") or [])
    return sweep(client, cursor, limit, plan, fetch, keep)


# --- small parts -----------------------------------------------------------------------------


def server_time(client: ShipBobClient) -> str:
    """ShipBob's clock at its last answer (the Date header), else ours."""
    moment = parsedate_to_datetime(client.server_date) if client.server_date else None
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _paged_items(page: Any, resource: str) -> list[dict[str, Any]]:
    if not isinstance(page, dict) or not isinstance(page.get("items") or [], list):
        raise ValidationError(f"{resource}: expected a paged answer {{items, next}}", field="items")
    return [item for item in page.get("items") or [] if isinstance(item, dict)]


def _ids_digest(events: list[dict[str, Any]]) -> str:
    return hashlib.sha256("\n".join(e["id"] for e in events).encode()).hexdigest()[:12]


def _shape(client: ShipBobClient, resource: str, expected: str) -> PermanentError:
    return PermanentError(
        f"shipbob/{client.channel.channel} GET {resource}: the answer is not {expected}",
        context={"connector": "shipbob", "channel": client.channel.channel},
    )


def _at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _numeric(value: str) -> tuple[int, str]:
    return len(value), value

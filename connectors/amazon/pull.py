"""Pull orders (getOrders + getOrderItems), FBA quantities (getInventorySummaries) and, on a
full read, merchant-fulfilled listing quantities (searchListingsItems).

Both are *sweeps*: every record changed since the last sweep's newest change, page by page
with Amazon's ``NextToken`` / ``nextToken``. The cursor (JSON, opaque to the hub) holds

* ``since`` — the sweep's lower bound (``LastUpdatedAfter`` / ``startDateTime``, inclusive);
* ``token`` — Amazon's page token inside the sweep, and ``taken`` — how many events of each
  record on that page were already handed over (a pull hands over at most ``limit`` events and
  may stop inside a record);
* ``high`` / ``edge`` — the newest change seen and the records changed exactly then: the next
  sweep starts at ``high`` and skips ``edge``, so nothing is handed over twice and a record
  that changes again (a later time) is seen again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from connectors.amazon import translate
from connectors.amazon.client import AmazonClient
from connectors.amazon.statuses import fba_quantity_map, order_statuses
from hub.connector import PullResult
from hub.errors import ValidationError

#: (record key and version, its change time, its events — computed only when handed over)
Record = tuple[str, str, Callable[[], list[dict[str, Any]]]]
DONE = -1  # ``taken`` value of a record handed over whole


@dataclass
class Cursor:
    since: str
    token: str | None = None
    taken: dict[str, int] = field(default_factory=dict)
    high: str | None = None
    edge: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)  # the previous sweep's edge

    @classmethod
    def parse(cls, raw: str | None, default_since: str) -> Cursor:
        if not raw:
            return cls(since=default_since)
        try:
            data = json.loads(raw)
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise ValidationError(f"not an Amazon pull cursor: {raw[:100]!r}", field="cursor",
                                  fix="reset the channel's cursor") from exc  # fmt: skip

    def dump(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"), sort_keys=True)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def sweep(
    cursor: Cursor, pages: Callable[[str, str | None], tuple[Iterator[Record], str | None]],
    limit: int,
) -> PullResult:  # fmt: skip
    """Hand over at most ``limit`` events from the sweep ``cursor`` stands at."""
    events: list[dict[str, Any]] = []
    while True:
        records, next_token = pages(cursor.since, cursor.token)
        for key, changed, make in records:
            marker = f"{key}@{changed}"
            done = cursor.taken.get(marker, 0)
            if marker in cursor.skip or done == DONE:
                continue
            found = make()
            room = limit - len(events)
            if done < len(found) and room <= 0:
                return PullResult(events, cursor.dump(), has_more=True)
            take = found[done : done + room]
            events.extend(take)
            cursor.taken[marker] = done + len(take) if done + len(take) < len(found) else DONE
            if cursor.high is None or _moment(changed) > _moment(cursor.high):
                cursor.high, cursor.edge = changed, [marker]
            elif _moment(changed) == _moment(cursor.high) and marker not in cursor.edge:
                cursor.edge.append(marker)
            if cursor.taken[marker] != DONE:
                return PullResult(events, cursor.dump(), has_more=True)
        if next_token:
            cursor.token, cursor.taken = next_token, {}
            if len(events) >= limit:
                return PullResult(events, cursor.dump(), has_more=True)
            continue
        finished = Cursor(since=cursor.high or cursor.since,
                          skip=cursor.edge if cursor.high else cursor.skip)  # fmt: skip
        return PullResult(events, finished.dump(), has_more=False)


def orders(client: AmazonClient, cursor: str | None, limit: int) -> PullResult:
    """Orders changed since the cursor, as canonical events (see module docstring)."""
    seller = client.seller
    places = translate.Places(seller.merchant_location, seller.fba_location)
    statuses = order_statuses()
    start = datetime.now(UTC) - timedelta(days=seller.orders_lookback_days)
    channel = client.channel.channel

    def pages(since: str, token: str | None) -> tuple[Iterator[Record], str | None]:
        params = {"MarketplaceIds": seller.marketplace_id, "LastUpdatedAfter": since,
                  "MaxResultsPerPage": 100, "NextToken": token}  # fmt: skip
        payload = _payload(client, client.call("GET", "/orders/v0/orders", params=params))
        found = payload.get("Orders")
        if not isinstance(found, list):
            raise client.error("getOrders payload has no Orders list", field="payload.Orders")

        def records() -> Iterator[Record]:
            for order in found:
                order_id = translate.facts_from_pull(order, []).order_id

                def events(order: dict[str, Any] = order, order_id: str = order_id
                           ) -> list[dict[str, Any]]:  # fmt: skip
                    facts = translate.facts_from_pull(order, order_items(client, order_id))
                    return translate.order_events(facts, channel, places, statuses)

                yield _version(order_id, order), str(order["LastUpdateDate"]), events

        return records(), payload.get("NextToken") or None

    return sweep(Cursor.parse(cursor, _iso(start)), pages, limit)


def order_items(client: AmazonClient, order_id: str) -> list[dict[str, Any]]:
    """Every OrderItem of an order, following NextToken."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        answer = client.call("GET", f"/orders/v0/orders/{quote(order_id, safe='')}/orderItems",
                             params={"NextToken": token})  # fmt: skip
        payload = _payload(client, answer)
        page = payload.get("OrderItems")
        if not isinstance(page, list):
            raise client.error(f"getOrderItems({order_id}) has no OrderItems", field="OrderItems")
        items.extend(page)
        token = payload.get("NextToken") or None
        if token is None:
            return items


def inventory(client: AmazonClient, cursor: str | None, limit: int) -> PullResult:
    """FBA quantities changed since the cursor, as ``stock.counted`` at the FBA location."""
    seller = client.seller
    quantity_map = fba_quantity_map()
    channel = client.channel.channel
    now = _iso(datetime.now(UTC))

    def pages(since: str, token: str | None) -> tuple[Iterator[Record], str | None]:
        params = {"details": "true", "granularityType": "Marketplace",
                  "granularityId": seller.marketplace_id, "marketplaceIds": seller.marketplace_id,
                  "startDateTime": since or None, "nextToken": token}  # fmt: skip
        answer = client.call("GET", "/fba/inventory/v1/summaries", params=params)
        payload = _payload(client, answer)
        found = payload.get("inventorySummaries")
        if not isinstance(found, list):
            raise client.error("getInventorySummaries has no inventorySummaries")

        def records() -> Iterator[Record]:
            for summary in found:
                event = translate.inventory_event(
                    summary, channel, seller.fba_location, quantity_map, now
                )
                if event is not None:
                    changed = str(summary.get("lastUpdatedTime") or now)
                    key = _version(str(summary["sellerSku"]), summary.get("inventoryDetails"))
                    yield key, changed, lambda event=event: [event]

        token = ((answer or {}).get("pagination") or {}).get("nextToken") or None
        return records(), token

    return sweep(Cursor.parse(cursor, ""), pages, limit)


#: searchListingsItems' largest page (listingsItems_2021-08-01.json, ``pageSize`` maximum)
LISTINGS_PAGE = 20


def stock(client: AmazonClient, cursor: str | None, limit: int) -> PullResult:
    """What Amazon reports of the channel's stock: FBA quantities since the cursor and, on a
    read from the beginning (reconciliation, a channel's first pull), then every
    merchant-fulfilled listing's quantity — what the channel shows, for reconciliation to
    compare with ATP (a quantity edited in Seller Central is drift like any other).

    The cursor is the FBA sweep's (:class:`Cursor`) once a read is done, so later scheduled
    pulls stay incremental; during a full read it is ``{"phase": "fba" | "listings", "fba":
    …, "token": …}``.
    """
    phase = _phase(cursor)
    if phase is None:  # an incremental pull: FBA changes only
        return inventory(client, cursor, limit)
    events: list[dict[str, Any]] = []
    if phase["phase"] == "fba":
        done = inventory(client, phase["fba"], limit)
        events.extend(done.events)
        if done.has_more:
            return PullResult(events, _dump("fba", done.cursor), has_more=True)
        fba, token = done.cursor, None
    else:
        fba, token = phase["fba"], phase.get("token")
    while len(events) < limit:
        page, token = listings(client, token, limit - len(events))
        events.extend(page)
        if not token:
            return PullResult(events, fba, has_more=False)  # the FBA sweep's cursor again
    return PullResult(events, _dump("listings", fba, token), has_more=True)


def listings(
    client: AmazonClient, token: str | None, room: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of ``searchListingsItems`` (at most ``room`` listings), most recently updated
    first, and the token of the next. Amazon pages through at most 1,000 listings, so a larger
    catalogue is compared on its 1,000 most recently changed (hand edits among them)."""
    seller = client.seller
    params = {"marketplaceIds": seller.marketplace_id, "includedData": "fulfillmentAvailability",
              "pageSize": max(1, min(LISTINGS_PAGE, room)), "sortBy": "lastUpdatedDate",
              "sortOrder": "DESC", "pageToken": token}  # fmt: skip
    path = f"/listings/2021-08-01/items/{quote(seller.seller_id, safe='')}"
    answer = client.call("GET", path, params=params)
    if not isinstance(answer, dict) or not isinstance(answer.get("items"), list):
        raise client.error("searchListingsItems has no items", field="items")
    now = _iso(datetime.now(UTC))
    events = [
        event
        for item in answer["items"]
        for event in translate.listing_events(item, client.channel.channel, now)
    ]
    following = (answer.get("pagination") or {}).get("nextToken")
    return events, str(following) if following else None


def _phase(cursor: str | None) -> dict[str, Any] | None:
    """The full read ``cursor`` is in (a new one for None), or None for an FBA sweep cursor."""
    if cursor is None:
        return {"phase": "fba", "fba": None}
    try:
        data = json.loads(cursor)
    except ValueError:
        return None  # not ours to judge here: the FBA sweep names a bad cursor
    return data if isinstance(data, dict) and data.get("phase") in ("fba", "listings") else None


def _dump(phase: str, fba: str | None, token: str | None = None) -> str:
    return json.dumps({"phase": phase, "fba": fba, "token": token}, separators=(",", ":"))


def _version(key: str, state: Any) -> str:
    """A record's key with a digest of its state: two changes within Amazon's one-second
    timestamps are two versions, so the second is not mistaken for the first."""
    text = json.dumps(state, sort_keys=True, default=str)
    return f"{key}#{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def _payload(client: AmazonClient, answer: Any) -> dict[str, Any]:
    payload = answer.get("payload") if isinstance(answer, dict) else None
    if not isinstance(payload, dict):
        raise client.error(f"answer has no payload: {str(answer)[:200]}", field="payload")
    return payload


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

"""Square records → canonical events, and push changes. Pure: no I/O, no clock.

Identifiers in events are Square's: catalog object ids (item variations) for SKUs, location
ids for locations; the hub resolves them through the crosswalk under the channel's code.

* **Counts** (``InventoryCount``) → ``stock.counted`` of one variation at one location, as of
  the latest ``calculated_at``, through the state map. A bucket fed by several states
  (``IN_STOCK`` + ``RESERVED_FOR_SALE`` → on_hand) is reported only when the record holds all
  of them, or when the record is *complete* (every state of the pair was read, so an absent
  state is zero). A webhook names only the states that changed; :mod:`inbound` completes it.
* **Orders** → ``order.placed`` (lines with a variation), ``order.fulfilled`` per COMPLETED
  fulfillment and, for a COMPLETED order, for the lines no fulfillment covers (a counter sale),
  ``order.cancelled`` for CANCELED/FAILED fulfillments and CANCELED orders, and
  ``return.received`` per ``returns[]`` entry (itemized POS returns) at the order's location.
  Every fact has its own id, so an older copy of an order never undoes a newer one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.square.states import PUSH_STATE, feeders
from connectors.square.webhooks import parse_time
from hub.errors import ValidationError
from hub.mappings.files import StatusMap

COUNT_TOPIC = "inventory.count.updated"
ORDER_TOPICS = frozenset({"order.created", "order.updated", "order.fulfillment.updated"})
REFUND_TOPICS = frozenset({"refund.created", "refund.updated"})
ORDER_EVENTS, RETURN_EVENTS = "orders", "returns"
REFUNDS_WITH_GOODS = frozenset({"PENDING", "COMPLETED"})

Reads = Callable[[str | None], bool]


def _everywhere(location: str | None) -> bool:
    return True


# --- inbound records ---------------------------------------------------------------------------


def record_events(
    topic: str, body: Any, channel: str, states: StatusMap, reads: Reads = _everywhere
) -> list[dict[str, Any]]:
    """The events one inbox record stands for.

    ``body`` is what :mod:`connectors.square.inbound` stored: ``{"notification": …, "order":
    …}`` or ``{"notification": …, "counts": […], "complete": true}``; a bare notification is
    read too (counts only: order and refund notifications name no lines).
    """
    record = _object(body, "body")
    note = record if record.get("notification") is None else _object(
        record["notification"], "notification"
    )
    if topic == COUNT_TOPIC:
        counts = record.get("counts")
        if counts is None:
            counts = _list(_object(_object(note.get("data"), "data").get("object"), "data.object"),
                           "inventory_counts", "data.object")  # fmt: skip
        return count_events(counts, channel, states, bool(record.get("complete")), reads)
    order = record.get("order")
    if order is None:
        return []
    if topic in ORDER_TOPICS:
        return order_events(order, channel, reads=reads)
    if topic in REFUND_TOPICS:
        refund = _object(_object(note.get("data"), "data").get("object"), "data.object")
        status = str(_object(refund.get("refund"), "data.object.refund").get("status") or "")
        if status not in REFUNDS_WITH_GOODS:
            return []
        return order_events(order, channel, (RETURN_EVENTS,), reads)
    return []


def count_events(
    counts: Iterable[Any],
    channel: str,
    states: StatusMap,
    complete: bool,
    reads: Reads = _everywhere,
) -> list[dict[str, Any]]:
    """One ``stock.counted`` per (variation, location) whose buckets the record determines."""
    pairs: dict[tuple[str, str], dict[str, tuple[int, datetime]]] = {}
    for i, raw in enumerate(counts):
        where = f"counts[{i}]"
        count = _object(raw, where)
        location = str(_need(count, "location_id", where))
        if not reads(location):
            continue
        state = str(_need(count, "state", where))
        states.bucket(state)  # an unknown state is a mapping error, never a silent zero
        quantity = max(units(_need(count, "quantity", where), f"{where}.quantity", signed=True), 0)
        at = _time(_need(count, "calculated_at", where), f"{where}.calculated_at")
        key = (str(_need(count, "catalog_object_id", where)), location)
        seen = pairs.setdefault(key, {}).get(state)
        if seen is None or at >= seen[1]:
            pairs[key][state] = (quantity, at)
    events = []
    for (item, location), by_state in sorted(pairs.items()):
        event = _count_event(item, location, by_state, channel, states, complete)
        if event is not None:
            events.append(event)
    return events


def _count_event(item, location, by_state, channel, states, complete) -> dict[str, Any] | None:
    quantities: dict[str, int] = {}
    for bucket, names in sorted(feeders(states).items()):
        present = names & by_state.keys()
        if not present or (not complete and present != names):
            continue
        quantities[bucket] = sum(by_state[name][0] for name in present)
    if not quantities:
        return None
    as_of = max(at for _, at in by_state.values())
    stamp = iso(as_of)
    digest = hashlib.sha256(json.dumps(sorted(quantities.items())).encode()).hexdigest()[:10]
    return _event(
        f"{channel}/count/{item}/{location}/{stamp}/{digest}",
        "stock.counted",
        stamp,
        source=channel,
        sku=item,
        location=location,
        as_of=stamp,
        quantities=quantities,
    )


def incomplete_pairs(counts: Iterable[Any], states: StatusMap) -> list[tuple[str, str]]:
    """(variation, location) pairs of a notification missing a state some bucket needs."""
    held: dict[tuple[str, str], set[str]] = {}
    for count in counts:
        if isinstance(count, dict) and count.get("catalog_object_id") and count.get("location_id"):
            key = (str(count["catalog_object_id"]), str(count["location_id"]))
            held.setdefault(key, set()).add(str(count.get("state")))
    needed = feeders(states).values()
    return sorted(
        key for key, names in held.items() if any(n & names and n - names for n in needed)
    )


def order_events(
    order: Any,
    channel: str,
    kinds: Sequence[str] = (ORDER_EVENTS, RETURN_EVENTS),
    reads: Reads = _everywhere,
) -> list[dict[str, Any]]:
    """Every canonical event an order's current state stands for, oldest fact first."""
    o = _object(order, "order")
    order_id, location = str(_need(o, "id", "order")), str(_need(o, "location_id", "order"))
    state = str(o.get("state") or "OPEN")
    if state == "DRAFT" or not reads(location):
        return []
    base, facts = f"{channel}/order/{order_id}", {"channel": channel, "order": order_id}
    lines = _lines(o)
    events: list[dict[str, Any]] = []
    if ORDER_EVENTS in kinds and lines:
        created = str(_need(o, "created_at", "order"))
        placed = [
            {"line": uid, "sku": sku, "quantity": qty, "location": location}
            for uid, (sku, qty) in lines.items()
        ]
        events.append(_event(f"{base}/placed", "order.placed", created, lines=placed, **facts))
        events.extend(_fulfilment_events(o, lines, state, base, location, facts))
    if RETURN_EVENTS in kinds:
        events.extend(_return_events(o, channel, order_id, location))
    return events


def _fulfilment_events(o, lines, state, base, location, facts) -> list[dict[str, Any]]:
    done_at = str(o.get("closed_at") or o.get("updated_at") or o["created_at"])
    events, covered = [], set()
    for i, raw in enumerate(_list(o, "fulfillments", "order")):
        where = f"order.fulfillments[{i}]"
        f = _object(raw, where)
        uid = str(_need(f, "uid", where))
        applied = _applied(f, lines, where)
        covered |= set(applied)
        fstate = str(f.get("state") or "PROPOSED")
        if fstate == "COMPLETED" and applied:
            shipped = [{"line": u, "sku": lines[u][0], "quantity": q} for u, q in applied.items()]
            events.append(_event(f"{base}/fulfillment/{uid}", "order.fulfilled", done_at,
                                 location=location, lines=shipped, **facts))  # fmt: skip
        elif fstate in ("CANCELED", "FAILED") and applied:
            events.append(_event(f"{base}/fulfillment/{uid}/cancelled", "order.cancelled",
                                 done_at, lines=sorted(applied), **facts))  # fmt: skip
    rest = {u: v for u, v in lines.items() if u not in covered}
    if state == "COMPLETED" and rest:  # handed over at the counter
        sold = [{"line": u, "sku": sku, "quantity": q} for u, (sku, q) in rest.items()]
        events.append(_event(f"{base}/completed", "order.fulfilled", done_at,
                             location=location, lines=sold, **facts))  # fmt: skip
    if state == "CANCELED":
        events.append(_event(f"{base}/cancelled", "order.cancelled", done_at, **facts))
    return events


def _applied(f: dict[str, Any], lines: dict[str, tuple[str, int]], where: str) -> dict[str, int]:
    """Line uid → quantity a fulfillment covers (ALL: every line with a variation)."""
    if f.get("line_item_application") != "ENTRY_LIST":
        return {uid: qty for uid, (_, qty) in lines.items()}
    found: dict[str, int] = {}
    for j, raw in enumerate(_list(f, "entries", where)):
        entry = _object(raw, f"{where}.entries[{j}]")
        uid = str(_need(entry, "line_item_uid", f"{where}.entries[{j}]"))
        if uid in lines:
            quantity = units(_need(entry, "quantity", where), f"{where}.entries[{j}].quantity")
            found[uid] = found.get(uid, 0) + quantity
    return {uid: qty for uid, qty in found.items() if qty > 0}


def _return_events(o, channel, order_id, location) -> list[dict[str, Any]]:
    events = []
    for i, raw in enumerate(_list(o, "returns", "order")):
        where = f"order.returns[{i}]"
        r = _object(raw, where)
        uid = str(r.get("uid") or i)
        skus: dict[str, int] = {}
        for j, item in enumerate(_list(r, "return_line_items", where)):
            here = f"{where}.return_line_items[{j}]"
            line = _object(item, here)
            sku = line.get("catalog_object_id")
            quantity = units(_need(line, "quantity", here), f"{here}.quantity")
            if sku and quantity > 0:
                skus[str(sku)] = skus.get(str(sku), 0) + quantity
        if not skus:
            continue
        data: dict[str, Any] = {"return": f"{order_id}:{uid}", "channel": channel,
                                "location": location}  # fmt: skip
        if r.get("source_order_id"):
            data["order"] = str(r["source_order_id"])
        data["lines"] = [{"sku": s, "quantity": q} for s, q in sorted(skus.items())]
        events.append(_event(f"{channel}/return/{order_id}/{uid}", "return.received",
                             str(_need(o, "created_at", "order")), **data))  # fmt: skip
    return events


def _lines(o: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """Line uid → (variation id, units) for lines that move stock (a variation, quantity > 0)."""
    found = {}
    for i, raw in enumerate(_list(o, "line_items", "order")):
        where = f"order.line_items[{i}]"
        line = _object(raw, where)
        if not line.get("catalog_object_id"):
            continue  # custom amounts and the like move no stock
        quantity = units(_need(line, "quantity", where), f"{where}.quantity")
        if quantity > 0:
            found[str(_need(line, "uid", where))] = (str(line["catalog_object_id"]), quantity)
    return found


# --- push ---------------------------------------------------------------------------------------


def physical_count(
    item: str, location: str, quantity: int, occurred_at: str, reference: str
) -> dict[str, Any]:
    """One ``InventoryChange`` setting IN_STOCK of ``item`` at ``location`` to ``quantity``."""
    return {
        "type": "PHYSICAL_COUNT",
        "physical_count": {
            "reference_id": reference,
            "catalog_object_id": item,
            "state": PUSH_STATE,
            "location_id": location,
            "quantity": str(quantity),
            "occurred_at": occurred_at,
        },
    }


def idempotency_key(channel: str, occurred_at: str, changes: Sequence[Mapping[str, Any]]) -> str:
    """A key derived from what is pushed (the ledger's quantities) and when: the client's retries
    of one call send the same key and body, so Square applies the call once."""
    text = json.dumps([channel, occurred_at, list(changes)], sort_keys=True, separators=(",", ":"))
    return "stockhub-" + hashlib.sha256(text.encode()).hexdigest()[:48]


def change_index(error: Mapping[str, Any]) -> int | None:
    """The ``changes[i]`` an error's ``field`` names, or None (the whole request)."""
    text = str(error.get("field") or "")
    if text.startswith("changes[") and "]" in text:
        number = text[len("changes[") : text.index("]")]
        return int(number) if number.isdigit() else None
    return None


# --- small readers ------------------------------------------------------------------------------


def units(value: Any, where: str, signed: bool = False) -> int:
    """A Square decimal quantity string as whole units; fractions are a ValidationError."""
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(f"quantity {value!r} is not a decimal", field=where) from exc
    if number != number.to_integral_value():
        raise ValidationError(
            f"quantity {value} is not a whole number of units",
            field=where,
            fix="the hub counts whole units; keep items sold by measure out of the crosswalk",
        )
    if number < 0 and not signed:
        raise ValidationError(f"quantity {value} is negative", field=where)
    return int(number)


def iso(moment: datetime) -> str:
    """UTC, milliseconds, ``Z``: the form Square writes and the event ids use."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _time(value: Any, where: str) -> datetime:
    try:
        return parse_time(value)
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not an RFC 3339 time", field=where) from exc


def _event(event_id: str, type_: str, at: str, source: str = "", **data: Any) -> dict[str, Any]:
    """A wire-form event; its source is the channel (``data.channel`` when not given)."""
    source = source or data["channel"]
    return {"id": event_id, "type": type_, "source": source, "occurred_at": at, "data": data}


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(f"{where} must be a JSON object", field=where)
    return value


def _list(value: dict[str, Any], key: str, where: str) -> list[Any]:
    found = value.get(key) or []
    if not isinstance(found, list):
        raise ValidationError(f"{key} must be a list", field=f"{where}.{key}")
    return found


def _need(value: dict[str, Any], key: str, where: str) -> Any:
    if value.get(key) in (None, ""):
        raise ValidationError(f"{key} is missing", field=f"{where}.{key}")
    return value[key]

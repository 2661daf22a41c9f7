"""stockhub's own small JSON protocol for in-house systems: paths, shapes, signatures. Pure.

Both sides use this module: the connector (``plugin.py``) builds requests and reads answers
with it, and the sandbox (``sandbox.py``) speaks the same constants. The protocol itself is
described for people in ``README.md`` beside this file.

* ``POST {base_url}/stock/set`` — set absolute quantities, with optional compare-and-set;
* ``GET {base_url}/stock?cursor=&limit=`` — stock levels changed since a cursor;
* webhooks — canonical events ("Public formats, v1"), one object or a list, signed with
  ``X-Stockhub-Signature: sha256=<hex HMAC-SHA256 of the raw body>``.

Nothing here does I/O. Answers that break the protocol raise :class:`ResponseError`; the
plugin turns it into the hub's ``PermanentError`` at the edge, with the channel named.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from hub import records
from hub.connector import InboundMessage, PushResult, PushStatus, StockUpdate
from hub.errors import ValidationError

PUSH_PATH = "/stock/set"
PULL_PATH = "/stock"
AUTH_HEADER = "Authorization"
SIGNATURE_HEADER = "X-Stockhub-Signature"
DELIVERY_HEADER = "X-Stockhub-Delivery"
SIGNATURE_PREFIX = "sha256="

#: Most items one ``/stock/set`` call may carry.
MAX_BATCH_SIZE = 100
#: Most levels one ``/stock`` page may hold (``limit`` is clamped to it).
MAX_PAGE_SIZE = 1000

STATUS_OK = "ok"
STATUS_STALE = "stale"
STATUS_REJECTED = "rejected"
ITEM_STATUSES = (STATUS_OK, STATUS_STALE, STATUS_REJECTED)


class ResponseError(ValueError):
    """Raised when the in-house system answers with something the protocol does not allow."""


# --- push ------------------------------------------------------------------------------------


def push_item(update: StockUpdate) -> dict[str, Any]:
    """One ``items[]`` entry: vendor codes, the absolute quantity, ``expected`` only when set."""
    item: dict[str, Any] = {
        "sku": update.external_id,
        "location": update.external_location,
        "quantity": update.quantity,
    }
    if update.expected is not None:
        item["expected"] = update.expected
    return item


def push_body(updates: Sequence[StockUpdate]) -> dict[str, Any]:
    """The ``POST /stock/set`` request body for a batch."""
    return {"items": [push_item(u) for u in updates]}


def push_results(updates: Sequence[StockUpdate], body: Any) -> list[PushResult]:
    """Read the ``/stock/set`` answer: one :class:`PushResult` per update, in request order."""
    results = _list_field(body, "results")
    if len(results) != len(updates):
        raise ResponseError(f"{len(results)} results for {len(updates)} items")
    return [
        push_result(u, answer, i)
        for i, (u, answer) in enumerate(zip(updates, results, strict=True))
    ]


def push_result(update: StockUpdate, answer: Any, index: int = 0) -> PushResult:
    """One result: ``ok`` → accepted, ``stale`` → stale_compare, ``rejected`` → rejected."""
    if not isinstance(answer, dict):
        raise ResponseError(f"results[{index}] is not an object")
    if (answer.get("sku"), answer.get("location")) != (
        update.external_id,
        update.external_location,
    ):
        raise ResponseError(
            f"results[{index}] is for {answer.get('sku')!r}@{answer.get('location')!r}, "
            f"expected {update.external_id!r}@{update.external_location!r} (order must match)"
        )
    status, actual, reason = answer.get("status"), answer.get("actual"), answer.get("reason")
    if actual is not None and (not isinstance(actual, int) or isinstance(actual, bool)):
        raise ResponseError(f"results[{index}].actual must be an integer or null")
    reason = str(reason) if reason else ""
    if status == STATUS_OK:
        return PushResult(update.sku, update.location, PushStatus.ACCEPTED, actual=actual)
    if status == STATUS_STALE:
        return PushResult(
            update.sku,
            update.location,
            PushStatus.STALE_COMPARE,
            reason=reason or f"the channel holds {actual}, expected {update.expected}",
            actual=actual,
        )
    if status == STATUS_REJECTED:
        return PushResult(
            update.sku,
            update.location,
            PushStatus.REJECTED,
            reason=reason or "rejected by the channel",
        )
    raise ResponseError(f"results[{index}].status {status!r} is not one of {ITEM_STATUSES}")


# --- pull ------------------------------------------------------------------------------------


def pull_params(cursor: str | None, limit: int) -> dict[str, Any]:
    """Query parameters of ``GET /stock``; no cursor means from the beginning."""
    return {"limit": limit, **({"cursor": cursor} if cursor else {})}


def read_page(body: Any) -> tuple[list[dict[str, Any]], str | None]:
    """The levels of one ``/stock`` page and its ``next_cursor`` (``None``: caught up)."""
    levels = _list_field(body, "levels")
    for i, level in enumerate(levels):
        if not isinstance(level, dict):
            raise ResponseError(f"levels[{i}] is not an object")
        missing = [k for k in ("sku", "location", "quantity", "updated_at") if k not in level]
        if missing:
            raise ResponseError(f"levels[{i}] lacks {', '.join(missing)}")
    next_cursor = body.get("next_cursor")
    if next_cursor is not None and not isinstance(next_cursor, str):
        raise ResponseError("next_cursor must be a string or null")
    return levels, next_cursor


def level_event(level: Mapping[str, Any], channel: str) -> dict[str, Any]:
    """A stock level is an absolute count at ``updated_at``: one ``stock.counted`` event.

    The id is derived from the level (sku, location, updated_at), so the same level pulled
    twice yields the same event id and the ledger applies it once.
    """
    sku, location, at = level["sku"], level["location"], level["updated_at"]
    return {
        "id": f"{channel}/level/{sku}/{location}/{at}",
        "type": "stock.counted",
        "source": channel,
        "occurred_at": at,
        "data": {
            "sku": sku,
            "location": location,
            "as_of": at,
            "quantities": {"on_hand": level["quantity"]},
        },
    }


# --- webhooks --------------------------------------------------------------------------------


def signature(body: bytes, secret: str) -> str:
    """The ``X-Stockhub-Signature`` value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def signature_headers(body: bytes, secret: str, delivery_id: str | None = None) -> dict[str, str]:
    """The headers a sender attaches to a delivery of ``body``."""
    headers = {SIGNATURE_HEADER: signature(body, secret)}
    if delivery_id is not None:
        headers[DELIVERY_HEADER] = delivery_id
    return headers


def verify(body: bytes, given: str | None, secret: str | None) -> bool:
    """True only when ``given`` is the signature of ``body`` under ``secret`` (constant time).

    A missing secret or a missing header is ``False``: an unsigned delivery is never genuine.
    """
    if not secret or not given:
        return False
    return hmac.compare_digest(given.encode(), signature(body, secret).encode())


def parse_delivery(body: bytes, delivery_id: str | None) -> list[InboundMessage]:
    """Split a delivery (one event object or a list of them) into one message per event.

    ``topic`` is the event's ``type``; ``delivery_id`` is the delivery header (plus ``#i``
    for the i-th event of a list) or, without the header, the event's own ``id``.
    """
    try:
        decoded = records.document(body)  # JSON, nested at most records.MAX_DEPTH deep
    except ValidationError as exc:
        fix = "send one canonical event object or a JSON list of them"
        raise ValidationError(exc.message, field=exc.field, fix=fix) from exc
    if isinstance(decoded, dict):
        return [_message(decoded, delivery_id)]
    if isinstance(decoded, list):
        return [
            _message(event, f"{delivery_id}#{i}" if delivery_id else None)
            for i, event in enumerate(decoded)
        ]
    raise ValidationError(
        f"webhook body must be an event object or a list of them, got {type(decoded).__name__}",
        field="body",
    )


def _message(event: Any, delivery_id: str | None) -> InboundMessage:
    topic = event.get("type") if isinstance(event, dict) else None
    own_id = event.get("id") if isinstance(event, dict) else None
    return InboundMessage(
        topic=topic if isinstance(topic, str) and topic else "unknown",
        body=event,
        delivery_id=delivery_id or (own_id if isinstance(own_id, str) and own_id else None),
    )


def translate(body: Any, channel: str) -> list[dict[str, Any]]:
    """The record's canonical event(s) with ``source`` set to the channel; the hub validates.

    ``body`` is one event (what :func:`parse_delivery` puts in each message) or a list of them.
    """
    events = body if isinstance(body, list) else [body]
    out = []
    for i, event in enumerate(events):
        if not isinstance(event, dict):
            raise ValidationError(
                f"a custom webhook record must be a canonical event object, "
                f"got {type(event).__name__}",
                field=f"body[{i}]" if isinstance(body, list) else "body",
            )
        try:  # a private copy: the stored record must not change with the event
            copied = copy.deepcopy(event)
        except RecursionError:  # json.loads nests twice as deep as deepcopy can follow
            raise ValidationError(
                "the event nests too deeply to be a canonical event",
                field=f"body[{i}]" if isinstance(body, list) else "body",
                fix="send canonical events; they nest a few levels at most",
            ) from None
        out.append({**copied, "source": channel})
    return out


def _list_field(body: Any, name: str) -> list[Any]:
    if not isinstance(body, dict):
        raise ResponseError("the answer is not a JSON object")
    value = body.get(name)
    if not isinstance(value, list):
        raise ResponseError(f"the answer has no {name!r} list")
    return value

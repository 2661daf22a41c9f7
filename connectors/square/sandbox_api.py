"""The Square endpoints the sandbox answers, each as Square documents it.

``POST /v2/inventory/counts/batch-retrieve``, ``POST /v2/inventory/changes/batch-create``,
``GET /v2/orders/{order_id}``, ``POST /v2/orders/search`` and ``POST /oauth2/token``. Bodies
are checked against the saved OpenAPI (strict: undeclared properties refused) and the rules its
descriptions state: idempotency keys (a repeat answers the first response; another body with
the same key is ``IDEMPOTENCY_KEY_REUSED``), READ-ONLY states, ``occurred_at`` no older than
24 hours and not in the future. Errors use Square's ``{"errors": [{category, code, detail,
field}]}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.square import schema
from connectors.square.sandbox_store import Store, stamp
from connectors.square.webhooks import parse_time

OPERATIONS = {
    ("POST", "/v2/inventory/counts/batch-retrieve"): "BatchRetrieveInventoryCounts",
    ("POST", "/v2/inventory/changes/batch-create"): "BatchChangeInventory",
    ("POST", "/v2/orders/search"): "SearchOrders",
    ("POST", "/oauth2/token"): "ObtainToken",
}
READ_ONLY = frozenset({"CUSTOM", "RETURNED_BY_CUSTOMER", "RESERVED_FOR_SALE", "SOLD_ONLINE",
                       "ORDERED_FROM_VENDOR", "RECEIVED_FROM_VENDOR", "IN_TRANSIT",
                       "IN_TRANSIT_TO"})  # fmt: skip
WINDOW = timedelta(hours=24)
SKEW = timedelta(minutes=1)


def error(code: str, detail: str, field: str | None = None, category: str = "") -> dict:
    found = {"category": category or "INVALID_REQUEST_ERROR", "code": code, "detail": detail}
    if field:
        found["field"] = field
    return found


class Api:
    """Request handlers over a :class:`Store`; each returns ``(status, body)``."""

    def __init__(self, store: Store, strict_catalog: bool, validate: bool) -> None:
        self.store, self.strict_catalog, self.validate = store, strict_catalog, validate
        self.idempotency: dict[str, tuple[str, tuple[int, dict]]] = {}
        self.push_batch_sizes: list[int] = []
        self.invalid: list[str] = []  # every schema problem seen (tests read it)
        self.validated = 0

    def checked(self, operation: str, body: Any) -> list[dict] | None:
        """Square's 400 errors for a body that breaks its request schema, or None."""
        if not self.validate:
            return None
        self.validated += 1
        found = schema.problems(f"{operation}Request", body)
        if not found:
            return None
        self.invalid.extend(found)
        return [error("BAD_REQUEST", p) for p in found]

    # --- inventory ----------------------------------------------------------------------------

    def batch_retrieve_counts(self, body: dict[str, Any]) -> tuple[int, dict]:
        items = set(body.get("catalog_object_ids") or [])
        locations = set(body.get("location_ids") or [])
        states = set(body.get("states") or [])
        after = parse_time(body["updated_after"]) if body.get("updated_after") else None
        limit = int(body.get("limit") or 1000)
        rows = [
            key for key, count in sorted(self.store.counts.items())
            if (not items or key[0] in items) and (not locations or key[1] in locations)
            and (not states or key[2] in states)
            and (after is None or parse_time(count.calculated_at) > after)
        ]  # fmt: skip
        start = _offset(body.get("cursor"))
        page = rows[start : start + limit]
        answer: dict[str, Any] = {"counts": [self.store.count_record(k) for k in page]}
        if start + limit < len(rows):
            answer["cursor"] = _cursor(start + limit)
        return 200, answer

    def batch_change(self, body: dict[str, Any]) -> tuple[int, dict]:
        key = body["idempotency_key"]
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        if key in self.idempotency:
            first, answer = self.idempotency[key]
            if first != digest:
                return 400, {"errors": [error("IDEMPOTENCY_KEY_REUSED",
                                              "the key was used with another request",
                                              "idempotency_key")]}  # fmt: skip
            return answer
        changes = body.get("changes") or []
        self.push_batch_sizes.append(len(changes))
        problems = [e for i, c in enumerate(changes) for e in self._change_errors(i, c)]
        if problems:  # applied whole or not at all
            return 400, {"errors": problems}
        touched = []
        for change in changes:
            count = change["physical_count"]
            item, location = count["catalog_object_id"], count["location_id"]
            self.store.variations.add(item)
            self.store.set_count(item, location, count["state"], int(Decimal(count["quantity"])))
            touched.append((item, location, count["state"]))
        answer = (200, {"counts": [self.store.count_record(k) for k in touched]})
        self.idempotency[key] = (digest, answer)
        return answer

    def _change_errors(self, i: int, change: dict[str, Any]) -> list[dict]:
        where = f"changes[{i}].physical_count"
        if change.get("type") != "PHYSICAL_COUNT" or "physical_count" not in change:
            return [error("BAD_REQUEST", "the sandbox takes PHYSICAL_COUNT changes",
                          f"changes[{i}].type")]  # fmt: skip
        count, found = change["physical_count"], []
        for name in ("catalog_object_id", "location_id", "state", "quantity", "occurred_at"):
            if not count.get(name):
                found.append(error("MISSING_REQUIRED_PARAMETER", f"{name} is required",
                                   f"{where}.{name}"))  # fmt: skip
        if found:
            return found
        if count["state"] in READ_ONLY:
            found.append(error("INVALID_VALUE", f"state {count['state']} is READ-ONLY",
                               f"{where}.state"))  # fmt: skip
        if count["location_id"] not in self.store.locations:
            found.append(error("NOT_FOUND", "unknown location", f"{where}.location_id"))
        if self.strict_catalog and count["catalog_object_id"] not in self.store.variations:
            found.append(error("NOT_FOUND", "unknown catalog object",
                               f"{where}.catalog_object_id"))  # fmt: skip
        try:
            if Decimal(count["quantity"]) < 0:
                found.append(error("INVALID_VALUE", "quantity < 0", f"{where}.quantity"))
        except InvalidOperation:
            found.append(error("INVALID_VALUE", "not a decimal", f"{where}.quantity"))
        try:
            at = parse_time(count["occurred_at"])
            now = parse_time(self.store.now())
            if at < now - WINDOW or at > now + SKEW:
                found.append(error("INVALID_VALUE", "occurred_at must be within the last 24 "
                                   "hours and not in the future",
                                   f"{where}.occurred_at"))  # fmt: skip
        except ValueError:
            found.append(error("INVALID_VALUE", "not RFC 3339", f"{where}.occurred_at"))
        return found

    # --- orders -------------------------------------------------------------------------------

    def retrieve_order(self, order_id: str) -> tuple[int, dict]:
        order = self.store.orders.get(order_id)
        if order is None:
            return 404, {"errors": [error("NOT_FOUND", f"order {order_id} not found",
                                          category="INVALID_REQUEST_ERROR")]}  # fmt: skip
        return 200, {"order": order}

    def search_orders(self, body: dict[str, Any]) -> tuple[int, dict]:
        locations = body.get("location_ids") or []
        if not locations:
            return 400, {"errors": [error("MISSING_REQUIRED_PARAMETER", "location_ids",
                                          "location_ids")]}  # fmt: skip
        query = body.get("query") or {}
        since = (((query.get("filter") or {}).get("date_time_filter") or {}).get("updated_at")
                 or {}).get("start_at")  # fmt: skip
        sort = query.get("sort") or {}
        if since and sort.get("sort_field") != "UPDATED_AT":
            return 400, {"errors": [error("BAD_REQUEST", "sort_field must match the "
                                          "date_time_filter field", "query.sort")]}  # fmt: skip
        found = [o for o in self.store.orders.values() if o["location_id"] in locations
                 and (not since or parse_time(o["updated_at"]) >= parse_time(since))]  # fmt: skip
        found.sort(key=lambda o: (o["updated_at"], o["id"]),
                   reverse=sort.get("sort_order", "DESC") == "DESC")  # fmt: skip
        start, limit = _offset(body.get("cursor")), int(body.get("limit") or 500)
        answer: dict[str, Any] = {"orders": found[start : start + limit]}
        if start + limit < len(found):
            answer["cursor"] = _cursor(start + limit)
        return 200, answer


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(cursor: Any) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(str(cursor).encode()).decode().split(":", 1)[1])
    except (ValueError, IndexError):
        return 0


__all__ = ["OPERATIONS", "Api", "error", "stamp"]

"""The sandbox's GraphQL resolvers: the shop's state as Admin API objects, and the mutation.

graphql-core executes every operation against the schema (the saved one, or the subset);
objects here are dicts whose callables receive the field's arguments, so nested connections
page and filter like Shopify's: ``first``/``after`` with opaque cursors (at most 250 per
page), ``orders(sortKey: UPDATED_AT)``, ``inventoryLevels(query: "updated_at:>='…'")``.

``inventorySetQuantities`` follows the saved schema and the 2026 contract notes: the name must
be ``available`` or ``on_hand``; before 2026-04, ``compareQuantity`` on every quantity or
``ignoreCompareQuantity``; from 2026-01, ``changeFromQuantity`` overrides both; from 2026-04 it
must be present on every quantity (null opts out) and ``@idempotent(key:)`` is required, a
repeated key returning the first answer. Item errors carry ``field`` paths
``["input", "quantities", "<i>", …]``. With ``atomic`` no item is applied when any fails.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, value_from_ast_untyped

from connectors.shopify.records import gid_kind, legacy_id
from connectors.shopify.sandbox_shop import NAMES, Shop, Webhook, level_gid

MAX_PAGE = 250
REASONS = frozenset(
    "correction cycle_count_available damaged movement_created movement_updated "
    "movement_received movement_canceled other promotion quality_control received "
    "reservation_created reservation_deleted reservation_updated restock safety_stock "
    "shrinkage".split()
)
_QUERY = re.compile(r"updated_at:(>=|>|<=|<)'?([0-9TZ:+.\-]+)'?")
_MESSAGES = {
    "INVALID_INVENTORY_ITEM": "The specified inventory item could not be found.",
    "INVALID_LOCATION": "The specified location could not be found.",
    "INVALID_QUANTITY_NEGATIVE": "The quantity can't be negative.",
    "INVALID_REASON": "The specified reason is invalid.",
    "INVALID_NAME": "The quantity name must be either 'available' or 'on_hand'.",
    "ITEM_NOT_STOCKED_AT_LOCATION": "The specified inventory item is not stocked at the location.",
    "COMPARE_QUANTITY_REQUIRED": "The compareQuantity argument must be given to each quantity "
    "or ignored using ignoreCompareQuantity.",
    "COMPARE_QUANTITY_STALE": "The compareQuantity value does not match persisted value.",
    "CHANGE_FROM_QUANTITY_STALE": "The changeFromQuantity value does not match persisted value.",
    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR": "The combination of inventoryItemId and "
    "locationId must be unique.",
    "NON_MUTABLE_INVENTORY_ITEM": "The specified inventory item is not allowed to be adjusted "
    "via API.",
}


def _cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def connection(
    items: Sequence[Any],
    key: Callable[[Any], Any],
    view: Callable[[Any], Any],
    first: int | None = None,
    after: str | None = None,
) -> dict[str, Any]:
    """A Relay connection over ``items`` (sorted by ``key``), paged like Shopify's."""
    if first is not None and not 0 <= first <= MAX_PAGE:
        raise GraphQLError(f"first must be between 0 and {MAX_PAGE}")
    ordered = sorted(items, key=key)
    if after:
        try:
            mark = json.loads(base64.urlsafe_b64decode(after.encode()))
        except ValueError as exc:
            raise GraphQLError(f"Invalid cursor for current pagination sort: {after}") from exc
        ordered = [i for i in ordered if _comparable(key(i)) > _comparable(mark)]
    page = ordered[: first if first is not None else MAX_PAGE]
    edges = [{"cursor": _cursor(key(i)), "node": view(i)} for i in page]
    return {
        "edges": edges,
        "nodes": [e["node"] for e in edges],
        "pageInfo": {
            "hasNextPage": len(ordered) > len(page),
            "hasPreviousPage": bool(after),
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _comparable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _updated_filter(query: str | None) -> Callable[[str], bool]:
    match = _QUERY.search(query or "")
    if match is None:
        return lambda stamp: True
    op, bound = match.group(1), match.group(2).replace("+00:00", "Z")
    tests = {">=": str.__ge__, ">": str.__gt__, "<=": str.__le__, "<": str.__lt__}
    return lambda stamp: tests[op](stamp, bound)  # ISO UTC stamps compare as strings


@dataclass
class Api:
    """The root value of one request: the shop, its version's rules, and what it caused."""

    shop: Shop
    variant: str  # contract: "2025-01", "2026-01" or "2026-04"
    atomic: bool = False
    idempotency: dict[str, tuple[str, dict]] = field(default_factory=dict)
    webhooks: list[Webhook] = field(default_factory=list)
    pushed: list[int] = field(default_factory=list)  # quantities per executed set call

    # --- views --------------------------------------------------------------------------

    def item(self, item_id: str) -> dict[str, Any] | None:
        item = self.shop.items.get(item_id)
        if item is None:
            return None
        return {
            "__typename": "InventoryItem",
            "id": item_id,
            "sku": item["sku"],
            "tracked": True,
            "updatedAt": self.shop.now(),
            "variant": lambda info: self.variant_view(item["variant"]),
            "inventoryLevel": lambda info, locationId: self.level(item_id, locationId),
            "inventoryLevels": self._levels(lambda k: k[0] == item_id, lambda k: k[1]),
        }

    def variant_view(self, variant: str) -> dict[str, Any] | None:
        item = self.shop.variants.get(variant)
        if item is None:
            return None
        return {
            "__typename": "ProductVariant",
            "id": variant,
            "sku": self.shop.items[item]["sku"],
            "inventoryItem": lambda info: self.item(item),
        }

    def location_view(self, location: str | None) -> dict[str, Any] | None:
        found = self.shop.locations.get(location or "")
        if found is None:
            return None
        return {
            "__typename": "Location",
            **found,
            "inventoryLevel": lambda info, inventoryItemId: self.level(inventoryItemId, location),
            "inventoryLevels": self._levels(lambda k: k[1] == location, lambda k: k[0]),
        }

    def _levels(self, mine: Callable[[Any], bool], order: Callable[[Any], str]) -> Any:
        """An ``inventoryLevels`` field: levels ordered by the other side's id, filterable."""

        def page(info: Any, first=None, after=None, query=None, **_: Any) -> dict[str, Any]:
            keep = _updated_filter(query)
            rows = [k for k, v in self.shop.levels.items() if mine(k) and keep(v.updated_at)]
            by = lambda k: int(legacy_id(order(k)))  # noqa: E731
            return connection(rows, by, lambda k: self.level(*k), first, after)

        return page

    def level(self, item: str, location: str) -> dict[str, Any] | None:
        state = self.shop.levels.get((item, location))
        if state is None:
            return None

        def quantities(info: GraphQLResolveInfo, names: list[str]) -> list[dict[str, Any]]:
            unknown = [n for n in names if n not in NAMES and n != "on_hand"]
            if unknown:
                raise GraphQLError(f"Invalid quantity names: {', '.join(unknown)}")
            return [
                {
                    "id": f"{level_gid(item, location)}&name={n}",
                    "name": n,
                    "quantity": state.quantity(n),
                    "updatedAt": state.updated_at,
                }
                for n in names
            ]

        return {
            "__typename": "InventoryLevel",
            "id": level_gid(item, location),
            "createdAt": state.created_at,
            "updatedAt": state.updated_at,
            "item": lambda info: self.item(item),
            "location": lambda info: self.location_view(location),
            "quantities": quantities,
        }

    def order_view(self, order_id: str) -> dict[str, Any] | None:
        from connectors.shopify.sandbox_views import order_view

        order = self.shop.orders.get(order_id)
        return order_view(self, order) if order else None

    def node_view(self, node_id: str) -> dict[str, Any] | None:
        from connectors.shopify.sandbox_views import child_view

        kind = gid_kind(node_id)
        if kind == "InventoryItem":
            return self.item(node_id)
        if kind == "ProductVariant":
            return self.variant_view(node_id)
        if kind == "Location":
            return self.location_view(node_id)
        if kind == "Order":
            return self.order_view(node_id)
        return child_view(self, node_id)

    # --- QueryRoot ---------------------------------------------------------------------------

    def inventoryItem(self, info: GraphQLResolveInfo, id: str) -> Any:  # noqa: N802
        return self.item(id)

    def productVariant(self, info: GraphQLResolveInfo, id: str) -> Any:  # noqa: N802
        return self.variant_view(id)

    def location(self, info: GraphQLResolveInfo, id: str | None = None) -> Any:
        return self.location_view(id or next(iter(sorted(self.shop.locations)), None))

    def locations(self, info: GraphQLResolveInfo, first=None, after=None, **args: Any) -> Any:
        every = args.get("includeInactive")
        rows = [k for k, v in self.shop.locations.items() if v["isActive"] or every]
        return connection(rows, lambda k: int(legacy_id(k)), self.location_view, first, after)

    def order(self, info: GraphQLResolveInfo, id: str) -> Any:
        return self.order_view(id)

    def orders(self, info: GraphQLResolveInfo, first=None, after=None, **args: Any) -> Any:
        rows = list(self.shop.orders.values())
        keep = _updated_filter(args.get("query"))
        rows = [o for o in rows if keep(o.updated_at)]
        if args.get("sortKey") == "UPDATED_AT":
            key: Callable[[Any], Any] = lambda o: [o.updated_at, o.seq]  # noqa: E731
        else:
            key = lambda o: int(legacy_id(o.id))  # noqa: E731
        return connection(rows, key, lambda o: self.order_view(o.id), first, after)

    def node(self, info: GraphQLResolveInfo, id: str) -> Any:
        return self.node_view(id)

    def nodes(self, info: GraphQLResolveInfo, ids: list[str]) -> Any:
        if len(ids) > MAX_PAGE:
            raise GraphQLError(f"nodes takes at most {MAX_PAGE} ids")
        return [self.node_view(i) for i in ids]

    # --- Mutation ------------------------------------------------------------------------------

    def inventorySetQuantities(self, info: GraphQLResolveInfo, input: dict) -> Any:  # noqa: N802
        from connectors.shopify.sandbox_views import set_quantities

        key = self._idempotency_key(info)
        fingerprint = json.dumps(input, sort_keys=True, default=str)
        if key is not None and key in self.idempotency:
            first, answer = self.idempotency[key]
            if first != fingerprint:
                raise GraphQLError(
                    "The idempotency key was used with different parameters.",
                    extensions={"code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"},
                )
            return answer
        answer = set_quantities(self, input)
        if key is not None:
            self.idempotency[key] = (fingerprint, answer)
        return answer

    def _idempotency_key(self, info: GraphQLResolveInfo) -> str | None:
        directive = next(
            (d for d in info.field_nodes[0].directives or () if d.name.value == "idempotent"), None
        )
        if directive is None:
            if self.variant == "2026-04":
                raise GraphQLError(
                    "inventorySetQuantities requires the @idempotent(key:) directive "
                    "from API version 2026-04",
                    extensions={"code": "BAD_REQUEST"},
                )
            return None
        argument = next(a for a in directive.arguments if a.name.value == "key")
        return str(value_from_ast_untyped(argument.value, info.variable_values))


def message(code: str) -> str:
    return _MESSAGES.get(code, code)

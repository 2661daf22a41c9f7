"""Sandbox resolvers for orders, fulfillments and refunds, and the inventorySetQuantities logic.

Split from :mod:`connectors.shopify.sandbox_api` to keep each module readable; see there for
the rules the mutation follows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from connectors.shopify.records import gid, legacy_id
from connectors.shopify.sandbox_shop import LineState, OrderState

if TYPE_CHECKING:
    from connectors.shopify.sandbox_api import Api

SETTABLE = ("available", "on_hand")


def _line(api: Api, line: LineState) -> dict[str, Any]:
    return {
        "__typename": "LineItem",
        "id": line.id,
        "quantity": line.quantity,
        "currentQuantity": line.quantity - line.removed,
        "sku": line.sku,
        "variant": lambda info: api.variant_view(line.variant),
    }


def _pager(api: Api, rows: list[Any], view) -> Any:
    from connectors.shopify.sandbox_api import connection

    def page(info: Any, first: int | None = None, after: str | None = None, **_: Any) -> Any:
        return connection(list(enumerate(rows)), lambda r: r[0], lambda r: view(r[1]), first, after)

    return page


def _limited(rows: list[Any], view) -> Any:
    def listed(info: Any, first: int | None = None) -> list[Any]:
        return [view(r) for r in (rows if first is None else rows[:first])]

    return listed


def fulfillment_view(api: Api, f: dict[str, Any]) -> dict[str, Any]:
    return {
        "__typename": "Fulfillment",
        "id": f["id"],
        "createdAt": f["created_at"],
        "updatedAt": f["created_at"],
        "status": f["status"].upper(),
        "location": lambda info: api.location_view(f["location"]),
        "fulfillmentLineItems": _pager(
            api,
            f["lines"],
            lambda r: {
                "__typename": "FulfillmentLineItem",
                "id": gid("FulfillmentLineItem", f"{legacy_id(f['id'])}{legacy_id(r[0].id)}"),
                "quantity": r[1],
                "lineItem": _line(api, r[0]),
            },
        ),
    }


def refund_view(api: Api, r: dict[str, Any]) -> dict[str, Any]:
    return {
        "__typename": "Refund",
        "id": r["id"],
        "createdAt": r["created_at"],
        "updatedAt": r["created_at"],
        "refundLineItems": _pager(
            api,
            r["lines"],
            lambda x: {
                "id": None,
                "quantity": x[1],
                "restockType": x[2].upper(),
                "restocked": x[2] in ("return", "cancel"),
                "location": lambda info: api.location_view(x[3]) if x[2] != "no_restock" else None,
                "lineItem": _line(api, x[0]),
            },
        ),
    }


def order_view(api: Api, order: OrderState) -> dict[str, Any]:
    return {
        "__typename": "Order",
        "id": order.id,
        "name": order.name,
        "createdAt": order.created_at,
        "updatedAt": order.updated_at,
        "cancelledAt": order.cancelled_at,
        "lineItems": _pager(api, order.lines, lambda line: _line(api, line)),
        "fulfillments": _limited(order.fulfillments, lambda f: fulfillment_view(api, f)),
        "refunds": _limited(order.refunds, lambda r: refund_view(api, r)),
    }


def child_view(api: Api, node_id: str) -> dict[str, Any] | None:
    """A Fulfillment, Refund or LineItem by GID (their orders hold them)."""
    for order in api.shop.orders.values():
        for f in order.fulfillments:
            if f["id"] == node_id:
                return fulfillment_view(api, f)
        for r in order.refunds:
            if r["id"] == node_id:
                return refund_view(api, r)
        for line in order.lines:
            if line.id == node_id:
                return _line(api, line)
    return None


# --- inventorySetQuantities ---------------------------------------------------------------------


def set_quantities(api: Api, data: dict[str, Any]) -> dict[str, Any]:
    """Check every quantity, apply the clean ones (all or none with ``atomic``), answer."""
    quantities = data["quantities"]
    whole = _whole_errors(api, data)  # raises for a request Shopify would not run at all
    api.pushed.append(len(quantities))
    if whole:
        return {"inventoryAdjustmentGroup": None, "userErrors": whole}
    errors, clean, seen = [], [], set()
    for i, q in enumerate(quantities):
        code, name = _item_error(api, data, q, seen)
        if code:
            field = ["input", "quantities", str(i), name]
            errors.append({"code": code, "field": field, "message": _message(code)})
        else:
            clean.append(q)
    if errors and api.atomic:
        clean = []
    changes = []
    for q in clean:
        item, location = q["inventoryItemId"], q["locationId"]
        level = api.shop.levels[(item, location)]
        target = q["quantity"]
        if data["name"] == "on_hand":  # on_hand moves through available
            target = level.quantities["available"] + target - level.quantity("on_hand")
        delta = target - level.quantities["available"]
        api.webhooks.extend(api.shop.change(item, location, {"available": target}))
        after = {"quantityAfterChange": q["quantity"], "item": item, "location": location}
        changes.append({"name": data["name"], "delta": delta, **after})
    group = None
    if clean:
        group = {
            "__typename": "InventoryAdjustmentGroup",
            "id": gid("InventoryAdjustmentGroup", api.shop.new_id()),
            "createdAt": api.shop.now(),
            "reason": data["reason"],
            "referenceDocumentUri": data.get("referenceDocumentUri"),
            "changes": lambda info, **_: [
                {**c, "item": api.item(c["item"]), "location": api.location_view(c["location"])}
                for c in changes
            ],
        }
    return {"inventoryAdjustmentGroup": group, "userErrors": errors}


def _whole_errors(api: Api, data: dict[str, Any]) -> list[dict[str, Any]]:
    from connectors.shopify.sandbox_api import REASONS

    found = []
    if data["name"] not in SETTABLE:
        found.append(("INVALID_NAME", "name"))
    if data["reason"] not in REASONS:
        found.append(("INVALID_REASON", "reason"))
    if len(data["quantities"]) > 250:
        raise GraphQLError("The input array size of 251 is greater than the maximum of 250.")
    if api.variant == "2026-04":
        missing = [i for i, q in enumerate(data["quantities"]) if "changeFromQuantity" not in q]
        if missing:
            raise GraphQLError(
                f"changeFromQuantity is required on every quantity (missing at {missing[:5]}); "
                "pass null to opt out of the comparison",
                extensions={"code": "BAD_REQUEST"},
            )
    return [
        {"code": code, "field": ["input", name], "message": _message(code)} for code, name in found
    ]


def _item_error(
    api: Api, data: dict[str, Any], q: dict[str, Any], seen: set
) -> tuple[str | None, str]:
    item, location = q["inventoryItemId"], q["locationId"]
    if item not in api.shop.items:
        return "INVALID_INVENTORY_ITEM", "inventoryItemId"
    if location not in api.shop.locations:
        return "INVALID_LOCATION", "locationId"
    if (item, location) in seen:
        return "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "inventoryItemId"
    seen.add((item, location))
    if item in api.shop.non_mutable:
        return "NON_MUTABLE_INVENTORY_ITEM", "inventoryItemId"
    level = api.shop.levels.get((item, location))
    if level is None:
        return "ITEM_NOT_STOCKED_AT_LOCATION", "locationId"
    if q["quantity"] < 0:
        return "INVALID_QUANTITY_NEGATIVE", "quantity"
    persisted = level.quantity(data["name"])
    if "changeFromQuantity" in q:  # from 2026-01 it overrides compareQuantity
        stale = q["changeFromQuantity"] is not None and q["changeFromQuantity"] != persisted
        return ("CHANGE_FROM_QUANTITY_STALE", "changeFromQuantity") if stale else (None, "")
    if data.get("ignoreCompareQuantity"):
        return None, ""
    if q.get("compareQuantity") is None:
        return "COMPARE_QUANTITY_REQUIRED", "compareQuantity"
    if q["compareQuantity"] != persisted:
        return "COMPARE_QUANTITY_STALE", "compareQuantity"
    return None, ""


def _message(code: str) -> str:
    from connectors.shopify.sandbox_api import message

    return message(code)

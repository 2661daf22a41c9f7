"""Shopify payloads read into small normalised records: webhook JSON and GraphQL alike.

Webhooks carry REST-shaped JSON (numeric ids, snake_case); pulls read GraphQL (GIDs,
camelCase). Both become the records below, so :mod:`connectors.shopify.translate` turns one
fact into the same canonical event, with the same id, whichever way it arrived. Pure: a
missing field is a ``ValidationError`` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.errors import ValidationError


def gid(kind: str, value: Any) -> str:
    """``gid://shopify/<kind>/<id>`` for a numeric id; a GID is returned as it is."""
    text = str(value)
    return text if text.startswith("gid://") else f"gid://shopify/{kind}/{text}"


def legacy_id(value: Any) -> str:
    """The numeric id inside a GID (``…/InventoryLevel/1?inventory_item_id=2`` gives ``1``)."""
    return str(value).split("?", 1)[0].rsplit("/", 1)[-1]


def gid_kind(value: str) -> str:
    """``ProductVariant`` for ``gid://shopify/ProductVariant/1``; "" for anything else."""
    parts = value.split("/")
    return parts[3] if value.startswith("gid://shopify/") and len(parts) >= 5 else ""


# --- normalised records ---------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    id: str
    variant: str | None
    quantity: int


@dataclass(frozen=True)
class Fulfillment:
    id: str
    created_at: str
    status: str  # lower case: success, cancelled, error, failure, open, pending
    location: str | None
    lines: tuple[tuple[str, int], ...]  # (line GID, quantity)


@dataclass(frozen=True)
class RefundLine:
    line: str
    quantity: int
    restock_type: str  # lower case: return, cancel, no_restock, legacy_restock
    location: str | None
    variant: str | None = None
    shipped: bool | None = None  # the line was fulfilled (decides legacy_restock)


@dataclass(frozen=True)
class Refund:
    id: str
    created_at: str
    lines: tuple[RefundLine, ...]


@dataclass(frozen=True)
class Order:
    id: str
    created_at: str
    updated_at: str
    cancelled_at: str | None
    lines: tuple[Line, ...]
    fulfillments: tuple[Fulfillment, ...] = ()
    refunds: tuple[Refund, ...] = ()


@dataclass(frozen=True)
class Level:
    item: str
    variant: str | None
    location: str
    updated_at: str
    quantities: Mapping[str, int]


# --- webhook (REST-shaped) payloads ---------------------------------------------------------


def order_from_webhook(body: Any) -> Order:
    """An ``orders/*`` webhook body as an Order; ValidationError names a missing field."""
    o = _object(body, "body")
    return Order(
        id=gid("Order", _need(o, "id")),
        created_at=str(_need(o, "created_at")),
        updated_at=str(o.get("updated_at") or o["created_at"]),
        cancelled_at=o.get("cancelled_at") or None,
        lines=tuple(
            _rest_line(x, f"line_items[{i}]") for i, x in enumerate(_list(o, "line_items"))
        ),
        fulfillments=tuple(
            _rest_fulfillment(x, f"fulfillments[{i}]")
            for i, x in enumerate(_list(o, "fulfillments"))
        ),
        refunds=tuple(_rest_refund(x, f"refunds[{i}]") for i, x in enumerate(_list(o, "refunds"))),
    )


def refund_from_webhook(body: Any) -> tuple[str, Refund]:
    """A ``refunds/create`` body: the order's GID and the refund."""
    r = _object(body, "body")
    return gid("Order", _need(r, "order_id")), _rest_refund(r, "body")


def level_from_webhook(body: Any) -> Level:
    """An ``inventory_levels/update`` body (only ``available`` is sent)."""
    b = _object(body, "body")
    return Level(
        item=gid("InventoryItem", _need(b, "inventory_item_id")),
        variant=None,
        location=gid("Location", _need(b, "location_id")),
        updated_at=str(_need(b, "updated_at")),
        quantities={"available": _int(_need(b, "available") or 0, "available")},
    )


def _rest_line(x: Any, where: str) -> Line:
    x = _object(x, where)
    variant = x.get("variant_id")
    return Line(
        id=gid("LineItem", _need(x, "id", where)),
        variant=gid("ProductVariant", variant) if variant else None,
        quantity=_int(_need(x, "quantity", where), f"{where}.quantity"),
    )


def _rest_fulfillment(x: Any, where: str) -> Fulfillment:
    x = _object(x, where)
    location = x.get("location_id")
    return Fulfillment(
        id=gid("Fulfillment", _need(x, "id", where)),
        created_at=str(_need(x, "created_at", where)),
        status=str(x.get("status") or "").lower(),
        location=gid("Location", location) if location else None,
        lines=tuple(
            (gid("LineItem", _need(li, "id", here)), _int(li.get("quantity") or 0, here))
            for here, li in _objects(x, "line_items", where)
        ),
    )


def _rest_refund(x: Any, where: str) -> Refund:
    x = _object(x, where)
    lines = []
    for i, rli in enumerate(_list(x, "refund_line_items", where)):
        here = f"{where}.refund_line_items[{i}]"
        rli = _object(rli, here)
        item = rli.get("line_item") if isinstance(rli.get("line_item"), dict) else {}
        restock = rli.get("restock_type") or (
            "legacy_restock" if x.get("restock") else "no_restock"
        )
        location, variant = rli.get("location_id"), item.get("variant_id")
        lines.append(
            RefundLine(
                line=gid("LineItem", rli.get("line_item_id") or _need(item, "id", here)),
                quantity=_int(_need(rli, "quantity", here), f"{here}.quantity"),
                restock_type=str(restock).lower(),
                location=gid("Location", location) if location else None,
                variant=gid("ProductVariant", variant) if variant else None,
                shipped=item.get("fulfillment_status") in ("fulfilled", "partial") or None,
            )
        )
    return Refund(
        gid("Refund", _need(x, "id", where)), str(_need(x, "created_at", where)), tuple(lines)
    )


# --- GraphQL payloads -----------------------------------------------------------------------


def order_from_graphql(node: Mapping[str, Any]) -> Order:
    """An ``Order`` node read with documents.ORDERS (nested pages already completed)."""
    return Order(
        id=node["id"],
        created_at=node["createdAt"],
        updated_at=node["updatedAt"],
        cancelled_at=node.get("cancelledAt"),
        lines=tuple(
            Line(n["id"], _id_of(n.get("variant")), n["quantity"])
            for n in node["lineItems"]["nodes"]
        ),
        fulfillments=tuple(_graphql_fulfillment(f) for f in node.get("fulfillments") or []),
        refunds=tuple(_graphql_refund(r, node["updatedAt"]) for r in node.get("refunds") or []),
    )


def _graphql_fulfillment(f: Mapping[str, Any]) -> Fulfillment:
    lines = tuple(
        (n["lineItem"]["id"], n.get("quantity") or 0) for n in f["fulfillmentLineItems"]["nodes"]
    )
    return Fulfillment(
        f["id"], f["createdAt"], f["status"].lower(), _id_of(f.get("location")), lines
    )


def _graphql_refund(r: Mapping[str, Any], fallback_at: str) -> Refund:
    lines = tuple(
        RefundLine(
            n["lineItem"]["id"], n["quantity"], n["restockType"].lower(), _id_of(n.get("location"))
        )
        for n in r["refundLineItems"]["nodes"]
    )
    return Refund(r["id"], r.get("createdAt") or fallback_at, lines)


def _id_of(node: Any) -> str | None:
    return node.get("id") if isinstance(node, Mapping) else None


def level_from_graphql(node: Mapping[str, Any], location: str) -> Level:
    """An ``InventoryLevel`` node read with documents.LEVELS."""
    item = node["item"]
    return Level(
        item=item["id"],
        variant=(item.get("variant") or {}).get("id"),
        location=location,
        updated_at=node["updatedAt"],
        quantities={q["name"]: q["quantity"] for q in node["quantities"]},
    )


# --- shape checks ---------------------------------------------------------------------------


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(f"{where} must be a JSON object", field=where)
    return value


def _list(value: dict[str, Any], key: str, where: str = "") -> list[Any]:
    found = value.get(key) or []
    if not isinstance(found, list):
        raise ValidationError(f"{key} must be a list", field=f"{where}.{key}".lstrip("."))
    return found


def _objects(value: dict[str, Any], key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    """(path, object) for each entry of the list ``key``; an entry that is not an object is a
    ValidationError naming it."""
    return [(f"{where}.{key}[{i}]", _object(x, f"{where}.{key}[{i}]"))
            for i, x in enumerate(_list(value, key, where))]  # fmt: skip


def _int(value: Any, where: str) -> int:
    """A whole number as Shopify writes it (an integer, or its decimal text)."""
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError
        number = int(value)  # text must be digits; inf and NaN raise
        if isinstance(value, float) and number != value:
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise ValidationError(f"{str(value)[:40]!r} is not a whole number", field=where) from None
    return number


def _need(value: dict[str, Any], key: str, where: str = "") -> Any:
    if value.get(key) in (None, ""):
        raise ValidationError(f"{key} is missing", field=f"{where}.{key}".lstrip("."))
    return value[key]

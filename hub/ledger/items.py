"""``item.upserted`` and CSV imports: one function writes the item master."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, delete, select

from hub.errors import OwnershipError, ValidationError
from hub.events import ItemUpserted
from hub.ledger.context import ApplyContext
from hub.models import Sku, SkuComponent, StockLevel
from hub.store.types import utcnow


def apply_item(ctx: ApplyContext, data: ItemUpserted) -> None:
    owner = ctx.policy.item_owner
    source = ctx.event.source
    if owner and source != owner and not ctx.policy.is_operator(source):
        raise OwnershipError(
            f"{source!r} does not own the item master (owner: {owner!r})",
            field="source",
            fix=f"send item.upserted from {owner!r} or an operator source",
        )
    sku = upsert_item(ctx.session, data)
    ctx.touched_skus.add(sku.code)


def upsert_item(session: Session, data: ItemUpserted) -> Sku:
    """Create or update one SKU and replace its bundle components."""
    sku = session.exec(select(Sku).where(Sku.code == data.sku)).first()
    components = _resolve_components(session, data)
    if sku is None:
        sku = Sku(code=data.sku)
    elif components and _has_stock(session, sku):
        raise ValidationError(
            f"{data.sku!r} holds stock and cannot become a bundle",
            field="data.components",
            fix="give the bundle its own SKU code",
        )
    sku.title = data.title
    sku.status = data.status.value
    sku.barcodes = list(data.barcodes)
    sku.attributes = _merge(sku.attributes or {}, data.attributes)
    sku.is_bundle = bool(components)
    sku.updated_at = utcnow()
    session.add(sku)
    session.flush()
    session.exec(delete(SkuComponent).where(SkuComponent.bundle_id == sku.id))  # type: ignore[call-overload]
    for component, quantity in components:
        session.add(SkuComponent(bundle_id=sku.id, component_id=component.id, quantity=quantity))
    session.flush()
    return sku


def _resolve_components(session: Session, data: ItemUpserted) -> list[tuple[Sku, int]]:
    seen: set[str] = set()
    resolved = []
    for index, component in enumerate(data.components):
        field = f"data.components[{index}].sku"
        if component.sku == data.sku:
            raise ValidationError("a bundle cannot contain itself", field=field)
        if component.sku in seen:
            raise ValidationError(
                f"{component.sku!r} is listed twice", field=field, fix="list it once with the sum"
            )
        seen.add(component.sku)
        sku = session.exec(select(Sku).where(Sku.code == component.sku)).first()
        if sku is None:
            raise ValidationError(
                f"unknown component SKU {component.sku!r}",
                field=field,
                fix="import the component before the bundle",
            )
        if sku.is_bundle:
            raise ValidationError(
                f"{component.sku!r} is itself a bundle; bundles of bundles are not supported",
                field=field,
                fix="list the inner bundle's components directly",
            )
        resolved.append((sku, component.quantity))
    return resolved


def _has_stock(session: Session, sku: Sku) -> bool:
    return (
        session.exec(
            select(StockLevel).where(StockLevel.sku_id == sku.id).where(StockLevel.quantity != 0)
        ).first()
        is not None
    )


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {**old, **new}

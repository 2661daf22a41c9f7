"""Stock per SKU (public format v1), a page of SKUs, and per channel what it shows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import col, select

from hub.api.auth import can_read
from hub.api.routes.deps import ChannelDep, HubDep, Limit
from hub.errors import NotFoundError
from hub.events import iso_utc
from hub.models import ChannelSkuState, Sku
from hub.stockview import atp_many, channel_plans, stock_view

router = APIRouter(prefix="/api/v1", tags=["stock"], dependencies=[Depends(can_read)])
After = Annotated[str | None, Query(max_length=200, description="Continue after this SKU code.")]


@router.get("/stock", summary="Stock views of a page of SKUs, in SKU order")
def list_stock(hub: HubDep, after: After = None, limit: Limit = 100) -> dict[str, Any]:
    with hub.session() as session:
        query = select(Sku.code).order_by(col(Sku.code)).limit(limit)
        if after:
            query = query.where(col(Sku.code) > after)
        codes = list(session.exec(query))
        plans = channel_plans(session)
        views = [stock_view(session, code, plans) for code in codes]
    return {"items": views, "next": codes[-1] if len(codes) == limit else None}


@router.get("/stock/{sku}", summary="One SKU: buckets per location, ATP and last push per channel")
def show_stock(hub: HubDep, sku: Annotated[str, Path(max_length=200)]) -> dict[str, Any]:
    with hub.session() as session:
        return stock_view(session, sku)


@router.get("/channels/{channel}/stock", summary="What one channel should show, SKU by SKU")
def channel_stock(
    hub: HubDep, channel: ChannelDep, after: After = None, limit: Limit = 100
) -> dict[str, Any]:
    with hub.session() as session:
        plan = next((p for p in channel_plans(session) if p.channel.code == channel), None)
        if plan is None:
            raise NotFoundError(f"channel {channel!r} is not active", field="channel",
                                fix="activate it in stockhub.toml")  # fmt: skip
        query = select(Sku.id, Sku.code).order_by(col(Sku.code)).limit(limit)
        if after:
            query = query.where(col(Sku.code) > after)
        rows = list(session.exec(query))
        atp = atp_many(session, plan, [code for _, code in rows])
        states = {
            s.sku_id: s
            for s in session.exec(
                select(ChannelSkuState).where(
                    ChannelSkuState.channel_id == plan.channel.id,
                    col(ChannelSkuState.sku_id).in_([sku_id for sku_id, _ in rows]),
                )
            )
        }
    items = []
    for sku_id, code in rows:
        state = states.get(sku_id)
        items.append({
            "sku": code, "atp": atp.get(code, 0),
            "last_pushed": state.last_pushed if state else None,
            "pushed_at": iso_utc(state.pushed_at) if state and state.pushed_at else None,
        })  # fmt: skip
    return {"channel": channel, "items": items,
            "next": rows[-1][1] if len(rows) == limit else None}  # fmt: skip

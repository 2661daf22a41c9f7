"""Pages that only look: the overview, the SKU search and SKU view, returns in limbo."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from hub.api.dashboard import web
from hub.app import Hub
from hub.errors import ValidationError
from hub.models import Sku
from hub.ops.overview import find_skus, overview, sku_activity
from hub.ops.returns import open_returns
from hub.stockview import stock_view
from hub.vocabulary import Bucket

router = APIRouter()


@router.get("/")
def overview_page(request: Request) -> Response:
    def build(hub: Hub, seen: web.Viewer) -> Response:
        return web.render(request, seen, "overview.html", data=overview(hub))

    return web.page(request, build)


@router.get("/stock")
def stock_search(request: Request, q: str = "") -> Response:
    text = q.strip()

    def build(hub: Hub, seen: web.Viewer) -> Response:
        if len(text) > 200:
            raise ValidationError("the search is too long", field="q", fix="at most 200 characters")
        with hub.session() as session:
            if text and session.exec(select(Sku.id).where(Sku.code == text)).first():
                return web.redirect("/stock/" + quote(text, safe=""))
            found = find_skus(session, text, limit=100)
        return web.render(request, seen, "stock_search.html", q=text, found=found)

    return web.page(request, build)


@router.get("/stock/{sku:path}")
def stock_page(request: Request, sku: str) -> Response:
    def build(hub: Hub, seen: web.Viewer) -> Response:
        with hub.session() as session:
            view = stock_view(session, sku)
            activity = sku_activity(session, sku)
        return web.render(request, seen, "stock.html", view=view, activity=activity,
                          buckets=[b.value for b in Bucket])  # fmt: skip

    return web.page(request, build)


@router.get("/returns")
def returns_page(request: Request) -> Response:
    def build(hub: Hub, seen: web.Viewer) -> Response:
        rows = open_returns(hub)  # read-only: limbo is judged here, not raised as exceptions
        return web.render(request, seen, "returns.html",
                          limbo=[r for r in rows if r["past_sla"]],
                          waiting=[r for r in rows if not r["past_sla"]],
                          sla_hours=hub.settings.returns.sla_hours)  # fmt: skip

    return web.page(request, build)

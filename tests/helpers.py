"""Small builders for tests: canonical events and snapshots of the ledger's state."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, func, select

from hub.events import Event, parse_event
from hub.ledger import Outcome, apply_event
from hub.models import LedgerEntry, Location, Sku, StockLevel

DAY = "2026-11-22T"


def event(event_id: str, type_: str, source: str, at: str, **data: Any) -> Event:
    """A canonical event; ``at`` is ``HH:MM`` on the test day or a full timestamp."""
    moment = at if "T" in at else f"{DAY}{at}:00Z"
    if "return_" in data:
        data["return"] = data.pop("return_")
    return parse_event(
        {"id": event_id, "type": type_, "source": source, "occurred_at": moment, "data": data}
    )


def apply(hub: Any, event_id: str, type_: str, source: str, at: str, **data: Any) -> Outcome:
    return apply_event(hub.engine, event(event_id, type_, source, at, **data), hub.policy)


def count(hub: Any, sku: str, location: str, qty: int, at: str, source: str, **extra: int):
    moment = at if "T" in at else f"{DAY}{at}:00Z"
    return apply(
        hub,
        f"{source}/count/{sku}/{location}/{at}",
        "stock.counted",
        source,
        at,
        sku=sku,
        location=location,
        as_of=moment,
        quantities={"on_hand": qty, **extra},
    )


def levels(engine: sa.Engine) -> dict[tuple[str, str, str], int]:
    """{(sku, location, bucket): quantity} for every non-zero level."""
    with Session(engine) as session:
        rows = session.exec(
            select(Sku.code, Location.code, StockLevel.bucket, StockLevel.quantity)
            .join(Sku, Sku.id == StockLevel.sku_id)
            .join(Location, Location.id == StockLevel.location_id)
        ).all()
    return {(s, loc, b): q for s, loc, b, q in rows if q}


def ledger_sums(engine: sa.Engine) -> dict[tuple[str, str, str], int]:
    """The same shape as ``levels``, but summed from the append-only entries."""
    with Session(engine) as session:
        rows = session.exec(
            select(Sku.code, Location.code, LedgerEntry.bucket, func.sum(LedgerEntry.delta))
            .join(Sku, Sku.id == LedgerEntry.sku_id)
            .join(Location, Location.id == LedgerEntry.location_id)
            .group_by(Sku.code, Location.code, LedgerEntry.bucket)
        ).all()
    return {(s, loc, b): int(q) for s, loc, b, q in rows if q}


def entry_count(engine: sa.Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(LedgerEntry)).one()


def atp(hub: Any, sku: str) -> dict[str, int]:
    from hub.stockview import stock_view

    with hub.session() as session:
        view = stock_view(session, sku)
    return {code: state["atp"] for code, state in view["channels"].items()}

"""Open returns, and the ones in limbo (past the SLA without a disposition)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from hub.ledger import flag_returns_in_limbo
from hub.models import Location, Return
from hub.store.types import utcnow
from hub.vocabulary import ReturnStatus

if TYPE_CHECKING:
    from hub.app import Hub


def open_returns(hub: Hub, *, limbo: bool = False) -> list[dict[str, Any]]:
    """Oldest first. ``limbo=True`` also raises each one in the exception log (once)."""
    now = utcnow()
    sla = timedelta(hours=hub.settings.returns.sla_hours)
    with hub.session() as session:
        if limbo:
            rows = flag_returns_in_limbo(session, now, sla)
        else:
            rows = list(session.exec(
                select(Return).where(col(Return.status) != ReturnStatus.CLOSED.value)
                .order_by(col(Return.received_at))
            ))  # fmt: skip
        locations = {loc.id: loc.code for loc in session.exec(select(Location))}
        return [
            {
                "return": r.code, "status": r.status, "location": locations[r.location_id],
                "order": r.order_ref, "received_at": r.received_at.isoformat(),
                "age_hours": round((now - r.received_at).total_seconds() / 3600, 1),
                "past_sla": now - r.received_at > sla,
            }
            for r in rows
        ]  # fmt: skip

"""The transactional outbox: "channel C must learn SKU S", written with the ledger entries.

:func:`enqueue` runs inside the ledger's transaction, so the rows commit or roll back with the
movements that caused them. A SKU's bundles are enqueued with it (their ATP follows their
components). One row per (channel, SKU) coalesces any number of changes: the push reads the
latest stock when it runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hub.models import Channel, PushOutbox, Sku, SkuComponent
from hub.store.types import utcnow
from hub.store.upsert import insert

_OUTBOX = PushOutbox.__table__  # type: ignore[attr-defined]


def enqueue(
    session: Session,
    skus: Iterable[str],
    *,
    channels: Iterable[str] | None = None,
    force: bool = False,
    at: datetime | None = None,
) -> int:
    """Mark ``skus`` (and the bundles made of them) as owed to ``channels`` (default: all active).

    :param force: push even when the ATP equals what was last pushed (healing, replays).
    :return: the number of (channel, SKU) rows written or bumped.
    """
    codes = set(skus)
    if not codes:
        return 0
    codes |= bundles_of(session, codes)
    targets = list(channels) if channels is not None else active_channels(session)
    if not targets:
        return 0
    now = at or utcnow()
    rows = [
        {"channel": c, "sku": s, "seq": 1, "force": force, "first_change_at": now,
         "last_change_at": now}
        for c in sorted(targets) for s in sorted(codes)
    ]  # fmt: skip  (sorted: concurrent writers lock rows in one order, so never deadlock)
    bump = {"seq": _OUTBOX.c.seq + 1, "last_change_at": now}
    if force:
        bump["force"] = sa.true()
    session.execute(_upsert(session, rows, bump))
    return len(rows)


def active_channels(session: Session) -> list[str]:
    """Active channel codes, read once per transaction (the ledger enqueues for every event)."""
    if "stockhub.active_channels" not in session.info:
        codes = session.exec(select(Channel.code).where(col(Channel.active)))
        session.info["stockhub.active_channels"] = list(codes)
    return session.info["stockhub.active_channels"]


_COMPONENT, _BUNDLE = sa.orm.aliased(Sku), sa.orm.aliased(Sku)  # once: cached statement
_BUNDLES_OF = (
    sa.select(_BUNDLE.code)
    .join(SkuComponent, SkuComponent.bundle_id == _BUNDLE.id)
    .join(_COMPONENT, SkuComponent.component_id == _COMPONENT.id)
    .where(_COMPONENT.code.in_(sa.bindparam("codes", expanding=True)))
)


def bundles_of(session: Session, codes: set[str]) -> set[str]:
    """Bundle SKUs with any of ``codes`` among their components (runs on every ledger write,
    so the statement is built once and its compiled form reused)."""
    return set(session.execute(_BUNDLES_OF, {"codes": sorted(codes)}).scalars())


def _upsert(session: Session, rows: list[dict], bump: dict) -> sa.Executable:
    statement = insert(session, _OUTBOX).values(rows)
    return statement.on_conflict_do_update(index_elements=["channel", "sku"], set_=bump)

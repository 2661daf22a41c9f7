"""Push: tell a channel the ATP of every SKU it is owed, coalesced, batched, rate-limited.

One run per channel at a time (a lease on ``channel_state``). A run takes the channel's outbox
rows oldest first, computes each SKU's ATP once (however many changes the row coalesced),
skips SKUs whose ATP equals what the channel was last told, and sends the rest as absolute
quantities in calls of at most the connector's batch size — with ``expected`` (the last pushed
value) where the channel supports compare-and-set. Each call's results are recorded as soon as
it returns, so a failure later in the run never loses what was already done:

* accepted — the channel's last pushed value and time, a push-log row with the latency from
  the oldest change the row stood for; the outbox row is removed only if no change landed
  meanwhile (its ``seq`` is unchanged), so nothing that arrived during the call is dropped;
* stale_compare — someone else changed the channel's number: the item is sent once more
  against the value the channel reported; if that is stale too it waits for the next run;
* rejected — the channel refused the item for good: a dead letter and an exception record,
  which a replay or any later successful push of that SKU resolves.

Whole-call failures are raised to the task, which retries with backoff (the outbox rows stay,
coalescing) and files a dead letter when it gives up.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hub.connector import Capability, PushResult, PushStatus, StockUpdate
from hub.dispatch import notify
from hub.errors import PermanentError
from hub.models import ChannelSkuState, PushLog, PushOutbox, Sku
from hub.notices import PushReport
from hub.stockview import ChannelPlan, atp_many, channel_plans
from hub.store.types import utcnow
from hub.store.upsert import insert
from hub.sync import deadletters, state
from hub.sync.runtime import ChannelRuntime, channel_runtime
from hub.vocabulary import RefKind

if TYPE_CHECKING:
    from hub.app import Hub

_OUTBOX = PushOutbox.__table__  # type: ignore[attr-defined]
_STATE = ChannelSkuState.__table__  # type: ignore[attr-defined]
_LOG = PushLog.__table__  # type: ignore[attr-defined]
OWNER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class PushRun:
    """What one push run did."""

    channel: str
    status: str = "done"  # done | paused | busy | more (budget spent; run again) | no-push
    pushed: int = 0
    unchanged: int = 0
    rejected: int = 0
    stale: int = 0
    calls: int = 0
    dead_letters: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    sku: str
    seq: int
    force: bool
    first_change_at: datetime


def push_channel(hub: Hub, channel: str, *, budget_s: float | None = None) -> PushRun:
    """Push everything ``channel`` is owed; safe to call from any number of workers at once."""
    runtime = channel_runtime(hub, channel)
    run = PushRun(channel)
    with hub.session() as session:
        paused = state.ensure_state(session, channel).paused
        state.push_started(session, channel)
    if paused:
        run.status = "paused"
        return run
    if not runtime.can(Capability.PUSH_STOCK):
        _drop_all(hub, channel)
        run.status = "no-push"
        return run
    sync = hub.settings.sync
    owner = f"{OWNER}:{uuid.uuid4().hex[:8]}"
    deadline = time.monotonic() + (budget_s if budget_s is not None else sync.lease_s * 0.8)
    skip: set[str] = set()  # SKUs left stale in this run; the next run tries them again
    while True:
        with hub.session() as session:
            if not state.try_lease(session, channel, owner, sync.lease_s):
                run.status = "busy"
                return run
        try:
            while True:
                if time.monotonic() >= deadline:
                    run.status = "more"
                    break
                rows = _take(hub, channel, sync.rows_per_run, skip)
                if not rows:
                    break
                _push_rows(hub, runtime, rows, run, skip)
                with hub.session() as session:
                    state.try_lease(session, channel, owner, sync.lease_s)
        finally:
            with hub.session() as session:
                state.release_lease(session, channel, owner)
        # A change that arrived while we held the lease may have found us busy: look again.
        if run.status == "more" or not _take(hub, channel, 1, skip):
            return run


def pending(hub: Hub, channel: str) -> int:
    with hub.session() as session:
        return int(
            session.exec(
                select(sa.func.count()).select_from(PushOutbox).where(PushOutbox.channel == channel)
            ).one()
        )


def _take(hub: Hub, channel: str, limit: int, skip: set[str]) -> list[_Row]:
    query = (
        select(PushOutbox.sku, PushOutbox.seq, PushOutbox.force, PushOutbox.first_change_at)
        .where(PushOutbox.channel == channel)
        .order_by(col(PushOutbox.first_change_at), col(PushOutbox.id))
        .limit(limit)
    )
    if skip:
        query = query.where(col(PushOutbox.sku).not_in(sorted(skip)))
    with hub.session() as session:
        return [_Row(*row) for row in session.exec(query)]


def _push_rows(hub: Hub, runtime: ChannelRuntime, rows: list[_Row], run: PushRun,
               skip: set[str]) -> None:  # fmt: skip
    channel = runtime.code
    codes = [r.sku for r in rows]
    with hub.session() as session:
        plan = next((p for p in channel_plans(session) if p.channel.code == channel), None)
        if plan is None:  # channel deactivated since: nothing to tell it
            _finish(session, channel, rows)
            return
        atp = atp_many(session, plan, codes)
        last = _last_pushed(session, plan, codes)
        sku_ids = dict(session.exec(select(Sku.code, Sku.id).where(col(Sku.code).in_(codes))).all())
        ext_skus = runtime.external_ids(session, RefKind.SKU, codes)
        where = runtime.push_location
        ext_where = runtime.external_ids(session, RefKind.LOCATION, [where])[where][0]
        done = [r for r in rows if r.sku not in atp or _unchanged(r, last, atp)]
        _finish(session, channel, done)
    run.unchanged += len(done)
    todo = [r for r in rows if r not in done]
    cas = runtime.can(Capability.COMPARE_AND_SET)
    size = runtime.handle.info.max_batch_size
    updates = [
        StockUpdate(sku=r.sku, location=where, quantity=atp[r.sku], external_id=ext,
                    external_location=ext_where, expected=last.get(r.sku) if cas else None)
        for r in todo for ext in ext_skus[r.sku]
    ]  # fmt: skip
    by_sku = {r.sku: r for r in todo}
    for start in range(0, len(updates), size):
        chunk = updates[start : start + size]
        began = time.monotonic()
        results = runtime.handle.push_stock(runtime.context, chunk)
        run.calls += 1
        retry = [
            replace(u, expected=r.actual)
            for u, r in zip(chunk, results, strict=True)
            if r.status is PushStatus.STALE_COMPARE
        ]
        if retry:  # re-read (the channel told us its value), recompute (ATP is fresh), retry
            again = iter(runtime.handle.push_stock(runtime.context, retry))
            run.calls += 1
            results = [next(again) if r.status is PushStatus.STALE_COMPARE else r for r in results]
        _record(hub, plan, sku_ids, by_sku, chunk, results, run, skip)
        notify(
            "stockhub_push_completed",
            hub.plugins,
            report=PushReport(channel=channel, connector=runtime.handle.name,
                              results=tuple(results), attempts=1 + bool(retry),
                              duration_s=time.monotonic() - began, finished_at=utcnow()),
        )  # fmt: skip


def _record(hub: Hub, plan: ChannelPlan, sku_ids: dict[str, int], rows: dict[str, _Row],
            updates: list[StockUpdate], results: list[PushResult], run: PushRun,
            skip: set[str]) -> None:  # fmt: skip
    """Write one call's per-item outcomes in one transaction."""
    channel = plan.channel.code
    now = utcnow()
    verdict: dict[str, tuple[StockUpdate, PushResult]] = {}
    for update, result in zip(updates, results, strict=True):  # several ids: the worst wins
        seen = verdict.get(update.sku)
        if seen is None or seen[1].status is PushStatus.ACCEPTED:
            verdict[update.sku] = (update, result)
    with hub.session() as session:
        logs, finished, accepted = [], [], []
        for sku, (update, result) in verdict.items():
            row = rows[sku]
            latency = int((now - row.first_change_at).total_seconds() * 1000)
            logs.append({"channel": channel, "sku": sku, "quantity": update.quantity,
                         "status": result.status.value, "reason": result.reason[:2000],
                         "latency_ms": latency, "at": now})  # fmt: skip
            if result.status is PushStatus.ACCEPTED:
                accepted.append(sku)
                finished.append(row)
                _set_last_pushed(session, plan.channel.id, sku_ids[sku], update.quantity, now)
            elif result.status is PushStatus.REJECTED:
                run.rejected += 1
                finished.append(row)
                letter = deadletters.record_dead_letter(
                    session, task="push", channel=channel, subject=f"sku:{sku}",
                    payload={"channel": channel, "skus": [sku]},
                    exc=_Rejected(f"{channel} refused {sku}={update.quantity}: {result.reason}"),
                )  # fmt: skip
                run.dead_letters.append(letter.id or 0)
            else:  # stale twice: remember what the channel holds; the next run tries again
                run.stale += 1
                skip.add(sku)
                if result.actual is not None:
                    _set_last_pushed(session, plan.channel.id, sku_ids[sku], result.actual, None)
        session.execute(sa.insert(_LOG), logs)
        _finish(session, channel, finished)
        run.pushed += len(accepted)
        if accepted:
            state.record_success(session, channel)
            deadletters.resolve_moot(
                session, task="push", channel=channel,
                subjects={f"sku:{s}" for s in accepted} | {"run"},
                note=f"a later push to {channel} succeeded",
            )  # fmt: skip


class _Rejected(PermanentError):
    """The channel refused one item for good: its dead letter says so in ops' words."""

    kind = "push_rejected"


def _set_last_pushed(session: Session, channel_id: int | None, sku_id: int, quantity: int,
                     at: datetime | None) -> None:  # fmt: skip
    values = {"channel_id": channel_id, "sku_id": sku_id, "last_pushed": quantity}
    update = {"last_pushed": quantity}
    if at is not None:
        values["pushed_at"] = update["pushed_at"] = at
    session.execute(
        insert(session, _STATE)
        .values(**values)
        .on_conflict_do_update(index_elements=["channel_id", "sku_id"], set_=update)
    )


def _unchanged(row: _Row, last: dict[str, int | None], atp: dict[str, int]) -> bool:
    return not row.force and last.get(row.sku) == atp[row.sku]


def _last_pushed(session: Session, plan: ChannelPlan, codes: list[str]) -> dict[str, int | None]:
    rows = session.exec(
        select(Sku.code, ChannelSkuState.last_pushed)
        .join(Sku, col(Sku.id) == ChannelSkuState.sku_id)
        .where(ChannelSkuState.channel_id == plan.channel.id)
        .where(col(Sku.code).in_(codes))
    )
    return dict(rows.all())


def _finish(session: Session, channel: str, rows: list[_Row]) -> None:
    """Remove outbox rows that no change has touched since they were read."""
    if not rows:
        return
    session.execute(
        sa.delete(_OUTBOX)
        .where(_OUTBOX.c.channel == channel)
        .where(_OUTBOX.c.sku == sa.bindparam("b_sku"))
        .where(_OUTBOX.c.seq == sa.bindparam("b_seq")),
        [{"b_sku": r.sku, "b_seq": r.seq} for r in rows],
    )


def _drop_all(hub: Hub, channel: str) -> None:
    with hub.session() as session:
        session.execute(sa.delete(_OUTBOX).where(_OUTBOX.c.channel == channel))

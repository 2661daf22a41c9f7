"""Reconciliation: what each channel reports, against the ledger and what it was last told.

For every channel that can report stock (``pull-stock``), page through all its levels (one
page in memory at a time) and sort each reported level into one of two cases:

* **a location the channel owns** (a POS store, a 3PL warehouse): the channel's count is the
  truth. A difference from the ledger over ``sync.drift_tolerance`` is recorded as
  ``location_drift``, then the count goes through the inbox into the ledger like any pull.
* **the channel's own listing** (its push location): it should show its ATP. A difference over
  the tolerance is ``channel_drift``; the hub takes the reported value as what the channel
  holds and re-pushes (compare-and-set against that value), which heals it. A level that
  matches resolves an earlier ``channel_drift`` for that SKU.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from hub.connector import Capability, InboundMessage, Resource
from hub.errors import HubError
from hub.events import Event
from hub.exception_log import record_exception, resolve_exceptions
from hub.models import ChannelSkuState, ExternalRef, Location, Sku, StockLevel
from hub.stockview import atp_many, channel_plans
from hub.sync import inbox, outbox
from hub.sync.runtime import ChannelRuntime, channel_runtime
from hub.vocabulary import Bucket, RefKind, Severity

if TYPE_CHECKING:
    from hub.app import Hub

PAGE = 500


@dataclass
class Report:
    channels: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    levels: int = 0
    channel_drift: int = 0
    location_drift: int = 0
    healed: int = 0
    counts_applied: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def reconcile(
    hub: Hub, channels: list[str] | None = None, progress: Callable[[int], None] | None = None
) -> Report:
    report = Report()
    for code in channels or [c.code for c in hub.settings.channels]:
        try:
            runtime = channel_runtime(hub, code)
        except HubError as exc:
            report.skipped[code] = exc.message
            continue
        if not runtime.can(Capability.PULL_STOCK):
            report.skipped[code] = "its connector cannot report stock (no pull-stock capability)"
            continue
        report.channels.append(code)
        cursor: str | None = None
        while True:
            events, page = runtime.handle.pull(runtime.context, Resource.STOCK, cursor, PAGE)
            _check_page(hub, runtime, events, report)
            report.levels += len(events)
            if progress is not None:
                progress(len(events))
            if not page.has_more or page.cursor == cursor:
                break
            cursor = page.cursor
    return report


def _check_page(hub: Hub, runtime: ChannelRuntime, events: list[Event], report: Report) -> None:
    code, tolerance = runtime.code, hub.settings.sync.drift_tolerance
    owned = hub.settings.owned_by(code)
    counts: list[InboundMessage] = []
    heal: list[str] = []
    with hub.session() as session:
        plan = next((p for p in channel_plans(session) if p.channel.code == code), None)
        refs = external_refs(session, code, events)
        listed: dict[str, int] = {}
        for event in events:
            if event.type != "stock.counted":
                continue
            sku = refs.get((RefKind.SKU.value, event.data.sku), event.data.sku)
            where = refs.get((RefKind.LOCATION.value, event.data.location), event.data.location)
            reported = int(event.data.quantities.get(Bucket.ON_HAND.value, 0))
            if where in owned:
                ledger = _on_hand(session, sku, where)
                if ledger is not None and abs(reported - ledger) > tolerance:
                    report.location_drift += 1
                    record_exception(
                        session, kind="location_drift", subject=f"sku:{sku}@{where}",
                        channel=code, severity=Severity.WARNING,
                        message=f"{code} counts {reported} of {sku} at {where}; the ledger had "
                        f"{ledger} (drift {reported - ledger:+d}); the count is applied",
                        details={"reported": reported, "ledger": ledger},
                    )  # fmt: skip
                counts.append(InboundMessage(topic=event.type, body=event.to_json(),
                                             delivery_id=f"pull:{event.id}"))  # fmt: skip
            elif where == runtime.push_location:
                listed[sku] = reported
        atp = atp_many(session, plan, sorted(listed)) if plan and listed else {}
        for sku, reported in listed.items():
            if sku not in atp:
                continue
            subject = f"sku:{sku}"
            if abs(reported - atp[sku]) > tolerance:
                report.channel_drift += 1
                heal.append(sku)
                record_exception(
                    session, kind="channel_drift", subject=subject, channel=code,
                    severity=Severity.WARNING,
                    message=f"{code} shows {reported} of {sku}; its ATP is {atp[sku]} "
                    f"(drift {reported - atp[sku]:+d}); re-pushing",
                    details={"reported": reported, "atp": atp[sku]},
                )  # fmt: skip
                _believe(session, plan.channel.id if plan else None, sku, reported)
            else:
                resolve_exceptions(session, subject=subject, kinds=("channel_drift",),
                                   note="the channel shows its ATP again")  # fmt: skip
        if heal:
            outbox.enqueue(session, heal, channels=[code], force=True)
            report.healed += len(heal)
    if counts:
        receipt = inbox.store(hub, code, counts, origin="pull")
        done = inbox.process(hub, receipt.stored)
        report.counts_applied += sum(o.status == "applied" for o in done.outcomes)


def external_refs(session: Session, system: str, events: list[Event]) -> dict[tuple[str, str], str]:
    """(kind, external id) → hub code for the SKUs and locations ``events`` count."""
    ids = {e.data.sku for e in events if e.type == "stock.counted"}
    ids |= {e.data.location for e in events if e.type == "stock.counted"}
    rows = session.exec(
        select(ExternalRef.kind, ExternalRef.external_id, ExternalRef.hub_code)
        .where(ExternalRef.system == system)
        .where(col(ExternalRef.external_id).in_(sorted(ids)))
    )
    return {(kind, ext): hub_code for kind, ext, hub_code in rows}


def _on_hand(session: Session, sku: str, location: str) -> int | None:
    row = session.exec(
        select(StockLevel.quantity)
        .join(Sku, col(Sku.id) == StockLevel.sku_id)
        .join(Location, col(Location.id) == StockLevel.location_id)
        .where(Sku.code == sku)
        .where(Location.code == location)
        .where(StockLevel.bucket == Bucket.ON_HAND.value)
    ).first()
    if row is None:
        known = session.exec(select(Sku.id).where(Sku.code == sku)).first()
        return 0 if known else None
    return int(row)


def _believe(session: Session, channel_id: int | None, sku: str, reported: int) -> None:
    """Take the channel's reported value as what it holds (compare-and-set expects it)."""
    sku_id = session.exec(select(Sku.id).where(Sku.code == sku)).first()
    if channel_id is None or sku_id is None:
        return
    state = session.get(ChannelSkuState, (channel_id, sku_id)) or ChannelSkuState(
        channel_id=channel_id, sku_id=sku_id
    )
    state.last_pushed = reported
    session.add(state)

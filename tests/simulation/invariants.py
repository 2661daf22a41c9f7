"""What must hold after every step, and what must hold once the system is quiet.

After every step:

* ``ledger_balance``  every stock level equals the sum of its ledger entries;
* ``applied_once``    ledger entries belong to applied events only, numbered 1..n once per
                      event; each vendor record is stored in the inbox once;
* ``allocation``      the reserved level at a location equals its open reservations, and no
                      reservation took more than was free (on_hand − reserved) when it was
                      made — first reserve wins; what no location had is an oversold
                      reservation with no location, and each one has an ``oversold`` record;
* ``atp_bounds``      0 ≤ ATP ≤ the unreserved on-hand units of the channel's locations
                      (a bundle: ≤ its scarcest component in kits);
* ``accounted``       every failure is visible: a dead inbox record has a dead letter, a
                      parked or rejected event an exception record, an active dead letter an
                      open exception record, a paused channel a ``channel_paused`` record;
                      no dead letter or log line says "bug".

Once quiet (faults cleared, credentials restored, dead letters replayed, all work drained):

* ``converged``       every channel shows exactly its ATP for every SKU;
* ``drained``         no queued message, unprocessed inbox record, outbox row, paused
                      channel or active dead letter is left;
* ``nothing_lost``    every event a vendor sent is in the event table (applied, or parked
                      for a mapping that never came — of its own source system: the
                      warehouse does not know the shop's ids — or rejected with its record).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hub.models import (
    ChannelState,
    DeadLetter,
    EventRecord,
    ExceptionRecord,
    InboxMessage,
    LedgerEntry,
    PushOutbox,
    Reservation,
    Sku,
    SkuComponent,
    StockLevel,
)
from hub.stockview import atp_for, atp_many, channel_plans, levels_by_location
from hub.sync.runtime import channel_runtime
from hub.vocabulary import RefKind

#: Error kinds a dead letter may carry when the simulation injected the cause.
EXPECTED_DEAD_LETTER_KINDS = {
    "transient",
    "rate_limited",
    "config",
    "push_rejected",
    "OperationalError",
}


@dataclass
class Violation:
    invariant: str
    message: str
    step: int

    def __str__(self) -> str:
        return f"step {self.step}: [{self.invariant}] {self.message}"


@dataclass
class Checker:
    hub: Any
    world: Any
    checks: int = 0
    last_entry: int = 0
    on_hand: Counter = field(default_factory=Counter)  # (sku_id, loc_id) → running on_hand
    reserved: Counter = field(default_factory=Counter)
    last_reservation: int = 0
    oversold_units: int = 0
    mark: tuple = ()

    # --- every step --------------------------------------------------------------------------

    def after_step(self, step: int, logs: list[dict[str, Any]]) -> list[Violation]:
        found: list[tuple[str, str]] = []
        with Session(self.hub.engine) as session:
            mark = _state_mark(session)
            if mark == self.mark and not logs:
                self.checks += 5  # nothing the invariants read has changed: they still hold
                return []
            self.mark = mark
            found += self._ledger_balance(session)
            found += self._applied_once(session)
            found += self._allocation(session)
            found += self._atp_bounds(session)
            found += self._accounted(session, logs)
        self.checks += 5
        return [Violation(name, message, step) for name, message in found]

    def _ledger_balance(self, session: Session) -> list[tuple[str, str]]:
        levels = {
            (s, loc, b): q
            for s, loc, b, q in session.execute(
                sa.select(
                    StockLevel.sku_id,
                    StockLevel.location_id,
                    StockLevel.bucket,
                    StockLevel.quantity,
                )
            )
            if q
        }
        sums = {
            (s, loc, b): int(q)
            for s, loc, b, q in session.execute(
                sa.select(
                    LedgerEntry.sku_id,
                    LedgerEntry.location_id,
                    LedgerEntry.bucket,
                    sa.func.sum(LedgerEntry.delta),
                ).group_by(LedgerEntry.sku_id, LedgerEntry.location_id, LedgerEntry.bucket)
            )
            if q
        }
        if levels == sums:
            return []
        diff = {
            k: (levels.get(k, 0), sums.get(k, 0))
            for k in set(levels) | set(sums)
            if levels.get(k, 0) != sums.get(k, 0)
        }
        return [("ledger_balance", f"level != sum of entries (level, sum): {diff}")]

    def _applied_once(self, session: Session) -> list[tuple[str, str]]:
        problems = []
        rows = session.execute(
            sa.select(
                LedgerEntry.event_key, LedgerEntry.idempotency_key, EventRecord.status
            ).outerjoin(EventRecord, EventRecord.key == LedgerEntry.event_key)
        ).all()
        numbers: dict[str, list[int]] = defaultdict(list)
        for event_key, entry_key, status in rows:
            if status != "applied":
                problems.append(("applied_once", f"entry {entry_key} of a {status} event"))
            numbers[event_key].append(int(entry_key.rsplit("#", 1)[1]))
        for event_key, seen in numbers.items():
            if sorted(seen) != list(range(1, len(seen) + 1)):
                problems.append(("applied_once", f"event {event_key} entries {sorted(seen)}"))
        bodies = Counter(  # a topic of its own makes a record (orders/cancelled and /updated)
            (channel, topic, json.dumps(body, sort_keys=True))
            for channel, topic, body in session.execute(
                sa.select(InboxMessage.channel, InboxMessage.topic, InboxMessage.body).where(
                    InboxMessage.origin == "webhook"
                )
            )
        )
        for (channel, _, body), n in bodies.items():
            if n > 1:
                problems.append(("applied_once", f"{channel} record stored {n} times: {body}"))
        return problems[:20]

    def _allocation(self, session: Session) -> list[tuple[str, str]]:
        problems = []
        entries = session.execute(
            sa.select(
                LedgerEntry.id,
                LedgerEntry.sku_id,
                LedgerEntry.location_id,
                LedgerEntry.bucket,
                LedgerEntry.delta,
                LedgerEntry.kind,
                LedgerEntry.event_key,
            )
            .where(LedgerEntry.id > self.last_entry)
            .order_by(LedgerEntry.id)
        ).all()
        for entry_id, sku, loc, bucket, delta, kind, event_key in entries:
            key = (sku, loc)
            if bucket == "reserved":
                free = self.on_hand[key] - self.reserved[key]
                if delta > 0 and kind == "movement" and delta > free:
                    problems.append(
                        (
                            "allocation",
                            f"entry {entry_id} ({event_key}) reserved "
                            f"{delta} of sku {sku} at location {loc} with {free} free",
                        )
                    )
                self.reserved[key] += delta
            elif bucket == "on_hand":
                self.on_hand[key] += delta
            self.last_entry = entry_id
        open_rows = session.execute(
            sa.select(
                Reservation.sku_id, Reservation.location_id, sa.func.sum(Reservation.quantity)
            )
            .where(Reservation.status == "open")
            .where(col(Reservation.location_id).is_not(None))
            .group_by(Reservation.sku_id, Reservation.location_id)
        ).all()
        held = {(s, loc): int(q) for s, loc, q in open_rows if q}
        levels = {
            (s, loc): q
            for s, loc, q in session.execute(
                sa.select(StockLevel.sku_id, StockLevel.location_id, StockLevel.quantity).where(
                    StockLevel.bucket == "reserved"
                )
            )
            if q
        }
        if held != levels:
            problems.append(("allocation", f"reserved levels {levels} != open reservations {held}"))
        new = session.execute(
            sa.select(Reservation.id, Reservation.sku_id, Reservation.quantity)
            .where(Reservation.id > self.last_reservation)
            .where(col(Reservation.location_id).is_(None))
            .order_by(Reservation.id)
        ).all()
        for row_id, _, quantity in new:
            self.oversold_units += quantity
            self.last_reservation = max(self.last_reservation, row_id)
        oversold = (
            session.execute(
                sa.select(Sku.code)
                .join(Reservation, Reservation.sku_id == Sku.id)
                .where(Reservation.status == "open")
                .where(col(Reservation.location_id).is_(None))
                .where(Reservation.quantity > 0)
            )
            .scalars()
            .all()
        )
        recorded = set(
            session.execute(
                sa.select(ExceptionRecord.subject).where(ExceptionRecord.kind == "oversold")
            ).scalars()
        )
        for code in set(oversold) - {s.removeprefix("sku:") for s in recorded}:
            problems.append(("allocation", f"oversold {code} has no oversold exception record"))
        return problems

    def _atp_bounds(self, session: Session) -> list[tuple[str, str]]:
        """The hub's own ATP arithmetic (``atp_for``) over one read of every level."""
        problems = []
        skus = list(session.exec(select(Sku)))
        levels = levels_by_location(session, [s.id for s in skus if s.id is not None])
        parts: dict[int, list[tuple[Sku, int]]] = defaultdict(list)
        by_id = {s.id: s for s in skus}
        for link in session.exec(select(SkuComponent)):
            parts[link.bundle_id].append((by_id[link.component_id], link.quantity))
        for plan in channel_plans(session):
            atp = {s.code: atp_for(s, plan, levels, parts.get(s.id or 0, [])) for s in skus}
            for sku in skus:
                value = atp[sku.code]
                if sku.is_bundle:
                    kits = min((atp[c.code] // q for c, q in parts.get(sku.id or 0, [])), default=0)
                    ceiling, what = kits, "kits its components allow"
                else:
                    ceiling = sum(
                        max(0, b["on_hand"] - b["reserved"])
                        for loc, b in levels.get(sku.id, {}).items()
                        if loc in plan.visible
                    )
                    ceiling, what = ceiling, "unreserved on-hand units"
                if not 0 <= value <= ceiling:
                    problems.append(
                        (
                            "atp_bounds",
                            f"{plan.channel.code} {sku.code}: ATP "
                            f"{value} outside [0, {ceiling}] ({what})",
                        )
                    )
        return problems

    def _accounted(self, session: Session, logs: list[dict[str, Any]]) -> list[tuple[str, str]]:
        problems = []
        open_subjects = set(
            session.execute(
                sa.select(ExceptionRecord.subject).where(ExceptionRecord.status != "resolved")
            ).scalars()
        )
        all_subjects = set(session.execute(sa.select(ExceptionRecord.subject)).scalars())
        dead_inbox = (
            session.execute(sa.select(InboxMessage.id).where(InboxMessage.status == "dead"))
            .scalars()
            .all()
        )
        letters = list(session.exec(select(DeadLetter)))
        subjects = {letter.subject for letter in letters}
        for inbox_id in dead_inbox:
            if f"inbox:{inbox_id}" not in subjects:
                problems.append(("accounted", f"dead inbox record {inbox_id} has no dead letter"))
        for record in session.exec(
            select(EventRecord).where(col(EventRecord.status).in_(["parked", "rejected"]))
        ):
            if f"event:{record.key}" not in all_subjects:
                problems.append(
                    ("accounted", f"{record.status} event {record.key} has no exception record")
                )
        for letter in letters:
            if letter.status in ("open", "replayed"):
                subject = f"dead_letter:{letter.task}:{letter.channel or '-'}:{letter.subject}"
                if subject not in open_subjects:
                    problems.append(("accounted", f"dead letter {letter.id} has no open record"))
            if letter.error_kind not in EXPECTED_DEAD_LETTER_KINDS:
                problems.append(
                    (
                        "accounted",
                        f"dead letter {letter.id} for a cause nobody "
                        f"injected: {letter.error_kind}: {letter.error[:300]}",
                    )
                )
        for state in session.exec(select(ChannelState).where(col(ChannelState.paused))):
            if f"channel:{state.channel}" not in open_subjects:
                problems.append(("accounted", f"paused channel {state.channel} has no record"))
        for line in logs:
            if line.get("event") == "task.bug":
                problems.append(("accounted", f"a task hit a bug: {line}"))
        return problems

    # --- once quiet --------------------------------------------------------------------------

    def quiescent(self, step: int, broker: Any) -> list[Violation]:
        found: list[tuple[str, str]] = []
        with Session(self.hub.engine) as session:
            found += self._converged(session)
            found += self._drained(session, broker)
            found += self._nothing_lost(session)
        self.checks += 3
        return [Violation(name, message, step) for name, message in found]

    def _converged(self, session: Session) -> list[tuple[str, str]]:
        problems = []
        codes = list(session.exec(select(Sku.code)))
        for plan in channel_plans(session):
            runtime = channel_runtime(self.hub, plan.channel.code)
            atp = atp_many(session, plan, codes)
            ext = runtime.external_ids(session, RefKind.SKU, codes)
            vendor = self.world.vendors[plan.channel.code]  # reads its push location
            for code in codes:
                for external in ext[code]:
                    value = vendor.shown(external)
                    if value != atp[code]:
                        problems.append(
                            (
                                "converged",
                                f"{plan.channel.code} shows {value} of "
                                f"{code} ({external}); ATP is {atp[code]}",
                            )
                        )
        return problems

    def _drained(self, session: Session, broker: Any) -> list[tuple[str, str]]:
        problems = []
        if broker.queue:
            problems.append(("drained", f"{len(broker.queue)} message(s) still queued"))
        left = session.execute(
            sa.select(sa.func.count())
            .select_from(InboxMessage)
            .where(InboxMessage.status == "received")
        ).scalar_one()
        if left:
            problems.append(("drained", f"{left} inbox record(s) never processed"))
        owed = session.execute(sa.select(PushOutbox.channel, PushOutbox.sku)).all()
        if owed:
            problems.append(("drained", f"outbox rows left: {owed[:10]}"))
        paused = session.exec(select(ChannelState.channel).where(col(ChannelState.paused))).all()
        if paused:
            problems.append(("drained", f"channels still paused: {paused}"))
        active = session.exec(
            select(DeadLetter).where(col(DeadLetter.status).in_(["open", "replayed"]))
        ).all()
        for letter in active:
            problems.append(
                (
                    "drained",
                    f"dead letter {letter.id} ({letter.task} "
                    f"{letter.channel} {letter.subject}) still {letter.status}: "
                    f"{letter.error[:200]}",
                )
            )
        return problems

    def _nothing_lost(self, session: Session) -> list[tuple[str, str]]:
        problems = []
        known = dict(session.execute(sa.select(EventRecord.key, EventRecord.status)).all())
        for event_id in self.world.emitted:
            status = known.get(event_id)
            if status is None:
                problems.append(("nothing_lost", f"event {event_id} never reached the ledger"))
            elif status == "parked":
                waiting = session.execute(
                    sa.select(EventRecord.waiting_for).where(EventRecord.key == event_id)
                ).scalar_one()
                if waiting in self.world.resolvable:  # its system's id is mapped now
                    problems.append(
                        (
                            "nothing_lost",
                            f"event {event_id} still parked though {waiting} is mapped",
                        )
                    )
        return problems[:20]


def _state_mark(session: Session) -> tuple:
    """A cheap fingerprint of everything the per-step invariants read (ids only grow; the
    counts catch status changes), so a step that changed nothing is not checked again."""
    parts = [
        sa.select(sa.func.max(LedgerEntry.id)),
        sa.select(sa.func.count()).select_from(Reservation).where(Reservation.status == "open"),
        sa.select(sa.func.max(Reservation.id)),
        sa.select(sa.func.max(EventRecord.id)),
        sa.select(sa.func.count()).select_from(EventRecord).where(EventRecord.status == "applied"),
        sa.select(sa.func.max(InboxMessage.id)),
        sa.select(sa.func.count()).select_from(InboxMessage).where(InboxMessage.status == "dead"),
        sa.select(sa.func.max(DeadLetter.id)),
        sa.select(sa.func.count())
        .select_from(DeadLetter)
        .where(col(DeadLetter.status).in_(["open", "replayed"])),
        sa.select(sa.func.max(ExceptionRecord.id)),
        sa.select(sa.func.count())
        .select_from(ExceptionRecord)
        .where(ExceptionRecord.status != "resolved"),
        sa.select(sa.func.count()).select_from(ChannelState).where(col(ChannelState.paused)),
        sa.select(sa.func.count()).select_from(SkuComponent),
    ]
    row = session.execute(sa.select(*[part.scalar_subquery() for part in parts])).one()
    return tuple(row)

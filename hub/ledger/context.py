"""What a handler works with while applying one event: the session, references, ledger writes.

Handlers resolve codes through ``ApplyContext`` so that every lookup names the event field it
came from, and every SKU they touch is locked for the rest of the transaction (row locks on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers). Concurrent events for one
SKU therefore apply one after the other: first reserve wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from hub.errors import MappingError, OwnershipError, ValidationError
from hub.events import Event
from hub.exception_log import record_exception
from hub.models import (
    Channel,
    ExternalRef,
    LedgerEntry,
    Location,
    Sku,
    SkuComponent,
    StockLevel,
)
from hub.store.types import utcnow
from hub.vocabulary import Bucket, RefKind, Severity


@dataclass(frozen=True)
class LedgerPolicy:
    """Who may write what, from ``stockhub.toml``."""

    operators: frozenset[str] = frozenset({"ops", "stockhub"})
    item_owner: str | None = None

    def is_operator(self, source: str) -> bool:
        return source in self.operators or source.startswith("ops:")


class Unmapped(MappingError):
    """An external id the crosswalk does not know yet; the event is parked until it does."""

    def __init__(self, system: str, kind: RefKind, external_id: str, field: str) -> None:
        self.system, self.ref_kind, self.external_id = system, kind, external_id
        super().__init__(
            f"{kind.value} {external_id!r} from {system!r} is not in the item master or crosswalk",
            field=field,
            fix=f"add a crosswalk row '{system},{kind.value},{external_id},<hub code>' "
            "and run `stockhub mappings import`; the event is applied automatically then",
        )

    @property
    def waiting_for(self) -> str:
        return f"{self.system}|{self.ref_kind.value}|{self.external_id}"


@dataclass
class ApplyContext:
    session: Session
    event: Event
    policy: LedgerPolicy
    notes: list[str] = field(default_factory=list)
    touched_skus: set[str] = field(default_factory=set)
    entries: int = 0
    _locked: set[int] = field(default_factory=set)

    # --- references ---------------------------------------------------------------------

    def sku(self, code: str, field_name: str) -> Sku:
        """The SKU a code names (hub code, or the source system's id via the crosswalk), locked."""
        sku = self._sku_by_code(code, lock=True)
        if sku is None:
            hub_code = self._crosswalk(RefKind.SKU, code)
            sku = self._sku_by_code(hub_code, lock=True) if hub_code else None
        if sku is None:
            raise Unmapped(self.event.source, RefKind.SKU, code, field_name)
        return sku

    def location(self, code: str, field_name: str) -> Location:
        location = self._location_by_code(code)
        if location is None:
            hub_code = self._crosswalk(RefKind.LOCATION, code)
            location = self._location_by_code(hub_code) if hub_code else None
        if location is None or not location.active:
            raise ValidationError(
                f"unknown location {code!r}",
                field=field_name,
                fix="use a location code from stockhub.toml [[locations]], or map the "
                "source's location id in the crosswalk",
            )
        return location

    def channel(self, code: str, field_name: str) -> Channel:
        channel = self.session.exec(select(Channel).where(Channel.code == code)).first()
        if channel is None or not channel.active:
            raise ValidationError(
                f"unknown channel {code!r}",
                field=field_name,
                fix="use a channel code from stockhub.toml [[channels]]",
            )
        return channel

    def components(self, sku: Sku) -> list[tuple[Sku, int]]:
        """[(component, units per bundle unit)] for a bundle, [(sku, 1)] otherwise; locked."""
        if not sku.is_bundle:
            return [(sku, 1)]
        rows = self.session.exec(
            select(SkuComponent, Sku)
            .join(Sku, col(Sku.id) == SkuComponent.component_id)
            .where(SkuComponent.bundle_id == sku.id)
            .order_by(col(Sku.id))
        ).all()
        for _, component in rows:
            self.lock(component)
        return [(component, link.quantity) for link, component in rows]

    def lock(self, sku: Sku) -> None:
        assert sku.id is not None  # noqa: S101  (type narrowing: stored SKUs have ids)
        if sku.id in self._locked:
            return
        self.session.exec(select(Sku.id).where(Sku.id == sku.id).with_for_update()).first()
        self._mark_locked(sku)

    def _mark_locked(self, sku: Sku) -> None:
        self._locked.add(sku.id)  # type: ignore[arg-type]
        self.touched_skus.add(sku.code)

    # --- rules ----------------------------------------------------------------------------

    def require_owner(self, location: Location, what: str, *also: str | None) -> None:
        """Only the location's owner (or an operator, or a listed party) writes ``what`` there."""
        source = self.event.source
        if source == location.owner or self.policy.is_operator(source) or source in also:
            return
        raise OwnershipError(
            f"{source!r} does not own {what} at location {location.code!r} "
            f"(owner: {location.owner!r})",
            field="source",
            fix=f"send it from {location.owner!r} or from an operator source (hub.operators)",
        )

    # --- ledger writes ----------------------------------------------------------------------

    def level(self, sku: Sku, location: Location, bucket: Bucket) -> StockLevel:
        level = self.session.get(StockLevel, (sku.id, location.id, bucket.value))
        if level is None:
            level = StockLevel(sku_id=sku.id, location_id=location.id, bucket=bucket.value)
            self.session.add(level)
            self.session.flush()
        return level

    def quantity(self, sku: Sku, location: Location, bucket: Bucket) -> int:
        level = self.session.get(StockLevel, (sku.id, location.id, bucket.value))
        return level.quantity if level else 0

    def move(self, sku: Sku, location: Location, bucket: Bucket, delta: int, reason: str) -> None:
        """Post a movement. One that happened before the bucket's latest count is already
        inside that count, so it is recorded and cancelled out by an ``absorbed`` entry."""
        if delta == 0:
            return
        level = self.level(sku, location, bucket)
        moment = self.event.occurred_at
        self._entry(sku, location, bucket, delta, "movement", reason, moment)
        if level.counted_as_of is not None and moment <= level.counted_as_of:
            self._entry(sku, location, bucket, -delta, "absorbed", "included in count", moment)
            self.notes.append(
                f"{sku.code}@{location.code}/{bucket.value}: movement at {moment.isoformat()} "
                f"predates the count as of {level.counted_as_of.isoformat()}; absorbed"
            )
            delta = 0
        level.quantity += delta
        level.updated_at = utcnow()
        if level.quantity < 0 and bucket is not Bucket.RESERVED:
            self.raise_exception(
                "negative_stock",
                f"sku:{sku.code}",
                f"{bucket.value} of {sku.code} at {location.code} is {level.quantity}",
                Severity.WARNING,
                details={"location": location.code, "bucket": bucket.value},
            )

    def set_counted(
        self, sku: Sku, location: Location, bucket: Bucket, target: int, as_of: datetime
    ) -> int:
        level = self.level(sku, location, bucket)
        delta = target - level.quantity
        if delta:
            self._entry(sku, location, bucket, delta, "count", "physical count", as_of)
        level.quantity = target
        level.counted_as_of = as_of
        level.updated_at = utcnow()
        return delta

    def raise_exception(
        self,
        kind: str,
        subject: str,
        message: str,
        severity: Severity = Severity.ERROR,
        **extra: Any,
    ) -> None:
        """Raise a problem in this event's transaction, tagged with the event id."""
        extra["details"] = {"event": self.event.id, **(extra.get("details") or {})}
        record_exception(
            self.session, kind=kind, subject=subject, message=message, severity=severity, **extra
        )
        self.notes.append(message)

    # --- internals ---------------------------------------------------------------------

    def _entry(
        self,
        sku: Sku,
        location: Location,
        bucket: Bucket,
        delta: int,
        kind: str,
        reason: str,
        moment: datetime,
    ) -> None:
        self.entries += 1
        self.session.add(
            LedgerEntry(
                idempotency_key=f"{self.event.id}#{self.entries}",
                event_key=self.event.id,
                sku_id=sku.id,
                location_id=location.id,
                bucket=bucket.value,
                delta=delta,
                kind=kind,
                reason=reason[:200],
                occurred_at=moment,
            )
        )

    def _sku_by_code(self, code: str, *, lock: bool = False) -> Sku | None:
        """Find (and, with ``lock``, lock) a SKU in one round trip."""
        query = select(Sku).where(Sku.code == code)
        sku = self.session.exec(query.with_for_update() if lock else query).first()
        if sku is not None and lock:
            self._mark_locked(sku)
        return sku

    def _location_by_code(self, code: str) -> Location | None:
        return self.session.exec(select(Location).where(Location.code == code)).first()

    def _crosswalk(self, kind: RefKind, external_id: str) -> str | None:
        return self.session.exec(
            select(ExternalRef.hub_code)
            .where(ExternalRef.system == self.event.source)
            .where(ExternalRef.kind == kind.value)
            .where(ExternalRef.external_id == external_id)
        ).first()

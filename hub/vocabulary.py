"""The domain's closed vocabularies: buckets, location kinds, lifecycle states.

Every enum here is a ``StrEnum`` so its values are the exact strings used in canonical events,
``stockhub.toml``, mapping files and the database. Adding a member is a compatible change;
renaming one is a breaking change to "Public formats, v1".
"""

from __future__ import annotations

from enum import StrEnum


class Bucket(StrEnum):
    """A state a unit of stock can be in at a location."""

    ON_HAND = "on_hand"  # sellable, physically present
    RESERVED = "reserved"  # committed to open orders (derived from order events only)
    DAMAGED = "damaged"
    QUARANTINED = "quarantined"
    RETURNED_PENDING = "returned_pending"  # received back, not yet dispositioned
    IN_TRANSIT = "in_transit"  # shipped towards this location, not yet received
    INCOMING = "incoming"  # expected from a supplier


#: Buckets whose quantities describe physical units and may be counted or adjusted by the
#: location's owner. ``reserved`` is not among them: it is derived from order events.
PHYSICAL_BUCKETS: tuple[Bucket, ...] = tuple(b for b in Bucket if b is not Bucket.RESERVED)


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"
    THREE_PL = "3pl"
    DARK_STORE = "dark_store"
    MARKETPLACE_FC = "marketplace_fc"


class SkuStatus(StrEnum):
    """Lifecycle of an item in the item master."""

    DRAFT = "draft"
    ACTIVE = "active"
    DISCONTINUED = "discontinued"
    ARCHIVED = "archived"


class RefKind(StrEnum):
    """What an external id in the crosswalk refers to."""

    SKU = "sku"
    LOCATION = "location"
    ORDER = "order"


class ReturnStatus(StrEnum):
    RECEIVED = "received"
    INSPECTED = "inspected"
    DISPOSITIONED = "dispositioned"
    CLOSED = "closed"


class Condition(StrEnum):
    """What inspection found a returned unit to be."""

    SELLABLE = "sellable"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"


class Disposition(StrEnum):
    """What happens to an inspected returned unit."""

    RESTOCK = "restock"
    QUARANTINE = "quarantine"
    TRANSFER = "transfer"
    WRITE_OFF = "write_off"


class ReservationStatus(StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class TransferStatus(StrEnum):
    SHIPPED = "shipped"
    PARTIAL = "partially_received"
    RECEIVED = "received"


class EventStatus(StrEnum):
    """Where an inbound canonical event stands in the ledger."""

    APPLIED = "applied"
    PARKED = "parked"  # waits for a crosswalk mapping; applied automatically once it exists
    REJECTED = "rejected"  # failed validation against the hub's state; kept, never dropped


class ExceptionStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class InboxStatus(StrEnum):
    """Where an inbound vendor record stands."""

    RECEIVED = "received"  # stored raw, not yet translated and applied
    PROCESSED = "processed"  # its canonical events went to the ledger
    DEAD = "dead"  # translating it failed for good; see its dead letter


class DeadLetterStatus(StrEnum):
    OPEN = "open"  # waiting for a person
    REPLAYED = "replayed"  # sent back to work; closed when that run succeeds
    RESOLVED = "resolved"  # a later successful run made it moot
    DISCARDED = "discarded"  # a person decided it needs no action (with a reason)

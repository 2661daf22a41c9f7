"""The inventory ledger: apply canonical events idempotently, one transaction each."""

from hub.ledger.apply import (
    HANDLERS,
    Outcome,
    apply_batch,
    apply_event,
    release_parked,
)
from hub.ledger.context import LedgerPolicy
from hub.ledger.items import upsert_item
from hub.ledger.returns import flag_returns_in_limbo, returns_in_limbo

__all__ = [
    "HANDLERS",
    "LedgerPolicy",
    "Outcome",
    "apply_batch",
    "apply_event",
    "flag_returns_in_limbo",
    "release_parked",
    "returns_in_limbo",
    "upsert_item",
]

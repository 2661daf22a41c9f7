"""The canonical model as database tables (SQLModel).

One module per area of the domain; every table is imported here so that ``SQLModel.metadata``
is complete for Alembic and for tests.
"""

from hub.models.alerts import AlertState
from hub.models.catalog import Sku, SkuComponent
from hub.models.crosswalk import ExternalRef
from hub.models.ledger import EventRecord, LedgerEntry, StockLevel
from hub.models.ops import ExceptionRecord
from hub.models.orders import Reservation
from hub.models.returns import Return, ReturnLine
from hub.models.sync import ChannelState, DeadLetter, InboxMessage, Lease, PushLog, PushOutbox
from hub.models.topology import (
    AllocationRuleRow,
    Channel,
    ChannelLocation,
    ChannelSkuState,
    Location,
)
from hub.models.transfers import Transfer, TransferLine

__all__ = [
    "AlertState",
    "AllocationRuleRow",
    "Channel",
    "ChannelLocation",
    "ChannelSkuState",
    "ChannelState",
    "DeadLetter",
    "EventRecord",
    "ExceptionRecord",
    "ExternalRef",
    "InboxMessage",
    "LedgerEntry",
    "Lease",
    "PushLog",
    "PushOutbox",
    "Location",
    "Reservation",
    "Return",
    "ReturnLine",
    "Sku",
    "SkuComponent",
    "StockLevel",
    "Transfer",
    "TransferLine",
]

"""stockhub's core: canonical events, the inventory ledger, availability and the plugin contract.

The names below are the public API that connectors and scripts may import; everything else is
internal and may change. ``tests/unit/test_public_api.py`` pins this list.
"""

from hub.availability import (
    Allocation,
    AllocationRule,
    LocationStock,
    bundle_atp,
    channel_atp,
    pick_allocation,
)
from hub.connector import (
    Capability,
    ChannelContext,
    ConnectorInfo,
    PushResult,
    PushStatus,
    StockUpdate,
)
from hub.errors import (
    ConfigError,
    HubError,
    MappingError,
    OwnershipError,
    PermanentError,
    RateLimitedError,
    StateError,
    TransientError,
    ValidationError,
)
from hub.events import EVENT_TYPES, Event, parse_event
from hub.hookspecs import hookimpl
from hub.ledger import LedgerPolicy, Outcome, apply_event, release_parked
from hub.vocabulary import (
    PHYSICAL_BUCKETS,
    Bucket,
    Condition,
    Disposition,
    LocationKind,
    RefKind,
    ReturnStatus,
    SkuStatus,
)

__version__ = "0.1.0"

__all__ = [
    "Allocation",
    "AllocationRule",
    "Bucket",
    "Capability",
    "ChannelContext",
    "Condition",
    "ConfigError",
    "ConnectorInfo",
    "Disposition",
    "EVENT_TYPES",
    "Event",
    "HubError",
    "LedgerPolicy",
    "LocationKind",
    "LocationStock",
    "MappingError",
    "Outcome",
    "OwnershipError",
    "PHYSICAL_BUCKETS",
    "PermanentError",
    "PushResult",
    "PushStatus",
    "RateLimitedError",
    "RefKind",
    "ReturnStatus",
    "SkuStatus",
    "StateError",
    "StockUpdate",
    "TransientError",
    "ValidationError",
    "__version__",
    "apply_event",
    "bundle_atp",
    "channel_atp",
    "hookimpl",
    "parse_event",
    "pick_allocation",
    "release_parked",
]

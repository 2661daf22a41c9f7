"""The public API is exactly what ``hub.__all__`` says."""

import hub

EXPECTED = {
    "EVENT_TYPES",
    "PHYSICAL_BUCKETS",
    "Allocation",
    "AllocationRule",
    "Bucket",
    "Condition",
    "ConfigError",
    "Disposition",
    "Event",
    "HubError",
    "LedgerPolicy",
    "LocationKind",
    "LocationStock",
    "MappingError",
    "Outcome",
    "OwnershipError",
    "PermanentError",
    "RateLimitedError",
    "RefKind",
    "ReturnStatus",
    "SkuStatus",
    "StateError",
    "TransientError",
    "ValidationError",
    "__version__",
    "apply_event",
    "bundle_atp",
    "channel_atp",
    "parse_event",
    "pick_allocation",
    "release_parked",
    # the connector SDK
    "Capability",
    "ChannelContext",
    "ConnectorInfo",
    "PushResult",
    "PushStatus",
    "StockUpdate",
    "hookimpl",
}


def test_public_names_are_pinned():
    """Adding or removing a public name is a deliberate change to this list."""
    assert set(hub.__all__) == EXPECTED


def test_every_public_name_exists():
    """Every name in ``__all__`` can be imported."""
    for name in hub.__all__:
        assert hasattr(hub, name), name

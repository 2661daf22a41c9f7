"""The SDK's public names are exactly what the docs promise."""

import hub.conformance
import hub.connector
import hub.http


def test_http_toolkit_exports() -> None:
    """hub.http re-exports its public names and nothing else."""
    assert sorted(hub.http.__all__) == [
        "Action",
        "ChannelRateLimiter",
        "ConnectorClient",
        "DEFAULT_POLICY",
        "ErrorPolicy",
        "RetrySettings",
        "Rule",
        "SQLiteMovingWindowStorage",
        "THROTTLE_READERS",
        "default_storage_url",
        "redact",
        "redact_headers",
        "requested_wait",
        "statuses",
    ]
    assert all(hasattr(hub.http, name) for name in hub.http.__all__)


def test_conformance_exports() -> None:
    """hub.conformance offers the suite, the kit, the sample and the sandbox protocol."""
    assert sorted(hub.conformance.__all__) == [
        "ConformanceKit",
        "ConformanceSuite",
        "Sample",
        "Sandbox",
    ]
    assert hub.conformance.ConformanceSuite.__name__ == "ConformanceSuite"


def test_connector_model_exports() -> None:
    """hub.connector names every value the hooks exchange."""
    assert all(hasattr(hub.connector, name) for name in hub.connector.__all__)
    assert {
        "ConnectorInfo",
        "StockUpdate",
        "PushResult",
        "PullResult",
        "WebhookRequest",
        "ChannelContext",
        "Capability",
        "RateLimit",
        "SettingsField",
    } <= set(hub.connector.__all__)

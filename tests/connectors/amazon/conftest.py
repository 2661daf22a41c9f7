"""Fixtures for the Amazon connector tests: its handle, a sandbox, channel contexts, the specs.

The vendor's saved contract (``../shared/api-specs/amazon-sp-api``, or ``$STOCKHUB_API_SPECS``)
is not in the repository: tests that need it skip with the reason when it is absent, and fail
instead under ``CI=true``. Every test starts with full usage-plan buckets and no cached token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.amazon import contract, plugin
from connectors.amazon.auth import TOKENS
from connectors.amazon.pacing import forget_pacers
from connectors.amazon.sandbox import SANDBOX_SETTINGS, AmazonSandbox
from hub.connector import ChannelContext
from hub.dispatch import ConnectorHandle, get_connector
from hub.http import RetrySettings
from hub.plugins import make_plugin_manager
from tests.conftest import in_ci

CHANNEL = "amazon-us"
FAST_RETRY = RetrySettings(
    max_attempts=3,
    initial_backoff_s=0.001,
    max_backoff_s=0.002,
    jitter_s=0.0,
    max_elapsed_s=5.0,
    max_wait_s=5.0,
)


def need_specs() -> Path:
    """The Amazon api-specs folder; skip (fail under CI=true) when it is absent."""
    folder = contract.amazon_dir()
    if not contract.available():
        reason = f"Amazon api-specs not found at {folder} (set {contract.API_SPECS_ENV})"
        if in_ci():
            pytest.fail(reason + "; CI=true requires the vendor contracts", pytrace=False)
        pytest.skip(reason)
    return folder


@pytest.fixture(scope="session")
def amazon_specs() -> Path:
    return need_specs()


@pytest.fixture(autouse=True)
def _fresh_buckets_and_tokens() -> Iterator[None]:
    """Each test starts with full usage plans (sandboxes start full too) and no cached token."""
    forget_pacers()
    TOKENS.clear()
    yield
    forget_pacers()
    TOKENS.clear()


@pytest.fixture
def handle() -> ConnectorHandle:
    """The Amazon plugin module, registered alone (installed or not)."""
    pm = make_plugin_manager(plugins={"amazon": plugin}, load_entry_points=False)
    return get_connector("amazon", pm)


@pytest.fixture
def sandbox() -> AmazonSandbox:
    return AmazonSandbox.seeded(feed_delay_s=0.03)


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def context(handle: ConnectorHandle, waits: list[float]) -> Callable[..., ChannelContext]:
    """Factory: a ChannelContext for amazon-us on a transport, sleeps recorded not slept."""

    def make(
        transport: httpx.BaseTransport | None = None,
        *,
        retry: RetrySettings = FAST_RETRY,
        **settings: Any,
    ) -> ChannelContext:
        return handle.context(
            CHANNEL,
            {**SANDBOX_SETTINGS, **settings},
            transport=transport,
            retry=retry,
            sleep=waits.append,
        )

    return make

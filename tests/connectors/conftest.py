"""Fixtures for connector tests: the custom connector's handle, sandboxes, channel contexts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from connectors.custom import plugin
from connectors.custom.sandbox import SANDBOX_SETTINGS, CustomSandbox
from hub.connector import ChannelContext
from hub.dispatch import ConnectorHandle, get_connector
from hub.http import RetrySettings
from hub.plugins import make_plugin_manager

CHANNEL = "wms-1"
FAST_RETRY = RetrySettings(
    max_attempts=3,
    initial_backoff_s=0.001,
    max_backoff_s=0.002,
    jitter_s=0.0,
    max_elapsed_s=5.0,
    max_wait_s=5.0,
)


@pytest.fixture
def handle() -> ConnectorHandle:
    """The custom connector's plugin module, registered alone (installed or not)."""
    pm = make_plugin_manager(plugins={"custom": plugin}, load_entry_points=False)
    return get_connector("custom", pm)


@pytest.fixture
def sandbox() -> CustomSandbox:
    """A sandbox holding the sample levels, with no rate limit in the way of unit tests."""
    return CustomSandbox.seeded(rate_limit=None)


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def context(handle: ConnectorHandle, waits: list[float]) -> Callable[..., ChannelContext]:
    """Factory: a ChannelContext for channel wms-1 on a transport or a base URL."""

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

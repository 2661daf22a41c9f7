"""Fixtures for connector tests: the custom connector's handle, sandboxes, channel contexts.

The vendor folders below override ``handle``, ``sandbox`` and ``context`` with their own
connector's; ``waits`` serves them all.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connectors.custom import plugin
from connectors.custom.sandbox import SANDBOX_SETTINGS, CustomSandbox
from hub.conformance.suite import FAST_RETRY
from hub.connector import ChannelContext
from hub.dispatch import ConnectorHandle
from tests.connectors.contexts import context_factory, handle_of

__all__ = ["CHANNEL", "FAST_RETRY"]

CHANNEL = "wms-1"


@pytest.fixture
def handle() -> ConnectorHandle:
    """The custom connector's plugin module, registered alone (installed or not)."""
    return handle_of("custom", plugin)


@pytest.fixture
def sandbox() -> CustomSandbox:
    """A sandbox holding the sample levels, with no rate limit in the way of unit tests."""
    return CustomSandbox.seeded(rate_limit=None)


@pytest.fixture
def waits() -> list[float]:
    """The sleeps a context's client asked for (recorded, not slept)."""
    return []


@pytest.fixture
def context(handle: ConnectorHandle, waits: list[float]) -> Callable[..., ChannelContext]:
    """Factory: a ChannelContext for channel wms-1 on a transport or a base URL."""
    return context_factory(handle, CHANNEL, SANDBOX_SETTINGS, waits)

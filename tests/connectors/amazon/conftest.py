"""Fixtures for the Amazon connector tests: its handle, a sandbox, channel contexts, the specs.

The vendor's saved contract (``../shared/api-specs/amazon-sp-api``, or ``$STOCKHUB_API_SPECS``)
is not in the repository: tests that need it skip with the reason when it is absent, and fail
instead under ``CI=true``. Every test starts with full usage-plan buckets and no cached token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectors.amazon import contract, plugin
from connectors.amazon.auth import TOKENS
from connectors.amazon.pacing import forget_pacers
from connectors.amazon.sandbox import SANDBOX_SETTINGS, AmazonSandbox
from hub.connector import ChannelContext
from hub.dispatch import ConnectorHandle
from tests.connectors.contexts import context_factory, handle_of
from tests.connectors.specs import need_specs

CHANNEL = "amazon-us"


@pytest.fixture(scope="session")
def amazon_specs() -> Path:
    return need_specs(contract.FOLDER, contract.MODELS["listings"])


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
    return handle_of("amazon", plugin)


@pytest.fixture
def sandbox() -> AmazonSandbox:
    return AmazonSandbox.seeded(feed_delay_s=0.03)


@pytest.fixture
def context(handle: ConnectorHandle, waits: list[float]) -> Callable[..., ChannelContext]:
    return context_factory(handle, CHANNEL, SANDBOX_SETTINGS, waits)

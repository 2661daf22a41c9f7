"""Fixtures for the Shopify connector tests: its handle, a sandbox, channel contexts, the specs.

The vendor's saved contract (``../shared/api-specs/shopify``, or ``$STOCKHUB_API_SPECS``) is
not in the repository: tests that need it skip with the reason when it is absent, and fail
instead under ``CI=true``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.shopify import plugin
from connectors.shopify.pacing import forget_pacers
from connectors.shopify.sandbox import SANDBOX_SETTINGS, ShopifySandbox
from hub.connector import ChannelContext
from hub.dispatch import ConnectorHandle
from tests.connectors.contexts import context_factory, handle_of
from tests.connectors.specs import need_specs

CHANNEL = "shopify-us"


@pytest.fixture(scope="session")
def shopify_specs() -> Path:
    return need_specs("shopify")


@pytest.fixture(scope="session")
def contract_notes(shopify_specs: Path) -> dict[str, Any]:
    return json.loads((shopify_specs / "contract-notes-2026.json").read_text())


@pytest.fixture(autouse=True)
def _fresh_buckets() -> Iterator[None]:
    """Each test starts with a full cost bucket in the pacer (sandboxes start full too)."""
    forget_pacers()
    yield
    forget_pacers()


@pytest.fixture
def handle() -> ConnectorHandle:
    return handle_of("shopify", plugin)


@pytest.fixture
def sandbox() -> ShopifySandbox:
    return ShopifySandbox.seeded()


@pytest.fixture
def context(handle: ConnectorHandle, waits: list[float]) -> Callable[..., ChannelContext]:
    return context_factory(handle, CHANNEL, SANDBOX_SETTINGS, waits)

"""Fixtures for the Square connector tests: its handle, a sandbox, channel contexts, the specs.

Square's saved contract (``../shared/api-specs/square``, or ``$STOCKHUB_API_SPECS``) is not in
the repository: tests that need it skip with the reason when it is absent, and fail instead
under ``CI=true``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.square import plugin, schema
from connectors.square.client import forget_tokens
from connectors.square.sandbox import SANDBOX_SETTINGS, SquareSandbox
from hub.connector import ChannelContext
from hub.dispatch import ConnectorHandle, get_connector
from hub.http import RetrySettings
from hub.plugins import make_plugin_manager
from tests.conftest import in_ci

CHANNEL = "square-store-12"
FAST_RETRY = RetrySettings(
    max_attempts=3,
    initial_backoff_s=0.001,
    max_backoff_s=0.002,
    jitter_s=0.0,
    max_elapsed_s=5.0,
    max_wait_s=5.0,
)


def need_specs() -> Path:
    """The Square api-specs folder; skip (fail under CI=true) when it is absent."""
    folder = schema.api_specs_dir() / "square"
    if not (folder / "api.json").is_file():
        reason = f"Square api-specs not found at {folder} (set {schema.API_SPECS_ENV})"
        if in_ci():
            pytest.fail(reason + "; CI=true requires the vendor contracts", pytrace=False)
        pytest.skip(reason)
    return folder


@pytest.fixture(scope="session")
def square_specs() -> Path:
    return need_specs()


@pytest.fixture(scope="session")
def vectors(square_specs: Path) -> dict[str, Any]:
    return json.loads((square_specs / "webhook-signature-test-vectors.json").read_text())


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    forget_tokens()
    yield
    forget_tokens()


@pytest.fixture
def handle() -> ConnectorHandle:
    """The Square plugin module, registered alone (installed or not)."""
    pm = make_plugin_manager(plugins={"square": plugin}, load_entry_points=False)
    return get_connector("square", pm)


@pytest.fixture
def sandbox() -> SquareSandbox:
    return SquareSandbox.seeded()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def context(handle: ConnectorHandle, waits: list[float]) -> Callable[..., ChannelContext]:
    """Factory: a ChannelContext for square-store-12 on a transport, sleeps recorded not slept."""

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

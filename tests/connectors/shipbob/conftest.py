"""Fixtures for the ShipBob connector tests: its handle, a sandbox, channel contexts, the specs.

ShipBob's saved contract (``../shared/api-specs/shipbob``, or ``$STOCKHUB_API_SPECS``) is not
in the repository: tests that need it skip with the reason when it is absent, and fail instead
under ``CI=true``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.shipbob import plugin, schema
from connectors.shipbob.sandbox import SANDBOX_SETTINGS, ShipBobSandbox
from connectors.shipbob.sandbox_seed import SEED_TIME
from hub.connector import ChannelContext
from hub.dispatch import ConnectorHandle, get_connector
from hub.http import RetrySettings
from hub.plugins import make_plugin_manager
from tests.conftest import in_ci

CHANNEL = "shipbob"
FAST_RETRY = RetrySettings(
    max_attempts=3,
    initial_backoff_s=0.001,
    max_backoff_s=0.002,
    jitter_s=0.0,
    max_elapsed_s=5.0,
    max_wait_s=5.0,
)


def need_specs() -> Path:
    """The ShipBob api-specs folder; skip (fail under CI=true) when it is absent."""
    folder = schema.api_specs_dir() / "shipbob"
    if not (folder / "openapi").is_dir():
        reason = f"ShipBob api-specs not found at {folder} (set {schema.API_SPECS_ENV})"
        if in_ci():
            pytest.fail(reason + "; CI=true requires the vendor contracts", pytrace=False)
        pytest.skip(reason)
    return folder


@pytest.fixture(scope="session")
def shipbob_specs() -> Path:
    return need_specs()


@pytest.fixture(scope="session")
def vectors(shipbob_specs: Path) -> dict[str, Any]:
    return json.loads((shipbob_specs / "webhook-signature-test-vectors.json").read_text())


@pytest.fixture(scope="session")
def contract_notes(shipbob_specs: Path) -> dict[str, Any]:
    return json.loads((shipbob_specs / "contract-notes.json").read_text())


@pytest.fixture
def handle() -> ConnectorHandle:
    """The ShipBob plugin module, registered alone (installed or not)."""
    pm = make_plugin_manager(plugins={"shipbob": plugin}, load_entry_points=False)
    return get_connector("shipbob", pm)


@pytest.fixture
def clock() -> list[float]:
    """The sandbox's clock, one hour after the seed; tests move it by assigning clock[0]."""
    return [SEED_TIME + 3600]


@pytest.fixture
def sandbox(clock: list[float]) -> ShipBobSandbox:
    return ShipBobSandbox.seeded(clock=lambda: clock[0])


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def context(handle: ConnectorHandle, waits: list[float]) -> Callable[..., ChannelContext]:
    """Factory: a ChannelContext for channel ``shipbob`` on a transport, sleeps recorded."""

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

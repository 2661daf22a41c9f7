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

import pytest

from connectors.shipbob import plugin
from connectors.shipbob.sandbox import SANDBOX_SETTINGS, ShipBobSandbox
from connectors.shipbob.sandbox_seed import SEED_TIME
from hub.connector import ChannelContext
from hub.dispatch import ConnectorHandle
from tests.connectors.contexts import context_factory, handle_of
from tests.connectors.specs import need_specs

CHANNEL = "shipbob"


@pytest.fixture(scope="session")
def shipbob_specs() -> Path:
    return need_specs("shipbob", "openapi")


@pytest.fixture(scope="session")
def vectors(shipbob_specs: Path) -> dict[str, Any]:
    return json.loads((shipbob_specs / "webhook-signature-test-vectors.json").read_text())


@pytest.fixture(scope="session")
def contract_notes(shipbob_specs: Path) -> dict[str, Any]:
    return json.loads((shipbob_specs / "contract-notes.json").read_text())


@pytest.fixture
def handle() -> ConnectorHandle:
    return handle_of("shipbob", plugin)


@pytest.fixture
def clock() -> list[float]:
    """The sandbox's clock, one hour after the seed; tests move it by assigning clock[0]."""
    return [SEED_TIME + 3600]


@pytest.fixture
def sandbox(clock: list[float]) -> ShipBobSandbox:
    return ShipBobSandbox.seeded(clock=lambda: clock[0])


@pytest.fixture
def context(handle: ConnectorHandle, waits: list[float]) -> Callable[..., ChannelContext]:
    return context_factory(handle, CHANNEL, SANDBOX_SETTINGS, waits)

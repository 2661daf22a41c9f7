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

import pytest

from connectors.square import plugin
from connectors.square.client import forget_tokens
from connectors.square.sandbox import SANDBOX_SETTINGS, SquareSandbox
from hub.connector import ChannelContext
from hub.dispatch import ConnectorHandle
from tests.connectors.contexts import context_factory, handle_of
from tests.connectors.specs import need_specs

CHANNEL = "square-store-12"


@pytest.fixture(scope="session")
def square_specs() -> Path:
    return need_specs("square", "api.json")


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
    return handle_of("square", plugin)


@pytest.fixture
def sandbox() -> SquareSandbox:
    return SquareSandbox.seeded()


@pytest.fixture
def context(handle: ConnectorHandle, waits: list[float]) -> Callable[..., ChannelContext]:
    return context_factory(handle, CHANNEL, SANDBOX_SETTINGS, waits)

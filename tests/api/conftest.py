"""The API over the engine's test hub: two `custom` channels with in-process sandboxes.

Tokens come from the environment as in production: ``$STOCKHUB_OPS_TOKEN`` acts,
``[api] read_token = "${STOCKHUB_READ_TOKEN}"`` only reads.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.config import ApiSection
from tests.engine.conftest import engine_hub, sandboxes  # noqa: F401  (fixtures)

OPS_TOKEN = "ops-token-7f3a91c2"
READ_TOKEN = "read-token-55be0d14"
OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}
READ = {"Authorization": f"Bearer {READ_TOKEN}"}


@pytest.fixture
def api_hub(engine_hub, monkeypatch):  # noqa: F811
    monkeypatch.setenv("STOCKHUB_OPS_TOKEN", OPS_TOKEN)
    monkeypatch.setenv("STOCKHUB_READ_TOKEN", READ_TOKEN)
    api = ApiSection(read_token="${STOCKHUB_READ_TOKEN}", max_body_bytes=64 * 1024)
    engine_hub.settings = engine_hub.settings.model_copy(update={"api": api})
    return engine_hub


@pytest.fixture
def client(api_hub):
    with TestClient(create_app(api_hub, publish=False), raise_server_exceptions=False) as c:
        yield c

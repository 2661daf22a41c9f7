"""A hub with two `custom` channels served by in-process sandboxes (the vendor emulator).

``web`` sells from the warehouse ``dc`` (owned by the WMS); ``pos`` owns the store ``shop``
and sells from it. Retries are made fast and sleeps instant so failure paths run in
milliseconds; everything else is the real engine on the parametrised database.
"""

from __future__ import annotations

import pytest

from connectors.custom.sandbox import CustomSandbox
from hub.app import Hub
from hub.http.policy import RetrySettings
from hub.http.ratelimit import ChannelRateLimiter

TOKEN = "sandbox-token-123"
SECRET = "whsec-test-456"
FAST = RetrySettings(max_attempts=3, initial_backoff_s=0.0, jitter_s=0.0, max_elapsed_s=5)


def engine_settings(**sync):
    from hub.config import Settings

    channel = {
        "connector": "custom",
        "settings": {
            "base_url": "http://sandbox.test/api",
            "api_token": "${SANDBOX_TOKEN}",
            "webhook_secret": "${SANDBOX_WEBHOOK_SECRET}",
        },
    }
    return Settings(
        hub={"database_url": "sqlite:///unused.db", "operators": ["ops"]},
        sync={"max_retries": 2, "backoff_s": 0.01, "jitter_s": 0, "lease_s": 5, **sync},
        locations=[
            {"code": "dc", "kind": "warehouse", "owner": "wms"},
            {"code": "shop", "kind": "store", "owner": "pos"},
        ],
        channels=[
            {"code": "web", "locations": ["dc"], **channel},
            {"code": "pos", "locations": ["shop"], **channel},
        ],
    )


@pytest.fixture
def sandboxes() -> dict[str, CustomSandbox]:
    return {"web": CustomSandbox(TOKEN), "pos": CustomSandbox(TOKEN)}


@pytest.fixture
def engine_hub(engine, sandboxes, monkeypatch, tmp_path) -> Hub:
    from hub.ledger.items import upsert_item

    monkeypatch.setenv("SANDBOX_TOKEN", TOKEN)
    monkeypatch.setenv("SANDBOX_WEBHOOK_SECRET", SECRET)
    limiter = ChannelRateLimiter(f"stockhub+sqlite://{tmp_path / 'limits.db'}")
    parts = {
        code: {
            "transport": box.transport(),
            "retry": FAST,
            "sleep": lambda s: None,
            "limiter": limiter,
        }
        for code, box in sandboxes.items()
    }
    hub = Hub(engine_settings(), engine, channel_parts=parts)
    hub.sync_topology()
    with hub.session() as session:
        for code in SKUS:
            upsert_item(session, item(code))
    return hub


SKUS = [f"SKU-{i:03d}" for i in range(5)]


def item(code: str):
    from hub.events import parse_event

    return parse_event(
        {
            "id": f"item/{code}",
            "type": "item.upserted",
            "source": "ops",
            "occurred_at": "2026-11-22T08:00:00Z",
            "data": {"sku": code, "title": code, "status": "active"},
        }
    ).data

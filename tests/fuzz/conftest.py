"""Fixtures for fuzzing the HTTP API: the API test hub on SQLite, seeded with one of everything.

The API fuzz runs on SQLite only (``engine`` is narrowed here): it looks for crashes and
writes in the API layer, which does not differ by database, and PostgreSQL would double its
runtime. The hub holds stock, a dead letter and an exception record with id 1, so generated
ids sometimes hit a real record and the handlers past the 404 are fuzzed too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hub.api import create_app
from tests.api.conftest import OPS, api_hub  # noqa: F401  (fixtures)
from tests.conftest import _sqlite_engine
from tests.engine.conftest import SECRET, engine_hub, sandboxes  # noqa: F401  (fixtures)

#: Tables an API call could write; a rejected request must leave every one as it was.
WATCHED = (
    "inbox_message", "event", "ledger_entry", "stock_level", "reservation", "return_",
    "dead_letter", "exception_record", "channel_state", "push_outbox", "transfer",
)  # fmt: skip


@pytest.fixture
def engine(sqlite_template: Path, tmp_path: Path):
    eng = _sqlite_engine(sqlite_template, tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def fuzz_hub(api_hub, monkeypatch, tmp_path):  # noqa: F811
    """The API test hub with stock on hand, one dead letter and one exception record."""
    from connectors.custom.protocol import DELIVERY_HEADER, signature_headers
    from hub.sync import inbox

    monkeypatch.chdir(tmp_path)  # the embedded broker's file, should anything open it
    with TestClient(create_app(api_hub, publish=False)) as client:
        stock = {"id": "pos/count/1", "type": "stock.counted", "source": "pos",
                 "occurred_at": "2026-11-22T08:00:00Z",
                 "data": {"sku": "SKU-000", "location": "shop", "as_of": "2026-11-22T08:00:00Z",
                          "quantities": {"on_hand": 12}}}  # fmt: skip
        assert client.post("/api/v1/events", json=stock, headers=OPS).status_code == 200
        bad = json.dumps({**stock, "id": "pos/bad/1", "data": {"sku": "SKU-001"}}).encode()
        headers = {**signature_headers(bad, SECRET), DELIVERY_HEADER: "seed-1"}
        assert client.post("/webhooks/pos", content=bad, headers=headers).status_code == 200
    with api_hub.session() as session:
        ids = list(session.execute(sa.text("SELECT id FROM inbox_message")).scalars())
    assert inbox.process(api_hub, ids).dead == ids
    return api_hub


def fingerprint(hub) -> dict[str, str]:
    """A digest of every watched table's rows: any insert, update or delete changes it."""
    found = {}
    with hub.engine.connect() as connection:
        for table in WATCHED:
            rows = connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1")).all()  # noqa: S608  (names are constants)
            found[table] = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
    return found

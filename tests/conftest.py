"""Fixtures that build real things: migrated SQLite files and PostgreSQL databases, a hub.

Store tests take the ``engine`` fixture and run once per backend. PostgreSQL tests run whenever
the server is reachable (``STOCKHUB_TEST_POSTGRES_URL``, default the local ``test`` database);
with ``CI=true`` an unreachable server fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

import hub.models  # noqa: F401
from hub.store import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "hub" / "sample"
DATA = Path(__file__).resolve().parent / "data"
POSTGRES_URL = os.environ.get(
    "STOCKHUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_missing(what: str, reason: str) -> None:
    """Skip locally, fail in CI: a missing service must never silently pass a CI run."""
    message = f"{what} unreachable: {reason}"
    if in_ci():
        pytest.fail(message + " (CI=true: services are required)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database on the PostgreSQL server for this test session, migrated to head."""
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        admin.dispose()
        service_missing("PostgreSQL", str(exc.orig).strip().splitlines()[0])
    name = f"stockhub_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("template") / "stockhub.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def _sqlite_engine(template: Path, tmp_path: Path) -> sa.Engine:
    path = tmp_path / "stockhub.db"
    shutil.copyfile(template, path)
    return make_engine(f"sqlite:///{path}")


def _postgres_engine(url: str) -> sa.Engine:
    engine = make_engine(url, pool_size=20, max_overflow=20)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path):
    """An empty, migrated database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        eng = _sqlite_engine(sqlite_template, tmp_path)
    else:
        eng = _postgres_engine(request.getfixturevalue("postgres_database"))
    yield eng
    eng.dispose()


@pytest.fixture
def pg_engine(postgres_database: str):
    eng = _postgres_engine(postgres_database)
    yield eng
    eng.dispose()


@pytest.fixture
def settings():
    """The sample stockhub.toml, which is also what `stockhub init` writes."""
    from hub.config import load_settings

    return load_settings(SAMPLE / "stockhub.toml")


def make_hub(settings, engine):
    from hub.app import Hub
    from hub.item_import import read_items
    from hub.ledger.items import upsert_item

    hub = Hub(settings, engine)
    hub.sync_topology()
    items, problems = read_items(SAMPLE / "items.csv")
    assert not problems
    with hub.session() as session:
        for _, item in sorted(items, key=lambda pair: bool(pair[1].components)):
            upsert_item(session, item)
    return hub


@pytest.fixture
def hub(settings, engine):
    """A hub with the sample topology and item master on the parametrised database."""
    return make_hub(settings, engine)

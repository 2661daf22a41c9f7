"""Fixtures for simulation tests: a fresh migrated SQLite database per run."""

from __future__ import annotations

import pytest

from tests.conftest import _sqlite_engine


@pytest.fixture
def sim_engine(sqlite_template, tmp_path):
    """An empty, migrated SQLite database (what a shrunk test case replays on)."""
    engine = _sqlite_engine(sqlite_template, tmp_path)
    yield engine
    engine.dispose()

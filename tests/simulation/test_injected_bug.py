"""The simulator catches a deliberately injected bug: the inbox without its dedupe.

The inbox stores each vendor record once, keyed by (channel, delivery id), with
``INSERT … ON CONFLICT DO NOTHING``: a duplicate delivery is acknowledged and ignored. These
tests take that away two ways and require the default seeds to notice — they pass only
because the simulator reports a violation, so they fail if the simulator ever stops seeing it.
"""

from __future__ import annotations

import pytest

from hub.sync import inbox
from tests.simulation.runner import run_seed
from tests.simulation.test_seeds import SEEDS, STEPS


class _WithoutOnConflict:
    """An insert whose ``on_conflict_do_nothing()`` does nothing: the dedupe removed."""

    def __init__(self, statement) -> None:
        self.statement = statement

    def values(self, *args, **kwargs) -> _WithoutOnConflict:
        return _WithoutOnConflict(self.statement.values(*args, **kwargs))

    def on_conflict_do_nothing(self, *args, **kwargs):
        return self.statement


def _first_failing_seed(engine_for, limit: int = 8):
    for seed in sorted(SEEDS)[:limit]:
        with engine_for(seed) as engine:
            result = run_seed(seed, engine, steps=STEPS)
        if not result.ok:
            return seed, result
    return None, None


@pytest.fixture
def engine_for(sqlite_template, tmp_path):
    from contextlib import contextmanager

    from tests.conftest import _sqlite_engine

    @contextmanager
    def make(seed: int):
        folder = tmp_path / f"seed-{seed}"
        folder.mkdir()
        engine = _sqlite_engine(sqlite_template, folder)
        try:
            yield engine
        finally:
            engine.dispose()

    return make


def test_an_inbox_without_on_conflict_is_caught(monkeypatch, engine_for):
    """Without ON CONFLICT DO NOTHING a duplicate delivery fails instead of being ignored."""
    real_insert = inbox.insert
    monkeypatch.setattr(inbox, "insert", lambda s, t: _WithoutOnConflict(real_insert(s, t)))
    seed, result = _first_failing_seed(engine_for)
    assert seed is not None, "no default seed noticed the inbox dedupe was gone"
    assert result.violations[0].invariant == "unexpected_error"
    assert "IntegrityError" in result.violations[0].message


def test_an_inbox_keyed_per_attempt_is_caught(monkeypatch, engine_for):
    """Keying records per delivery attempt (no dedupe at all) stores a record twice."""
    counter = iter(range(10**9))
    real_key = inbox.delivery_key
    monkeypatch.setattr(inbox, "delivery_key", lambda m: f"{real_key(m)}#{next(counter)}")
    seed, result = _first_failing_seed(engine_for)
    assert seed is not None, "no default seed noticed the inbox dedupe was gone"
    assert result.violations[0].invariant == "applied_once"

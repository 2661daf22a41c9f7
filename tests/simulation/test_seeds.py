"""The default suite's simulated days: fixed seeds, every fault kind, every invariant.

Each seed must still inject the fault kind it stands for (so the suite as a whole covers
every kind in :data:`~tests.simulation.faults.FAULT_KINDS`); a generator change that moves a
kind away fails here with the seed to replace. A failing seed prints its violations; shrink
it with ``python -m tests.simulation --seed N --shrink`` (docs/simulation.md).
"""

from __future__ import annotations

import pytest

from tests.simulation.faults import FAULT_KINDS
from tests.simulation.runner import run_seed, run_steps

STEPS = 150
#: seed → the fault kind it is in the suite for (each seed injects many more)
SEEDS = {
    0: "vendor_429", 1: "vendor_5xx", 2: "partial_batch", 3: "vendor_timeout",
    4: "clock_skew", 5: "channel_edit", 6: "revoked_credentials", 7: "worker_crash",
    8: "db_loss_before_commit", 9: "db_loss_after_commit", 10: "broker_loss",
    11: "duplicate_delivery", 12: "reordered_delivery", 13: "partial_batch", 14: "clock_skew",
    15: "vendor_429", 16: "late_mapping", 17: "vendor_timeout", 18: "vendor_5xx",
    19: "channel_edit", 20: "revoked_credentials", 21: "partial_batch", 22: "vendor_timeout",
    23: "late_mapping",
}  # fmt: skip
POSTGRES_SEEDS = (3, 12)
PG_STEPS = 80


def test_the_seeds_cover_every_fault_kind():
    """At least 20 seeds, and every fault kind is some seed's reason to be here."""
    assert len(SEEDS) >= 20
    assert set(SEEDS.values()) == set(FAULT_KINDS)


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_a_simulated_day_keeps_every_invariant(seed, sim_engine):
    """The day of ``seed`` breaks no invariant, after any step or once quiet."""
    result = run_seed(seed, sim_engine, steps=STEPS)
    assert result.ok, _report(seed, result)
    assert result.faults[SEEDS[seed]] > 0, f"seed {seed} no longer injects {SEEDS[seed]}"
    assert result.events > 0 and result.checks > STEPS


@pytest.mark.postgres
@pytest.mark.parametrize("seed", POSTGRES_SEEDS)
def test_a_simulated_day_on_postgresql(seed, pg_engine):
    """The same days on PostgreSQL (row locks, savepoints and sequences of its own)."""
    result = run_seed(seed, pg_engine, steps=PG_STEPS)
    assert result.ok, _report(seed, result)


def test_a_seed_reproduces_exactly(sqlite_template, tmp_path):
    """Same seed, same day: the recorded steps replay to the same faults and outcomes."""
    from tests.conftest import _sqlite_engine

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first_engine = _sqlite_engine(sqlite_template, tmp_path / "a")
    again_engine = _sqlite_engine(sqlite_template, tmp_path / "b")
    try:
        first = run_seed(7, first_engine, steps=60)
        again = run_steps(first.steps, again_engine)
    finally:
        first_engine.dispose()
        again_engine.dispose()
    assert first.ok and again.ok
    assert again.steps == first.steps
    assert (again.faults, again.outcomes, again.events, again.oversold_units) == (
        first.faults,
        first.outcomes,
        first.events,
        first.oversold_units,
    )


def _report(seed: int, result) -> str:
    lines = [f"seed {seed} broke {len(result.violations)} invariant(s):"]
    lines += [str(v)[:1000] for v in result.violations[:10]]
    lines.append(f"reproduce and shrink: python -m tests.simulation --seed {seed} --shrink "
                 f"--steps {STEPS}")  # fmt: skip
    return "\n".join(lines)

"""Shrink a failing day to a short one that fails the same way, and print it as a test.

Delta debugging (Zeller's ddmin) over the step list: drop chunks of steps while the day still
breaks the same invariant, halving the chunk size when nothing can go, then try every single
step once more. Steps are plain data and any sub-list is a valid day, so every candidate
runs; each run uses a fresh database from ``engine_factory``.
"""

from __future__ import annotations

import pprint
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

import sqlalchemy as sa

from tests.simulation.runner import Result, run_steps
from tests.simulation.steps import Step

#: Invariants checked only once the day is quiet (the others need no quiescence to show).
QUIESCENT = {"converged", "drained", "nothing_lost"}
EngineFactory = Callable[[], AbstractContextManager[sa.Engine]]


@dataclass
class Shrunk:
    steps: list[Step]
    result: Result
    runs: int
    seconds: float


def shrink(
    steps: list[Step],
    engine_factory: EngineFactory,
    invariant: str,
    *,
    max_runs: int = 400,
    max_seconds: float = 900.0,
) -> Shrunk:
    """The shortest sub-list found that still breaks ``invariant`` (within the budgets)."""
    began = time.monotonic()
    runs = 0
    last: Result | None = None

    def fails(candidate: list[Step]) -> bool:
        nonlocal runs, last
        if runs >= max_runs or time.monotonic() - began > max_seconds:
            return False
        runs += 1
        with engine_factory() as engine:
            result = run_steps(candidate, engine, quiesce=invariant in QUIESCENT)
        if any(v.invariant == invariant for v in result.violations):
            last = result
            return True
        return False

    current = list(steps)
    if not fails(current):
        raise ValueError(f"the steps do not break {invariant!r}: nothing to shrink")
    assert last is not None
    # a violation found during the day needs nothing after its step
    first = min(v.step for v in last.violations if v.invariant == invariant)
    if first < len(current) and fails(current[:first]):
        current = current[:first]
    chunks = 2
    while len(current) >= 2:
        size = -(-len(current) // chunks)
        for start in range(0, len(current), size):
            candidate = current[:start] + current[start + size :]
            if candidate and fails(candidate):
                current, chunks = candidate, max(chunks - 1, 2)
                break
        else:
            if chunks >= len(current):
                break
            chunks = min(len(current), chunks * 2)
    for index in range(len(current) - 1, -1, -1):  # one more pass: each step on its own
        candidate = current[:index] + current[index + 1 :]
        if candidate and fails(candidate):
            current = candidate
    assert last is not None
    return Shrunk(current, last, runs, time.monotonic() - began)


def as_test(steps: list[Step], result: Result, name: str) -> str:
    """A ready-to-paste pytest test that replays ``steps`` (in tests/simulation/)."""
    body = []
    for step in steps:
        if step.data:
            data = pprint.pformat(step.data, width=80, sort_dicts=False)
            data = data.replace("\n", "\n" + " " * 8)
            body.append(f"        Step({step.kind!r}, {data}),")
        else:
            body.append(f"        Step({step.kind!r}),")
    first = result.violations[0] if result.violations else None
    why = f"[{first.invariant}] {first.message}".splitlines()[0][:200] if first else "passes"
    return "\n".join(
        [
            "from tests.simulation.runner import run_steps",
            "from tests.simulation.steps import Step",
            "",
            "",
            f"def test_{name}(sim_engine):",
            f'    """Shrunk by the simulator; it failed with: {why}"""'.replace('"""', '"""', 1),
            "    steps = [",
            *body,
            "    ]",
            "    result = run_steps(steps, sim_engine)",
            '    assert result.ok, "\\n".join(map(str, result.violations))',
            "",
        ]
    )

"""The soak: run many seeds and print a summary (``make soak SEEDS=N``).

    python -m tests.simulation --seeds 500              # seeds 0..499 on 2 processes
    python -m tests.simulation --seed 42 --shrink       # one seed; shrink it if it fails
    python -m tests.simulation --seeds 50 --compare-every 1  # every seed twice

Every ``--compare-every``-th seed (default 10) also runs a twin with the channels' buffers and
safety stock set to 0 (the same seed), to show what the buffers save in oversold units. A
failing seed is printed with its violations and, with ``--shrink`` (default when at most 3
seeds fail), shrunk to a test case.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections import Counter
from typing import Any

from tests.simulation.faults import FAULT_KINDS


def run_one(args: tuple[int, int, bool]) -> dict[str, Any]:
    """One seed (and its no-buffer twin): a picklable summary for the parent."""
    from tests.simulation.database import sqlite_engine
    from tests.simulation.runner import run_seed

    seed, steps, compare = args
    began = time.monotonic()
    with sqlite_engine() as engine:
        result = run_seed(seed, engine, steps=steps)
    summary: dict[str, Any] = {
        "seed": seed,
        "events": result.events,
        "faults": dict(result.faults),
        "outcomes": dict(result.outcomes),
        "checks": result.checks,
        "oversold": result.oversold_units,
        "convergence_s": result.convergence_s,
        "violations": [str(v) for v in result.violations],
        "steps": result.steps if result.violations else None,
        "invariant": result.violations[0].invariant if result.violations else None,
    }
    if compare:
        with sqlite_engine() as engine:
            bare = run_seed(seed, engine, steps=steps, buffers=False)
        summary["oversold_unbuffered"] = bare.oversold_units
        summary["checks"] += bare.checks
        summary["violations"] += [f"(no buffers) {v}" for v in bare.violations]
    summary["wall_s"] = time.monotonic() - began
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.simulation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seeds", type=int, default=100, help="how many seeds (default 100)")
    parser.add_argument("--start", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--seed", type=int, help="run this one seed only")
    parser.add_argument(
        "--steps", type=int, default=None, help="steps per day (default 120; the suite: 150)"
    )
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument(
        "--compare-every",
        type=int,
        default=5,
        help="run a no-buffer twin of every Nth seed (default 5; 0: never)",
    )
    parser.add_argument("--shrink", action="store_true", help="shrink every failing seed")
    args = parser.parse_args(argv)

    from tests.simulation.runner import DEFAULT_STEPS

    steps = args.steps or DEFAULT_STEPS
    seeds = (
        [args.seed] if args.seed is not None else list(range(args.start, args.start + args.seeds))
    )
    every = args.compare_every
    work = [(seed, steps, bool(every) and seed % every == 0) for seed in seeds]
    began = time.monotonic()
    results: list[dict[str, Any]] = []
    jobs = max(1, min(args.jobs, len(work)))
    if jobs == 1:
        iterator = map(run_one, work)
        results = _collect(iterator, len(work))
    else:
        with multiprocessing.get_context("spawn").Pool(jobs, maxtasksperchild=50) as pool:
            results = _collect(pool.imap_unordered(run_one, work), len(work))
    wall = time.monotonic() - began
    _summary(results, wall, steps, jobs)
    failed = [r for r in results if r["violations"]]
    if failed and (args.shrink or len(failed) <= 3):
        for summary in failed:
            _shrink(summary)
    return 1 if failed else 0


def _collect(iterator, total: int) -> list[dict[str, Any]]:
    results = []
    for done, summary in enumerate(iterator, start=1):
        results.append(summary)
        flag = "FAIL" if summary["violations"] else "ok"
        print(
            f"[{done}/{total}] seed {summary['seed']}: {flag} ({summary['wall_s']:.1f}s)",
            file=sys.stderr,
            flush=True,
        )
        for line in summary["violations"][:5]:
            print(f"    {line[:400]}", file=sys.stderr, flush=True)
    return sorted(results, key=lambda r: r["seed"])


def _summary(results: list[dict[str, Any]], wall: float, steps: int, jobs: int) -> None:
    faults: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for r in results:
        faults.update(r["faults"])
        outcomes.update(r["outcomes"])
    failed = [r for r in results if r["violations"]]
    convergence = sorted(r["convergence_s"] for r in results)
    print("stockhub simulation soak")
    print(f"  seeds               {len(results)} ({steps} steps a day), {jobs} process(es)")
    print(
        f"  seeds with violations {len(failed)}"
        + (f": {[r['seed'] for r in failed]}" if failed else "")
    )
    print(f"  violations          {sum(len(r['violations']) for r in results)}")
    print(f"  events sent         {sum(r['events'] for r in results)}")
    print(f"  invariant checks    {sum(r['checks'] for r in results)}")
    print("  faults injected     " + ", ".join(f"{k} {faults[k]}" for k in FAULT_KINDS))
    missing = [k for k in FAULT_KINDS if not faults[k]]
    if missing:
        print(f"  fault kinds never injected: {missing}")
    print("  task outcomes       " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(f"  oversold units      {sum(r['oversold'] for r in results)} with channel buffers")
    twins = [r for r in results if "oversold_unbuffered" in r]
    if twins:
        print(
            f"                      on the {len(twins)} seeds also run without buffers: "
            f"{sum(r['oversold'] for r in twins)} with, "
            f"{sum(r['oversold_unbuffered'] for r in twins)} without"
        )
    if convergence:
        p95 = convergence[min(len(convergence) - 1, int(0.95 * len(convergence)))]
        print(
            f"  convergence (simulated s after faults clear): median "
            f"{statistics.median(convergence):.0f}, p95 {p95:.0f}, max {convergence[-1]:.0f}"
        )
    print(f"  wall time           {wall:.0f} s")


def _shrink(summary: dict[str, Any]) -> None:
    from tests.simulation.database import sqlite_engine
    from tests.simulation.shrink import as_test, shrink

    print(
        f"\nshrinking seed {summary['seed']} ({len(summary['steps'])} steps, "
        f"{summary['invariant']})...",
        file=sys.stderr,
        flush=True,
    )
    shrunk = shrink(summary["steps"], sqlite_engine, summary["invariant"])
    print(
        f"\n# seed {summary['seed']}: {len(summary['steps'])} steps shrunk to "
        f"{len(shrunk.steps)} in {shrunk.runs} runs ({shrunk.seconds:.0f}s)"
    )
    for violation in shrunk.result.violations[:3]:
        print(f"# {str(violation).splitlines()[0][:300]}")
    print(as_test(shrunk.steps, shrunk.result, f"seed_{summary['seed']}_shrunk"))

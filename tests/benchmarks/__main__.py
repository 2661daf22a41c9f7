"""Every benchmark in one run: ``make bench`` (``BENCH_ARGS`` are passed through).

    python -m tests.benchmarks                                   # embedded broker, SQLite
    python -m tests.benchmarks --broker redis://127.0.0.1:6379/5 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/test
    python -m tests.benchmarks --broker amqp://guest:guest@127.0.0.1:5672// --database ...
    python -m tests.benchmarks --quick --only b,c                # a smoke run of two of them

(a) ledger ingest against the database's raw one-row commit rate (SQLite, and PostgreSQL: the
``--database`` server, else the test server if reachable); (b) ``stockhub.process`` task rate
against Celery's no-op task rate on the same broker; (c) event-to-channel latency at a
sustained rate against (b)'s no-op latency; (d) channel calls for a burst against
``ceil(SKUs / max_batch_size)``; (e) scale-out: the same workload on 1, 2 and 4 worker
processes and on 4 killed at random, identical final stock required (``bench_scale.py``; on
local Redis + PostgreSQL when no real services are named). Figures are printed as ratios
against limits measured in the same run, never asserted. ``--database`` names a server: a
fresh database is created on it for each benchmark and dropped afterwards. A literal broker
password is passed to the hub as ``${BROKER_PASSWORD}`` (the config loader refuses passwords
written in ``stockhub.toml``).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from tests.benchmarks.bench_latency import bench_latency
from tests.benchmarks.bench_push_calls import bench_push_calls
from tests.benchmarks.bench_scale import bench_scale
from tests.benchmarks.bench_workers import bench_workers
from tests.benchmarks.harness import Services, fresh_database

DEFAULTS = {"events": 2000, "tasks": 2000, "rate": 50.0, "seconds": 20.0, "latency_skus": 200,
            "burst": 10_000, "skus": 1_000, "scale_events": 2000}  # fmt: skip
QUICK = {"events": 200, "tasks": 100, "rate": 20.0, "seconds": 2.0, "latency_skus": 20,
         "burst": 1_000, "skus": 100, "scale_events": 200}  # fmt: skip


class Tee(io.TextIOBase):
    """stdout that is also kept, so the summary can quote what a benchmark printed."""

    def __init__(self, out) -> None:
        self.out, self.kept = out, io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


def run_ingest(services: Services, events: int) -> str:
    """(a), as ``bench_ingest`` measures it, on SQLite and PostgreSQL; returns what it printed."""
    from contextlib import redirect_stdout

    from hub.store import make_engine
    from tests.benchmarks.bench_ingest import bench
    from tests.conftest import POSTGRES_URL

    tee = Tee(sys.stdout)
    print("\n(a) ledger ingest against the database's raw one-row commit rate", file=tee)
    with redirect_stdout(tee), tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        bench("SQLite (WAL, synchronous=NORMAL)", engine, events)
        engine.dispose()
        server = Services(database=services.database or POSTGRES_URL)
        try:
            with fresh_database(server, Path(folder)) as url:
                engine = make_engine(url)
                bench("PostgreSQL", engine, events)
                engine.dispose()
        except sa.exc.OperationalError as exc:
            if services.database:
                raise
            print(f"\nPostgreSQL skipped: {str(exc.orig).strip().splitlines()[0]}")
    return tee.kept.getvalue()


def summary(services: Services, ingest: str | None, b, c, d, e=None) -> None:
    print(f"\nSummary — {services.label}; each figure against a limit measured in this run")
    if ingest:
        label = "SQLite"
        for line in ingest.splitlines():
            if line.strip().startswith("PostgreSQL"):
                label = "PostgreSQL"
            found = re.search(r"stock\.adjusted, 200 per tx .* ([\d.]+) × raw", line)
            if found:
                print(f"  (a) ingest, {label:10s} 200 per tx  {found[1]} × raw one-row commits")
    if b:
        print(f"  (b) stockhub.process               {b.ratio:.3f} × no-op task rate")
    if c and c.floor:
        print(f"  (c) end-to-end latency             p50 {c.ratio_p50:,.1f} × / "
              f"p99 {c.ratio_p99:,.1f} × no-op latency")  # fmt: skip
    if d:
        for run in d.runs:
            print(f"  (d) {run.how:32s} {run.ratio:.2f} × minimum calls")
    if e:
        for run in e.runs:
            how = f"{run.workers} workers" + (f", {run.killed} kills" if run.killed else "")
            print(f"  (e) scale-out, {how:17s}          {run.rate:,.1f} events/s, "
                  f"{e.speedup(run):.2f} × 1 worker")  # fmt: skip


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--broker", default="", help="embedded (default), redis://…, amqp://…")
    parser.add_argument("--database", default="", help="sqlite (default) or a PostgreSQL URL")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--only", default="a,b,c,d,e", help="which benchmarks, e.g. b,c")
    parser.add_argument("--events", type=int, help="(a) events per measurement [2000]")
    parser.add_argument("--tasks", type=int, help="(b) tasks per worker [2000]")
    parser.add_argument("--rate", type=float, help="(c) webhooks per second [50]")
    parser.add_argument("--seconds", type=float, help="(c) how long to feed them [20]")
    parser.add_argument("--latency-skus", type=int, help="(c) SKUs the events spread over [200]")
    parser.add_argument("--burst", type=int, help="(d) events in the burst [10000]")
    parser.add_argument("--skus", type=int, help="(d) SKUs the burst spreads over [1000]")
    parser.add_argument("--scale-events", type=int, help="(e) events per scale-out run [2000]")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.broker = "" if args.broker in ("", "embedded") else args.broker
    args.database = "" if args.database in ("", "sqlite") else args.database
    args.only = {part.strip().lower() for part in args.only.split(",") if part.strip()}
    return args


def main(argv: list[str] | None = None) -> None:
    from hub.logs import configure_logging

    args = parse(argv)
    configure_logging(level="WARNING")  # in-process pushes would log every call
    services = Services(args.broker, args.database)
    began = time.monotonic()
    print(f"stockhub benchmarks — {services.label}" + (" (quick)" if args.quick else ""))
    ingest = run_ingest(services, args.events) if "a" in args.only else None
    b = c = d = e = None
    if "b" in args.only:
        b = bench_workers(services, tasks=args.tasks, latency_rate=args.rate)
    if "c" in args.only:
        c = bench_latency(
            services, rate=args.rate, seconds=args.seconds, skus=args.latency_skus,
            floor=b.noop_latency if b else None,
        )  # fmt: skip
    if "d" in args.only:
        d = bench_push_calls(services, events=args.burst, skus=args.skus)
    if "e" in args.only:
        e = bench_scale(services, events=args.scale_events, skus=min(100, args.scale_events))
    summary(services, ingest, b, c, d, e)
    print(f"\n({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()

"""Ledger ingest rate against the database's own one-row commit rate, measured in one run.

    make bench                      # SQLite (a temp file) and, if reachable, PostgreSQL
    python -m tests.benchmarks.bench_ingest --events 5000

Figures are printed, never asserted: the machines are shared and noisy, so compare the ratios.
Not collected by pytest (the file name does not start with ``test_``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from hub.config import load_settings
from hub.events import parse_event
from hub.ledger import apply_batch, apply_event
from hub.store import make_engine, upgrade
from tests.conftest import POSTGRES_URL, SAMPLE, make_hub

SKUS = ["TEE-RED-M", "TEE-RED-L", "TEE-BLU-M", "MUG-WHT"]


def adjustments(n: int, tag: str):
    return [
        parse_event(
            {
                "id": f"{tag}/{i}",
                "type": "stock.adjusted",
                "source": "wms",
                "occurred_at": "2026-11-22T10:00:00Z",
                "data": {
                    "sku": SKUS[i % 4],
                    "location": "dc-east",
                    "delta": 1,
                    "reason": "receipt",
                },
            }
        )
        for i in range(n)
    ]


def orders(n: int, tag: str):
    return [
        parse_event(
            {
                "id": f"{tag}/{i}",
                "type": "order.placed",
                "source": "shopify-us",
                "occurred_at": "2026-11-22T11:00:00Z",
                "data": {
                    "channel": "shopify-us",
                    "order": f"{tag}-{i}",
                    "lines": [{"line": "1", "sku": SKUS[i % 4], "quantity": 1}],
                },
            }
        )
        for i in range(n)
    ]


def rate(n: int, run) -> float:
    start = time.perf_counter()
    run()
    return n / (time.perf_counter() - start)


def raw_commit_rate(engine: sa.Engine, n: int) -> float:
    """One-row INSERT + COMMIT through the same engine: the floor every per-event design pays."""
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE bench_probe (k varchar(40) PRIMARY KEY)")
        conn.commit()

        def run() -> None:
            for i in range(n):
                conn.execute(sa.text("INSERT INTO bench_probe VALUES (:k)"), {"k": str(i)})
                conn.commit()

        return rate(n, run)


def bench(label: str, engine: sa.Engine, n: int) -> None:
    upgrade(engine)
    hub = make_hub(load_settings(SAMPLE / "stockhub.toml"), engine)
    raw = raw_commit_rate(engine, n)
    rows = []
    single = adjustments(n, "single")
    rows.append(
        (
            "stock.adjusted, one per tx",
            rate(n, lambda: [apply_event(engine, e, hub.policy) for e in single]),
        )
    )
    batched = adjustments(n, "batched")
    rows.append(
        (
            "stock.adjusted, 200 per tx",
            rate(
                n,
                lambda: [
                    apply_batch(engine, batched[i : i + 200], hub.policy) for i in range(0, n, 200)
                ],
            ),
        )
    )
    placed = orders(n // 2, "order")
    rows.append(
        (
            "order.placed, one per tx",
            rate(n // 2, lambda: [apply_event(engine, e, hub.policy) for e in placed]),
        )
    )
    rows.append(
        (
            "duplicates (replay)",
            rate(n, lambda: [apply_event(engine, e, hub.policy) for e in single]),
        )
    )
    print(f"\n{label}: raw one-row commits {raw:,.0f}/s")
    for name, value in rows:
        print(f"  {name:28s} {value:9,.0f} events/s   {value / raw:6.3f} × raw commit rate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        bench("SQLite (WAL, synchronous=NORMAL)", engine, args.events)
        engine.dispose()
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"stockhub_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        print(f"\nPostgreSQL skipped: {str(exc.orig).strip().splitlines()[0]}")
        return
    try:
        engine = make_engine(sa.make_url(POSTGRES_URL).set(database=name).render_as_string(False))
        bench("PostgreSQL", engine, args.events)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

"""(e) Scale-out: the same workload on 1, 2 and 4 worker processes, then on 4 killed at random.

Each run gets a fresh database with the same SKUs and a ``CustomSandbox`` over HTTP as the
channel. ``events`` events (+1 unit of SKU ``n % skus`` each), in webhooks of 10, are stored
in the inbox beforehand (untimed); then k ``stockhub worker --concurrency 1`` processes
(k machines of one process each, every queue) and one ``stockhub beat`` run, and the clock
measures from publishing the first ``stockhub.process`` task (one per webhook) to convergence:
every record processed, every event applied once, and the channel showing every SKU's final
quantity. The ledger-alone figure stops the clock when the last record is processed. Pushes
share the workers and the channel's rate limit (18 calls/s for ``custom``, across all of them):
where they dominate, more workers cannot help, and the figures show it.

The last run repeats 4 workers while a seeded random schedule SIGKILLs a worker's whole
process group and starts it again, ``kills`` times. Nothing may be lost or doubled: the final
stock (ledger and channel) must be identical in every run, with one ledger entry per event.
Messages a killed worker held come back through the sweep (``sync.stale_after_s``, shipped
default 15 s) on Redis, at once on RabbitMQ: that wait is part of the killed run's figure.

Scale-out needs a real broker and database: with the embedded defaults this benchmark uses the
local Redis (database 7) and the test PostgreSQL server when they answer, else it says so and
runs on the embedded ones (whose single SQLite writer cannot scale). Figures are printed, never
asserted; the same-stock and exactly-once checks are (a wrong number is a bug, not a figure).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass

import sqlalchemy as sa

from connectors.custom.sandbox import CustomSandbox
from tests.benchmarks.harness import (
    CHANNEL,
    LOCATION,
    TOKEN,
    BenchHub,
    Services,
    adjustment,
    bench_hub,
    progress,
    signed_webhook,
    sku,
    stop,
)

SCALE_REDIS = "redis://127.0.0.1:6379/7"
BATCH = 10  # events per webhook delivery, published as one ``stockhub.process`` task


@dataclass(frozen=True)
class ScaleRun:
    workers: int
    killed: int
    seconds: float  # first publish -> converged (records processed, channel up to date)
    ledger_seconds: float  # first publish -> every record processed (applied to the ledger)
    stock: dict[str, int]  # SKU -> units the channel shows (= the ledger's, checked)

    @property
    def rate(self) -> float:
        return sum(self.stock.values()) / self.seconds if self.seconds else 0.0

    @property
    def ledger_rate(self) -> float:
        return sum(self.stock.values()) / self.ledger_seconds if self.ledger_seconds else 0.0


@dataclass(frozen=True)
class ScaleFigures:
    services: Services
    events: int
    skus: int
    runs: list[ScaleRun]

    def speedup(self, run: ScaleRun) -> float:
        return run.rate / self.runs[0].rate


def scale_services(services: Services) -> tuple[Services, str]:
    """The services to measure on, and a note when they are not the ones asked for."""
    if services.broker and services.database:
        return services, ""
    from tests.conftest import POSTGRES_URL

    try:
        import redis

        redis.Redis.from_url(SCALE_REDIS, socket_timeout=2).ping()
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available here"
        note = f"no local Redis/PostgreSQL ({type(exc).__name__}): embedded broker, SQLite"
        return services, note
    chosen = Services(services.broker or SCALE_REDIS, services.database or POSTGRES_URL)
    return chosen, "scale-out needs real services: local Redis and PostgreSQL used"


def store(bench: BenchHub, events: int, skus: int) -> list[int]:
    """Webhooks of ``BATCH`` events each, stored in the inbox (one record per event)."""
    from hub.sync import inbox

    ids: list[int] = []
    for start in range(0, events, BATCH):
        body = [adjustment(n, skus, "scale") for n in range(start, min(start + BATCH, events))]
        request = signed_webhook(body, f"scale-{start}")
        ids += inbox.receive_webhook(bench.hub, CHANNEL, request).stored
    return ids


def settled(bench: BenchHub, box: CustomSandbox, expected: dict[str, int], events: int) -> bool:
    from hub.models import EventRecord, InboxMessage

    levels = box.stock_levels()
    if any(levels.get((code, LOCATION)) != units for code, units in expected.items()):
        return False
    with bench.hub.engine.connect() as conn:
        inbox = InboxMessage.__table__  # type: ignore[attr-defined]
        waiting = conn.execute(
            sa.select(sa.func.count()).where(inbox.c.status != "processed")
        ).scalar_one()
        applied = conn.execute(
            sa.select(sa.func.count()).select_from(EventRecord.__table__)  # type: ignore[attr-defined]
        ).scalar_one()
    if waiting or applied != len(expected) + events:
        return False
    return all(last == expected[code] for code, last in last_pushed(bench, expected).items())


def last_pushed(bench: BenchHub, codes: dict[str, int]) -> dict[str, int | None]:
    """What the hub recorded as last sent to the channel, per SKU (``stock show``'s figure)."""
    from hub.stockview import stock_view

    with bench.hub.session() as session:
        return {
            code: stock_view(session, code)["channels"][CHANNEL]["last_pushed"] for code in codes
        }


def ledger_check(bench: BenchHub, expected: dict[str, int], events: int) -> dict[str, int]:
    """Exactly once: one ledger entry per event, on-hand per SKU as sent; returns the stock."""
    from hub.models import LedgerEntry
    from hub.stockview import stock_view

    with bench.hub.engine.connect() as conn:
        entries = conn.execute(
            sa.select(sa.func.count()).select_from(LedgerEntry.__table__)  # type: ignore[attr-defined]
        ).scalar_one()
    assert entries == events, f"{entries} ledger entries for {events} events"
    stock = {}
    with bench.hub.session() as session:
        for code in expected:
            view = stock_view(session, code)
            on_hand = view["locations"][LOCATION]["on_hand"]
            atp = view["channels"][CHANNEL]["last_pushed"]
            assert on_hand == atp == expected[code], (code, on_hand, atp, expected[code])
            stock[code] = on_hand
    return stock


def one_run(
    services: Services, *, workers: int, events: int, skus: int, kills: int = 0, seed: int = 9
) -> ScaleRun:
    from hub.worker.tasks import CeleryPublisher

    expected = dict(Counter(sku(n % skus) for n in range(events)))
    box = CustomSandbox(TOKEN)
    with ExitStack() as stack:
        base_url = stack.enter_context(box.serve())
        bench = stack.enter_context(bench_hub(services, skus=skus, base_url=base_url))
        bench.publishing()
        ids = store(bench, events, skus)
        argv = bench.stockhub("worker", "--concurrency=1")
        procs = [start_worker(bench, argv, f"worker-{i}") for i in range(workers)]
        stack.callback(stop_all, bench, procs)
        stack.enter_context(bench.worker(bench.stockhub("beat"), "beat"))
        logs = bench.logs[:workers]
        bench.wait(lambda: all(p.exists() and "ready." in p.read_text() for p in logs),
                   "workers ready", 120, poll_s=0.1)  # fmt: skip
        publisher = CeleryPublisher(bench.celery)
        rng = random.Random(seed)
        kill_at = sorted(rng.uniform(0.1, 0.7) * events for _ in range(kills))
        killed, ledger_done = 0, 0.0
        label = f"(e) {workers} worker{'s' * (workers > 1)}" + (f", {kills} kills" if kills else "")
        with progress() as bar:
            job = bar.add_task(label, total=events)
            began = time.perf_counter()
            for start in range(0, len(ids), BATCH):
                publisher.process(ids[start : start + BATCH])

            def done() -> bool:
                nonlocal killed, ledger_done
                applied = applied_events(bench)
                bar.update(job, completed=applied)
                if applied >= events and not ledger_done:
                    ledger_done = time.perf_counter() - began
                while killed < len(kill_at) and applied >= kill_at[killed]:
                    victim = rng.randrange(workers)
                    kill_and_restart(bench, procs, victim, argv)
                    killed += 1
                return settled(bench, box, expected, events)

            bench.wait(done, label, 900, poll_s=0.05)
            seconds = time.perf_counter() - began
        stock = ledger_check(bench, expected, events)
    return ScaleRun(workers, killed, seconds, ledger_done or seconds, stock)


def applied_events(bench: BenchHub) -> int:
    from hub.models import InboxMessage

    with bench.hub.engine.connect() as conn:
        inbox = InboxMessage.__table__  # type: ignore[attr-defined]
        query = sa.select(sa.func.count()).where(inbox.c.status == "processed")
        return int(conn.execute(query).scalar_one())


def start_worker(bench: BenchHub, argv: list[str], name: str) -> subprocess.Popen:
    """A worker in its own process group, watched by ``bench.wait`` like the harness's."""
    log = bench.folder / f"{name}.log"
    if log not in bench.logs:
        bench.logs.append(log)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv, env={**os.environ, **bench.env}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    bench.procs.append(proc)
    return proc


def stop_all(bench: BenchHub, procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc in bench.procs:
            bench.procs.remove(proc)
        stop(proc)


def kill_and_restart(bench: BenchHub, procs: list, victim: int, argv: list[str]) -> None:
    """SIGKILL worker ``victim`` and everything it forked, then start a new one in its place."""
    proc = procs[victim]
    bench.procs.remove(proc)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    procs[victim] = start_worker(bench, argv, f"worker-{victim}")


def bench_scale(
    services: Services, *, events: int = 2000, skus: int = 100, kills: int = 3,
    counts: tuple[int, ...] = (1, 2, 4), seed: int = 9,
) -> ScaleFigures:  # fmt: skip
    """Measure and print (e)."""
    chosen, note = scale_services(services)
    runs = [one_run(chosen, workers=k, events=events, skus=skus) for k in counts]
    runs.append(one_run(chosen, workers=max(counts), events=events, skus=skus, kills=kills,
                        seed=seed))  # fmt: skip
    reference = runs[0].stock
    for run in runs[1:]:
        assert run.stock == reference, f"final stock differs with {run.workers} workers"
    figures = ScaleFigures(chosen, events, skus, runs)
    report(figures, note, seed)
    return figures


def report(f: ScaleFigures, note: str, seed: int) -> None:
    print(f"\n(e) scale-out — {f.services.label}, {f.events:,} events over {f.skus:,} SKUs "
          f"in webhooks of {BATCH}, "
          f"k × `stockhub worker --concurrency 1` + 1 beat, {os.cpu_count()} CPUs")  # fmt: skip
    if note:
        print(f"  ({note})")
    for run in f.runs:
        how = f"{run.workers} worker process{'es' if run.workers > 1 else ''}"
        if run.killed:
            how += f", {run.killed} kill -9 (seed {seed})"
        print(f"  {how:38s} {run.rate:8,.1f} events/s  {f.speedup(run):5.2f} × 1 worker   "
              f"({run.seconds:5.1f} s; ledger alone {run.ledger_rate:,.1f}/s)")  # fmt: skip
    total = sum(f.runs[0].stock.values())
    print(f"  final stock identical in every run: {len(f.runs[0].stock)} SKUs, {total:,} units; "
          "one ledger entry per event, nothing lost")  # fmt: skip

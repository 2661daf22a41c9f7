"""(b) Worker task throughput against Celery's own no-op task rate, same broker, same database.

Two real worker processes groups, one after the other, on the same broker and hub database:

1. ``noop_worker`` — built like ``stockhub worker`` — runs ``bench.noop``, which appends one
   line to a file. Publish N, time until N lines exist: the broker's and Celery's floor. Then a
   paced stream of no-ops gives the floor latency (publish → task ran) that (c) compares with.
2. ``stockhub worker --queues stockhub.inbox`` runs the real ``stockhub.process`` task: N
   webhook records, one per task, stored in the inbox beforehand (untimed); publish N task
   ids, time until all N records are processed (translated, applied to the ledger, the outbox
   written, a push claimed). The channel queue is not consumed: pushes are (c)'s business.

Figures are printed, never asserted.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from tests.benchmarks.harness import (
    CHANNEL,
    CONCURRENCY,
    BenchHub,
    Latency,
    Services,
    adjustment,
    bench_hub,
    paced,
    progress,
    signed_webhook,
)
from tests.benchmarks.noop_worker import LOG_ENV, NOOP_TASK

WARM_UP = 8  # tasks each worker runs before the clock starts (forks, connections, imports)


@dataclass(frozen=True)
class WorkerFigures:
    tasks: int
    noop_rate: float  # tasks/s, publish of the first to completion of the last
    noop_publish_rate: float  # tasks/s the publishing loop managed on its own
    noop_latency: Latency  # paced no-ops: publish → ran, ms
    process_rate: float
    process_publish_rate: float

    @property
    def ratio(self) -> float:
        return self.process_rate / self.noop_rate


def noop_lines(path: Path) -> list[tuple[float, float]]:
    if not path.exists():
        return []
    return [tuple(map(float, line.split())) for line in path.read_text().splitlines()]


def count_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def run_noop(bench: BenchHub, tasks: int, latency_rate: float, latency_n: int):
    from hub.worker.app import INBOX_QUEUE

    log = bench.folder / "noop.log"
    argv = [sys.executable, "-m", "tests.benchmarks.noop_worker", str(bench.config)]

    def send() -> None:
        bench.celery.send_task(NOOP_TASK, args=[time.time()], queue=INBOX_QUEUE)

    with bench.worker(argv, "noop-worker", **{LOG_ENV: str(log)}):
        for _ in range(WARM_UP):
            send()
        bench.wait(lambda: count_lines(log) >= WARM_UP, "no-op worker start", 90)
        with progress() as bar:
            job = bar.add_task("(b) no-op tasks", total=tasks)
            began = time.perf_counter()
            for _ in range(tasks):
                send()
            published = time.perf_counter()

            def done() -> bool:
                bar.update(job, completed=count_lines(log) - WARM_UP)
                return count_lines(log) >= WARM_UP + tasks

            bench.wait(done, "no-op tasks", 600)
            finished = time.perf_counter()
        for _ in paced(latency_n, latency_rate):
            send()
        total = WARM_UP + tasks + latency_n
        bench.wait(lambda: count_lines(log) >= total, "paced no-op tasks", 120)
    paced_lines = noop_lines(log)[WARM_UP + tasks :]
    latency = Latency.of([(done - sent) * 1000 for sent, done in paced_lines])
    return tasks / (finished - began), tasks / (published - began), latency


def store_records(bench: BenchHub, count: int, tag: str) -> list[int]:
    """``count`` webhook deliveries of one event each, stored in the inbox, not published."""
    from hub.sync import inbox

    ids: list[int] = []
    for n in range(count):
        request = signed_webhook(adjustment(n, 50, tag), f"{tag}-{n}")
        ids += inbox.receive_webhook(bench.hub, CHANNEL, request).stored
    return ids


def processed(bench: BenchHub) -> int:
    from hub.models import InboxMessage

    with bench.hub.engine.connect() as conn:
        table = InboxMessage.__table__  # type: ignore[attr-defined]
        query = sa.select(sa.func.count()).where(table.c.status == "processed")
        return int(conn.execute(query).scalar_one())


def run_process(bench: BenchHub, tasks: int) -> tuple[float, float]:
    from hub.worker.app import INBOX_QUEUE
    from hub.worker.tasks import CeleryPublisher

    warm = store_records(bench, WARM_UP, "warm")
    ids = store_records(bench, tasks, "timed")
    publisher = CeleryPublisher(bench.celery)
    argv = bench.stockhub("worker", f"--queues={INBOX_QUEUE}", f"--concurrency={CONCURRENCY}")
    with bench.worker(argv, "stockhub-worker"):
        for inbox_id in warm:
            publisher.process([inbox_id])
        bench.wait(lambda: processed(bench) >= WARM_UP, "stockhub worker start", 90)
        with progress() as bar:
            job = bar.add_task("(b) stockhub.process", total=tasks)
            began = time.perf_counter()
            for inbox_id in ids:
                publisher.process([inbox_id])
            published = time.perf_counter()

            def done() -> bool:
                count = processed(bench) - WARM_UP
                bar.update(job, completed=count)
                return count >= tasks

            bench.wait(done, "stockhub.process tasks", 900, poll_s=0.05)
            finished = time.perf_counter()
    return tasks / (finished - began), tasks / (published - began)


def bench_workers(
    services: Services, *, tasks: int = 1000, latency_rate: float = 50.0, latency_n: int = 150
) -> WorkerFigures:
    """Measure and print (b); ``latency_rate`` should be (c)'s feed rate."""
    with bench_hub(services, skus=50) as bench:
        noop_rate, noop_publish, latency = run_noop(bench, tasks, latency_rate, latency_n)
        process_rate, process_publish = run_process(bench, tasks)
    figures = WorkerFigures(tasks, noop_rate, noop_publish, latency, process_rate, process_publish)
    report(services, figures, latency_rate)
    return figures


def report(services: Services, f: WorkerFigures, latency_rate: float) -> None:
    print(f"\n(b) worker task throughput — {services.label}, {CONCURRENCY} worker processes, "
          f"{f.tasks:,} tasks each")  # fmt: skip
    print(f"  no-op task (Celery floor)        {f.noop_rate:9,.1f} tasks/s"
          f"   (publishing alone {f.noop_publish_rate:,.0f}/s)")  # fmt: skip
    print(f"  stockhub.process (1 record each) {f.process_rate:9,.1f} tasks/s"
          f"   (publishing alone {f.process_publish_rate:,.0f}/s)")  # fmt: skip
    print(f"  stockhub.process / no-op         {f.ratio:9.3f} ×")
    print(f"  no-op latency at {latency_rate:g}/s (publish → ran): {f.noop_latency.text()}")

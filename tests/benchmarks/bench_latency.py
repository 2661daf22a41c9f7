"""(c) Event-to-channel latency at a sustained rate, against the broker's no-op latency.

``stockhub run`` (worker + scheduler, two processes) serves a hub whose channel is a
``CustomSandbox`` over real HTTP. This process plays the API: it receives signed webhooks (one
event each, +1 unit of one of ``skus`` SKUs) at a fixed rate, stores them in the inbox and
publishes them. The path measured: webhook → inbox → ``stockhub.process`` → ledger + outbox →
``stockhub.push`` → ``POST /stock/set`` → ``push_log``.

Two latencies are printed:

* ``push_log.latency_ms`` as the engine records it, one per pushed item (from the outbox row's
  ``first_change_at``, i.e. the ledger commit of the oldest change it stood for);
* end to end per event, from the moment its webhook arrived to the first accepted push that
  shows its unit (SKU's pushed quantity ≥ its running count) — what a shopper would see.

The floor is (b)'s no-op latency on the same broker: one publish → one task ran. A push needs
at least two hops (process, then push), plus the ledger and an HTTP call.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from connectors.custom.sandbox import CustomSandbox
from tests.benchmarks.harness import (
    CHANNEL,
    CONCURRENCY,
    TOKEN,
    BenchHub,
    Latency,
    Services,
    adjustment,
    bench_hub,
    paced,
    progress,
    signed_webhook,
    sku,
)


@dataclass(frozen=True)
class LatencyFigures:
    events: int
    target_rate: float
    achieved_rate: float
    engine: Latency  # push_log.latency_ms
    inbox: Latency  # webhook arrived → its record processed (ledger committed)
    end_to_end: Latency  # webhook received → channel shows the unit
    calls: int
    throttled: int
    backlog: int  # inbox records not yet processed when the last webhook arrived
    drain_s: float  # from the last webhook until nothing was left to process or push
    floor: Latency | None

    @property
    def ratio_p50(self) -> float:
        return self.end_to_end.p50 / self.floor.p50 if self.floor else float("nan")

    @property
    def ratio_p99(self) -> float:
        return self.end_to_end.p99 / self.floor.p99 if self.floor else float("nan")


def outbox_rows(bench: BenchHub) -> int:
    from hub.sync.push import pending

    return pending(bench.hub, CHANNEL)


def inbox_waiting(bench: BenchHub) -> int:
    from hub.models import InboxMessage

    table = InboxMessage.__table__  # type: ignore[attr-defined]
    with bench.hub.engine.connect() as conn:
        query = sa.select(sa.func.count()).where(table.c.status == "received")
        return int(conn.execute(query).scalar_one())


def settled(bench: BenchHub) -> bool:
    return inbox_waiting(bench) == 0 and outbox_rows(bench) == 0


def accepted_pushes(bench: BenchHub, since: datetime) -> list[tuple[str, int, int, datetime]]:
    """(sku, quantity, latency_ms, at) of every accepted item pushed since ``since``, in order."""
    from hub.models import PushLog

    table = PushLog.__table__  # type: ignore[attr-defined]
    query = (
        sa.select(table.c.sku, table.c.quantity, table.c.latency_ms, table.c.at)
        .where(table.c.channel == CHANNEL, table.c.status == "accepted", table.c.at >= since)
        .order_by(table.c.at, table.c.id)
    )
    with bench.hub.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def inbox_stage(bench: BenchHub, since: datetime) -> list[float]:
    """Per webhook record since ``since``: ms from its arrival to its ledger batch's commit."""
    from hub.models import InboxMessage

    table = InboxMessage.__table__  # type: ignore[attr-defined]
    query = sa.select(table.c.received_at, table.c.processed_at).where(
        table.c.received_at >= since, table.c.processed_at.is_not(None)
    )
    with bench.hub.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [(done - got).total_seconds() * 1000 for got, done in rows]


def end_to_end(sent: list[tuple[str, float]], pushes: list[tuple[str, int, int, datetime]]):
    """Per event: seconds from its webhook to the first push showing its unit, in ms."""
    shown: dict[str, list[tuple[int, float]]] = defaultdict(list)  # sku → (quantity, at)
    for code, quantity, _, at in pushes:
        shown[code].append((quantity, at.timestamp()))
    final = {code: max(q for q, _ in rows) for code, rows in shown.items()}
    per_sku: dict[str, list[float]] = defaultdict(list)
    for code, at in sent:
        per_sku[code].append(at)
    latencies, missing = [], 0
    for code, times in per_sku.items():
        rows = shown.get(code, [])
        running_max, firsts = [], []  # first time each quantity level was reached
        for quantity, at in rows:
            if not running_max or quantity > running_max[-1]:
                running_max.append(quantity)
                firsts.append(at)
        base = final.get(code, 0) - len(times)
        for j, sent_at in enumerate(sorted(times), start=1):
            k = bisect_left(running_max, base + j)
            if k == len(running_max):
                missing += 1
                continue
            latencies.append(max(0.0, firsts[k] - sent_at) * 1000)
    return latencies, missing


def feed(bench: BenchHub, events: int, rate: float, skus: int) -> tuple[list, float]:
    """Receive ``events`` webhooks at ``rate``/s; returns (sku, arrival time) and the rate held."""
    from hub.sync import inbox

    sent: list[tuple[str, float]] = []
    with progress() as bar:
        job = bar.add_task(f"(c) webhooks at {rate:g}/s", total=events)
        for n in paced(events, rate):
            arrived = time.time()
            request = signed_webhook(adjustment(n, skus, "latency"), f"latency-{n}")
            receipt = inbox.receive_webhook(bench.hub, CHANNEL, request)
            inbox.publish_stored(bench.hub, receipt)
            sent.append((sku(n % skus), arrived))
            bar.advance(job)
    span = sent[-1][1] - sent[0][1] if len(sent) > 1 else 0.0
    return sent, (len(sent) - 1) / span if span else float("nan")


def bench_latency(
    services: Services, *, rate: float = 50.0, seconds: float = 20.0, skus: int = 200,
    floor: Latency | None = None,
) -> LatencyFigures:  # fmt: skip
    """Measure and print (c); ``floor`` is (b)'s paced no-op latency on the same broker."""
    from hub.sync import publish

    events = max(2, int(rate * seconds))
    box = CustomSandbox(TOKEN)
    with box.serve() as base_url, bench_hub(services, skus=skus, base_url=base_url) as bench:
        bench.publishing()
        run = bench.stockhub("run", f"--concurrency={CONCURRENCY}", "--port=0")  # no API
        with bench.worker(run, "stockhub-run"):
            publish.wake_pushes(bench.hub)  # the seeded items: their first push is the warm-up
            bench.wait(lambda: settled(bench), "warm-up push", 120, poll_s=0.1)
            box.clear_records()
            since = datetime.now(UTC)
            sent, achieved = feed(bench, events, rate, skus)
            backlog, fed = inbox_waiting(bench), time.monotonic()
            bench.wait(lambda: settled(bench), "pushes after the feed", 300, poll_s=0.05)
            drain_s = time.monotonic() - fed
            pushes = accepted_pushes(bench, since)
            inbox_ms = inbox_stage(bench, since)
    latencies, missing = end_to_end(sent, pushes)
    if missing:
        raise AssertionError(f"{missing} events never showed on the channel")
    posts = [r for r in box.requests if r.method == "POST"]
    figures = LatencyFigures(
        events=events, target_rate=rate, achieved_rate=achieved,
        engine=Latency.of([float(ms) for _, _, ms, _ in pushes if ms is not None]),
        inbox=Latency.of(inbox_ms),
        end_to_end=Latency.of(latencies), calls=len(posts),
        throttled=sum(r.status == 429 for r in posts), backlog=backlog, drain_s=drain_s,
        floor=floor,
    )  # fmt: skip
    report(services, figures, skus)
    return figures


def report(services: Services, f: LatencyFigures, skus: int) -> None:
    print(f"\n(c) event-to-channel latency — {services.label}, `stockhub run`, {f.events:,} events "
          f"over {skus:,} SKUs at {f.target_rate:g}/s (held {f.achieved_rate:.1f}/s)")  # fmt: skip
    print(f"  end to end (webhook → channel)   {f.end_to_end.text()}")
    print(f"  webhook → processed (inbox)      {f.inbox.text()}")
    print(f"  push_log.latency_ms (per item)   {f.engine.text()}")
    print(f"  POST /stock/set calls            {f.calls:,} ({f.throttled} answered 429)")
    print(f"  when the feed ended              {f.backlog:,} records waiting; all pushed "
          f"{f.drain_s:.1f} s later")  # fmt: skip
    if f.floor is not None:
        print(f"  floor: no-op publish → ran       {f.floor.text()}")
        print(f"  end to end / floor               p50 {f.ratio_p50:,.1f} ×   "
              f"p99 {f.ratio_p99:,.1f} ×")  # fmt: skip

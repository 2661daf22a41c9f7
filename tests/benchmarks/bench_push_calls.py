"""(d) Channel API calls for a burst of events, against the minimum the batch size allows.

A burst of ``events`` stock events (+1 unit each) over ``skus`` SKUs, round-robin, so every
SKU changes; the channel (a ``CustomSandbox`` over real HTTP) must end up showing every SKU's
new quantity. However many events a SKU had, it owes the channel one item, so the minimum is
``ceil(skus / max_batch_size)`` calls of ``POST /stock/set``. Two ways through the engine:

* **after the burst** — the burst is applied to the ledger here (transactions of 500 events),
  then ``hub.sync.push.push_channel`` runs in this process until nothing is owed: the
  coalescing and batching alone;
* **during the burst** — the same burst arrives as signed webhooks of 100 events each and
  ``stockhub run`` processes and pushes them while they arrive (pushes start with the first
  records, so they cannot all be full): what a real burst costs in calls.

Calls are counted by the sandbox (every ``POST /stock/set`` it saw, 429s included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from connectors.custom.sandbox import CustomSandbox
from tests.benchmarks.bench_latency import settled
from tests.benchmarks.harness import (
    CHANNEL,
    CONCURRENCY,
    TOKEN,
    BenchHub,
    Services,
    adjustment,
    bench_hub,
    progress,
    signed_webhook,
)

LEDGER_BATCH = 500  # events per transaction when the burst is applied directly
DELIVERY_SIZE = 100  # events per webhook when it arrives through the worker


@dataclass(frozen=True)
class BurstCalls:
    how: str
    calls: int
    throttled: int
    items: int  # items the calls carried, all together
    minimum: int

    @property
    def ratio(self) -> float:
        return self.calls / self.minimum


@dataclass(frozen=True)
class PushCallFigures:
    events: int
    skus: int
    batch_size: int
    runs: list[BurstCalls]


def max_batch_size() -> int:
    from hub.dispatch import get_connector

    return get_connector("custom").info.max_batch_size


def counted(box: CustomSandbox, how: str, minimum: int) -> BurstCalls:
    posts = [r for r in box.requests if r.method == "POST" and r.path.endswith("/stock/set")]
    throttled = sum(r.status == 429 for r in posts)
    return BurstCalls(how, len(posts), throttled, sum(box.push_batch_sizes), minimum)


def push_until_owed_nothing(bench: BenchHub) -> None:
    from hub.sync.push import pending, push_channel

    while pending(bench.hub, CHANNEL):
        push_channel(bench.hub, CHANNEL)


def after_burst(services: Services, events: int, skus: int, minimum: int) -> BurstCalls:
    from hub.events import parse_event
    from hub.ledger import apply_batch

    box = CustomSandbox(TOKEN)
    with box.serve() as base_url, bench_hub(services, skus=skus, base_url=base_url) as bench:
        push_until_owed_nothing(bench)  # the seeded items, at 0
        box.clear_records()
        burst = [parse_event(adjustment(n, skus, "burst")) for n in range(events)]
        with progress() as bar:
            job = bar.add_task("(d) burst → ledger", total=events)
            for start in range(0, events, LEDGER_BATCH):
                apply_batch(bench.hub.engine, burst[start : start + LEDGER_BATCH], bench.hub.policy)
                bar.advance(job, LEDGER_BATCH)
        push_until_owed_nothing(bench)
        return counted(box, "after the burst (push_channel)", minimum)


def during_burst(services: Services, events: int, skus: int, minimum: int) -> BurstCalls:
    from hub.sync import inbox, publish

    box = CustomSandbox(TOKEN)
    with box.serve() as base_url, bench_hub(services, skus=skus, base_url=base_url) as bench:
        bench.publishing()
        run = bench.stockhub("run", f"--concurrency={CONCURRENCY}", "--port=0")  # no API
        with bench.worker(run, "stockhub-run"):
            publish.wake_pushes(bench.hub)
            bench.wait(lambda: settled(bench), "warm-up push", 120, poll_s=0.1)
            box.clear_records()
            for start in range(0, events, DELIVERY_SIZE):
                stop = min(start + DELIVERY_SIZE, events)
                body = [adjustment(n, skus, "burst") for n in range(start, stop)]
                receipt = inbox.receive_webhook(
                    bench.hub, CHANNEL, signed_webhook(body, f"burst-{start}")
                )
                inbox.publish_stored(bench.hub, receipt)
            with progress() as bar:
                job = bar.add_task("(d) burst through the worker", total=None)
                bench.wait(lambda: bar.advance(job) or settled(bench), "burst pushes", 600, 0.1)
        return counted(box, "during the burst (stockhub run)", minimum)


def bench_push_calls(
    services: Services, *, events: int = 10_000, skus: int = 1_000
) -> PushCallFigures:
    """Measure and print (d)."""
    size = max_batch_size()
    minimum = math.ceil(skus / size)
    runs = [
        after_burst(services, events, skus, minimum),
        during_burst(services, events, skus, minimum),
    ]
    figures = PushCallFigures(events, skus, size, runs)
    report(services, figures)
    return figures


def report(services: Services, f: PushCallFigures) -> None:
    minimum = f.runs[0].minimum
    print(f"\n(d) channel calls for a burst — {services.label}, {f.events:,} events over "
          f"{f.skus:,} SKUs, max_batch_size {f.batch_size}: minimum {minimum:,} calls")  # fmt: skip
    for run in f.runs:
        print(f"  {run.how:34s} {run.calls:6,} calls   {run.ratio:7.2f} × minimum   "
              f"{run.items:,} items, {run.throttled} answered 429")  # fmt: skip

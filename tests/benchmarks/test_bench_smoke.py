"""The benchmarks at toy sizes on the embedded broker and SQLite, so they cannot rot.

Asserts that every figure is printed and sane (rates positive, percentiles ordered, calls at
least the minimum) — never how fast anything is: ``make bench`` is where speed is read.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from tests.benchmarks.harness import Services

NUMBER = r"([\d,]+(?:\.\d+)?)"


def figure(text: str, pattern: str) -> list[float]:
    """The numbers ``pattern`` captures in ``text``; fails if the line is missing."""
    found = re.search(pattern, text)
    assert found, f"no line matching {pattern!r} in:\n{text}"
    return [float(group.replace(",", "")) for group in found.groups()]


def percentiles(text: str, label: str) -> list[float]:
    pattern = rf"{re.escape(label)}\s+p50\s+{NUMBER}\s+p95\s+{NUMBER}\s+p99\s+{NUMBER}\s+max\s+"
    return figure(text, pattern + NUMBER)


def test_every_benchmark_prints_sane_figures(capsys, monkeypatch):
    """(a)–(d) run end to end at toy sizes and print every figure they promise."""
    from tests.benchmarks import harness

    monkeypatch.setattr(harness, "STOP_WAIT_S", 0.0)  # throwaway broker and database files
    from hub.store import make_engine
    from tests.benchmarks.bench_ingest import bench
    from tests.benchmarks.bench_latency import bench_latency
    from tests.benchmarks.bench_push_calls import bench_push_calls
    from tests.benchmarks.bench_workers import bench_workers

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        bench("SQLite", engine, 20)
        engine.dispose()
    services = Services()
    b = bench_workers(services, tasks=20, latency_rate=20, latency_n=10)
    bench_latency(services, rate=20, seconds=1, skus=5, floor=b.noop_latency)
    bench_push_calls(services, events=200, skus=20)
    out = capsys.readouterr().out

    (raw,) = figure(out, rf"raw one-row commits {NUMBER}/s")
    (batched, ratio) = figure(out, rf"200 per tx\s+{NUMBER} events/s\s+{NUMBER} × raw")
    assert raw > 0 and batched > 0 and ratio > 0

    (noop,) = figure(out, rf"no-op task \(Celery floor\)\s+{NUMBER} tasks/s")
    (process,) = figure(out, rf"stockhub\.process \(1 record each\)\s+{NUMBER} tasks/s")
    (ratio,) = figure(out, rf"stockhub\.process / no-op\s+{NUMBER} ×")
    assert noop > 0 and process > 0 and ratio > 0
    floor = percentiles(out, "(publish → ran):")
    assert 0 < floor[0] <= floor[1] <= floor[2] <= floor[3]

    (achieved,) = figure(out, rf"at 20/s \(held {NUMBER}/s\)")
    assert achieved > 0
    for label in ("end to end (webhook → channel)", "push_log.latency_ms (per item)"):
        p50, p95, p99, top = percentiles(out, label)
        assert 0 <= p50 <= p95 <= p99 <= top
    (n_events,) = figure(out, rf"end to end.*\(n={NUMBER}\)")
    assert n_events == 20
    assert figure(out, rf"end to end / floor\s+p50 {NUMBER} ×\s+p99 {NUMBER} ×")

    (minimum,) = figure(out, rf"minimum {NUMBER} calls")
    assert minimum == 1  # 20 SKUs, batches of 100
    for how in ("after the burst", "during the burst"):
        calls, times = figure(out, rf"{how} \(.*?\)\s+{NUMBER} calls\s+{NUMBER} × minimum")
        assert calls >= minimum and times >= 1

"""What the worker benchmarks stand on: a hub in a temporary folder on the services asked for.

A :class:`Services` names the broker (empty: the embedded one; ``redis://…``; ``amqp://…``)
and the database (empty: a SQLite file in the folder; a PostgreSQL URL: a fresh database is
created on that server for the run and dropped afterwards, as ``tests/conftest.py`` does).
:func:`bench_hub` writes a ``stockhub.toml`` with one ``custom`` channel (``pos``, owning the
store ``shop``), seeds its SKUs and yields a :class:`BenchHub`, which starts real worker
processes (each in its own process group, killed as a group when the benchmark ends).

Sync settings are the shipped defaults: the figures are what a user of the defaults gets.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import sqlalchemy as sa
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

ROOT = Path(__file__).resolve().parents[2]
TOKEN, SECRET = "bench-sandbox-token-31", "bench-webhook-secret-47"
CHANNEL, LOCATION = "pos", "shop"
CONCURRENCY = 2  # worker processes, as on the 2-core machine the figures are quoted for
STOP_WAIT_S = 15.0  # warm shutdown; the smoke test, on throwaway files, does not wait


@dataclass(frozen=True)
class Services:
    """The broker and database a run is measured on (empty strings: the embedded defaults)."""

    broker: str = ""
    database: str = ""

    @property
    def label(self) -> str:
        broker = urlsplit(self.broker).scheme or "embedded"
        database = "PostgreSQL" if self.database else "SQLite"
        return f"{broker} broker, {database}"


def broker_setting(url: str) -> tuple[str, dict[str, str]]:
    """``url`` as ``stockhub.toml`` may hold it, and the environment that completes it.

    The config loader refuses a password written in the file, so a literal one is moved to
    ``$BROKER_PASSWORD`` and referenced as ``${BROKER_PASSWORD}``.
    """
    parts = urlsplit(url)
    password = parts.password
    if not password or password.startswith("${"):
        env = {"BROKER_PASSWORD": os.environ.get("BROKER_PASSWORD", "guest")}
        return url, env if password else {}
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:${{BROKER_PASSWORD}}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), {"BROKER_PASSWORD": password}


@contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then restore what was there."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def fresh_database(services: Services, folder: Path) -> Iterator[str]:
    """A migrated, empty database for one benchmark: its URL (the server's is dropped after)."""
    from hub.store import make_engine, upgrade

    if not services.database:
        url = f"sqlite:///{folder / 'stockhub.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    admin = sa.create_engine(services.database, isolation_level="AUTOCOMMIT")
    name = f"stockhub_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.make_url(services.database).set(database=name).render_as_string(False)
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def write_config(folder: Path, database_url: str, broker_url: str, base_url: str) -> Path:
    config = folder / "stockhub.toml"
    config.write_text(f'''
[hub]
database_url = "{database_url}"
broker_url = "{broker_url}"
operators = ["ops"]

[[locations]]
code = "{LOCATION}"
kind = "store"
owner = "{CHANNEL}"

[[channels]]
code = "{CHANNEL}"
connector = "custom"
locations = ["{LOCATION}"]
[channels.settings]
base_url = "{base_url}"
api_token = "${{BENCH_SANDBOX_TOKEN}}"
webhook_secret = "${{BENCH_WEBHOOK_SECRET}}"
''')
    return config


def sku(n: int) -> str:
    return f"B-{n:05d}"


def item_events(count: int) -> list:
    from hub.events import parse_event

    return [
        parse_event(
            {
                "id": f"item/{sku(n)}",
                "type": "item.upserted",
                "source": "ops",
                "occurred_at": "2026-11-22T08:00:00Z",
                "data": {"sku": sku(n), "title": sku(n), "status": "active"},
            }
        )
        for n in range(count)
    ]


def adjustment(n: int, skus: int, tag: str) -> dict[str, Any]:
    """Event ``n`` of a stream: one more unit of SKU ``n % skus`` at the store, from the POS."""
    return {
        "id": f"{CHANNEL}/{tag}/{n}",
        "type": "stock.adjusted",
        "source": CHANNEL,
        "occurred_at": "2026-11-22T10:00:00Z",
        "data": {"sku": sku(n % skus), "location": LOCATION, "delta": 1, "reason": "receipt"},
    }


def signed_webhook(events: dict | list, delivery: str):
    """A webhook delivery as the in-house system sends it (signed with the channel's secret)."""
    from connectors.custom.protocol import DELIVERY_HEADER, SIGNATURE_HEADER, signature
    from hub.connector import WebhookRequest

    body = json.dumps(events).encode()
    headers = {SIGNATURE_HEADER: signature(body, SECRET), DELIVERY_HEADER: delivery}
    return WebhookRequest(body=body, headers=headers)


@dataclass
class BenchHub:
    """A hub on the benchmark's services, and the worker processes started for it."""

    folder: Path
    config: Path
    services: Services
    env: dict[str, str]
    hub: Any
    logs: list[Path] = field(default_factory=list)
    procs: list[subprocess.Popen] = field(default_factory=list)
    _celery: Any = None

    @property
    def celery(self) -> Any:
        """The hub's Celery app in this process (the same one the workers build)."""
        if self._celery is None:
            from hub.worker.app import make_celery

            self._celery = make_celery(self.hub.settings)
        return self._celery

    def publishing(self) -> None:
        """Publish after commits from this process, as the API process does."""
        from hub.worker.tasks import CeleryPublisher

        self.hub.publisher = CeleryPublisher(self.celery)

    @contextmanager
    def worker(self, argv: list[str], name: str, **env: str) -> Iterator[subprocess.Popen]:
        """A worker process (own process group), stopped with its children when the block ends."""
        log = self.folder / f"{name}.log"
        self.logs.append(log)
        with log.open("ab") as out:
            proc = subprocess.Popen(
                argv, cwd=ROOT, env={**os.environ, **self.env, **env}, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.procs.append(proc)
        try:
            yield proc
        finally:
            self.procs.remove(proc)
            stop(proc)

    def stockhub(self, *args: str) -> list[str]:
        executable = Path(sys.executable).with_name("stockhub")
        return [str(executable), "--config", str(self.config), *args]

    def purge_queues(self) -> None:
        """Empty the hub's queues (a shared Redis or RabbitMQ may hold an earlier run's tasks)."""
        with self.celery.connection_for_write() as conn:
            channel = conn.default_channel
            for queue in self.celery.amqp.queues.values():
                bound = queue.bind(channel)
                bound.declare()
                bound.purge()

    def log_tail(self, chars: int = 3000) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-chars:]}" for p in self.logs if p.exists())

    def wait(self, done: Callable[[], bool], what: str, timeout_s: float, poll_s: float = 0.02):
        """Poll ``done`` until true; a timeout names ``what`` and shows the workers' logs."""
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what}: not done after {timeout_s:.0f} s\n{self.log_tail()}")
            dead = [p for p in self.procs if p.poll() is not None]
            if dead:
                raise RuntimeError(f"{what}: a worker exited ({dead[0].returncode})\n"
                                   f"{self.log_tail()}")  # fmt: skip
            time.sleep(poll_s)


def stop(proc: subprocess.Popen) -> None:
    """Stop a worker and everything it forked: a warm shutdown, then SIGKILL to its group.

    SIGTERM goes to the main process only: sent to the whole group, the pool replaces the
    children it loses, and ``stockhub run`` on the embedded broker sometimes hangs for good.
    """
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                pass
        os.killpg(proc.pid, signal.SIGKILL)  # the main process, if still there, and stragglers
    except ProcessLookupError:
        pass
    proc.wait()


@contextmanager
def bench_hub(services: Services, *, skus: int, base_url: str = "http://127.0.0.1:9/api"):
    """A hub with ``skus`` items on ``services``; ``base_url`` is the channel's system."""
    from hub.app import open_hub
    from hub.ledger import apply_batch

    broker_url, broker_env = broker_setting(services.broker)
    env = {"BENCH_SANDBOX_TOKEN": TOKEN, "BENCH_WEBHOOK_SECRET": SECRET, **broker_env}
    with tempfile.TemporaryDirectory(prefix="stockhub-bench-") as tmp:
        folder = Path(tmp)
        if not broker_url.startswith("redis"):  # else the limiter shares the Redis broker
            env["STOCKHUB_RATE_LIMIT_URL"] = f"stockhub+sqlite://{folder / 'limits.db'}"
        with environ(env), fresh_database(services, folder) as database_url:
            config = write_config(folder, database_url, broker_url, base_url)
            hub = open_hub(config)
            bench = BenchHub(folder, config, services, env, hub)
            try:
                events = item_events(skus)
                for start in range(0, len(events), 500):
                    apply_batch(hub.engine, events[start : start + 500], hub.policy)
                if services.broker:
                    bench.purge_queues()
                yield bench
            finally:
                if services.broker:  # leave nothing for the next run (or a test) to consume
                    bench.purge_queues()
                hub.engine.dispose()


def progress(console: Console | None = None) -> Progress:
    """A transient progress bar on a terminal (nothing when output is captured or piped)."""
    console = console or Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    )  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return ordered[rank]


@dataclass(frozen=True)
class Latency:
    """A latency distribution in milliseconds."""

    count: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values_ms: list[float]) -> Latency:
        if not values_ms:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"))
        points = (percentile(values_ms, s) for s in (0.50, 0.95, 0.99))
        return cls(len(values_ms), *points, max(values_ms))

    def text(self) -> str:
        return (f"p50 {self.p50:7.1f}  p95 {self.p95:7.1f}  p99 {self.p99:7.1f}  "
                f"max {self.max:7.1f} ms  (n={self.count:,})")  # fmt: skip


def paced(count: int, rate: float) -> Iterator[int]:
    """0..count-1, each yielded no earlier than its slot at ``rate`` per second."""
    start = time.perf_counter()
    for n in range(count):
        wait = start + n / rate - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        yield n

"""The real engine: Celery worker processes on a real broker, a sandbox over real HTTP.

Webhooks are received in this process (as the API does), stored in the inbox and published;
``stockhub run`` (worker + scheduler) processes them and pushes. In the middle of the burst the
worker is killed with SIGKILL and started again; on PostgreSQL with Redis and with RabbitMQ the
broker and then the database are restarted too (private servers, see ``tests/services.py``).
Afterwards every event is applied exactly once and the channel shows exactly the ledger's ATP,
and so does every ``last_pushed``. The embedded default (SQLite, SQLite broker) runs the same
burst with the kill only: its broker and store are files, there is no server to restart.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from connectors.custom.protocol import DELIVERY_HEADER, SIGNATURE_HEADER, signature
from connectors.custom.sandbox import CustomSandbox
from hub.connector import WebhookRequest
from hub.errors import TransientError
from tests.services import PrivatePostgres, PrivateRabbit, PrivateRedis

TOKEN, SECRET = "sandbox-token-123", "whsec-test-456"
SALES, SKUS = 400, 20


def write_config(folder: Path, base_url: str, broker: str, database: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "stockhub.toml"
    config.write_text(f'''
[hub]
database_url = "{database}"
broker_url = "{broker}"
operators = ["ops"]

[sync]
sweep_every_s = 0.5
stale_after_s = 2
backoff_s = 0.2
jitter_s = 0.1
lease_s = 4
max_retries = 6

[[locations]]
code = "shop"
kind = "store"
owner = "pos"

[[channels]]
code = "pos"
connector = "custom"
locations = ["shop"]
[channels.settings]
base_url = "{base_url}"
api_token = "${{SANDBOX_TOKEN}}"
webhook_secret = "${{SANDBOX_WEBHOOK_SECRET}}"
''')
    return config


def worker_env(config: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SANDBOX_TOKEN": TOKEN,
        "BROKER_PASSWORD": "guest",
        "SANDBOX_WEBHOOK_SECRET": SECRET,
        "STOCKHUB_RATE_LIMIT_URL": f"stockhub+sqlite://{config.parent / 'limits.db'}",
    }


def start(config: Path, log: Path) -> subprocess.Popen:
    stockhub = str(Path(sys.executable).with_name("stockhub"))
    cli = [stockhub, "--config", str(config), "run", "--concurrency", "2", "--port", "0"]
    return subprocess.Popen(cli, env=worker_env(config), stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


def sale(n: int) -> dict:
    return {
        "id": f"pos/sale/{n}",
        "type": "stock.adjusted",
        "source": "pos",
        "occurred_at": "2026-11-22T10:00:00Z",
        "data": {
            "sku": f"SKU-{n % SKUS:03d}",
            "location": "shop",
            "delta": 1 + n % 3,
            "reason": "receipt",
        },
    }


class Servers:
    """Where the hub keeps its data and messages, and what the test may restart."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.postgres = self.broker = None
        folder.mkdir(parents=True, exist_ok=True)
        if kind == "embedded":
            self.database_url, self.broker_url = f"sqlite:///{folder / 'stockhub.db'}", ""
            return
        self.postgres = PrivatePostgres(folder / "postgres")
        self.database_url = self.postgres.url
        if kind == "redis":
            self.broker = PrivateRedis(folder / "redis")
            self.broker_url = self.broker.url(1)
        else:
            self.broker = PrivateRabbit(folder / "rabbitmq")
            self.broker_url = self.broker.url

    def stop(self) -> None:
        for server in (self.broker, self.postgres):
            if server is not None:
                server.stop()


class Rig:
    """A migrated hub with 20 items, a ``stockhub run`` worker, and this process as its API."""

    def __init__(self, servers: Servers, base_url: str, folder: Path) -> None:
        from hub.app import open_hub
        from hub.store import make_engine, upgrade
        from hub.worker.app import make_celery
        from hub.worker.tasks import CeleryPublisher

        self.servers, self.log = servers, folder / "worker.log"
        self.config = write_config(folder / "hub", base_url, servers.broker_url,
                                   servers.database_url)  # fmt: skip
        engine = make_engine(servers.database_url)
        upgrade(engine)
        engine.dispose()
        self.hub = open_hub(self.config)
        _add_items(self.hub)
        self.hub.publisher = CeleryPublisher(make_celery(self.hub.settings))
        self.worker = start(self.config, self.log)

    def kill_worker(self) -> None:
        """SIGKILL the worker's whole process group, then start a new one."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()
        self.worker = start(self.config, self.log)

    def cli(self, *args: str) -> str:
        """Run a ``stockhub`` command as ops would, against the same config."""
        stockhub = str(Path(sys.executable).with_name("stockhub"))
        done = subprocess.run([stockhub, "--config", str(self.config), *args],
                              env=worker_env(self.config), capture_output=True, text=True,
                              timeout=120)  # fmt: skip
        assert done.returncode == 0, f"stockhub {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def wait(self, condition: Callable[[], bool], seconds: float = 120) -> None:
        _wait(self.hub, condition, seconds, self.log)

    def close(self) -> None:
        _stop(self.worker)
        self.hub.engine.dispose()


@pytest.fixture(params=["embedded", "redis", "rabbitmq"])
def servers(request, tmp_path, monkeypatch):
    monkeypatch.setenv("SANDBOX_TOKEN", TOKEN)
    monkeypatch.setenv("SANDBOX_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("BROKER_PASSWORD", "guest")
    found = Servers(request.param, tmp_path / "servers")
    yield found
    found.stop()


@contextmanager
def rig(servers: Servers, box: CustomSandbox, folder: Path):
    with box.serve() as base_url:
        made = Rig(servers, base_url, folder)
        try:
            yield made
        finally:
            made.close()


@pytest.mark.slow
def test_workers_survive_kill_9_broker_and_database_restarts(servers, tmp_path):
    """Two deliveries of every sale, 30% of channel calls failing (500, 429, timeouts), and
    in the middle a kill -9, a broker restart and a database restart: nothing lost, nothing
    doubled, the channel shows the ledger's ATP."""
    from hub.models import EventRecord, LedgerEntry

    box = CustomSandbox(TOKEN, latency_s=0.02, timeout_s=0.3)  # disruptions land in pushes
    box.set_faults(rate=0.3, kinds=("500", "429", "timeout"), seed=5)
    with rig(servers, box, tmp_path) as hub_rig:
        hub = hub_rig.hub
        # each disruption lands while the worker is busy: after the deliveries before it,
        # once at least the given number of events is applied (items included), not all
        disruptions: list[tuple[int, int, Callable[[], None]]] = [(200, 120, hub_rig.kill_worker)]
        if servers.broker is not None and servers.postgres is not None:
            disruptions += [(400, 260, servers.broker.restart),
                            (600, 380, servers.postgres.restart)]  # fmt: skip
        events = [sale(n) for n in range(SALES)]
        deliveries = [(event, f"d-{n % SALES}") for n, event in enumerate(events * 2)]
        done = 0
        for upto, applied_at_least, disrupt in [*disruptions, (len(deliveries), 0, None)]:
            for event, delivery_id in deliveries[done:upto]:  # every delivery twice
                _deliver(hub, event, delivery_id)
            done = upto
            if disrupt is not None:
                hub_rig.wait(lambda n=applied_at_least: _applied(hub) >= n)
                disrupt()
        hub_rig.wait(lambda: _converged(hub, box, SALES), 240)
        with hub.session() as session:
            applied = session.exec(select(func.count()).select_from(EventRecord)).one()
            entries = session.exec(select(func.count()).select_from(LedgerEntry)).one()
        assert (applied, entries) == (SKUS + SALES, SALES)  # every event once, one entry each
        assert sum(box.faults_injected.values()) > 0


@pytest.mark.slow
def test_revoked_credentials_pause_and_dead_letter_then_replay_after_the_fix(servers, tmp_path):
    """The channel answers 401 to everything: the push gives up at once, the channel is paused
    with an exception record and a dead letter; changes keep coalescing. Once the credentials
    work again, ``channels resume`` and ``dlq replay --all`` bring the channel to the ATP and
    close the records."""
    from hub.models import DeadLetter, ExceptionRecord, PushOutbox

    box = CustomSandbox(TOKEN)
    box.set_faults(permanent_status=401)
    with rig(servers, box, tmp_path) as hub_rig:
        hub = hub_rig.hub
        for n in range(40):
            _deliver(hub, sale(n), f"d-{n}")
        hub_rig.wait(lambda: _paused(hub))
        for n in range(40, 80):  # while paused
            _deliver(hub, sale(n), f"d-{n}")
        hub_rig.wait(lambda: _applied(hub) == SKUS + 80)
        with hub.session() as session:
            letters = session.exec(select(DeadLetter).where(DeadLetter.status == "open")).all()
            paused = session.exec(
                select(ExceptionRecord).where(ExceptionRecord.kind == "channel_paused")
            ).one()
            owed = session.exec(select(func.count()).select_from(PushOutbox)).one()
        assert letters and {(d.task, d.channel) for d in letters} == {("push", "pos")}
        assert all("401" in d.error or "credential" in d.error.lower() for d in letters)
        assert paused.status == "open" and "stockhub channels resume pos" in paused.message
        assert owed == SKUS  # coalesced: one row per SKU however many changes
        assert box.stock_levels() == {}  # nothing reached the channel

        box.clear_faults()  # the credentials are fixed
        replayed = hub_rig.cli("dlq", "replay", "--all")  # resumes the channel, pushes
        assert "(channel resumed)" in replayed
        hub_rig.wait(lambda: _converged(hub, box, 80))
        assert "was not paused" in hub_rig.cli("channels", "resume", "pos")
        with hub.session() as session:
            statuses = {d.status for d in session.exec(select(DeadLetter))}
            paused = session.get(ExceptionRecord, paused.id)
        assert statuses <= {"resolved"} and paused.status == "resolved"


def _add_items(hub) -> None:
    from hub.events import parse_event
    from hub.ledger import apply_batch

    apply_batch(
        hub.engine,
        [
            parse_event({"id": f"item/{n}", "type": "item.upserted", "source": "ops",
                         "occurred_at": "2026-11-22T08:00:00Z",
                         "data": {"sku": f"SKU-{n:03d}", "title": "t", "status": "active"}})
            for n in range(SKUS)
        ],
    )  # fmt: skip


def _deliver(hub, event: dict, delivery_id: str) -> None:
    """One webhook delivery, re-delivered while the database is down (as a vendor does after
    a 503); a broker that is down only delays processing until the sweep publishes again."""
    from hub.sync import inbox

    body = json.dumps(event).encode()
    headers = {SIGNATURE_HEADER: signature(body, SECRET), DELIVERY_HEADER: delivery_id}
    deadline = time.monotonic() + 60
    while True:
        try:
            receipt = inbox.receive_webhook(hub, "pos", WebhookRequest(body=body, headers=headers))
            break
        except (sa.exc.DBAPIError, TransientError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    inbox.publish_stored(hub, receipt)


def _applied(hub) -> int:
    from hub.models import EventRecord

    try:
        with hub.session() as session:
            return session.exec(select(func.count()).select_from(EventRecord)).one()
    except sa.exc.DBAPIError:
        return -1


def _wait(hub, condition: Callable[[], bool], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting; {_state(hub)}\n"
                                 f"worker log:\n{log.read_text()[-6000:]}")  # fmt: skip
        time.sleep(0.1)


def _state(hub) -> str:
    """What the engine's tables say, for a failure message."""
    from hub.models import ChannelState, InboxMessage, PushOutbox

    with hub.session() as session:
        inbox = session.exec(
            select(InboxMessage.status, func.count()).group_by(InboxMessage.status)
        ).all()
        outbox = session.exec(select(func.count()).select_from(PushOutbox)).one()
        states = [s.model_dump() for s in session.exec(select(ChannelState))]
    return f"applied={_applied(hub)} inbox={dict(inbox)} outbox={outbox} channels={states}"


def _stop(worker: subprocess.Popen) -> None:
    # SIGTERM to the main process (a warm shutdown); to the whole group it races the pool's
    # replacement of its children and can hang on the embedded broker
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def _paused(hub) -> bool:
    from hub.models import ChannelState

    with hub.session() as session:
        state = session.get(ChannelState, "pos")
        return bool(state and state.paused)


def _converged(hub, box: CustomSandbox, sales: int) -> bool:
    """Every event applied, nothing waiting, and for every SKU: the channel shows the ATP and
    ``last_pushed`` records it."""
    from hub.models import EventRecord, InboxMessage
    from hub.stockview import stock_view

    levels = box.stock_levels()
    try:
        with hub.session() as session:
            applied = session.exec(select(func.count()).select_from(EventRecord)).one()
            waiting = session.exec(
                select(func.count())
                .select_from(InboxMessage)
                .where(InboxMessage.status == "received")
            ).one()
            if applied < SKUS + sales or waiting:
                return False
            for n in range(SKUS):
                sku = f"SKU-{n:03d}"
                channel = stock_view(session, sku)["channels"]["pos"]
                if not levels.get((sku, "shop")) == channel["atp"] == channel["last_pushed"]:
                    return False
    except sa.exc.DBAPIError:
        return False
    return True

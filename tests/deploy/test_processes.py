"""The processes deploy/compose.yaml names, started for real on this machine.

The migration job, the API, the worker pools (two ``worker``
replicas for the ledger queues and one ``worker-channels`` for the channel queues: three worker
processes) and the scheduler, each with the command line the compose file gives it, against
PostgreSQL with Redis and then RabbitMQ (private brokers from ``tests/services.py``; a fresh
database on the test PostgreSQL server). A second scheduler is started alongside the first, as
by mistake. Two channels (``pos``, ``web``) are served by sandboxes over HTTP.

Every sale is delivered twice; in the middle the active scheduler is killed and restarted, and
on Redis a ledger worker and the channel worker are killed with SIGKILL and started again (the
RabbitMQ kill -9 runs in tests/engine/test_workers.py; here it would only double the time).
Afterwards:
every event applied exactly once, both channels show the ledger's ATP for every SKU, pushes ran
only on the channel pool and inbound work only on the ledger pool, neither sandbox ever refused
a call for its rate limit, and the two schedulers together sent the periodic sweep no more often
than one scheduler does. Helpers come from the engine's restart rig (tests/engine/test_workers).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from connectors.custom.protocol import DELIVERY_HEADER, SIGNATURE_HEADER, signature
from connectors.custom.sandbox import CustomSandbox
from tests.conftest import POSTGRES_URL, service_missing
from tests.deploy.compose import DEPLOY, services
from tests.engine.test_workers import (
    SECRET,
    SKUS,
    TOKEN,
    _add_items,
    _applied,
    _converged,
    _stop,
    sale,
    worker_env,
    write_config,
)
from tests.services import PrivateRabbit, PrivateRedis, free_port

SALES = 100
SWEEP_S = 0.5  # write_config's sync.sweep_every_s
STOCKHUB = str(Path(sys.executable).with_name("stockhub"))


@pytest.fixture
def database():
    """A fresh, empty database on the test PostgreSQL server (the migration job fills it)."""
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        admin.dispose()
        service_missing("PostgreSQL", str(exc.orig).strip().splitlines()[0])
    name = f"stockhub_deploy_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["redis", "rabbitmq"])
def brokers(request, tmp_path):
    """(broker URL, rate-limit URL): Redis serves both, or RabbitMQ with Redis for the limits,
    as in the compose file's rabbitmq profile."""
    redis = PrivateRedis(tmp_path / "redis")
    rabbit = PrivateRabbit(tmp_path / "rabbitmq") if request.param == "rabbitmq" else None
    try:
        broker = f"amqp://guest:guest@127.0.0.1:{rabbit.port}//" if rabbit else redis.url(0)
        yield broker, redis.url(1)
    finally:
        for server in (rabbit, redis):
            if server is not None:
                server.stop()


class Deployment:
    """The compose file's stockhub services as local processes, one log file each."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env
        self.compose = services(env)
        self.procs: dict[str, subprocess.Popen] = {}
        self.api_url: str | None = None

    def command(self, service: str) -> list[str]:
        argv = list(self.compose[service].command)
        if service == "api":  # the container's port and address, on a free local port here
            argv[argv.index("--host") + 1] = "127.0.0.1"
            port = free_port()
            argv[argv.index("--port") + 1] = str(port)
            self.api_url = f"http://127.0.0.1:{port}"
        return [STOCKHUB, *argv]

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def start(self, service: str, name: str) -> None:
        self.procs[name] = subprocess.Popen(
            own_hostname(name, self.command(service)), env=self.env,
            stdout=self.log(name).open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.procs[name].service = service  # type: ignore[attr-defined]

    def run_job(self, service: str) -> str:
        done = subprocess.run(self.command(service), env=self.env, capture_output=True,
                              text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, f"{service}: {done.stdout}{done.stderr}"
        return done.stdout

    def kill(self, name: str) -> None:
        """SIGKILL the process group (a container killed), then start it again (restarted)."""
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        self.start(proc.service, name)  # type: ignore[attr-defined]

    def text(self, name: str) -> str:
        return self.log(name).read_text(errors="replace")

    def tails(self) -> str:
        return "\n".join(f"--- {name}\n{self.text(name)[-3000:]}" for name in self.procs)

    def stop(self) -> None:
        """A warm shutdown for all at once (as compose does), then the group of any straggler."""
        running = [proc for proc in self.procs.values() if proc.poll() is None]
        for proc in running:
            proc.terminate()
        for proc in running:
            _stop(proc)  # waits for the warm shutdown, else SIGKILLs the group


def hostnames_possible() -> bool:
    return os.geteuid() == 0 and shutil.which("unshare") is not None


def own_hostname(name: str, argv: list[str]) -> list[str]:
    """``argv`` in a UTS namespace whose hostname is ``name``, as a container has its own.

    Celery names a worker ``celery@<hostname>``; on RabbitMQ two workers of one name collide
    on their exclusive remote-control queue and the second exits (RESOURCE_LOCKED), so
    processes sharing one host need distinct names, which ``stockhub worker`` cannot set yet.
    """
    if not hostnames_possible():
        return argv
    return ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', name, *argv]


def log_events(text: str) -> list[str]:
    """The ``event`` of every JSON log line (other lines, e.g. a traceback, are skipped)."""
    found = []
    for line in text.splitlines():
        try:
            found.append(str(json.loads(line).get("event", "")))
        except (ValueError, AttributeError):
            continue
    return found


def count(deployment: Deployment, names: list[str], *needles: str) -> int:
    """Log lines of the named processes that contain every one of ``needles``."""
    return sum(
        all(needle in event for needle in needles)
        for name in names
        for event in log_events(deployment.text(name))
    )


def deliver_http(api_url: str, event: dict, delivery_id: str) -> None:
    body = json.dumps(event).encode()
    headers = {SIGNATURE_HEADER: signature(body, SECRET), DELIVERY_HEADER: delivery_id,
               "Content-Type": "application/json"}  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            reply = httpx.post(f"{api_url}/webhooks/pos", content=body, headers=headers, timeout=10)
            if reply.status_code < 500:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the API did not accept a webhook within 60 s"
        time.sleep(0.2)
    assert reply.status_code < 300, f"webhook answered {reply.status_code}: {reply.text}"


def web_converged(hub, box: CustomSandbox) -> bool:
    """The second channel, too, shows the ledger's ATP for every SKU, and records it."""
    from hub.stockview import stock_view

    levels = box.stock_levels()
    with hub.session() as session:
        for n in range(SKUS):
            sku = f"SKU-{n:03d}"
            channel = stock_view(session, sku)["channels"]["web"]
            if not levels.get((sku, "shop")) == channel["atp"] == channel["last_pushed"]:
                return False
    return True


def wait(deployment: Deployment, condition: Callable[[], bool], seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not condition():
        dead = [n for n, p in deployment.procs.items() if p.poll() is not None]
        assert not dead, f"{dead} exited while waiting for {what}\n{deployment.tails()}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}\n{deployment.tails()}"
        time.sleep(0.1)


def healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.slow
def test_compose_processes_converge_with_kills_and_a_second_scheduler(
    brokers, database, tmp_path, monkeypatch
):
    """The compose file's api, 3 worker processes and scheduler (plus a mistaken second one)
    process a doubled burst through two kills and a scheduler restart: nothing lost or doubled,
    pools keep to their queues, no rate limit broken, the sweep sent once per period."""
    from sqlmodel import func, select

    from hub.app import open_hub
    from hub.models import EventRecord, LedgerEntry
    from hub.worker.app import make_celery
    from hub.worker.tasks import CeleryPublisher

    broker_url, limits_url = brokers
    if broker_url.startswith("amqp") and not hostnames_possible():
        pytest.skip(
            "several workers on one host need distinct Celery node names on RabbitMQ: "
            "root and unshare give each its own hostname, as containers have"
        )
    boxes = {"pos": CustomSandbox(TOKEN, latency_s=0.01), "web": CustomSandbox(TOKEN)}
    with boxes["pos"].serve() as pos_url, boxes["web"].serve() as web_url:
        config = write_config(tmp_path / "hub", pos_url, "", "sqlite:///overridden.db")
        text = config.read_text().replace("[sync]\n", "[sync]\nscheduler_lease_s = 3\n")
        text += (
            text[text.index("[[channels]]") :]
            .replace('"pos"', '"web"', 1)
            .replace(pos_url, web_url)
        )  # a second channel selling from the same store
        config.write_text(text)
        env = {
            **worker_env(config),
            "STOCKHUB_CONFIG": str(config),  # the compose file's variables, with local values
            "STOCKHUB_DATABASE_URL": database,
            "STOCKHUB_BROKER_URL": broker_url,
            "STOCKHUB_RATE_LIMIT_URL": limits_url,
            "STOCKHUB_LOG_FORMAT": "json",
            "POSTGRES_PASSWORD": "unused",
            "STOCKHUB_OPS_TOKEN": "deploy-test-ops-token",
            "STOCKHUB_WORKER_CONCURRENCY": "1",
            "STOCKHUB_CHANNEL_CONCURRENCY": "1",
            "STOCKHUB_CHANNEL_QUEUES": "stockhub.channel.pos,stockhub.channel.web",
        }
        for name in ("STOCKHUB_DATABASE_URL", "STOCKHUB_BROKER_URL", "SANDBOX_TOKEN",
                     "SANDBOX_WEBHOOK_SECRET"):  # fmt: skip
            monkeypatch.setenv(name, env[name])
        deployment = Deployment(tmp_path, env)
        compose = deployment.compose
        assert {"STOCKHUB_CONFIG", "STOCKHUB_DATABASE_URL", "STOCKHUB_BROKER_URL",
                "STOCKHUB_RATE_LIMIT_URL"} <= set(compose["worker"].environment)  # fmt: skip

        assert "revision" in deployment.run_job("migrate")  # the migration job, first
        hub = open_hub(config)
        _add_items(hub)
        hub.publisher = CeleryPublisher(make_celery(hub.settings))

        workers = [f"worker-{i}" for i in range(compose["worker"].replicas)]
        channel_workers = [f"channels-{i}" for i in range(compose["worker-channels"].replicas)]
        assert len(workers) + len(channel_workers) == 3, "the compose file runs 3 worker processes"
        assert compose["beat"].replicas == 1
        try:
            for name in workers:
                deployment.start("worker", name)
            for name in channel_workers:
                deployment.start("worker-channels", name)
            beats_started = time.monotonic()
            deployment.start("beat", "beat-a")
            deployment.start("beat", "beat-b")  # a second scheduler, started by mistake
            deployment.start("api", "api")
            wait(deployment, lambda: healthy(f"{deployment.api_url}/healthz"), 60, "/healthz")
            wait(deployment, lambda: healthy(f"{deployment.api_url}/readyz"), 60, "/readyz")

            if hostnames_possible():  # the image's worker health check, in worker-1's "container"
                wait(deployment, lambda: "ready." in deployment.text(workers[-1]), 60, "ready")
                probe = subprocess.run(
                    own_hostname(workers[-1], [sys.executable, str(DEPLOY / "healthcheck.py"),
                                               "worker"]),
                    env=env, capture_output=True, text=True, timeout=60,
                )  # fmt: skip
                assert probe.returncode == 0, probe.stdout + probe.stderr
                assert f"celery@{workers[-1]}: pong" in probe.stdout

            def deliver(event: dict, delivery_id: str) -> None:
                deliver_http(deployment.api_url or "", event, delivery_id)

            events = [sale(n) for n in range(SALES)]
            deliveries = [(event, f"d-{n % SALES}") for n, event in enumerate(events * 2)]
            leader, activations = "", 0
            kill_scheduler = (3 * SALES // 2, 0, lambda: deployment.kill(leader))
            disruptions = [kill_scheduler]
            if broker_url.startswith("redis"):  # RabbitMQ's kill -9 runs in tests/engine
                disruptions[:0] = [
                    (SALES // 2, SKUS + SALES // 4, lambda: deployment.kill(workers[0])),
                    (SALES, SKUS + SALES // 2, lambda: deployment.kill(channel_workers[0])),
                ]
            done = 0
            for upto, applied_at_least, disrupt in [*disruptions, (2 * SALES, 0, None)]:
                for event, delivery_id in deliveries[done:upto]:
                    deliver(event, delivery_id)
                done = upto
                if disrupt is not None:
                    wait(deployment, lambda n=applied_at_least: _applied(hub) >= n, 120,
                         f"{applied_at_least} events applied")  # fmt: skip
                    if disrupt is kill_scheduler[2]:
                        leader = next(n for n in ("beat-a", "beat-b")
                                      if "scheduler.active" in deployment.text(n))  # fmt: skip
                        activations = count(deployment, ["beat-a", "beat-b"], "scheduler.active")
                        deployment.kill(leader)  # no hand-over: its lease must run out
                    else:
                        disrupt()
            wait(deployment, lambda: _converged(hub, boxes["pos"], SALES), 180, "pos converged")
            wait(deployment, lambda: web_converged(hub, boxes["web"]), 60, "web converged")
            # a scheduler is active again: the standby, or the restarted one if it asked first
            wait(deployment, lambda: count(deployment, ["beat-a", "beat-b"],
                                           "scheduler.active") > activations, 30,
                 "a scheduler to take over after the kill")  # fmt: skip
            resumed = count(deployment, ["beat-a", "beat-b"], "Sending due task sweep")
            wait(deployment, lambda: count(deployment, ["beat-a", "beat-b"],
                                           "Sending due task sweep") >= resumed + 3, 30,
                 "sweeps after the takeover")  # fmt: skip
            lifetime = time.monotonic() - beats_started
        finally:
            deployment.stop()
            hub.engine.dispose()

    with hub.session() as session:
        applied = session.exec(select(func.count()).select_from(EventRecord)).one()
        entries = session.exec(select(func.count()).select_from(LedgerEntry)).one()
    assert (applied, entries) == (SKUS + SALES, SALES)  # every event once, one entry each

    # queues per channel on a dedicated pool: pushes only there, inbound work never there
    # (counted from Celery's "Task stockhub.push[...] received" lines)
    pushes_core = count(deployment, workers, "stockhub.push[")
    pushes_channels = count(deployment, channel_workers, "stockhub.push[")
    process_core = count(deployment, workers, "stockhub.process[")
    process_channels = count(deployment, channel_workers, "stockhub.process[")
    assert pushes_core == 0 and process_channels == 0, (pushes_core, process_channels)
    assert pushes_channels > 0 and process_core > 0, (pushes_channels, process_core)

    # a channel's rate limit holds across every worker: the sandboxes refused nothing
    for code, box in boxes.items():
        assert box.rate_limited == 0, f"{code}: {box.rate_limited} calls over the rate limit"
        assert box.max_requests_in_window(1.0) <= 20, code

    # exactly one scheduler sends: the sweep went out at most once per period in all, though
    # two schedulers ran the whole time (and one was killed and restarted)
    beats = ["beat-a", "beat-b"]
    sent = [count(deployment, [name], "Sending due task sweep") for name in beats]
    budget = lifetime / SWEEP_S + 3  # one scheduler's sends, plus one at each takeover
    assert 0 < sum(sent) <= budget, f"sweeps sent {sent} in {lifetime:.0f} s: budget {budget:.0f}"
    # and it was not a vacuous count: the schedule kept going (at least a quarter of its rate
    # over the time after start-up and the takeover, on a loaded 2-core machine)
    assert sum(sent) >= (lifetime - 20) / (4 * SWEEP_S), f"{sent} sweeps in {lifetime:.0f} s"
    ran = count(deployment, workers, "stockhub.sweep[", "succeeded")
    assert 0 < ran <= sum(sent), (ran, sent)  # the ledger pool ran each sweep at most once

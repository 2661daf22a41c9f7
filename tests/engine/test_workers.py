"""The real engine: Celery worker processes on a real broker, a sandbox over real HTTP.

Webhooks are received in this process (as the API will), stored in the inbox and published;
``stockhub run`` (worker + scheduler) processes them and pushes. Half-way through, the worker is
killed with SIGKILL and started again. Afterwards every event is applied exactly once and the
channel shows exactly the ledger's ATP. Runs on the embedded broker, Redis and RabbitMQ.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import func, select

from connectors.custom.protocol import DELIVERY_HEADER, SIGNATURE_HEADER, signature
from connectors.custom.sandbox import CustomSandbox
from hub.connector import WebhookRequest
from tests.conftest import in_ci

TOKEN, SECRET = "sandbox-token-123", "whsec-test-456"
BROKERS = {
    "embedded": None,
    "redis": ("127.0.0.1", 6379, "redis://127.0.0.1:6379/{db}"),
    "rabbitmq": ("127.0.0.1", 5672, "amqp://guest:${BROKER_PASSWORD}@127.0.0.1:5672//"),
}


def reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def write_config(folder: Path, base_url: str, broker: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "stockhub.toml"
    config.write_text(f'''
[hub]
database_url = "sqlite:///stockhub.db"
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


def start(config: Path, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "SANDBOX_TOKEN": TOKEN,
        "BROKER_PASSWORD": "guest",
        "SANDBOX_WEBHOOK_SECRET": SECRET,
        "STOCKHUB_RATE_LIMIT_URL": f"stockhub+sqlite://{config.parent / 'limits.db'}",
    }
    stockhub = str(Path(sys.executable).with_name("stockhub"))
    cli = [stockhub, "--config", str(config), "run", "--concurrency", "2"]
    return subprocess.Popen(
        cli, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def sale(n: int) -> dict:
    return {
        "id": f"pos/sale/{n}",
        "type": "stock.adjusted",
        "source": "pos",
        "occurred_at": "2026-11-22T10:00:00Z",
        "data": {
            "sku": f"SKU-{n % 20:03d}",
            "location": "shop",
            "delta": 1 + n % 3,
            "reason": "receipt",
        },
    }


@pytest.mark.slow
@pytest.mark.parametrize("broker", list(BROKERS))
def test_workers_survive_kill_9_and_converge(broker, tmp_path, monkeypatch):
    from hub.app import open_hub
    from hub.events import parse_event
    from hub.ledger import apply_batch
    from hub.models import EventRecord, LedgerEntry
    from hub.stockview import stock_view
    from hub.store import make_engine, upgrade
    from hub.sync import inbox
    from hub.worker.app import make_celery
    from hub.worker.tasks import CeleryPublisher

    spec = BROKERS[broker]
    url = ""
    if spec is not None:
        host, port, pattern = spec
        if not reachable(host, port):
            if in_ci():
                pytest.fail(f"{broker} is not reachable at {host}:{port} (CI=true)")
            pytest.skip(f"{broker} not reachable")
        url = pattern.replace("{db}", str(os.getpid() % 15 + 1))
    monkeypatch.setenv("SANDBOX_TOKEN", TOKEN)
    monkeypatch.setenv("SANDBOX_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("BROKER_PASSWORD", "guest")
    box = CustomSandbox(TOKEN)
    with box.serve() as base_url:
        config = write_config(tmp_path / "hub", base_url, url)
        upgrade(make_engine(f"sqlite:///{tmp_path / 'hub' / 'stockhub.db'}"))
        hub = open_hub(config)
        apply_batch(
            hub.engine,
            [
                parse_event(
                    {
                        "id": f"item/{n}",
                        "type": "item.upserted",
                        "source": "ops",
                        "occurred_at": "2026-11-22T08:00:00Z",
                        "data": {"sku": f"SKU-{n:03d}", "title": "t", "status": "active"},
                    }
                )
                for n in range(20)
            ],
        )
        app = make_celery(hub.settings)
        with app.connection_for_write() as conn:  # start from empty queues on shared brokers
            for name in app.amqp.queues:
                try:
                    conn.default_channel.queue_purge(name)
                except Exception:
                    pass
        hub.publisher = CeleryPublisher(app)
        log = tmp_path / "worker.log"
        worker = start(config, log)
        try:
            events = [sale(n) for n in range(400)]
            for n, event in enumerate(events * 2):  # every delivery twice
                body = json.dumps(event).encode()
                request = WebhookRequest(
                    body=body,
                    headers={
                        SIGNATURE_HEADER: signature(body, SECRET),
                        DELIVERY_HEADER: f"d-{n % 400}",
                    },
                )
                receipt = inbox.receive_webhook(hub, "pos", request)
                inbox.publish_stored(hub, receipt)
                if n == 300:
                    time.sleep(0.5)
                    os.killpg(worker.pid, signal.SIGKILL)  # in the middle of the burst
                    worker.wait()
                    worker = start(config, log)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                if _converged(hub, box):
                    break
                time.sleep(0.5)
            else:
                raise AssertionError(f"did not converge; worker log:\n{log.read_text()[-4000:]}")
            with hub.session() as session:
                applied = session.exec(select(func.count()).select_from(EventRecord)).one()
                entries = session.exec(select(func.count()).select_from(LedgerEntry)).one()
                view = stock_view(session, "SKU-000")
            assert (
                applied == 420 and entries == 400
            )  # 20 items + 400 sales  # each event once, one entry each
            assert view["channels"]["pos"]["last_pushed"] == view["channels"]["pos"]["atp"]
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)


def _converged(hub, box: CustomSandbox) -> bool:
    """Every event applied (420 records, none waiting) and the channel showing every ATP."""
    from hub.models import EventRecord, InboxMessage
    from hub.stockview import stock_view

    levels = box.stock_levels()
    with hub.session() as session:
        applied = session.exec(select(func.count()).select_from(EventRecord)).one()
        waiting = session.exec(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.status == "received")
        ).one()
        if applied < 420 or waiting:
            return False
        for n in range(20):
            sku = f"SKU-{n:03d}"
            try:
                atp = stock_view(session, sku)["channels"]["pos"]["atp"]
            except Exception:
                return False
            if levels.get((sku, "shop")) != atp:
                return False
    return True

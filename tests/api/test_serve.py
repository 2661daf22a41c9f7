"""``stockhub run`` on the embedded defaults is a whole hub: the API takes a signed webhook, the
worker applies it and pushes, the channel shows the ATP, and Ctrl-C stops every process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from connectors.custom.protocol import DELIVERY_HEADER, SIGNATURE_HEADER, signature
from connectors.custom.sandbox import CustomSandbox
from tests.api.server import free_port
from tests.engine.conftest import SECRET, TOKEN
from tests.engine.test_workers import _add_items, sale, worker_env, write_config

OPS_TOKEN = "run-test-ops-token-19c7"


def wait_for(check, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting; log:\n{log.read_text()[-6000:]}")
        time.sleep(0.2)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_run_serves_the_api_and_its_worker_pushes_what_a_webhook_brought(tmp_path):
    from hub.app import open_hub
    from hub.store import make_engine, upgrade

    box = CustomSandbox(TOKEN)
    folder = tmp_path / "hub"
    with box.serve() as base_url:
        config = write_config(folder, base_url, "", f"sqlite:///{folder / 'stockhub.db'}")
        engine = make_engine(f"sqlite:///{folder / 'stockhub.db'}")
        upgrade(engine)
        engine.dispose()
        hub = open_hub(config)
        _add_items(hub)
        port, log = free_port(), tmp_path / "run.log"
        origin = f"http://127.0.0.1:{port}"
        stockhub = str(Path(sys.executable).with_name("stockhub"))
        proc = subprocess.Popen(
            [stockhub, "--config", str(config), "run", "--concurrency", "1", "--port", str(port)],
            env={**worker_env(config), "STOCKHUB_OPS_TOKEN": OPS_TOKEN},
            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(lambda: answers(f"{origin}/readyz"), 60, log)
            body = json.dumps([sale(n) for n in range(12)]).encode()
            headers = {SIGNATURE_HEADER: signature(body, SECRET), DELIVERY_HEADER: "run-1"}
            stored = httpx.post(f"{origin}/webhooks/pos", content=body, headers=headers)
            assert stored.status_code == 200 and stored.json()["stored"] == 12

            auth = {"Authorization": f"Bearer {OPS_TOKEN}"}

            def channel_matches() -> bool:
                page = httpx.get(f"{origin}/api/v1/channels/pos/stock", headers=auth).json()
                shown = {sku: qty for (sku, _), qty in box.stock_levels().items()}
                wanted = {i["sku"]: i["atp"] for i in page["items"] if i["atp"]}
                return len(wanted) == 12 and all(shown.get(s) == q for s, q in wanted.items())

            wait_for(channel_matches, 90, log)
            metrics = httpx.get(f"{origin}/metrics").text
            assert "stockhub_events_applied_total 32.0" in metrics  # 20 items + 12 sales
        finally:
            proc.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                tail = log.read_text()[-4000:]
                raise AssertionError(f"Ctrl-C did not stop run; log:\n{tail}") from None
    wait_for(lambda: not answers(f"{origin}/healthz"), 10, log)  # the API went with it

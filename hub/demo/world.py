"""The demo's hub folder and processes: config pointing at the sandboxes, the store, and
``stockhub run`` as a child process that Ctrl-C (or :meth:`World.stop`) ends cleanly."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

LOCATIONS = [
    ("dc-east", "warehouse", "wms"),
    ("store-12", "store", "square-store-12"),
    ("3pl-shipbob", "3pl", "shipbob"),
    ("dark-store-1", "dark_store", "dark-ops"),
]
SYNC = {"sweep_every_s": 2, "stale_after_s": 5, "pull_every_s": 60, "reconcile_every_s": 300,
        "max_retries": 3, "backoff_s": 1, "backoff_max_s": 10}  # fmt: skip


class World:
    """One demo: sandboxes up, hub folder written, ``stockhub run`` started."""

    def __init__(self, folder: Path, vendors: list[Any], port: int) -> None:
        self.folder, self.vendors, self.port = folder.resolve(), vendors, port
        self.origin = f"http://127.0.0.1:{port}"
        self.token = secrets.token_urlsafe(18)
        self.stack = ExitStack()
        self.process: subprocess.Popen | None = None
        self.log = self.folder / "hub.log"

    def start(self) -> None:
        for vendor in self.vendors:
            vendor.start(self.stack, f"{self.origin}/webhooks/{vendor.channel}")
        self._write_folder()
        self._start_hub()

    # --- the hub folder -----------------------------------------------------------------------

    def _write_folder(self) -> None:
        from hub.app import open_hub
        from hub.cli.init import SAMPLE, sample_mappings
        from hub.cli.mappings import load_mappings
        from hub.item_import import import_items
        from hub.store import upgrade

        self.folder.mkdir(parents=True, exist_ok=True)
        for stale in ("stockhub.db", "stockhub.db-wal", "stockhub.db-shm", "broker.sqlite",
                      "broker.sqlite-wal", "broker.sqlite-shm"):  # fmt: skip
            (self.folder / stale).unlink(missing_ok=True)  # each run starts a fresh day
        mappings = self.folder / "mappings"
        shutil.rmtree(mappings, ignore_errors=True)
        shutil.copytree(sample_mappings(), mappings, ignore=shutil.ignore_patterns("README.md"))
        rows = [row for vendor in self.vendors for row in getattr(vendor, "crosswalk_rows", [])]
        if rows:
            with (mappings / "crosswalk.csv").open("a") as crosswalk:
                crosswalk.write("# added by stockhub demo\n" + "\n".join(rows) + "\n")
        (self.folder / "stockhub.toml").write_text(self.config_text())
        hub = open_hub(self.folder / "stockhub.toml", check_schema=False)
        upgrade(hub.engine)
        hub.sync_topology()
        load_mappings(hub, quiet=True)
        import_items(hub.engine, SAMPLE / "items.csv")
        hub.engine.dispose()

    def config_text(self) -> str:
        lines = ["# Written by `stockhub demo`: every channel points at a local sandbox.",
                 "[hub]", 'database_url = "sqlite:///stockhub.db"', 'broker_url = ""',
                 'mappings_dir = "mappings"', 'operators = ["ops", "stockhub"]', "",
                 "[sync]", *(f"{k} = {v}" for k, v in SYNC.items()), "",
                 "[alerts]", "check_every_s = 10", "low_stock_atp = 1", "", "[api]",
                 'ops_token = "${STOCKHUB_OPS_TOKEN}"', ""]  # fmt: skip
        extra = [loc for vendor in self.vendors for loc in getattr(vendor, "extra_locations", ())]
        for code, kind, owner in [*LOCATIONS, *extra]:
            lines += ["[[locations]]", f'code = "{code}"', f'kind = "{kind}"', f'owner = "{owner}"',
                      ""]  # fmt: skip
        for vendor in self.vendors:
            lines += ["[[channels]]", f'code = "{vendor.channel}"',
                      f'connector = "{vendor.connector}"',
                      f"locations = {json.dumps(list(vendor.locations))}",
                      *([f'push_location = "{vendor.push_location}"']
                        if getattr(vendor, "push_location", None) else []),
                      "[channels.settings]",
                      *(f"{k} = {json.dumps(v)}" for k, v in vendor.settings.items()),
                      ""]  # fmt: skip
        return "\n".join(lines)

    # --- the hub process ----------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        extra: dict[str, str] = {"STOCKHUB_OPS_TOKEN": self.token}
        for vendor in self.vendors:
            extra.update(vendor.env)
        return {**os.environ, **extra}

    def _start_hub(self) -> None:
        stockhub = str(Path(sys.executable).with_name("stockhub"))
        argv = [stockhub, "--config", str(self.folder / "stockhub.toml"), "run",
                "--port", str(self.port), "--concurrency", "3"]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603  (this stockhub, fixed args)
            argv, env=self.env(), stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the hub did not start; {self.log}:\n{tail}")
            time.sleep(0.3)

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.origin}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def cli(self, *args: str) -> str:
        """Run a ``stockhub`` command against the demo hub, as ops would from a shell."""
        stockhub = str(Path(sys.executable).with_name("stockhub"))
        argv = [stockhub, "--config", str(self.folder / "stockhub.toml"), *args]
        done = subprocess.run(argv, env=self.env(), capture_output=True, text=True, timeout=300)  # noqa: S603  (this stockhub, fixed args)
        if done.returncode != 0:
            raise RuntimeError(f"stockhub {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.request(method, f"{self.origin}{path}", headers=headers, timeout=30, **kwargs)

    def post_events(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        return self.api("POST", "/api/v1/events", json=events).json()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # what Ctrl-C sends: a warm shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.stack.close()

"""``stockhub worker``, ``stockhub beat``, ``stockhub run``: the engine's processes.

``run`` is the one-machine mode: a worker with the scheduler embedded, on the embedded
defaults (SQLite store, SQLite broker), so a fresh install syncs with nothing else running.
Production runs ``worker`` (as many as needed, anywhere) and exactly one ``beat`` against
PostgreSQL and Redis or RabbitMQ.
"""

from __future__ import annotations

import os
import subprocess
import sys

import typer

from hub.cli.common import console, handle_errors, open_hub


def _engine(ctx: typer.Context):
    from hub.worker.app import declare_dead_letter_queue, make_celery
    from hub.worker.broker import declare_embedded_queues
    from hub.worker.tasks import CeleryPublisher, bind_hub

    hub = open_hub(ctx)
    if hub.settings.config_path:  # forked and spawned children find the same hub
        os.environ["STOCKHUB_CONFIG"] = str(hub.settings.config_path)
    app = make_celery(hub.settings)
    hub.publisher = CeleryPublisher(app)
    bind_hub(hub)
    declare_dead_letter_queue(app)
    declare_embedded_queues(app)  # before any child process starts publishing or consuming
    return hub, app


def _worker_argv(hub, queues: str | None, concurrency: int, pool: str, beat: bool) -> list[str]:
    from hub.worker.app import queue_names

    argv = ["worker", f"--queues={queues or ','.join(queue_names(hub.settings))}",
            f"--concurrency={concurrency}", f"--pool={pool}", "--without-gossip",
            "--without-mingle", "--loglevel=INFO"]  # fmt: skip
    if beat:
        argv += ["--beat"]
    return argv


@handle_errors
def worker(
    ctx: typer.Context,
    queues: str = typer.Option(None, help="Comma-separated queues (default: all; see docs)."),
    concurrency: int = typer.Option(2, min=1, help="Worker processes (or threads)."),
    pool: str = typer.Option("prefork", help="prefork, threads or solo."),
) -> None:
    """Run a worker: processes inbound records, pushes, pulls and sweeps."""
    hub, app = _engine(ctx)
    console.print(f"stockhub worker: broker {_safe(app.conf.broker_url)}", markup=False)
    app.worker_main(_worker_argv(hub, queues, concurrency, pool, beat=False))


@handle_errors
def beat(ctx: typer.Context) -> None:
    """Run the scheduler (sweep, pulls, reconciliation, alerts). Replicas are safe: only the
    one holding the database lease sends; the others stand by to take over."""
    _, app = _engine(ctx)
    app.start(["beat", "--loglevel=INFO"])


@handle_errors
def run(
    ctx: typer.Context,
    concurrency: int = typer.Option(2, min=1, help="Worker processes."),
    host: str = typer.Option("127.0.0.1", help="Address the API listens on."),
    port: int = typer.Option(8000, min=0, max=65535, help="API port; 0 runs no API."),
) -> None:
    """Run the whole hub in one command: API, worker and scheduler together."""
    hub, app = _engine(ctx)
    api = _start_api(ctx, host, port) if port else None
    where = f"API http://{host}:{port}, " if api else ""
    console.print(f"stockhub run: {where}worker + scheduler, broker "
                  f"{_safe(app.conf.broker_url)}; Ctrl-C stops", markup=False)  # fmt: skip
    try:
        app.worker_main(_worker_argv(hub, None, concurrency, "prefork", beat=True))
    finally:
        if api is not None:
            api.terminate()
            try:
                api.wait(timeout=10)
            except subprocess.TimeoutExpired:
                api.kill()


def _start_api(ctx: typer.Context, host: str, port: int) -> subprocess.Popen:
    """``stockhub api`` as its own process (started fresh, not forked: the worker forks)."""
    argv = [sys.executable, "-m", "hub.cli.main"]
    if ctx.parent is not None and ctx.parent.params.get("config"):
        argv += ["--config", str(ctx.parent.params["config"])]
    return subprocess.Popen([*argv, "api", "--host", host, "--port", str(port)])  # noqa: S603  (this stockhub, fixed args)


def _safe(url: str) -> str:
    from hub.logs import scrub_text

    return scrub_text(url.split("@")[-1] if "@" in url else url)

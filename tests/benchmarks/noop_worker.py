"""A Celery worker built exactly like ``stockhub worker``, plus a no-op task: Celery's floor.

    python -m tests.benchmarks.noop_worker CONFIG [QUEUES]

Same app (``make_celery`` on the same ``stockhub.toml``: broker, queues, prefetch, late acks),
same worker arguments (``hub.cli.worker._worker_argv``), same pool and concurrency. The task
``bench.noop(sent_at)`` only appends ``"<sent_at> <done_at>\\n"`` (``time.time()`` seconds) to
the file named by ``$BENCH_NOOP_LOG``: one ``O_APPEND`` write, so the benchmark can count
completions and read latencies without a result backend.
"""

from __future__ import annotations

import os
import sys
import time

from hub.app import open_hub
from hub.cli.worker import _worker_argv
from hub.worker.app import INBOX_QUEUE, declare_dead_letter_queue, make_celery

NOOP_TASK = "bench.noop"
LOG_ENV = "BENCH_NOOP_LOG"


def record(sent_at: float) -> None:
    line = f"{sent_at:.6f} {time.time():.6f}\n".encode()
    fd = os.open(os.environ[LOG_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def main(argv: list[str]) -> None:
    config, queues = argv[0], argv[1] if len(argv) > 1 else INBOX_QUEUE
    hub = open_hub(config)
    os.environ["STOCKHUB_CONFIG"] = str(hub.settings.config_path)
    app = make_celery(hub.settings)
    app.task(name=NOOP_TASK)(record)
    declare_dead_letter_queue(app)
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "2"))
    app.worker_main(_worker_argv(hub, queues, concurrency, "prefork", beat=False))


if __name__ == "__main__":
    main(sys.argv[1:])

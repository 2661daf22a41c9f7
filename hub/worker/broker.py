"""The broker URL: the configured one, or the embedded default that needs no server.

Embedded default: kombu's SQLAlchemy transport on a SQLite file next to ``stockhub.toml``.
Chosen over kombu's filesystem transport for reliability first: a message is a row written
in an ACID transaction (a crash never leaves half a message; no directory of loose files,
no rename races between consumers), it survives restarts, and it is as fast within noise on
this machine kind (``make bench`` prints both). Neither transport has real acknowledgements —
a message a killed worker had fetched is gone — which is why the outbox and inbox tables, not
the broker, carry durability (the sweep republishes what was lost).

Pitfalls handled here: the file is put in WAL mode before kombu opens it (the default journal
halves throughput); the polling interval is set on the transport class, because kombu hands
``broker_transport_options`` to ``create_engine``; delivered rows are never deleted by kombu,
so :func:`prune_embedded` does it; and remote control is off (the transport has no fanout).
"""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kombu.transport import sqlalchemy as kombu_sqla

from hub.config import Settings
from hub.store.wal import enable_wal

POLL_S = 0.01  # how often an idle embedded consumer looks for a message


def broker_url(settings: Settings) -> str:
    url = settings.broker_url
    if url:
        return url
    path = settings.broker_path
    prepare_embedded(path)
    return f"sqla+sqlite:///{path}"


def is_embedded(url: str) -> bool:
    return url.startswith("sqla+")


def prepare_embedded(path: Path) -> None:
    """Create the broker file in WAL mode (a persistent property of the file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path, timeout=30) as conn:
        enable_wal(conn)
    kombu_sqla.Transport.polling_interval = POLL_S


def declare_embedded_queues(app: Any, attempts: int = 5) -> None:
    """Create every queue of an embedded broker once, up front. kombu's SQLAlchemy transport
    creates a missing queue with a plain INSERT, so processes starting together (``stockhub
    run`` starts its API beside the worker) can collide on the queue's unique name; a repeat
    finds the queue the other process made."""
    if not is_embedded(app.conf.broker_url):
        return
    try:
        for attempt in range(attempts):
            try:
                with app.connection_for_write() as connection:
                    channel = connection.default_channel
                    for queue in app.conf.task_queues:
                        queue.bind(channel).declare()
                return
            except Exception:  # an IntegrityError from the race, wrapped differently by kombu
                if attempt == attempts - 1:
                    raise
                time.sleep(0.1 * (attempt + 1))
    finally:
        _forget_engines()


def _forget_engines() -> None:
    """kombu's SQLAlchemy transport caches its engine per process, at class level: the worker
    forks its pool and beat after this, and a forked child must not inherit SQLite
    connections opened here (beat's sends then fail with 'channel disconnected')."""
    for engine, _ in kombu_sqla.Channel._engines.values():
        engine.dispose()
    kombu_sqla.Channel._engines.clear()


def prune_embedded(settings: Settings, older_than_s: float = 600) -> int:
    """Delete delivered messages (kombu only hides them); returns how many went."""
    if settings.broker_url or not settings.broker_path.exists():
        return 0
    cutoff = datetime.now() - timedelta(seconds=older_than_s)  # kombu stores local naive time
    cutoff_text = cutoff.strftime("%Y-%m-%d %H:%M:%S")
    with sqlite3.connect(settings.broker_path, timeout=30) as conn:
        try:
            cursor = conn.execute(
                "DELETE FROM kombu_message WHERE visible = 0 AND timestamp < ?", (cutoff_text,)
            )
        except sqlite3.OperationalError:  # no table yet: nothing was ever sent
            return 0
        return cursor.rowcount

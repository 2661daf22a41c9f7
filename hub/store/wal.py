"""Put a SQLite file in WAL mode, waiting out other processes doing the same.

SQLite answers "database is locked" at once to a journal-mode change that races another
connection's, without using the busy timeout; processes that start together (a worker pool,
``stockhub run``) would otherwise fail on a fresh file.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any


def enable_wal(conn: Any, patience_s: float = 30.0) -> None:
    """``PRAGMA journal_mode=WAL`` on a DB-API SQLite connection, retried while locked."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)

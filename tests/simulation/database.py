"""Databases for simulation runs outside pytest: a migrated SQLite template, copied per run."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

_TEMPLATE: Path | None = None
#: Scratch databases go to memory-backed storage when the machine has it.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None


def template() -> Path:
    """A migrated SQLite file for this process (migrating once, copying per run, is fast)."""
    global _TEMPLATE
    if _TEMPLATE is None or not _TEMPLATE.exists():
        from hub.store import make_engine, upgrade

        folder = Path(tempfile.mkdtemp(prefix="stockhub-sim-template-", dir=SCRATCH))
        path = folder / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        atexit.register(shutil.rmtree, folder, True)
        _TEMPLATE = path
    return _TEMPLATE


@contextmanager
def sqlite_engine(source: Path | None = None) -> Iterator[sa.Engine]:
    """A fresh migrated SQLite database in a temporary folder, removed afterwards."""
    from hub.store import make_engine

    with tempfile.TemporaryDirectory(prefix="stockhub-sim-", dir=SCRATCH) as folder:
        path = Path(folder) / "stockhub.db"
        shutil.copyfile(source or template(), path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()

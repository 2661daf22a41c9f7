"""``INSERT ... ON CONFLICT`` for whichever database the session is bound to.

SQLite and PostgreSQL spell upserts the same way, but SQLAlchemy keeps them in dialect modules;
this picks the right one so store code stays dialect-free.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert(session: Session, table: sa.Table) -> Any:
    """A dialect ``Insert`` on ``table`` (it has ``on_conflict_do_update/nothing``)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)

"""Persistence: engines, sessions, column types and migrations."""

from hub.store.engine import make_engine, session_scope
from hub.store.migrate import current_revision, head_revision, upgrade

__all__ = ["current_revision", "head_revision", "make_engine", "session_scope", "upgrade"]

"""Open a hub: settings, database engine, ledger policy, and the topology synced from config."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session

from hub.errors import ConfigError
from hub.ledger import LedgerPolicy
from hub.store import current_revision, head_revision, make_engine, session_scope
from hub.topology import sync_topology

if TYPE_CHECKING:
    import pluggy

    from hub.config import Settings
    from hub.sync.publish import Publisher


@dataclass
class Hub:
    """One hub: its settings and database, and what the engine needs to reach its channels.

    :param pm: the plugin manager (default: the process's, with every installed connector).
    :param publisher: wakes workers after a commit (set in worker and API processes).
    :param channel_parts: per channel, extra parts for its ``ChannelContext`` (tests inject a
        sandbox ``transport``, fast ``retry`` settings or a ``limiter`` here).
    """

    settings: Settings
    engine: sa.Engine
    pm: pluggy.PluginManager | None = None
    channel_parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    publisher: Publisher | None = None  # sends tasks after commits; None: the sweep does

    @property
    def plugins(self) -> pluggy.PluginManager:
        if self.pm is None:
            from hub.plugins import get_plugin_manager

            self.pm = get_plugin_manager()
        return self.pm

    @cached_property
    def policy(self) -> LedgerPolicy:
        hub = self.settings.hub
        return LedgerPolicy(operators=frozenset(hub.operators), item_owner=hub.item_owner or None)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    def sync_topology(self) -> None:
        with self.session() as session:
            sync_topology(session, self.settings)


def open_hub(config: Path | str | None = None, *, check_schema: bool = True) -> Hub:
    """Load ``stockhub.toml``, connect, make sure the schema is current, mirror the topology."""
    from hub.config import load_settings

    settings = load_settings(config)
    hub = Hub(settings, make_engine(settings.database_url))
    if check_schema:
        ensure_schema_current(hub.engine)
        hub.sync_topology()
    return hub


def ensure_schema_current(engine: sa.Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "is not initialised" if current is None else f"is at revision {current}"
        raise ConfigError(
            f"the database {state}; this stockhub needs revision {head}",
            field="hub.database_url",
            fix="run `stockhub db upgrade` (or `stockhub init` for a new hub)",
        )

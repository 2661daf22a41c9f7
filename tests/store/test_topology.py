"""Syncing stockhub.toml into the database: changes land, an unchanged file writes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from hub.topology import sync_topology
from tests.helpers import atp, count


def writes_during(engine: sa.Engine, action) -> list[str]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        if statement.split()[0] in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


class TestSyncTopology:
    def test_unchanged_config_costs_no_writes(self, hub):
        """Every command syncs at start-up; with nothing changed it must not write."""
        assert writes_during(hub.engine, hub.sync_topology) == []

    def test_changed_locations_and_rules_land(self, hub, settings):
        """Dropping a channel's location and its rules changes its ATP on the next sync."""
        count(hub, "MUG-WHT", "dc-east", 100, "06:00", "wms")
        count(hub, "MUG-WHT", "3pl-shipbob", 20, "06:00", "shipbob")
        assert atp(hub, "MUG-WHT")["amazon-us"] == 40  # (120 - 2) at 50 %, capped at 40
        amazon = settings.channel("amazon-us")
        amazon.locations = ["3pl-shipbob"]
        settings.rules.clear()
        with hub.session() as session:
            sync_topology(session, settings)
        assert atp(hub, "MUG-WHT")["amazon-us"] == 18  # 20 - buffer 2, no share or cap

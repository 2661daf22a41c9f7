"""Mirror the locations, channels and allocation rules of ``stockhub.toml`` into the database.

The file is the source of truth; the rows exist so the ledger can hold foreign keys and SQL can
join on them. Removing an entry from the file deactivates its row (history keeps pointing at it).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, delete, select

from hub.models import AllocationRuleRow, Channel, ChannelLocation, Location


def sync_topology(session: Session, settings: Any) -> None:
    """Upsert locations, channels, channel locations and rules from ``settings``."""
    locations = _sync_locations(session, settings.locations)
    channels = _sync_channels(session, settings.channels, locations)
    session.exec(delete(AllocationRuleRow))  # type: ignore[call-overload]
    for position, rule in enumerate(settings.rules):
        session.add(
            AllocationRuleRow(
                channel_id=channels[rule.channel].id,
                skus=rule.skus,
                share_percent=rule.share_percent,
                floor=rule.floor,
                cap=rule.cap,
                position=position,
            )
        )
    session.flush()


def _sync_locations(session: Session, configured: list[Any]) -> dict[str, Location]:
    existing = {loc.code: loc for loc in session.exec(select(Location))}
    for loc in existing.values():
        loc.active = False
    for item in configured:
        row = existing.get(item.code) or Location(code=item.code, kind="", owner="")
        row.kind = str(getattr(item.kind, "value", item.kind))
        row.owner = item.owner
        row.name = getattr(item, "name", "") or ""
        row.active = True
        session.add(row)
        existing[item.code] = row
    session.flush()
    return existing


def _sync_channels(
    session: Session, configured: list[Any], locations: dict[str, Location]
) -> dict[str, Channel]:
    existing = {ch.code: ch for ch in session.exec(select(Channel))}
    for ch in existing.values():
        ch.active = False
    for item in configured:
        row = existing.get(item.code) or Channel(code=item.code, connector=item.connector)
        row.connector = item.connector
        row.safety_stock = item.safety_stock
        row.buffer = item.buffer
        row.priority = getattr(item, "priority", 100)
        row.active = True
        session.add(row)
        session.flush()
        session.exec(delete(ChannelLocation).where(col(ChannelLocation.channel_id) == row.id))  # type: ignore[call-overload]
        for position, code in enumerate(item.locations):
            session.add(
                ChannelLocation(
                    channel_id=row.id, location_id=locations[code].id, position=position
                )
            )
        existing[item.code] = row
    session.flush()
    return existing

"""Mirror the locations, channels and allocation rules of ``stockhub.toml`` into the database.

The file is the source of truth; the rows exist so the ledger can hold foreign keys and SQL can
join on them. Removing an entry from the file deactivates its row (history keeps pointing at it).
Every command syncs on start-up, so an unchanged file must cost reads only: rows are compared
first and written only where they differ.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, delete, select

from hub.models import AllocationRuleRow, Channel, ChannelLocation, Location


def sync_topology(session: Session, settings: Any) -> None:
    """Upsert locations, channels, channel locations and rules from ``settings``."""
    locations = _sync_locations(session, settings.locations)
    channels = _sync_channels(session, settings.channels, locations)
    wanted = [
        (channels[rule.channel].id, rule.skus, rule.share_percent, rule.floor, rule.cap, position)
        for position, rule in enumerate(settings.rules)
    ]
    stored = session.exec(select(AllocationRuleRow).order_by(col(AllocationRuleRow.position)))
    if [
        (r.channel_id, r.skus, r.share_percent, r.floor, r.cap, r.position) for r in stored
    ] != wanted:
        session.exec(delete(AllocationRuleRow))  # type: ignore[call-overload]
        for channel_id, skus, share, floor, cap, position in wanted:
            session.add(
                AllocationRuleRow(
                    channel_id=channel_id,
                    skus=skus,
                    share_percent=share,
                    floor=floor,
                    cap=cap,
                    position=position,
                )
            )
    session.flush()


def _sync_locations(session: Session, configured: list[Any]) -> dict[str, Location]:
    existing = {loc.code: loc for loc in session.exec(select(Location))}
    configured_codes = {item.code for item in configured}
    for loc in existing.values():
        loc.active = loc.code in configured_codes
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


def _sync_channel_locations(session: Session, channel: Channel, wanted: list[Location]) -> None:
    """Replace a channel's location list only when its members or order changed."""
    stored = session.exec(
        select(ChannelLocation.location_id)
        .where(ChannelLocation.channel_id == channel.id)
        .order_by(col(ChannelLocation.position))
    ).all()
    if list(stored) == [loc.id for loc in wanted]:
        return
    session.exec(delete(ChannelLocation).where(col(ChannelLocation.channel_id) == channel.id))  # type: ignore[call-overload]
    for position, location in enumerate(wanted):
        session.add(
            ChannelLocation(channel_id=channel.id, location_id=location.id, position=position)
        )


def _sync_channels(
    session: Session, configured: list[Any], locations: dict[str, Location]
) -> dict[str, Channel]:
    existing = {ch.code: ch for ch in session.exec(select(Channel))}
    configured_codes = {item.code for item in configured}
    for ch in existing.values():
        ch.active = ch.code in configured_codes
    for item in configured:
        row = existing.get(item.code) or Channel(code=item.code, connector=item.connector)
        row.connector = item.connector
        row.safety_stock = item.safety_stock
        row.buffer = item.buffer
        row.priority = getattr(item, "priority", 100)
        row.active = True
        session.add(row)
        session.flush()
        _sync_channel_locations(session, row, [locations[code] for code in item.locations])
        existing[item.code] = row
    session.flush()
    return existing

"""Load validated crosswalk rows into the database, where uniqueness is enforced."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from hub.models import ExternalRef


@dataclass(frozen=True)
class CrosswalkChange:
    added: int = 0
    changed: int = 0
    unchanged: int = 0


def import_crosswalk(session: Session, rows: Iterable) -> CrosswalkChange:
    """Upsert rows keyed by (system, kind, external id); a changed hub code is updated."""
    existing = {
        (ref.system, ref.kind, ref.external_id): ref for ref in session.exec(select(ExternalRef))
    }
    added = changed = unchanged = 0
    for row in rows:
        kind = getattr(row.kind, "value", row.kind)
        key = (row.system, kind, row.external_id)
        origin = f"{row.file}:{row.line}"
        ref = existing.get(key)
        if ref is None:
            ref = ExternalRef(
                system=row.system,
                kind=kind,
                external_id=row.external_id,
                hub_code=row.hub_id,
                origin=origin,
            )
            existing[key] = ref
            added += 1
        elif ref.hub_code != row.hub_id:
            ref.hub_code, ref.origin = row.hub_id, origin
            changed += 1
        else:
            unchanged += 1
            continue
        session.add(ref)
    session.flush()
    return CrosswalkChange(added, changed, unchanged)

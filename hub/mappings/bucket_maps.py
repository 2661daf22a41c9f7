"""Vendor quantity names → hub buckets, read from a status-map file (``mappings/<vendor>/``).

Connectors whose vendors report several named quantities (Shopify's ``available``/``on_hand``,
ShipBob's ``on_hand_quantity``/``awaiting_quantity``...) keep the mapping as data; this module
finds the bundled file and loads one through the hub's own status-map loader, so a bad file is
reported the same way everywhere.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hub.errors import ConfigError
from hub.mappings import load_status_maps
from hub.vocabulary import Bucket


def bundled(relative: Path) -> Path:
    """``mappings/<relative>`` of the source tree, or the copy installed with the hub."""
    source = Path(__file__).resolve().parents[2] / "mappings" / relative
    if source.is_file():
        return source
    return Path(__file__).resolve().parents[1] / "sample" / "mappings" / relative


@lru_cache(maxsize=16)
def bucket_map(file: Path, what: str, example: str) -> dict[str, Bucket | None]:
    """Name → bucket (None: not counted) from ``file``; ConfigError naming the setting."""
    maps, problems = load_status_maps(file.parent) if file.is_file() else ([], [])
    problems = [p for p in problems if Path(p.file).name == file.name]
    chosen = next((m for m in maps if Path(m.file).name == file.name), None)
    if chosen is None or problems:
        reasons = "; ".join(str(p) for p in problems) or "file missing or not a status map"
        raise ConfigError(
            f"{what} {file} is unusable: {reasons}",
            field="settings.quantity_map",
            fix=f"point quantity_map at a file like {example}",
        )
    return dict(chosen.map)

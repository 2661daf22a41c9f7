"""The ShipBob quantity-field map: which hub bucket each ShipBob quantity field counts in.

The map is data (``mappings/shipbob/quantities.yaml``, the status-map format, checked by the
hub's own loader); this module only finds and reads it. A channel may point ``quantity_map`` at
its own copy. A field ShipBob sends that the map does not list is an error, never a guess.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hub.errors import ConfigError
from hub.mappings import load_status_maps
from hub.vocabulary import Bucket

RELATIVE = Path("shipbob") / "quantities.yaml"


def default_path() -> Path:
    """The bundled map: the source tree's mappings/, or the copy installed with the hub."""
    source = Path(__file__).resolve().parents[2] / "mappings" / RELATIVE
    if source.is_file():
        return source
    import hub

    return Path(hub.__file__).parent / "sample" / "mappings" / RELATIVE


@lru_cache(maxsize=8)
def quantity_map(path: str | None = None) -> dict[str, Bucket | None]:
    """ShipBob quantity field → bucket (None: not counted), from ``path`` or the bundled map."""
    file = Path(path) if path else default_path()
    maps, problems = load_status_maps(file.parent) if file.is_file() else ([], [])
    problems = [p for p in problems if Path(p.file).name == file.name]
    chosen = next((m for m in maps if Path(m.file).name == file.name), None)
    if chosen is None or problems:
        reasons = "; ".join(str(p) for p in problems) or "file missing or not a status map"
        raise ConfigError(
            f"ShipBob quantity map {file} is unusable: {reasons}",
            field="settings.quantity_map",
            fix="point quantity_map at a file like mappings/shipbob/quantities.yaml",
        )
    return dict(chosen.map)

"""The ShipBob quantity-field map: which hub bucket each ShipBob quantity field counts in.

The map is data (``mappings/shipbob/quantities.yaml``, the status-map format, checked by the
hub's own loader); this module only finds and reads it. A channel may point ``quantity_map`` at
its own copy. A field ShipBob sends that the map does not list is an error, never a guess.
"""

from __future__ import annotations

from pathlib import Path

from hub.mappings.bucket_maps import bucket_map, bundled
from hub.vocabulary import Bucket

RELATIVE = Path("shipbob") / "quantities.yaml"


def default_path() -> Path:
    return bundled(RELATIVE)


def quantity_map(path: str | None = None) -> dict[str, Bucket | None]:
    """ShipBob quantity field → bucket (None: not counted), from ``path`` or the bundled map."""
    file = Path(path) if path else default_path()
    return bucket_map(file, "ShipBob quantity map", f"mappings/{RELATIVE}")

"""The Shopify quantity-name map: which hub bucket each Shopify quantity name counts in.

The map is data (``mappings/shopify/quantities.yaml``, the status-map format, checked by the
hub's own loader); this module only finds and reads it. A channel may point ``quantity_map``
at its own copy, e.g. the one ``stockhub init`` wrote next to ``stockhub.toml``.
"""

from __future__ import annotations

from pathlib import Path

from hub.mappings.bucket_maps import bucket_map, bundled
from hub.vocabulary import Bucket

RELATIVE = Path("shopify") / "quantities.yaml"


def default_path() -> Path:
    return bundled(RELATIVE)


def quantity_map(path: str | None = None) -> dict[str, Bucket | None]:
    """Shopify quantity name → bucket (None: not counted), from ``path`` or the bundled map."""
    file = Path(path) if path else default_path()
    return bucket_map(file, "Shopify quantity map", f"mappings/{RELATIVE}")

"""The order-status map (``mappings/amazon/order_status.yaml``) and the FBA quantity map.

Both are data the steward owns; this module finds, reads and checks them. The order-status
file is the connector's own format (status → reserve | ship | cancel | ignore); the FBA map is
the hub's status-map format (``mappings/status/amazon.yaml``), read by the hub's loader.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from hub.errors import ConfigError
from hub.mappings import load_status_maps
from hub.vocabulary import Bucket

ACTIONS = frozenset({"reserve", "ship", "cancel", "ignore"})
ORDER_STATUS_FILE = Path("amazon") / "order_status.yaml"
FBA_MAP_FILE = Path("status") / "amazon.yaml"


def mapping_path(relative: Path) -> Path:
    """A bundled mapping file: the source tree's mappings/, or the copy installed with the hub."""
    source = Path(__file__).resolve().parents[2] / "mappings" / relative
    if source.is_file():
        return source
    import hub

    return Path(hub.__file__).parent / "sample" / "mappings" / relative


def read_order_statuses(path: Path) -> dict[str, str]:
    """Status → action from a file; ConfigError naming the file and the offending key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: unreadable order-status map: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("kind") != "order_status":
        raise ConfigError(f"{path}: not an order-status map", field="kind",
                          fix="start the file with system: amazon and kind: order_status")
    statuses = raw.get("statuses")
    if not isinstance(statuses, dict) or not statuses:
        raise ConfigError(f"{path}: no statuses", field="statuses")
    for status, action in statuses.items():
        if action not in ACTIONS:
            raise ConfigError(
                f"{path}: status {status!r} maps to {action!r}",
                field=f"statuses.{status}",
                fix=f"use one of {', '.join(sorted(ACTIONS))}",
            )
    return {str(k): str(v) for k, v in statuses.items()}


@lru_cache(maxsize=1)
def order_statuses() -> dict[str, str]:
    """The bundled order-status map."""
    return read_order_statuses(mapping_path(ORDER_STATUS_FILE))


@lru_cache(maxsize=1)
def fba_quantity_map() -> dict[str, Bucket | None]:
    """FBA inventoryDetails field (leaf name) → hub bucket, from the bundled status map."""
    file = mapping_path(FBA_MAP_FILE)
    maps, problems = load_status_maps(file.parent)
    chosen = next((m for m in maps if Path(m.file).name == file.name), None)
    problems = [p for p in problems if Path(p.file).name == file.name]
    if chosen is None or problems:
        reasons = "; ".join(str(p) for p in problems) or "file missing or not a status map"
        raise ConfigError(f"Amazon FBA quantity map {file} is unusable: {reasons}")
    return dict(chosen.map)

"""The Square InventoryState map: which hub bucket each state counts in, and which are read-only.

Data, not code: ``mappings/status/square.yaml`` (one status map per system, checked by the
hub's own loader), or the copy installed with the hub, or a channel's ``state_map``. The push
writes only ``IN_STOCK`` and refuses a map that marks it read-only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hub.errors import ConfigError
from hub.mappings import load_status_maps
from hub.mappings.files import StatusMap

RELATIVE = Path("status") / "square.yaml"
#: The only state the hub writes (absolute counts of the allocation it owns).
PUSH_STATE = "IN_STOCK"


def default_path() -> Path:
    """The source tree's mappings/, else the sample copy installed with the hub."""
    source = Path(__file__).resolve().parents[2] / "mappings" / RELATIVE
    if source.is_file():
        return source
    import hub

    return Path(hub.__file__).parent / "sample" / "mappings" / RELATIVE


@lru_cache(maxsize=8)
def state_map(path: str | None = None) -> StatusMap:
    """The map from ``path`` or the bundled one; ConfigError when it is unusable."""
    file = Path(path) if path else default_path()
    maps, problems = load_status_maps(file.parent) if file.is_file() else ([], [])
    problems = [p for p in problems if Path(p.file).name == file.name]
    chosen = next((m for m in maps if Path(m.file).name == file.name), None)
    if chosen is None or problems or chosen.system != "square":
        reasons = "; ".join(str(p) for p in problems) or "missing, or not a square status map"
        raise ConfigError(
            f"Square state map {file} is unusable: {reasons}",
            field="settings.state_map",
            fix="point state_map at a file like mappings/status/square.yaml",
        )
    if PUSH_STATE in chosen.read_only:
        raise ConfigError(
            f"{file} marks {PUSH_STATE} read-only, but it is the state the hub pushes",
            field="settings.state_map",
        )
    return chosen


def feeders(states: StatusMap) -> dict[str, frozenset[str]]:
    """Bucket → every state that counts in it (a bucket is known only with all of them)."""
    found: dict[str, set[str]] = {}
    for state, bucket in states.map.items():
        if bucket is not None:
            found.setdefault(bucket.value, set()).add(state)
    return {bucket: frozenset(names) for bucket, names in found.items()}

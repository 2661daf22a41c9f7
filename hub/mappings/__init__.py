"""The declarative mapping files (crosswalks, status maps): loading, checking, loading into the db.

Only the file readers are re-exported here; ``hub.mappings.sync`` needs the database and is
imported where it is used.
"""

from hub.mappings.files import (
    CROSSWALK_COLUMNS,
    STATUS_KEYS,
    STATUS_KINDS,
    CrosswalkRow,
    MappingReport,
    Problem,
    StatusMap,
    load_crosswalk,
    load_status_maps,
    validate_mappings,
)

__all__ = [
    "CROSSWALK_COLUMNS",
    "STATUS_KEYS",
    "STATUS_KINDS",
    "CrosswalkRow",
    "MappingReport",
    "Problem",
    "StatusMap",
    "load_crosswalk",
    "load_status_maps",
    "validate_mappings",
]

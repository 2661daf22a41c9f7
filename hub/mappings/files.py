"""Read and check the declarative mapping files: SKU/location crosswalks and status maps.

Data stewards edit these by hand, so the loader never stops at the first mistake: every bad row
comes back as a ``Problem`` naming file, line, column and the fix, and nothing should go live
until the report is clean (``stockhub mappings validate``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from hub.errors import MappingError
from hub.vocabulary import Bucket, RefKind

CROSSWALK_COLUMNS = ("system", "kind", "external_id", "hub_id")
STATUS_KEYS = ("system", "kind", "map", "read_only")
STATUS_KINDS = ("inventory_state",)
_NULL = "tag:yaml.org,2002:null"
_HEADER = ",".join(CROSSWALK_COLUMNS)


@dataclass(frozen=True)
class CrosswalkRow:
    """One external id of one system and the hub code it stands for, with where it was read."""

    system: str
    kind: RefKind
    external_id: str
    hub_id: str
    file: str
    line: int


@dataclass(frozen=True)
class StatusMap:
    """A vendor's stock states (or quantity fields) → hub buckets; ``None`` means not stock here."""

    system: str
    kind: str
    map: dict[str, Bucket | None]
    read_only: frozenset[str]
    file: str

    def bucket(self, state: str) -> Bucket | None:
        """The bucket for a vendor state; a state the map does not know is an error, not a zero."""
        if state not in self.map:
            raise MappingError(
                f"{self.system} state {state!r} is not in the status map",
                field="state",
                fix=f"add '{state}: <bucket or null>' under map: in {self.file}",
            )
        return self.map[state]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a mapping file, written for the person who must fix it.

    ``file`` is the path as the caller spelled it (the folder given, joined with the file name),
    so a relative ``mappings`` folder gives ``mappings/crosswalk.csv:7: kind: ...``.
    """

    file: str
    line: int | None
    field: str | None
    reason: str
    #: the row names a SKU the item master does not have yet: loadable, events using it park
    awaits_item: bool = False

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass
class MappingReport:
    """Everything usable in a mappings folder, and everything wrong with it."""

    crosswalk: list[CrosswalkRow] = field(default_factory=list)
    status_maps: list[StatusMap] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_mappings(
    folder: str | Path,
    *,
    known_skus: set[str] | None = None,
    known_locations: set[str] | None = None,
) -> MappingReport:
    """Load every ``crosswalk*.csv`` and ``status/*.yaml`` in ``folder`` and list every problem.

    Hub codes are checked against ``known_skus`` / ``known_locations`` when given. Well-formed
    crosswalk rows are kept even when their hub code is unknown (callers decide whether such a
    row may load); a status map is kept only when its file has no problem at all.
    """
    folder = Path(folder)
    report = MappingReport()
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "mappings folder not found"
        report.problems.append(
            Problem(
                str(folder),
                None,
                None,
                f"{what}; create it (`stockhub init` writes a sample) or "
                "point [hub] mappings_dir in stockhub.toml at it",
            )
        )
        return report
    seen: dict[tuple[str, str, str], CrosswalkRow] = {}
    for path in sorted(folder.glob("crosswalk*.csv")):
        _read_crosswalk(path, seen, report.crosswalk, report.problems)
    _check_references(report.crosswalk, known_skus, known_locations, report.problems)
    report.status_maps, problems = load_status_maps(folder / "status")
    report.problems.extend(problems)
    report.problems.sort(key=lambda p: (p.file, p.line or 0))
    return report


def load_crosswalk(path: str | Path) -> tuple[list[CrosswalkRow], list[Problem]]:
    """Every well-formed, unique row of one crosswalk CSV; a missing file holds no rows."""
    rows: list[CrosswalkRow] = []
    problems: list[Problem] = []
    if Path(path).is_file():
        _read_crosswalk(Path(path), {}, rows, problems)
    return rows, problems


def load_status_maps(folder: str | Path) -> tuple[list[StatusMap], list[Problem]]:
    """Every clean status map in ``folder`` (``*.yaml``, ``*.yml``); a missing folder holds none."""
    folder = Path(folder)
    maps: list[StatusMap] = []
    problems: list[Problem] = []
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    for path in paths:
        status_map = _read_status_map(path, problems)
        if status_map is None:
            continue
        first = next(
            (m for m in maps if (m.system, m.kind) == (status_map.system, status_map.kind)), None
        )
        if first is None:
            maps.append(status_map)
        else:
            problems.append(
                Problem(
                    status_map.file,
                    None,
                    "system",
                    f"{first.system!r} already has a {first.kind} map in "
                    f"{first.file}; keep one file per system",
                )
            )
    return maps, problems


# -- crosswalk CSV ----------------------------------------------------------------------------


def _read_crosswalk(
    path: Path,
    seen: dict[tuple[str, str, str], CrosswalkRow],
    rows: list[CrosswalkRow],
    problems: list[Problem],
) -> None:
    shown = str(path)
    text = _read_text(path, shown, problems)
    if text is None:
        return
    # Blank out comment lines first so the csv module's line count stays the file's.
    lines = [
        "\n" if line.lstrip().startswith("#") else line for line in io.StringIO(text, newline="")
    ]
    reader = csv.reader(lines)
    header_seen, end = False, 0
    for values in reader:
        line, end = end + 1, reader.line_num
        if not values or values == [""]:
            continue
        if not header_seen:
            if values != list(CROSSWALK_COLUMNS):
                problems.append(Problem(shown, line, "header", _header_reason(values)))
                return
            header_seen = True
            continue
        row = _crosswalk_row(values, shown, line, problems)
        if row is None:
            continue
        key = (row.system, row.kind.value, row.external_id)
        if (first := seen.get(key)) is not None:
            where = f"line {first.line}" if first.file == shown else f"{first.file}:{first.line}"
            problems.append(
                Problem(
                    shown,
                    line,
                    "external_id",
                    f"duplicate of {where}: {row.system} {row.kind.value} "
                    f"{row.external_id!r} is already mapped to {first.hub_id!r}",
                )
            )
            continue
        seen[key] = row
        rows.append(row)
    if not header_seen:
        problems.append(
            Problem(shown, None, "header", f"no header; the first line must be {_HEADER}")
        )


def _header_reason(values: list[str]) -> str:
    if len(values) > 1 and values[1].strip() in set(RefKind):
        return f"no header line; add {_HEADER} above the first row"
    return f"header must be {_HEADER}, found {','.join(values)}"


def _crosswalk_row(
    values: list[str], shown: str, line: int, problems: list[Problem]
) -> CrosswalkRow | None:
    """The row, or None after reporting each bad value in it."""
    if len(values) != len(CROSSWALK_COLUMNS):
        expected = f"expected {len(CROSSWALK_COLUMNS)} values ({_HEADER}), found {len(values)}"
        if len(values) < len(CROSSWALK_COLUMNS):
            missing = ", ".join(CROSSWALK_COLUMNS[len(values) :])
            reason = f"missing column(s) {missing}: {expected}"
        else:
            reason = f"extra column(s): {expected}; quote any value that contains a comma"
        problems.append(Problem(shown, line, None, reason))
        return None
    bad = False
    for name, value in zip(CROSSWALK_COLUMNS, values, strict=True):
        if not value.strip():
            reason = "empty; every column needs a value"
        elif value != value.strip():
            reason = f"{value!r} has surrounding whitespace; remove it"
        elif "\n" in value or "\r" in value:
            reason = f"{value!r} contains a line break"
        elif name == "kind" and value not in set(RefKind):
            reason = f"{value!r} is not a reference kind; use {_choices(RefKind)}"
        else:
            continue
        problems.append(Problem(shown, line, name, reason))
        bad = True
    if bad:
        return None
    system, kind, external_id, hub_id = values
    return CrosswalkRow(system, RefKind(kind), external_id, hub_id, shown, line)


def _check_references(
    rows: Iterable[CrosswalkRow],
    known_skus: set[str] | None,
    known_locations: set[str] | None,
    problems: list[Problem],
) -> None:
    for row in rows:
        if row.kind is RefKind.SKU and known_skus is not None and row.hub_id not in known_skus:
            known, reason = (
                known_skus,
                (
                    f"{row.hub_id!r} is not in the item master; import it "
                    "(`stockhub items import`) or correct the code"
                ),
            )
        elif (
            row.kind is RefKind.LOCATION
            and known_locations is not None
            and row.hub_id not in known_locations
        ):
            known, reason = (
                known_locations,
                (
                    f"{row.hub_id!r} is not a location in "
                    "stockhub.toml; add a [[locations]] entry or "
                    "correct the code"
                ),
            )
        else:
            continue
        if close := [code for code in known if code.casefold() == row.hub_id.casefold()]:
            reason += f" (codes are case-sensitive: did you mean {close[0]!r}?)"
        awaits_item = row.kind is RefKind.SKU
        problems.append(Problem(row.file, row.line, "hub_id", reason, awaits_item=awaits_item))


# -- status map YAML --------------------------------------------------------------------------

#: Records a problem at a node's line (``None``: the file as a whole) for one field.
Report = Callable[[yaml.Node | None, str | None, str], None]


def _read_status_map(path: Path, problems: list[Problem]) -> StatusMap | None:
    shown = str(path)
    text = _read_text(path, shown, problems)
    if text is None:
        return None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.append(
            Problem(
                shown,
                mark.line + 1 if mark else None,
                None,
                f"not valid YAML: {exc.problem or exc.context}",
            )
        )
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(shown, None, None, f"not valid YAML: {exc}"))
        return None
    mine: list[Problem] = []

    def report(node: yaml.Node | None, name: str | None, reason: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        mine.append(Problem(shown, line, name, reason))

    if not isinstance(root, yaml.MappingNode):
        report(root, None, f"expected the keys {', '.join(STATUS_KEYS)} (read_only optional)")
        problems.extend(mine)
        return None
    top = _pairs(root, None, report)
    for name, (key, _) in top.items():
        if name not in STATUS_KEYS:
            report(key, name, f"unknown key; use {', '.join(STATUS_KEYS)}")
    system = _name(top, "system", report)
    kind = _name(top, "kind", report)
    if kind and kind not in STATUS_KINDS:
        report(
            top["kind"][1],
            "kind",
            f"{kind!r} is not a status map kind; use {_choices(STATUS_KINDS)}",
        )
    buckets, states = _buckets(top.get("map"), report)
    read_only = _read_only(top.get("read_only"), states, report)
    problems.extend(mine)
    if mine or system is None or kind is None:
        return None
    return StatusMap(system, kind, buckets, read_only, shown)


def _pairs(
    node: yaml.MappingNode, prefix: str | None, report: Report
) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key → (key node, value node); YAML keeps the last of duplicate keys, we report them."""
    pairs: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            report(key, prefix, "keys must be plain names")
        elif key.value in pairs:
            first = pairs[key.value][0].start_mark.line + 1
            report(
                key,
                f"{prefix}.{key.value}" if prefix else key.value,
                f"duplicate key, first at line {first}; YAML would keep only one",
            )
        else:
            pairs[key.value] = (key, value)
    return pairs


def _name(top: dict[str, tuple[yaml.Node, yaml.Node]], key: str, report: Report) -> str | None:
    if key not in top:
        report(None, key, "missing; this key is required")
        return None
    node = top[key][1]
    if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL or not node.value.strip():
        report(node, key, "expected a name")
        return None
    return node.value


def _buckets(
    pair: tuple[yaml.Node, yaml.Node] | None, report: Report
) -> tuple[dict[str, Bucket | None], set[str]]:
    """The map's entries that name a bucket or null, and every state named (good or bad)."""
    if pair is None:
        report(None, "map", "missing; list each vendor state as 'STATE: bucket' or 'STATE: null'")
        return {}, set()
    node = pair[1]
    if not isinstance(node, yaml.MappingNode) or not node.value:
        report(node, "map", "expected 'STATE: bucket' entries, one per line")
        return {}, set()
    buckets: dict[str, Bucket | None] = {}
    entries = _pairs(node, "map", report)
    for state, (_, value) in entries.items():
        text = value.value if isinstance(value, yaml.ScalarNode) else None
        if isinstance(value, yaml.ScalarNode) and value.tag == _NULL:
            buckets[state] = None
        elif text == Bucket.RESERVED:
            report(
                value,
                f"map.{state}",
                "'reserved' is derived by the hub from open orders and "
                "cannot be counted from a vendor state; use on_hand if the units are "
                "physically there, else null",
            )
        elif text in set(Bucket):
            buckets[state] = Bucket(text)
        else:
            report(
                value,
                f"map.{state}",
                f"{text if text is not None else 'a list or mapping'!r}"
                f" is not a bucket; use {_choices(b for b in Bucket if b != Bucket.RESERVED)}"
                ", or null to ignore the state",
            )
    return buckets, set(entries)


def _read_only(
    pair: tuple[yaml.Node, yaml.Node] | None, states: set[str], report: Report
) -> frozenset[str]:
    if pair is None or (isinstance(pair[1], yaml.ScalarNode) and pair[1].tag == _NULL):
        return frozenset()
    node = pair[1]
    if not isinstance(node, yaml.SequenceNode):
        report(node, "read_only", "expected a list of states, e.g. [SOLD, WASTE]")
        return frozenset()
    found: set[str] = set()
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode):
            report(item, "read_only", "expected a state name")
        elif item.value in found:
            report(item, "read_only", f"{item.value!r} is listed twice")
        elif item.value not in states:
            report(item, "read_only", f"{item.value!r} is not in map; add it there or remove it")
        if isinstance(item, yaml.ScalarNode):
            found.add(item.value)
    return frozenset(found)


def _choices(values: Iterable[str]) -> str:
    *rest, last = [str(v) for v in values]
    return f"{', '.join(rest)} or {last}" if rest else last


# -- files ------------------------------------------------------------------------------------


def _read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    """The file's text (a leading BOM dropped), or None after naming the first non-UTF-8 line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                shown,
                line,
                None,
                f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
            )
        )
        return None

"""Import the item master from CSV, reporting every bad row with its line and field.

Columns (header required; only ``sku`` is mandatory)::

    sku,title,status,barcodes,attributes,components
    GIFT-SET,Gift set,active,0012345000059|4006381333931,color=red;size=M,TEE-RED-M:1|MUG-WHT:2

``barcodes`` are ``|``-separated, ``attributes`` are ``key=value`` pairs separated by ``;``, and
``components`` are ``SKU:quantity`` pairs separated by ``|`` (a row with components is a bundle).
Plain items are written before bundles, so a bundle may come before its components in the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
import sqlalchemy as sa

from hub.errors import HubError
from hub.events import ItemUpserted, field_path
from hub.ledger.items import upsert_item
from hub.store.engine import session_scope

COLUMNS = ("sku", "title", "status", "barcodes", "attributes", "components")
BATCH = 500


@dataclass(frozen=True)
class RowProblem:
    file: str
    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass
class ImportReport:
    imported: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_items(path: Path) -> tuple[list[tuple[int, ItemUpserted]], list[RowProblem]]:
    """Parse and validate every row; nothing is written."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [RowProblem(name, 0, None, f"cannot read file: {exc}")]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    problems = _check_header(name, header)
    if problems:
        return [], problems
    items: list[tuple[int, ItemUpserted]] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        try:
            item = _parse_row(row)
        except _RowError as exc:
            problems.append(RowProblem(name, line, exc.field, exc.reason))
            continue
        if item.sku in seen:
            problems.append(
                RowProblem(name, line, "sku", f"{item.sku!r} repeats line {seen[item.sku]}")
            )
            continue
        seen[item.sku] = line
        items.append((line, item))
    return items, problems


def import_items(
    engine: sa.Engine, path: Path, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Validate the whole file, then write it in batches; rows that fail on write are reported."""
    items, problems = read_items(path)
    report = ImportReport(problems=problems)
    if problems:
        return report
    ordered = sorted(items, key=lambda pair: bool(pair[1].components))
    for chunk in _chunks(ordered, BATCH):
        report.imported += _write(engine, str(path), chunk, report)
        if progress:
            progress(len(chunk))
    return report


def _write(engine: sa.Engine, name: str, chunk, report: ImportReport) -> int:
    try:
        with session_scope(engine) as session:
            for _, item in chunk:
                upsert_item(session, item)
        return len(chunk)
    except HubError:
        pass  # fall back to row by row so a single bad row names itself
    written = 0
    for line, item in chunk:
        try:
            with session_scope(engine) as session:
                upsert_item(session, item)
            written += 1
        except HubError as exc:
            field = (exc.field or "").replace("data.", "") or None
            report.problems.append(RowProblem(name, line, field, exc.message))
    return written


class _RowError(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        self.field, self.reason = field, reason


def _check_header(name: str, header: list[str]) -> list[RowProblem]:
    if "sku" not in header:
        return [RowProblem(name, 1, None, f"header must name a 'sku' column; got {header}")]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        return [
            RowProblem(name, 1, None, f"unknown column(s) {unknown}; allowed: {', '.join(COLUMNS)}")
        ]
    return []


def _parse_row(row: dict[str, str]) -> ItemUpserted:
    data: dict[str, Any] = {"sku": row.get("sku", ""), "title": row.get("title", "")}
    if row.get("status"):
        data["status"] = row["status"]
    data["barcodes"] = [b.strip() for b in row.get("barcodes", "").split("|") if b.strip()]
    data["attributes"] = _pairs(row.get("attributes", ""), ";", "=", "attributes")
    data["components"] = [
        {"sku": sku, "quantity": _int(qty, "components")}
        for sku, qty in _pairs(row.get("components", ""), "|", ":", "components").items()
    ]
    try:
        return ItemUpserted.model_validate(data)
    except pydantic.ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        raise _RowError(field_path(tuple(err["loc"])), str(err["msg"])) from None


def _pairs(text: str, sep: str, kv: str, column: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(sep))):
        key, found, value = part.partition(kv)
        if not found or not key.strip():
            raise _RowError(column, f"{part!r} is not of the form key{kv}value")
        pairs[key.strip()] = value.strip()
    return pairs


def _int(text: str, column: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _RowError(column, f"quantity {text!r} is not a whole number") from None


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


__all__ = ["ImportReport", "RowProblem", "import_items", "read_items"]

"""Mapping files: the shipped samples validate, and every kind of mistake is reported in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import MappingError
from hub.mappings import (
    CrosswalkRow,
    Problem,
    StatusMap,
    load_crosswalk,
    load_status_maps,
    validate_mappings,
)
from hub.vocabulary import Bucket, RefKind

SAMPLE = Path(__file__).parents[2] / "mappings"
SKUS = {"TEE-RED-M", "TEE-RED-L", "TEE-BLU-M", "MUG-WHT", "GIFT-SET"}
LOCATIONS = {"dc-east", "store-12", "3pl-shipbob", "dark-store-1"}
HEADER = "system,kind,external_id,hub_id\n"
GOOD_STATUS = "system: square\nkind: inventory_state\nmap:\n  IN_STOCK: on_hand\n  SOLD: null\n"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def where(problems: list[Problem]) -> list[tuple[int | None, str | None]]:
    return [(p.line, p.field) for p in problems]


class TestSampleFolder:
    def test_sample_folder_validates_clean(self):
        """The shipped mappings folder has no problem against the sample item master and sites."""
        report = validate_mappings(SAMPLE, known_skus=SKUS, known_locations=LOCATIONS)
        assert report.problems == [] and report.ok

    def test_sample_covers_every_system_sku_and_location(self):
        """The sample maps every sample SKU and location, for each of the four systems."""
        report = validate_mappings(SAMPLE)
        systems = {row.system for row in report.crosswalk}
        assert systems == {"shopify-us", "amazon-us", "square-store-12", "shipbob"}
        assert {r.hub_id for r in report.crosswalk if r.kind is RefKind.SKU} == SKUS
        assert {r.hub_id for r in report.crosswalk if r.kind is RefKind.LOCATION} == LOCATIONS
        assert sorted(m.system for m in report.status_maps) == ["amazon", "shipbob", "square"]

    def test_sample_status_maps_use_vendor_names(self):
        """The sample maps carry the vendors' own state and field names."""
        maps = {m.system: m for m in validate_mappings(SAMPLE).status_maps}
        assert maps["square"].bucket("IN_STOCK") is Bucket.ON_HAND
        assert maps["square"].bucket("SOLD") is None
        assert "RESERVED_FOR_SALE" in maps["square"].read_only
        assert maps["shipbob"].bucket("on_hand_quantity") is Bucket.ON_HAND
        assert maps["amazon"].bucket("fulfillableQuantity") is Bucket.ON_HAND
        assert maps["amazon"].bucket("warehouseDamagedQuantity") is Bucket.DAMAGED


class TestLoadCrosswalk:
    def test_rows_keep_file_and_line(self, tmp_path):
        """Each row carries its kind as a RefKind and the line it was read from."""
        text = "# comment\n" + HEADER + "\nshipbob,sku,77,MUG-WHT\n"
        path = write(tmp_path, "crosswalk.csv", text)
        rows, problems = load_crosswalk(path)
        assert problems == []
        assert rows == [CrosswalkRow("shipbob", RefKind.SKU, "77", "MUG-WHT", str(path), 4)]

    def test_missing_file_is_empty(self, tmp_path):
        """A crosswalk file that does not exist holds no rows and no problems."""
        assert load_crosswalk(tmp_path / "crosswalk.csv") == ([], [])

    def test_unknown_kind_names_the_line(self, tmp_path):
        """A kind that is not sku, location or order is reported on its line with the choices."""
        path = write(tmp_path, "crosswalk.csv", HEADER + "a,sku,1,X\na,skus,2,X\n")
        rows, problems = load_crosswalk(path)
        assert [r.line for r in rows] == [2]
        assert [str(p) for p in problems] == [
            f"{path}:3: kind: 'skus' is not a reference kind; use sku, location or order"
        ]

    def test_missing_and_extra_columns(self, tmp_path):
        """Too few and too many values are each reported, naming what is missing."""
        path = write(tmp_path, "crosswalk.csv", HEADER + "a,sku,1\na,sku,2,X,extra\n")
        _, problems = load_crosswalk(path)
        assert where(problems) == [(2, None), (3, None)]
        assert "missing column(s) hub_id" in problems[0].reason
        assert "extra column(s)" in problems[1].reason

    def test_empty_values(self, tmp_path):
        """Each empty value in a row is its own problem, naming the column."""
        path = write(tmp_path, "crosswalk.csv", HEADER + ",sku,1,\n")
        _, problems = load_crosswalk(path)
        assert where(problems) == [(2, "system"), (2, "hub_id")]
        assert all("empty" in p.reason for p in problems)

    def test_surrounding_whitespace(self, tmp_path):
        """Spaces around a value are reported, not silently stripped."""
        path = write(tmp_path, "crosswalk.csv", HEADER + "a,sku, 1,X\n")
        rows, problems = load_crosswalk(path)
        assert rows == [] and where(problems) == [(2, "external_id")]
        assert "whitespace" in problems[0].reason

    def test_duplicate_names_first_line(self, tmp_path):
        """A repeated (system, kind, external_id) names the line of its first occurrence."""
        path = write(
            tmp_path, "crosswalk.csv", HEADER + "a,sku,1,X\na,location,1,L\n# note\na,sku,1,Y\n"
        )
        rows, problems = load_crosswalk(path)
        assert [r.hub_id for r in rows] == ["X", "L"]
        assert where(problems) == [(5, "external_id")]
        assert problems[0].reason.startswith("duplicate of line 2:")

    def test_bad_header(self, tmp_path):
        """A header other than system,kind,external_id,hub_id is reported on its line."""
        path = write(tmp_path, "crosswalk.csv", "# c\nsystem,type,external_id,hub_id\na,sku,1,X\n")
        rows, problems = load_crosswalk(path)
        assert rows == [] and where(problems) == [(2, "header")]
        assert "system,kind,external_id,hub_id" in problems[0].reason

    def test_missing_header_is_recognised(self, tmp_path):
        """A file that starts with a data row is told to add the header line."""
        _, problems = load_crosswalk(write(tmp_path, "crosswalk.csv", "a,sku,1,X\n"))
        assert where(problems) == [(1, "header")] and "no header line" in problems[0].reason

    def test_non_utf8_names_the_line(self, tmp_path):
        """A file that is not UTF-8 is reported with the line of the first bad byte."""
        path = write(
            tmp_path, "crosswalk.csv", (HEADER + "a,sku,1,X\na,sku,2,Caf\xe9\n").encode("latin-1")
        )
        rows, problems = load_crosswalk(path)
        assert rows == [] and where(problems) == [(3, None)] and "UTF-8" in problems[0].reason

    def test_bom_and_crlf_are_accepted(self, tmp_path):
        """A spreadsheet export with a byte-order mark and CRLF line ends reads cleanly."""
        path = write(
            tmp_path, "crosswalk.csv", "\ufeff" + HEADER.replace("\n", "\r\n") + "a,sku,1,X\r\n"
        )
        rows, problems = load_crosswalk(path)
        assert problems == [] and [(r.external_id, r.line) for r in rows] == [("1", 2)]

    def test_every_bad_row_is_reported(self, tmp_path):
        """Several bad rows are all reported, in line order, and the good rows still load."""
        path = write(
            tmp_path,
            "crosswalk.csv",
            HEADER
            + "\n".join(
                [
                    "a,sku,1,X",  # 2 good
                    "a,skus,2,X",  # 3 bad kind
                    "a,sku,3",  # 4 missing column
                    "a,sku,4,X",  # 5 good
                    "a,sku,1,Y",  # 6 duplicate of 2
                    "a,sku,5,X ",  # 7 whitespace
                ]
            )
            + "\n",
        )
        rows, problems = load_crosswalk(path)
        assert [r.line for r in rows] == [2, 5]
        assert where(problems) == [(3, "kind"), (4, None), (6, "external_id"), (7, "hub_id")]


class TestLoadStatusMaps:
    def test_good_map(self, tmp_path):
        """A clean file becomes a StatusMap with buckets, nulls and read-only states."""
        write(tmp_path, "square.yaml", GOOD_STATUS + "read_only: [SOLD]\n")
        maps, problems = load_status_maps(tmp_path)
        assert problems == []
        assert maps == [
            StatusMap(
                "square",
                "inventory_state",
                {"IN_STOCK": Bucket.ON_HAND, "SOLD": None},
                frozenset({"SOLD"}),
                str(tmp_path / "square.yaml"),
            )
        ]

    def test_unknown_state_at_run_time_is_an_error(self, tmp_path):
        """Asking for a state the map does not list raises MappingError naming the file."""
        write(tmp_path, "square.yaml", GOOD_STATUS)
        (status_map,), _ = load_status_maps(tmp_path)
        with pytest.raises(MappingError, match="SOLD_ONLINE"):
            status_map.bucket("SOLD_ONLINE")

    def test_missing_folder_is_empty(self, tmp_path):
        """A status folder that does not exist holds no maps and no problems."""
        assert load_status_maps(tmp_path / "status") == ([], [])

    def test_syntax_error_has_line(self, tmp_path):
        """A YAML syntax error is reported with the line the parser stopped at."""
        write(tmp_path, "square.yaml", "system: square\nmap:\n  IN_STOCK: on_hand\n  - SOLD\n")
        maps, problems = load_status_maps(tmp_path)
        assert maps == [] and where(problems) == [(4, None)]
        assert "not valid YAML" in problems[0].reason

    def test_unknown_bucket_has_entry_line(self, tmp_path):
        """An unknown bucket name is reported on the line of its entry, listing the buckets."""
        write(tmp_path, "square.yaml", GOOD_STATUS + "  WASTE: broken\n")
        maps, problems = load_status_maps(tmp_path)
        assert maps == [] and where(problems) == [(6, "map.WASTE")]
        assert "'broken' is not a bucket" in problems[0].reason and "damaged" in problems[0].reason

    def test_reserved_is_refused(self, tmp_path):
        """Mapping a vendor state to reserved is refused: the hub derives it from orders."""
        write(tmp_path, "square.yaml", GOOD_STATUS + "  RESERVED_FOR_SALE: reserved\n")
        _, problems = load_status_maps(tmp_path)
        assert where(problems) == [(6, "map.RESERVED_FOR_SALE")]

    def test_unknown_top_level_key(self, tmp_path):
        """A misspelled top-level key is reported on its line."""
        write(tmp_path, "square.yaml", GOOD_STATUS + "readonly: [SOLD]\n")
        _, problems = load_status_maps(tmp_path)
        assert where(problems) == [(6, "readonly")] and "unknown key" in problems[0].reason

    def test_missing_required_keys(self, tmp_path):
        """Each missing required key is reported."""
        write(tmp_path, "square.yaml", "system: square\n")
        _, problems = load_status_maps(tmp_path)
        assert where(problems) == [(None, "kind"), (None, "map")]

    def test_read_only_not_in_map(self, tmp_path):
        """A read_only state that the map does not list is reported on its line."""
        write(tmp_path, "square.yaml", GOOD_STATUS + "read_only:\n  - SOLD\n  - WASTE\n")
        _, problems = load_status_maps(tmp_path)
        assert where(problems) == [(8, "read_only")]
        assert "'WASTE' is not in map" in problems[0].reason

    def test_duplicate_keys_in_map_and_top_level(self, tmp_path):
        """Duplicate keys, which YAML silently overwrites, are reported with the first line."""
        write(tmp_path, "square.yaml", GOOD_STATUS + "  IN_STOCK: damaged\nsystem: other\n")
        _, problems = load_status_maps(tmp_path)
        assert where(problems) == [(7, "system"), (6, "map.IN_STOCK")]
        assert "first at line 4" in problems[1].reason

    def test_state_names_are_not_yaml_booleans(self, tmp_path):
        """A state spelled like a YAML 1.1 boolean (NO, ON) keeps its spelling."""
        write(
            tmp_path,
            "x.yaml",
            "system: x\nkind: inventory_state\nmap:\n  NO: null\n  ON: on_hand\n",
        )
        (status_map,), problems = load_status_maps(tmp_path)
        assert problems == [] and set(status_map.map) == {"NO", "ON"}

    def test_non_utf8_names_the_line(self, tmp_path):
        """A status file that is not UTF-8 is reported with the line of the first bad byte."""
        write(tmp_path, "square.yaml", (GOOD_STATUS + "# caf\xe9\n").encode("latin-1"))
        _, problems = load_status_maps(tmp_path)
        assert where(problems) == [(6, None)] and "UTF-8" in problems[0].reason

    def test_two_files_for_one_system(self, tmp_path):
        """Two status maps for the same system and kind are reported; the first is kept."""
        write(tmp_path, "a.yaml", GOOD_STATUS)
        write(tmp_path, "b.yml", GOOD_STATUS)
        maps, problems = load_status_maps(tmp_path)
        assert [m.file for m in maps] == [str(tmp_path / "a.yaml")]
        assert [(p.file, p.field) for p in problems] == [(str(tmp_path / "b.yml"), "system")]


class TestValidateMappings:
    def test_missing_folder_is_a_problem_with_a_fix(self, tmp_path):
        """A mappings folder that does not exist is one problem saying how to create it."""
        report = validate_mappings(tmp_path / "nowhere")
        assert not report.ok and where(report.problems) == [(None, None)]
        assert "stockhub init" in report.problems[0].reason

    def test_empty_folder_is_clean(self, tmp_path):
        """A folder without crosswalk or status files is valid and empty."""
        report = validate_mappings(tmp_path)
        assert report.ok and report.crosswalk == [] and report.status_maps == []

    def test_unknown_hub_codes(self, tmp_path):
        """SKU and location hub codes are checked against the known sets; orders are not."""
        write(
            tmp_path,
            "crosswalk.csv",
            HEADER + "a,sku,1,TEE-RED-M\na,sku,2,tee-red-m\na,location,3,nowhere\na,order,4,S-1\n",
        )
        report = validate_mappings(tmp_path, known_skus=SKUS, known_locations=LOCATIONS)
        assert where(report.problems) == [(3, "hub_id"), (4, "hub_id")]
        assert "not in the item master" in report.problems[0].reason
        assert "'TEE-RED-M'" in report.problems[0].reason
        assert "not a location in stockhub.toml" in report.problems[1].reason
        assert len(report.crosswalk) == 4  # well-formed rows are kept; the caller decides

    def test_several_crosswalk_files_share_one_key_space(self, tmp_path):
        """Every crosswalk*.csv is read, and a duplicate across files names the other file."""
        first = write(tmp_path, "crosswalk.csv", HEADER + "a,sku,1,X\n")
        write(tmp_path, "crosswalk-shipbob.csv", HEADER + "a,sku,1,Y\nb,sku,1,Y\n")
        report = validate_mappings(tmp_path)
        assert [r.hub_id for r in report.crosswalk] == ["Y", "Y"]
        assert [str(p) for p in report.problems] == [
            f"{tmp_path / 'crosswalk.csv'}:2: external_id: duplicate of "
            f"{tmp_path / 'crosswalk-shipbob.csv'}:2: a sku '1' is already mapped to 'Y'"
        ]
        assert first.exists()

    def test_problems_from_every_file_together(self, tmp_path):
        """Problems in the crosswalk and in status maps all come back in one report."""
        write(tmp_path, "crosswalk.csv", HEADER + "a,skus,1,X\na,sku,,X\n")
        write(tmp_path, "status/square.yaml", GOOD_STATUS + "  WASTE: wasted\n")
        write(tmp_path, "status/shipbob.yaml", "system: shipbob\nkind: [x\n")
        report = validate_mappings(tmp_path)
        assert [(Path(p.file).name, p.line, p.field) for p in report.problems] == [
            ("crosswalk.csv", 2, "kind"),
            ("crosswalk.csv", 3, "external_id"),
            ("shipbob.yaml", 3, None),
            ("square.yaml", 6, "map.WASTE"),
        ]
        assert report.status_maps == []

    def test_problem_text(self):
        """A problem reads file:line: field: reason, leaving out what it does not know."""
        assert str(Problem("mappings/crosswalk.csv", 7, "kind", "bad")) == (
            "mappings/crosswalk.csv:7: kind: bad"
        )
        assert str(Problem("mappings", None, None, "missing")) == "mappings: missing"

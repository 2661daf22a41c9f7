"""Every command works from a real hub folder and explains itself with --help."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from hub.cli.main import app
from tests.cli.conftest import Workdir, run


def all_commands() -> list[list[str]]:
    """Every command path in the CLI, e.g. ['stock', 'show']."""
    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(command, path: list[str]) -> None:
        paths.append(path)
        if hasattr(command, "commands"):  # a group (typer vendors its own click)
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(root, [])
    return paths


class TestHelp:
    @pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p) or "stockhub")
    def test_every_command_has_help_text(self, path):
        """`--help` works and says something for every command and group."""
        result = CliRunner().invoke(app, [*path, "--help"])
        assert result.exit_code == 0, result.output
        command = typer.main.get_command(app)
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
        assert "Usage:" in result.output


class TestInit:
    def test_init_builds_a_sample_hub_and_is_safe_to_repeat(self, tmp_path):
        """init writes config, mappings and store, loads the demo; a second run changes nothing."""
        target = tmp_path / "demo"
        first = CliRunner().invoke(app, ["init", "--dir", str(target)])
        assert first.exit_code == 0, first.output
        assert (target / "stockhub.toml").is_file() and (target / "mappings").is_dir()
        workdir = Workdir(target)
        before = run(workdir, "stock", "list", "--json").stdout
        assert json.loads(before)  # the sample has stock
        second = CliRunner().invoke(app, ["init", "--dir", str(target)])
        assert second.exit_code == 0, second.output
        assert "0 event(s) applied" in second.output and "kept existing" in second.output
        assert run(workdir, "stock", "list", "--json").stdout == before

    def test_commands_without_a_config_say_how_to_get_one(self, tmp_path):
        """A missing stockhub.toml is named, with the fix."""
        result = run(Workdir(tmp_path), "stock", "list", expect=2)
        assert "stockhub.toml" in result.stderr and "stockhub init" in result.stderr


class TestItemsImport:
    def test_every_bad_row_is_reported_and_nothing_is_written(self, hub_dir, tmp_path):
        """Bad status, bad components and a repeated SKU are each reported with line and field."""
        workdir = hub_dir()
        csv = tmp_path / "items.csv"
        csv.write_text(
            "sku,title,status,components\n"
            "NEW-1,Fine,active,\n"
            "NEW-2,Bad status,live,\n"
            "NEW-3,Bad components,active,TEE-RED-M\n"
            "NEW-1,Repeat,active,\n"
        )
        result = run(workdir, "items", "import", str(csv), expect=1)
        assert "items.csv:3: status:" in result.stderr
        assert "items.csv:4: components: 'TEE-RED-M' is not of the form key:value" in result.stderr
        assert "items.csv:5: sku: 'NEW-1' repeats line 2" in result.stderr
        codes = [v["sku"] for v in json.loads(run(workdir, "stock", "list", "--json").stdout)]
        assert "NEW-1" not in codes

    def test_unknown_component_is_reported_on_its_row(self, hub_dir, tmp_path):
        """A bundle naming a SKU that does not exist fails on that row only."""
        workdir = hub_dir()
        csv = tmp_path / "items.csv"
        csv.write_text("sku,title,components\nKIT-1,Kit,NOPE:2\nSOLO,Solo,\n")
        result = run(workdir, "items", "import", str(csv), expect=1)
        assert "items.csv:2: components[0].sku: unknown component SKU 'NOPE'" in result.stderr
        codes = [v["sku"] for v in json.loads(run(workdir, "stock", "list", "--json").stdout)]
        assert "SOLO" in codes and "KIT-1" not in codes


class TestStockShow:
    def test_table_shows_locations_and_channels(self, hub_dir, tmp_path):
        """The human view lists every location row and every channel's ATP."""
        workdir = hub_dir()
        events = tmp_path / "e.jsonl"
        events.write_text(json.dumps({
            "id": "c1", "type": "stock.counted", "source": "wms",
            "occurred_at": "2026-11-22T06:00:00Z",
            "data": {"sku": "TEE-RED-M", "location": "dc-east", "as_of": "2026-11-22T06:00:00Z",
                     "quantities": {"on_hand": 12}}}) + "\n")
        run(workdir, "events", "post", str(events))
        out = run(workdir, "stock", "show", "TEE-RED-M").stdout
        assert "dc-east" in out and "12" in out
        assert "shopify-us" in out and "11" in out  # 12 minus safety stock 1

    def test_json_view_has_exactly_the_public_keys(self, hub_dir):
        """`--json` follows the v1 stock view: sku, locations, channels{atp,last_pushed,pushed_at}, oversold."""
        view = json.loads(run(hub_dir(), "stock", "show", "MUG-WHT", "--json").stdout)
        assert set(view) == {"sku", "locations", "channels", "oversold"}
        assert all(set(c) == {"atp", "last_pushed", "pushed_at"} for c in view["channels"].values())

    def test_unknown_sku_is_a_clear_error(self, hub_dir):
        """Asking for a SKU that does not exist names it and says how to list SKUs."""
        result = run(hub_dir(), "stock", "show", "NOPE", expect=2)
        assert "unknown SKU 'NOPE'" in result.stderr and "stock list" in result.stderr


class TestDb:
    def test_upgrade_is_idempotent_and_current_reports_the_revision(self, hub_dir):
        """A second upgrade is a no-op; `db current` shows the revision."""
        workdir = hub_dir()
        assert "already at revision" in run(workdir, "db", "upgrade").stdout
        assert "current: 0001" in run(workdir, "db", "current").stdout

"""Every command works from a real hub folder and explains itself with --help."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from hub.cli.main import app
from tests.cli.conftest import Workdir, post_events, run


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


OPS_GROUPS = ("dlq", "exceptions", "channels", "stock", "returns", "events", "alerts")


class TestParity:
    @pytest.mark.parametrize(
        "path", [p for p in all_commands() if len(p) == 2 and p[0] in OPS_GROUPS],
        ids=" ".join,
    )
    def test_every_ops_command_speaks_json(self, path):
        """What the dashboard and the API can do, a script can do with --json."""
        command = typer.main.get_command(app)
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        flags = {flag for param in command.params for flag in param.opts}
        assert "--json" in flags, f"stockhub {' '.join(path)} has no --json"


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
    def test_table_shows_locations_and_channels(self, hub_dir):
        """The human view lists every location row and every channel's ATP."""
        workdir = hub_dir()
        post_events(
            workdir,
            {
                "id": "c1",
                "type": "stock.counted",
                "source": "wms",
                "occurred_at": "2026-11-22T06:00:00Z",
                "data": {
                    "sku": "TEE-RED-M",
                    "location": "dc-east",
                    "as_of": "2026-11-22T06:00:00Z",
                    "quantities": {"on_hand": 12},
                },
            },
        )
        out = run(workdir, "stock", "show", "TEE-RED-M").stdout
        assert "dc-east" in out and "12" in out
        assert "shopify-us" in out and "11" in out  # 12 minus safety stock 1

    def test_json_view_has_exactly_the_public_keys(self, hub_dir):
        """`--json` is the v1 stock view: sku, locations, channels, oversold."""
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
        from hub.store import head_revision

        assert f"current: {head_revision()}" in run(workdir, "db", "current").stdout


class TestMappings:
    def test_sample_mappings_validate_clean(self, hub_dir):
        """The shipped crosswalk and status maps pass validation against the sample hub."""
        result = run(hub_dir(), "mappings", "validate", "--json")
        report = json.loads(result.stdout)
        assert report["ok"] and report["crosswalk_rows"] == 31
        assert sorted(report["status_maps"]) == ["amazon", "shipbob", "square"]

    def test_bad_rows_are_listed_with_file_and_line(self, hub_dir):
        """A crosswalk row with a bad kind and one with an unknown location are both reported."""
        workdir = hub_dir()
        crosswalk = workdir.path / "mappings" / "crosswalk.csv"
        crosswalk.write_text(
            crosswalk.read_text() + "shipbob,skus,999,TEE-RED-M\nshipbob,location,184,dc-west\n"
        )
        result = run(workdir, "mappings", "validate", expect=1)
        lines = crosswalk.read_text().splitlines()
        assert (
            f"crosswalk.csv:{len(lines) - 1}: kind: 'skus' is not a reference kind" in result.stderr
        )
        assert f"crosswalk.csv:{len(lines)}: hub_id: 'dc-west' is not a location" in result.stderr
        assert "mappings not loaded" in run(workdir, "mappings", "import", expect=1).stderr

    def test_import_applies_events_parked_for_the_new_mapping(self, hub_dir):
        """An event for an unmapped ShipBob id parks, then applies when its row is imported."""
        workdir = hub_dir()
        posted = post_events(
            workdir,
            {
                "id": "shipbob/adj/1",
                "type": "stock.adjusted",
                "source": "shipbob",
                "occurred_at": "2026-11-22T08:00:00Z",
                "data": {"sku": "1180499", "location": "156", "delta": 7, "reason": "receipt"},
            },
        )
        assert posted["summary"]["parked"] == 1
        crosswalk = workdir.path / "mappings" / "crosswalk.csv"
        crosswalk.write_text(crosswalk.read_text() + "shipbob,sku,1180499,TEE-BLU-M\n")
        assert "1 parked event(s) applied" in run(workdir, "mappings", "import").stdout
        view = json.loads(run(workdir, "stock", "show", "TEE-BLU-M", "--json").stdout)
        assert view["locations"]["3pl-shipbob"]["on_hand"] == 7


class TestReturnsCommand:
    def test_limbo_lists_old_open_returns_and_raises_them(self, hub_dir):
        """A return past the SLA is listed under --limbo and recorded as an exception once."""
        workdir = hub_dir()
        post_events(
            workdir,
            {
                "id": "r/old",
                "type": "return.received",
                "source": "shopify-us",
                "occurred_at": "2026-01-05T10:00:00Z",
                "data": {
                    "return": "R-OLD",
                    "channel": "shopify-us",
                    "location": "dc-east",
                    "lines": [{"sku": "MUG-WHT", "quantity": 1}],
                },
            },
        )
        listed = json.loads(run(workdir, "returns", "list", "--limbo", "--json").stdout)
        assert [r["return"] for r in listed] == ["R-OLD"] and listed[0]["age_hours"] > 72
        run(workdir, "returns", "list", "--limbo")
        from sqlmodel import Session, create_engine, select

        from hub.models import ExceptionRecord

        engine = create_engine(f"sqlite:///{workdir.path / 'stockhub.db'}")
        with Session(engine) as session:
            record = session.exec(
                select(ExceptionRecord).where(ExceptionRecord.kind == "return_in_limbo")
            ).one()
        engine.dispose()
        assert record.subject == "return:R-OLD" and record.occurrences == 2


class TestExceptionsCommand:
    def test_list_show_and_resolve_an_oversold_problem(self, hub_dir):
        """An oversold order appears in the log, can be inspected and resolved with a note."""
        workdir = hub_dir()
        post_events(
            workdir,
            {
                "id": "o/1",
                "type": "order.placed",
                "source": "amazon-us",
                "occurred_at": "2026-11-22T08:00:00Z",
                "data": {
                    "channel": "amazon-us",
                    "order": "A-9",
                    "lines": [{"line": "1", "sku": "TEE-RED-L", "quantity": 2}],
                },
            },
        )
        listed = json.loads(
            run(workdir, "exceptions", "list", "--channel", "amazon-us", "--json").stdout
        )
        assert [(r["kind"], r["subject"]) for r in listed] == [("oversold", "sku:TEE-RED-L")]
        record_id = str(listed[0]["id"])
        shown = json.loads(run(workdir, "exceptions", "show", record_id, "--json").stdout)
        assert shown["details"]["oversold"] == 2 and shown["details"]["order"] == "A-9"
        run(workdir, "exceptions", "resolve", record_id, "--note", "restocked from supplier")
        assert json.loads(run(workdir, "exceptions", "list", "--json").stdout) == []
        done = json.loads(run(workdir, "exceptions", "show", record_id, "--json").stdout)
        assert done["status"] == "resolved" and done["resolution_note"] == "restocked from supplier"

    def test_unknown_id_is_a_clear_error(self, hub_dir):
        """Asking for an id that does not exist says how to find ids."""
        assert "exceptions list" in run(hub_dir(), "exceptions", "show", "999", expect=2).stderr

    def test_tables_show_vendor_text_literally(self, hub_dir, monkeypatch):
        """The table views (not only --json) of exceptions, dead letters and channels work, and
        a message with [brackets] is shown as sent, not read as rich markup."""
        from hub.app import open_hub
        from hub.cli.common import console
        from hub.sync.deadletters import record_dead_letter

        monkeypatch.setattr(console, "width", 240)  # cells unwrapped, whatever the terminal

        workdir = hub_dir()
        bad = {"id": "o/[red]x[/red]", "type": "stock.adjusted", "source": "ops",
               "occurred_at": "2026-11-22T08:00:00Z",
               "data": {"sku": "TEE-RED-M", "location": "[mars]", "delta": 1}}  # fmt: skip
        post_events(workdir, bad, expect=1)
        hub = open_hub(workdir.config)
        with hub.session() as session:
            record_dead_letter(session, task="push", channel="shopify-us", subject="sku:[b]X",
                               payload={"channel": "shopify-us"},
                               exc=RuntimeError("vendor said [bold]no[/bold]"))  # fmt: skip
        hub.engine.dispose()
        problems = run(workdir, "exceptions", "list").stdout
        assert "[mars]" in problems
        assert "[bold]no[/bold]" in run(workdir, "dlq", "list").stdout
        assert "shopify-us" in run(workdir, "channels", "list").stdout


class TestParkedReleasedByItemEvents:
    def test_item_upserted_event_releases_events_waiting_for_that_sku(self, hub_dir):
        """A sale of an unknown SKU parks; the item arriving as an event applies it."""
        workdir = hub_dir()
        sale = {
            "id": "s/1",
            "type": "stock.adjusted",
            "source": "wms",
            "occurred_at": "2026-11-22T09:00:00Z",
            "data": {"sku": "SOCK-BLK", "location": "dc-east", "delta": 12, "reason": "receipt"},
        }
        item = {
            "id": "pim/SOCK-BLK",
            "type": "item.upserted",
            "source": "ops",
            "occurred_at": "2026-11-22T09:30:00Z",
            "data": {"sku": "SOCK-BLK", "title": "Socks, black"},
        }
        assert post_events(workdir, sale)["summary"]["parked"] == 1
        post_events(workdir, item)
        view = json.loads(run(workdir, "stock", "show", "SOCK-BLK", "--json").stdout)
        assert view["locations"]["dc-east"]["on_hand"] == 12


class TestSandbox:
    def test_lists_the_installed_connectors_that_ship_one(self):
        result = CliRunner().invoke(app, ["sandbox", "list", "--json"])
        assert result.exit_code == 0, result.output
        assert {"custom", "shopify"} <= set(json.loads(result.output))

    def test_unknown_connector_names_the_ones_there_are(self):
        result = CliRunner().invoke(app, ["sandbox", "run", "nope"])
        assert result.exit_code == 2
        assert "no sandbox for connector 'nope'" in result.output
        assert "shopify" in result.output

    def test_runs_the_shopify_sandbox_over_http(self, tmp_path):
        """The command serves the real emulator: a token-less call gets Shopify's 401."""
        import subprocess
        import sys
        import time

        import httpx

        from tests.api.server import free_port

        port = free_port()
        argv = [sys.executable, "-m", "hub.cli.main", "sandbox", "run", "shopify",
                "--port", str(port), "--seeded"]  # fmt: skip
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        try:
            assert "listening on" in (proc.stdout.readline() if proc.stdout else "")
            url = f"http://127.0.0.1:{port}/admin/api/2026-07/graphql.json"
            deadline = time.monotonic() + 10
            while True:
                try:
                    answer = httpx.post(url, json={"query": "{ shop { name } }"})
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            assert answer.status_code == 401
        finally:
            proc.terminate()
            proc.wait(timeout=10)

"""``stockhub connectors new``: the generated package installs on its own and passes the kit."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.connectors import app
from hub.errors import ConfigError
from hub.scaffold import ConnectorNames, write_connector
from hub.scaffold.writer import LAYOUT

runner = CliRunner()


def build_backend_or_skip() -> None:
    """setuptools needs `wheel` (or setuptools >= 70.1) to build the generated package offline."""
    probe = (
        "import setuptools, importlib.util as u; "
        "v = tuple(int(p) for p in setuptools.__version__.split('.')[:2]); "
        "assert v >= (70, 1) or u.find_spec('wheel'), setuptools.__version__"
    )
    if subprocess.run([sys.executable, "-c", probe], capture_output=True, check=False).returncode:
        from tests.conftest import service_missing

        service_missing(
            "setuptools build backend", "install `wheel` (or setuptools>=70.1) in the venv"
        )


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory) -> Path:
    """A new virtual environment seeing the hub's venv, with the scaffolded connector installed."""
    build_backend_or_skip()
    base = tmp_path_factory.mktemp("fresh")
    root = write_connector("acme-pos", base / "src")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    hub_site = sysconfig.get_paths()["purelib"]  # the hub's venv: hub, pytest, httpx ...
    Path(purelib, "_stockhub_base.pth").write_text(f"import site; site.addsitedir({hub_site!r})\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            str(root),
        ],
        check=True,
        capture_output=True,
    )
    return venv


class TestGeneratedPackage:
    def test_writes_the_five_file_shape(self, tmp_path) -> None:
        """plugin, client, translate, webhooks, sandbox, settings, samples and tests are written."""
        root = write_connector("acme-pos", tmp_path)
        module = root / "src" / "stockhub_acme_pos"
        for name in (
            "plugin.py",
            "client.py",
            "translate.py",
            "webhooks.py",
            "sandbox.py",
            "settings.py",
        ):
            assert (module / name).is_file(), name
        assert sorted(p.name for p in (module / "samples").glob("*.json"))
        assert (root / "tests" / "test_conformance.py").is_file()
        assert (
            '"stockhub.connectors"]\nacme-pos = "stockhub_acme_pos.plugin"'
            in (root / "pyproject.toml").read_text()
        )
        assert len(list(root.rglob("*.*"))) == len(LAYOUT)

    def test_refuses_bad_names_and_existing_directories(self, tmp_path) -> None:
        """A name that cannot be a module, or a non-empty target, is a ConfigError with a fix."""
        with pytest.raises(ConfigError, match="not usable"):
            ConnectorNames.of("Acme POS!")
        write_connector("acme", tmp_path)
        with pytest.raises(ConfigError, match="already exists"):
            write_connector("acme", tmp_path)

    def test_installed_in_a_fresh_venv_it_is_discovered_and_conforms(
        self, fresh_venv: Path
    ) -> None:
        """Acceptance: installed as its own package, found through the entry point, kit passes."""
        python = str(fresh_venv / "bin" / "python")
        listed = subprocess.run(
            [
                python,
                "-c",
                "import sys; sys.argv = ['stockhub', 'list', '--json'];"
                "from hub.cli.connectors import app; app()",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows = {row["name"]: row for row in json.loads(listed.stdout)}  # built-ins listed too
        row = rows["acme-pos"]
        assert row["name"] == "acme-pos" and row["module"] == "stockhub_acme_pos.plugin"
        assert "push-stock" in row["capabilities"] and row["max_batch_size"] == 50
        check = subprocess.run(
            [
                python,
                "-c",
                "import sys; sys.argv = ['stockhub', 'check', 'acme-pos'];"
                "from hub.cli.connectors import app; app()",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert "passed" in check.stdout and "failed" not in check.stdout
        assert "acme-pos passes the conformance kit" in check.stdout

    def test_generated_tests_pass_in_the_fresh_venv(self, fresh_venv: Path) -> None:
        """The package's own test modules (kit subclass + translation tests) are green."""
        tests = next(fresh_venv.parent.glob("src/stockhub-acme-pos/tests"))
        run = subprocess.run(
            [
                str(fresh_venv / "bin" / "python"),
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                str(tests),
            ],
            capture_output=True,
            text=True,
            cwd=tests.parent,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert " passed" in run.stdout and "failed" not in run.stdout

    def test_generated_sandbox_serves_over_http(self, fresh_venv: Path) -> None:
        """The generated sandbox is a hub ServedSandbox: over HTTP it answers as in process."""
        script = (
            "import httpx; from stockhub_acme_pos.sandbox import SANDBOX_SETTINGS, AcmePosSandbox\n"
            "auth = {'Authorization': 'Bearer ' + SANDBOX_SETTINGS['api_token']}\n"
            "with AcmePosSandbox().serve() as url:\n"
            "    page = httpx.get(url + '/v1/inventory?limit=2', headers=auth)\n"
            "    denied = httpx.get(url + '/v1/inventory')\n"
            "print(page.status_code, len(page.json()['levels']), denied.status_code)\n"
        )
        python = str(fresh_venv / "bin" / "python")
        run = subprocess.run([python, "-c", script], capture_output=True, text=True, check=False)
        assert run.returncode == 0, run.stderr
        assert run.stdout.split() == ["200", "2", "401"]

    def test_not_installed_in_the_hub_venv(self) -> None:
        """The acceptance ran against the fresh venv only: this venv does not see acme-pos."""
        result = runner.invoke(app, ["list", "--json"])
        assert "acme-pos" not in result.output


class TestCli:
    def test_new_writes_the_package(self, tmp_path) -> None:
        """`connectors new NAME --dir D` writes D/stockhub-NAME and says what to do next."""
        result = runner.invoke(app, ["new", "acme", "--dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / "stockhub-acme" / "src" / "stockhub_acme" / "plugin.py").is_file()
        assert "stockhub connectors check acme" in result.output

    def test_check_unknown_connector_is_a_clear_error(self) -> None:
        """Checking a connector that is not installed names it and lists what is installed."""
        result = runner.invoke(app, ["check", "nosuch"])
        assert result.exit_code == 2
        assert "connector 'nosuch' is not installed" in result.output

    def test_list_shows_a_table_and_json(self, monkeypatch) -> None:
        """`list` renders installed connectors as a table, `--json` as data."""
        from hub import plugins
        from tests.sdk.plugins_for_tests import TidyConnector

        pm = plugins.make_plugin_manager(plugins={"tidy": TidyConnector()}, load_entry_points=False)
        monkeypatch.setattr(plugins, "_manager", pm)
        table = runner.invoke(app, ["list"])
        assert table.exit_code == 0 and "tidy" in table.output and "pull-stock" in table.output
        (row,) = json.loads(runner.invoke(app, ["list", "--json"]).output)
        assert row["rate_limits"] == ["5/1s"]
        assert row["settings"]["properties"]["api_token"]["x-secret"] is True

"""CLI fixtures: a real hub folder made by `stockhub init`, on SQLite or PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from tests.conftest import SAMPLE, _postgres_engine


@dataclass
class Workdir:
    path: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> Path:
        return self.path / "stockhub.toml"


def run(workdir: Workdir, *args: str, expect: int | None = 0, input: str | None = None):
    """Invoke ``stockhub --config <workdir>/stockhub.toml ARGS`` in-process."""
    result = CliRunner().invoke(
        app, ["--config", str(workdir.config), *args], env=workdir.env, input=input
    )
    if expect is not None:
        assert result.exit_code == expect, (
            f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}\n"
            f"{result.exception!r}"
        )
    return result


@pytest.fixture
def hub_dir(tmp_path: Path, request: pytest.FixtureRequest):
    """Factory: an initialised hub folder with the sample item master, on the given backend."""

    def make(backend: str = "sqlite") -> Workdir:
        workdir = Workdir(tmp_path / "hub", env={"STOCKHUB_LOG_FORMAT": "json"})
        if backend == "postgresql":
            url = request.getfixturevalue("postgres_database")
            _postgres_engine(url).dispose()  # empty the tables
            workdir.env["STOCKHUB_DATABASE_URL"] = url
        result = CliRunner().invoke(
            app, ["init", "--empty", "--dir", str(workdir.path)], env=workdir.env
        )
        assert result.exit_code == 0, result.stdout + result.stderr
        run(workdir, "items", "import", str(SAMPLE / "items.csv"))
        return workdir

    return make


def post_events(workdir: Workdir, *events: dict, expect: int = 0) -> dict:
    """Write ``events`` as a JSON Lines file in the hub folder and post it; the --json report."""
    import json

    path = workdir.path / f"posted-{len(list(workdir.path.glob('posted-*.jsonl')))}.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    return json.loads(run(workdir, "events", "post", str(path), "--json", expect=expect).stdout)

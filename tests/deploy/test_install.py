"""deploy/install.sh, the container image's install step, run here into a temporary prefix.

The same script the Dockerfile's build stage runs (``RUN sh deploy/install.sh /opt/stockhub
/src``), with the machine's own package index: the wheel is built from this checkout, the
dependencies resolved, the health check installed, and the script's own checks run (the
package imports from the prefix, migrations and connector entry points are packaged). Then the
installed ``stockhub`` migrates a database and the installed health check answers. About 40 s
on 2 cores, most of it pip; an interpreter that is too old is refused before anything is done.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.deploy.compose import DEPLOY, ROOT

SCRIPT = DEPLOY / "install.sh"


def install(prefix: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(SCRIPT), str(prefix), str(ROOT)], cwd="/",
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=600)  # fmt: skip


def test_an_old_python_is_refused_before_anything_is_installed(tmp_path):
    """PYTHON without 3.11 stops the script with status 2 and a message; no prefix appears."""
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\n[ \"$1\" = -V ] && echo 'Python 3.9.2'; exit 1\n")
    fake.chmod(0o755)
    done = install(tmp_path / "prefix", PYTHON=str(fake))
    assert done.returncode == 2 and "needs Python >= 3.11" in done.stderr
    assert not (tmp_path / "prefix").exists()


@pytest.mark.slow
def test_the_image_install_script_builds_a_working_stockhub(tmp_path):
    """A fresh prefix gets a stockhub that runs from there: CLI, migrations, health check."""
    prefix = tmp_path / "opt-stockhub"
    done = install(prefix)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"connectors: .*\bcustom\b.*\bshopify\b", done.stdout), done.stdout
    assert "install: done" in done.stdout

    config = tmp_path / "hub" / "stockhub.toml"
    config.parent.mkdir()
    config.write_text('[hub]\ndatabase_url = "sqlite:///stockhub.db"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOCKHUB_", "PYTHON"))}
    upgrade = subprocess.run([str(prefix / "bin" / "stockhub"), "--config", str(config), "db",
                              "upgrade"], cwd="/", env=env, capture_output=True, text=True,
                             timeout=120)  # fmt: skip
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "revision" in upgrade.stdout and (config.parent / "stockhub.db").exists()

    code = "import hub; print(hub.__file__)"
    where = subprocess.run([str(prefix / "bin" / "python"), "-c", code], cwd="/", env=env,
                           capture_output=True, text=True)  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(prefix)

    probe = subprocess.run([str(prefix / "bin" / "stockhub-healthcheck"), "api",
                            "http://127.0.0.1:9/healthz"], env=env, capture_output=True,
                           text=True, timeout=30)  # fmt: skip
    assert probe.returncode == 1 and probe.stdout.startswith("unhealthy:")
    assert (prefix / "bin" / "stockhub-healthcheck").read_text().startswith(f"#!{prefix}/bin/")

"""The lint runs in the suite, so CI enforces it: ruff over the code base with the rules in
pyproject.toml, including flake8-bandit's security rules (``S``, docs/security.md).

A finding fails with ruff's own report. A false positive is silenced where it stands with
``# noqa: S…  (why)``, never by widening the per-file ignores.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing_including_the_security_rules() -> None:
    done = subprocess.run(  # noqa: S603  (fixed arguments, this interpreter)
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
         "hub", "connectors", "tests"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert "No module named ruff" not in done.stderr, "ruff is missing: pip install -e '.[test]'"
    assert done.returncode == 0, f"ruff found problems:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"


def test_the_security_rules_catch_what_they_are_for(tmp_path: Path) -> None:
    """The project's configuration flags a hard-coded secret and a shell call: someone
    dropping ``S`` from the selection would otherwise make the test above pass vacuously."""
    sample = tmp_path / "leaky.py"
    sample.write_text(
        'import subprocess\n\nPASSWORD = "hunter2"\nsubprocess.call("ls " + PASSWORD, shell=True)\n'
    )
    done = subprocess.run(  # noqa: S603  (fixed arguments, this interpreter)
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
         "--config", str(ROOT / "pyproject.toml"), str(sample)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "S105" in done.stdout and "S602" in done.stdout, done.stdout

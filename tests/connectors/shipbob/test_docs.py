"""docs/connectors/shipbob.md stays true: its worked example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "docs" / "connectors" / "shipbob.md"


def test_worked_example_runs() -> None:
    """The one Python block of the guide runs against the installed connector and sandbox."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) == 1, "the guide has one worked example"
    exec(compile(blocks[0], str(DOC), "exec"), {})


def test_every_setting_is_in_the_guide() -> None:
    from connectors.shipbob.settings import SETTINGS

    text = DOC.read_text()
    assert all(f"| `{field.name}` |" in text for field in SETTINGS)

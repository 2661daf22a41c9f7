"""Render the connector templates into a new package directory."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from hub.errors import ConfigError

TEMPLATES = Path(__file__).parent / "templates"
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")

#: template (relative to TEMPLATES, without .tmpl) → target (relative to the package root);
#: ``{module}`` is the import name.
LAYOUT: dict[str, str] = {
    "pyproject.toml": "pyproject.toml",
    "README.md": "README.md",
    "__init__.py": "src/{module}/__init__.py",
    "settings.py": "src/{module}/settings.py",
    "plugin.py": "src/{module}/plugin.py",
    "client.py": "src/{module}/client.py",
    "translate.py": "src/{module}/translate.py",
    "webhooks.py": "src/{module}/webhooks.py",
    "sandbox.py": "src/{module}/sandbox.py",
    "samples/inventory_level_updated.json": "src/{module}/samples/inventory_level_updated.json",
    "samples/order_created.json": "src/{module}/samples/order_created.json",
    "tests/test_conformance.py": "tests/test_conformance.py",
    "tests/test_translate.py": "tests/test_translate.py",
}


@dataclass(frozen=True)
class ConnectorNames:
    """Every spelling of a connector's name the templates need."""

    name: str  # connector and entry-point name: "acme-pos"
    module: str  # import name: "stockhub_acme_pos"
    title: str  # "Acme Pos"
    Class: str  # "AcmePos"
    env: str  # "ACME_POS"

    @classmethod
    def of(cls, name: str) -> ConnectorNames:
        if not _NAME.match(name) or len(name) > 40:
            raise ConfigError(
                f"connector name {name!r} is not usable",
                fix="use lower-case letters and digits, words joined by '-' or '_', e.g. acme-pos",
            )
        words = re.split(r"[-_]", name)
        return cls(
            name=name,
            module="stockhub_" + "_".join(words),
            title=" ".join(w.capitalize() for w in words),
            Class="".join(w.capitalize() for w in words),
            env="_".join(words).upper(),
        )


def write_connector(name: str, directory: Path | str = ".", *, force: bool = False) -> Path:
    """Write the package ``stockhub-NAME`` under ``directory``; returns its root."""
    names = ConnectorNames.of(name)
    root = Path(directory) / f"stockhub-{names.name}"
    if root.exists() and any(root.iterdir()) and not force:
        raise ConfigError(
            f"{root} already exists and is not empty",
            fix="choose another --dir or remove the directory",
        )
    values = {
        "name": names.name,
        "module": names.module,
        "title": names.title,
        "Class": names.Class,
        "env": names.env,
    }
    for template, target in LAYOUT.items():
        text = Template((TEMPLATES / f"{template}.tmpl").read_text()).substitute(values)
        path = root / target.format(module=names.module)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root

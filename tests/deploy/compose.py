"""deploy/compose.yaml read as data: its services, their commands and replica counts.

The process test starts what the compose file names, so the commands it runs are the ones the
file ships. Interpolation covers the forms the file uses (``${VAR}``, ``${VAR:-default}``,
``${VAR:?message}``); ``docker-compose config`` is what validates the file itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
STOCKHUB_SERVICES = ("migrate", "api", "worker", "worker-channels", "beat")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """``value`` with compose variables filled from ``env``; a missing ``:?`` one raises."""
    if isinstance(value, dict):
        return {key: interpolate(inner, env) for key, inner in value.items()}
    if isinstance(value, list):
        return [interpolate(inner, env) for inner in value]
    if not isinstance(value, str):
        return value

    def fill(match: re.Match[str]) -> str:
        name, kind, text = match[1], match[2] or "", match[3] or ""
        found = env.get(name)
        if kind.endswith("-"):
            return found if found else text
        if kind.endswith("?") and not found:
            raise KeyError(f"{name}: {text}")
        return found or ""

    return VARIABLE.sub(fill, value)


def variables(text: str) -> set[str]:
    """Every variable name the compose file refers to."""
    return {match[1] for match in VARIABLE.finditer(text)}


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    replicas: int
    environment: dict[str, str]


def services(env: dict[str, str]) -> dict[str, Service]:
    """The compose file's services (merge keys applied), interpolated with ``env``."""
    data = yaml.safe_load(COMPOSE.read_text())
    found = {}
    for name, spec in data["services"].items():
        spec = interpolate(spec, env)
        replicas = int((spec.get("deploy") or {}).get("replicas", 1))
        command = [str(part) for part in spec.get("command") or []]
        found[name] = Service(name, command, replicas, dict(spec.get("environment") or {}))
    return found

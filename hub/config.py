"""``stockhub.toml``: one file describes a hub; the environment holds its secrets.

``load_settings`` reads and validates the whole file and reports every problem at once, each
with its key path and the fix. Secrets appear in the file only as ``${ENV_VAR}`` references and
are resolved when a connector needs them (``ChannelConfig.resolved_settings``), so a machine
without the token can still read stock. See docs/configuration.md.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.errors import ConfigError
from hub.vocabulary import LocationKind

Code = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")]
Count = Annotated[int, Field(ge=0)]
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SECRET_KEY = re.compile(
    r"token|secret|password|passwd|credential|api_?key|private_key|client_secret|refresh",
    re.IGNORECASE,
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HubSection(_Section):
    database_url: str = "sqlite:///stockhub.db"
    broker_url: str = ""
    mappings_dir: str = "mappings"
    operators: list[Code] = ["ops", "stockhub"]
    item_owner: str = ""


class ReturnsSection(_Section):
    sla_hours: float = Field(default=72, gt=0)


class LocationConfig(_Section):
    code: Code
    kind: LocationKind
    owner: Code
    name: str = ""


class ChannelConfig(_Section):
    code: Code
    connector: Code
    locations: list[Code] = []
    safety_stock: Count = 0
    buffer: Count = 0
    priority: int = 100
    settings: dict[str, Any] = {}

    def resolved_settings(self) -> dict[str, Any]:
        """The connector settings with ``${VAR}`` references replaced from the environment."""
        return _resolve(self.settings, f"channels[{self.code}].settings")


class RuleConfig(_Section):
    channel: Code
    skus: Code = "*"
    share_percent: float | None = Field(default=None, ge=0, le=100)
    floor: Count | None = None
    cap: Count | None = None


class Settings(BaseSettings):
    """The whole hub configuration; environment variables override selected keys."""

    model_config = SettingsConfigDict(extra="forbid", env_prefix="STOCKHUB_")

    hub: HubSection = HubSection()
    returns: ReturnsSection = ReturnsSection()
    locations: list[LocationConfig] = []
    channels: list[ChannelConfig] = []
    rules: list[RuleConfig] = []

    _config_path: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _cross_check(self) -> Settings:
        problems = _cross_problems(self.model_dump(mode="json"))
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def config_path(self) -> Path | None:
        return self._config_path

    @property
    def base_dir(self) -> Path:
        return self._config_path.parent if self._config_path else Path.cwd()

    @property
    def database_url(self) -> str:
        """The database URL: env override, references resolved, relative SQLite paths anchored."""
        url = os.environ.get("STOCKHUB_DATABASE_URL") or self.hub.database_url
        url = _resolve(url, "hub.database_url")
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/"):
            rest = url[len(prefix) :]
            if rest and not rest.startswith(":memory:"):
                url = prefix + str((self.base_dir / rest).resolve())
        return url

    @property
    def broker_url(self) -> str:
        return _resolve(
            os.environ.get("STOCKHUB_BROKER_URL") or self.hub.broker_url, "hub.broker_url"
        )

    @property
    def mappings_path(self) -> Path:
        return (self.base_dir / self.hub.mappings_dir).resolve()

    def location(self, code: str) -> LocationConfig | None:
        return next((loc for loc in self.locations if loc.code == code), None)

    def channel(self, code: str) -> ChannelConfig | None:
        return next((ch for ch in self.channels if ch.code == code), None)

    def is_operator(self, source: str) -> bool:
        return source in self.hub.operators or source.startswith("ops:")


def load_settings(path: str | Path | None = None) -> Settings:
    """Read and validate ``stockhub.toml`` (``$STOCKHUB_CONFIG`` or ``./stockhub.toml`` if None)."""
    path = Path(path or os.environ.get("STOCKHUB_CONFIG") or "stockhub.toml")
    if not path.is_file():
        raise ConfigError(
            f"no configuration file at {path}",
            fix="run `stockhub init` to create one, or pass --config PATH",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid TOML: {exc}", fix="fix the syntax at that line"
        ) from None
    problems = _literal_secrets(data)
    try:
        settings = Settings.model_validate(data)
    except pydantic.ValidationError as exc:
        described = [_describe(err) for err in exc.errors(include_url=False)]
        cross = _cross_problems(data)
        problems += [p for p in described if p.strip() not in "\n".join(cross)] + cross
        settings = None
    if problems:
        listing = "\n  ".join(problems)
        raise ConfigError(f"{path} has {len(problems)} problem(s):\n  {listing}")
    assert settings is not None
    settings._config_path = path.resolve()
    return settings


_override: Settings | None = None


def get_settings() -> Settings:
    """The process's settings, loaded once; tests use ``override_settings``."""
    return _override if _override is not None else _loaded()


@lru_cache(maxsize=1)
def _loaded() -> Settings:
    return load_settings()


@contextmanager
def override_settings(settings: Settings) -> Iterator[Settings]:
    """Make ``get_settings()`` return ``settings`` inside the block (for tests)."""
    global _override
    previous, _override = _override, settings
    try:
        yield settings
    finally:
        _override = previous


# --- validation details --------------------------------------------------------------------


def _cross_problems(data: dict[str, Any]) -> list[str]:
    """Checks across sections, on raw data so they run even when some fields are invalid."""
    problems: list[str] = []
    codes: dict[str, set[str]] = {}
    for name in ("locations", "channels"):
        seen: dict[str, int] = {}
        for index, item in enumerate(_tables(data, name)):
            code = item.get("code")
            if isinstance(code, str) and code in seen:
                problems.append(
                    f"{name}[{index}].code: {code!r} repeats {name}[{seen[code]}]; "
                    "codes must be unique"
                )
            if isinstance(code, str):
                seen.setdefault(code, index)
        codes[name] = set(seen)
    for index, channel in enumerate(_tables(data, "channels")):
        listed = channel.get("locations", [])
        for position, code in enumerate(listed if isinstance(listed, list) else []):
            if code not in codes["locations"]:
                problems.append(
                    f"channels[{index}].locations[{position}]: unknown location {code!r}; add a "
                    f'[[locations]] entry with code = "{code}" or remove it'
                )
    for index, rule in enumerate(_tables(data, "rules")):
        if "channel" in rule and rule["channel"] not in codes["channels"]:
            choices = ", ".join(sorted(codes["channels"])) or "(none configured)"
            problems.append(
                f"rules[{index}].channel: unknown channel {rule['channel']!r}; use one of {choices}"
            )
    hub = data.get("hub") if isinstance(data.get("hub"), dict) else {}
    url = hub.get("database_url", "sqlite:///")
    if isinstance(url, str) and not url.startswith(("sqlite:", "postgresql", "postgres:", "${")):
        problems.append(
            "hub.database_url: must start with sqlite:/// or postgresql+psycopg:// "
            "(e.g. sqlite:///stockhub.db)"
        )
    return problems


def _tables(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = data.get(name)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _describe(err: dict[str, Any]) -> str:
    path = _path(err["loc"])
    kind, message = err["type"], str(err["msg"]).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"{path}: unknown key; check its spelling against docs/configuration.md"
    if kind == "missing":
        return f"{path}: required key is missing"
    if kind == "enum":
        choices = ", ".join(k.value for k in LocationKind)
        return f"{path}: {err.get('input')!r} is not a location kind; use one of {choices}"
    if kind == "string_pattern_mismatch":
        return f"{path}: {err.get('input')!r} must be a code without spaces"
    if kind == "value_error" and not err["loc"]:
        return message.replace("\n", "\n  ")
    return f"{path}: {message}" if path else message


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _literal_secrets(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    channels = data.get("channels")
    if not isinstance(channels, list):
        return problems
    for index, channel in enumerate(channels):
        if isinstance(channel, dict) and isinstance(channel.get("settings"), dict):
            _scan(channel["settings"], f"channels[{index}].settings", problems)
    return problems


def _scan(value: Any, path: str, problems: list[str]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            inner_path = f"{path}.{key}"
            if SECRET_KEY.search(str(key)) and not isinstance(inner, (dict, list)):
                if not (isinstance(inner, str) and REFERENCE.fullmatch(inner.strip())):
                    var = re.sub(r"\W", "_", f"{key}").upper()
                    problems.append(
                        f"{inner_path}: secrets must not be written in stockhub.toml; write "
                        f'{key} = "${{{var}}}" and export that variable'
                    )
                continue
            _scan(inner, inner_path, problems)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _scan(inner, f"{path}[{index}]", problems)


def _resolve(value: Any, path: str) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(
                f"references ${{{name}}}, which is not set",
                field=path,
                fix=f"export {name} in the environment stockhub runs in",
            )
        secret = os.environ[name]
        _register(secret)
        return secret

    return REFERENCE.sub(substitute, value)


def _register(secret: str) -> None:
    from hub.logs import register_secret

    register_secret(secret)

"""``stockhub.toml``: one file describes a hub; the environment holds its secrets.

``load_settings`` reads and validates the whole file and reports every problem at once, each
with its key path and the fix. Secrets appear in the file only as ``${ENV_VAR}`` references and
are resolved when a connector needs them (``ChannelConfig.resolved_settings``), so a machine
without the token can still read stock. See docs/configuration.md.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import pydantic
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from hub.errors import ConfigError
from hub.vocabulary import LocationKind

Code = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S+$")]
Count = Annotated[int, Field(ge=0)]
OPS_TOKEN_ENV = "STOCKHUB_OPS_TOKEN"  # noqa: S105  (a variable name)
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
SECRET_KEY = re.compile(r"token|secret|passw(or)?d|credential|api_?key|private_key|refresh", re.I)
URL_OVERRIDES = {"database_url": "STOCKHUB_DATABASE_URL", "broker_url": "STOCKHUB_BROKER_URL"}
_RELATIVE_SQLITE = re.compile(r"^(sqlite(?:\+\w+)?:///)(?![/:]|file:)(.+)$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)  # inputs may be secret


class HubSection(_Section):
    """``[hub]``: where the hub keeps its data, and who may write anything."""

    database_url: str = "sqlite:///stockhub.db"
    broker_url: str = ""
    rate_limit_url: str = ""  # shared rate-limit counters; empty: the Redis broker, else local
    mappings_dir: str = "mappings"
    operators: list[Code] = ["ops", "stockhub"]
    item_owner: Annotated[str, Field(pattern=r"^\S*$")] = ""

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, url: str) -> str:
        if REFERENCE.fullmatch(url) or url.startswith(("sqlite:", "postgresql", "postgres://")):
            return url  # the value is not echoed: it may hold a password
        raise ValueError(
            "must start with sqlite:// or postgresql; write e.g. sqlite:///stockhub.db or "
            "postgresql+psycopg://user@host/db (in stockhub.toml or $STOCKHUB_DATABASE_URL)"
        )


class ReturnsSection(_Section):
    """``[returns]``: how long a return may wait for a disposition before it is flagged."""

    sla_hours: float = Field(default=72, gt=0)


class SyncSection(_Section):
    """``[sync]``: how the engine retries, sweeps, pulls, reconciles and judges health.

    Every duration is in seconds. The defaults suit a live hub; tests shorten them.
    """

    max_retries: int = Field(default=8, ge=0)  # Celery-level retries before a dead letter
    backoff_s: float = Field(default=2.0, gt=0)  # first retry delay, doubled each time
    backoff_max_s: float = Field(default=300.0, gt=0)  # cap on one retry delay
    jitter_s: float = Field(default=1.0, ge=0)  # random extra delay, so retries do not align
    pause_after: int = Field(default=3, ge=1)  # dead-lettered pushes in a row that pause a channel
    lease_s: float = Field(default=30.0, gt=0)  # a push run holds its channel at most this long
    sweep_every_s: float = Field(default=5.0, gt=0)  # outbox/inbox sweep period
    stale_after_s: float = Field(default=15.0, gt=0)  # queued work older than this is republished
    stuck_after_s: float = Field(default=600.0, gt=0)  # work older than this raises an alert
    pull_every_s: float = Field(default=60.0, gt=0)  # scheduled pulls per channel
    reconcile_every_s: float = Field(default=3600.0, gt=0)  # scheduled reconciliation
    scheduler_lease_s: float = Field(default=15.0, gt=0)  # a standby scheduler takes over after
    drift_tolerance: Count = 0  # units of difference that are not reported as drift
    rows_per_run: int = Field(default=1000, ge=1)  # outbox rows one push run takes at a time
    prefetch: int = Field(default=4, ge=1)  # messages a worker process reserves ahead
    embedded_broker: str = "broker.sqlite"  # the embedded broker's file, next to stockhub.toml


class AlertsSection(_Section):
    """``[alerts]``: which conditions alert, and where alerts go besides the log.

    Each condition alerts once (to every sink plugin) and again only after it has cleared.
    """

    check_every_s: float = Field(default=60.0, gt=0)  # how often the scheduler checks
    low_stock_atp: int = Field(default=0, ge=-1)  # a channel ATP at or below this alerts; -1: off
    safety_stock: Count = 0  # total on_hand below this alerts (item attribute safety_stock wins)
    dead_letter_growth: int = Field(default=10, ge=1)  # this many new dead letters in the window
    latency_objective_ms: float = Field(default=60_000, gt=0)  # p99 event-to-channel objective
    window_s: float = Field(default=900.0, gt=0)  # the window for growth and latency
    webhook_url: str = ""  # a JSON POST per alert (Slack-compatible "text"); ${VAR} allowed
    webhook_timeout_s: float = Field(default=5.0, gt=0)

    def resolved_webhook_url(self) -> str:
        return _resolve(self.webhook_url, "alerts.webhook_url", secret=True)


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
    push_location: Code | None = None  # where the channel shows its ATP; default: first location
    settings: dict[str, Any] = {}

    @field_validator("settings")
    @classmethod
    def _secrets_by_reference(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        problems = list(_literal_secrets(value, "", "", str(info.data.get("connector", ""))))
        if problems:
            details = "; ".join(problems)
            raise PydanticCustomError(
                "literal_secret", "{details}", {"details": details, "problems": problems}
            )
        return value

    def resolved_settings(self) -> dict[str, Any]:
        """Settings with ``${VAR}`` filled in now: only a connector that runs needs its token."""
        return _resolve(self.settings, f"channels[{self.code}].settings", secret=False)


class RuleConfig(_Section):
    channel: Code
    skus: Code = "*"
    share_percent: float | None = Field(default=None, ge=0, le=100)
    floor: Count | None = None
    cap: Count | None = None

    @model_validator(mode="after")
    def _floor_within_cap(self) -> RuleConfig:
        if self.floor is not None and self.cap is not None and self.floor > self.cap:
            raise ValueError(f"floor {self.floor} exceeds cap {self.cap}; lower floor or raise cap")
        return self


class ApiSection(_Section):
    """``[api]``: who may use the HTTP API and how much it accepts.

    Tokens are ``${VAR}`` references (literal values are refused). ``ops_token`` may read and
    act; ``read_token`` may only read. With ``ops_token`` empty, ``$STOCKHUB_OPS_TOKEN`` is the
    acting token; with no token at all, every ops endpoint answers 401 (webhooks, health and
    metrics still work).
    """

    ops_token: str = ""
    read_token: str = ""
    max_body_bytes: int = Field(default=1_048_576, ge=1024)  # larger requests are refused (413)
    metrics_public: bool = True  # False: /metrics needs a token too

    @field_validator("ops_token", "read_token")
    @classmethod
    def _reference_only(cls, value: str) -> str:
        if value and not REFERENCE.fullmatch(value.strip()):
            raise ValueError(
                "write a ${VAR} reference (e.g. \"${STOCKHUB_OPS_TOKEN}\"), not the token: "
                "secrets live in the environment, never in the file"
            )
        return value.strip()

    def tokens(self) -> tuple[str, str]:
        """(acting token, read-only token), resolved now; empty strings when not configured."""
        act = _resolve(self.ops_token, "api.ops_token", secret=True) if self.ops_token else ""
        if not act and (env := os.environ.get(OPS_TOKEN_ENV, "")):
            _register_secret(env)
            act = env
        read = _resolve(self.read_token, "api.read_token", secret=True) if self.read_token else ""
        return act, read


class _UrlOverrides(PydanticBaseSettingsSource):
    """$STOCKHUB_DATABASE_URL / $STOCKHUB_BROKER_URL beat the file: deployments swap services,
    not files. No other variable is read, so nothing else can change behind the file's back."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        hub = {key: value for key, name in URL_OVERRIDES.items() if (value := os.environ.get(name))}
        return {"hub": hub} if hub else {}


class Settings(BaseSettings):
    """The whole hub. Build it with ``load_settings``; in tests ``Settings(hub={...}, ...)``
    (pass sections as dicts so the URL variables merge into them)."""

    model_config = SettingsConfigDict(extra="forbid", hide_input_in_errors=True)

    hub: HubSection = Field(default_factory=HubSection)
    returns: ReturnsSection = Field(default_factory=ReturnsSection)
    sync: SyncSection = Field(default_factory=SyncSection)
    alerts: AlertsSection = Field(default_factory=AlertsSection)
    api: ApiSection = Field(default_factory=ApiSection)
    locations: list[LocationConfig] = []
    channels: list[ChannelConfig] = []
    rules: list[RuleConfig] = []

    _config_path: Path | None = PrivateAttr(default=None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (_UrlOverrides(settings_cls), init_settings)  # first wins: environment, then file

    @model_validator(mode="after")
    def _cross_check(self) -> Settings:
        if problems := _cross_problems(self.model_dump(mode="json")):
            raise ValueError("\n".join(problems))
        return self

    @property
    def config_path(self) -> Path | None:
        return self._config_path

    def owned_by(self, channel: str) -> set[str]:
        """Codes of the locations whose physical counts ``channel`` owns."""
        return {loc.code for loc in self.locations if loc.owner == channel}

    @property
    def base_dir(self) -> Path:
        """Relative paths in the file mean "next to the file", whatever the working directory."""
        return self._config_path.parent if self._config_path else Path.cwd()

    @property
    def database_url(self) -> str:
        """The URL to connect to: references filled in, a relative SQLite file anchored."""
        url = _resolve_url(self.hub.database_url, "hub.database_url")
        if match := _RELATIVE_SQLITE.match(url):
            url = match[1] + str((self.base_dir / match[2]).resolve())
        return url

    @property
    def broker_url(self) -> str:
        return _resolve_url(self.hub.broker_url, "hub.broker_url")

    @property
    def mappings_path(self) -> Path:
        return (self.base_dir / self.hub.mappings_dir).resolve()

    def location(self, code: str) -> LocationConfig | None:
        return next((loc for loc in self.locations if loc.code == code), None)

    def channel(self, code: str) -> ChannelConfig | None:
        return next((ch for ch in self.channels if ch.code == code), None)

    @property
    def broker_path(self) -> Path:
        """The embedded broker's SQLite file (used when ``hub.broker_url`` is empty)."""
        return (self.base_dir / self.sync.embedded_broker).resolve()

    def is_operator(self, source: str) -> bool:
        """Operators may write any data; ``ops:<person>`` sources are operators too."""
        return source in self.hub.operators or source.startswith("ops:")


def load_settings(path: str | Path | None = None) -> Settings:
    """Read and validate ``path`` (default ``$STOCKHUB_CONFIG``, else ``./stockhub.toml``)."""
    file = Path(path or os.environ.get("STOCKHUB_CONFIG") or "stockhub.toml")
    if not file.is_file():
        raise ConfigError(
            f"no configuration file at {file.absolute()}",
            fix="run `stockhub init` to create one, pass --config PATH, or set STOCKHUB_CONFIG",
        )
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: invalid TOML: {exc}", fix="fix the syntax there") from None
    problems = _literal_url_passwords(data)
    try:
        settings = Settings(**data)
    except pydantic.ValidationError as exc:  # the root error is the cross-check, redone below
        errors = [error for error in exc.errors(include_url=False) if error["loc"]]
        problems += [line for error in errors for line in _describe(error)]
        problems += _cross_problems(data)  # also when fields failed, so all is reported at once
    if problems:
        raise ConfigError(f"{file} has {len(problems)} problem(s):\n  " + "\n  ".join(problems))
    settings._config_path = file.resolve()
    return settings


_override: Settings | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once. Tests: ``override_settings`` or ``.cache_clear()``."""
    return _override if _override is not None else load_settings()


@contextmanager
def override_settings(settings: Settings) -> Iterator[Settings]:
    """Make ``get_settings()`` return ``settings`` inside the block, then restore it."""
    global _override
    previous, _override = _override, settings
    get_settings.cache_clear()
    try:
        yield settings
    finally:
        _override = previous
        get_settings.cache_clear()


# --- validation details --------------------------------------------------------------------


def _cross_problems(data: dict[str, Any]) -> list[str]:
    """Checks across sections, on raw data so they run even when some fields are invalid."""
    problems: list[str] = []
    codes: dict[str, set[str]] = {}
    for name in ("locations", "channels"):
        seen: dict[str, int] = {}
        for index, item in _tables(data, name):
            code = item.get("code")
            if not isinstance(code, str) or not re.fullmatch(r"\S+", code):
                continue  # reported by the field check
            if code in seen:
                problems.append(
                    f"{name}[{index}].code: {code!r} repeats {name}[{seen[code]}]; "
                    "codes must be unique"
                )
            else:
                seen[code] = index
        codes[name] = set(seen)
    for index, channel in _tables(data, "channels"):
        listed = channel["locations"] if isinstance(channel.get("locations"), list) else []
        for position, code in enumerate(listed):
            where = f"channels[{index}].locations[{position}]"
            if code in listed[:position]:
                problems.append(f"{where}: {code!r} is listed twice; remove the repeat")
            elif isinstance(code, str) and code not in codes["locations"]:
                problems.append(
                    f"{where}: unknown location {code!r}; add a [[locations]] "
                    f'entry with code = "{code}" or remove it'
                )
        push_at = channel.get("push_location")
        if isinstance(push_at, str) and listed and push_at not in listed:
            problems.append(
                f"channels[{index}].push_location: {push_at!r} is not one of this channel's "
                f"locations ({', '.join(map(str, listed))}); pick one of them or remove the key"
            )
    for index, rule in _tables(data, "rules"):
        if isinstance(rule.get("channel"), str) and rule["channel"] not in codes["channels"]:
            choices = ", ".join(sorted(codes["channels"])) or "(none configured)"
            problems.append(
                f"rules[{index}].channel: unknown channel {rule['channel']!r}; use one of {choices}"
            )
    return problems


def _tables(data: dict[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(name)
    items = value if isinstance(value, list) else []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _describe(err: Any) -> list[str]:
    """One pydantic error as lines ``key.path: what is wrong; the fix``."""
    path, kind, ctx, value = _path(err["loc"]), err["type"], err.get("ctx") or {}, err.get("input")
    shown = repr(value) if isinstance(value, int | float | str) else "this value"
    if kind == "literal_secret":
        return [path + problem for problem in ctx["problems"]]
    if kind == "extra_forbidden":
        return [f"{path}: unknown key; {_key_hint(err['loc'])}"]
    if kind == "missing":
        return [f"{path}: required key is missing; add {err['loc'][-1]} = ..."]
    if kind == "enum":
        choices = ", ".join(k.value for k in LocationKind)
        return [f"{path}: {shown} is not a location kind; use one of {choices}"]
    if kind.startswith("string_") and kind != "string_type":
        return [f"{path}: {shown} is not a code; use 1-200 characters without spaces"]
    message = str(err["msg"]).removeprefix("Value error, ")
    if message.startswith("Input should"):  # type and range errors: say what was found
        message = f"{shown} is not accepted; it{message.removeprefix('Input')}"
        message = re.sub(r"a valid dictionary or instance of \w+", "a table", message)
    return [f"{path}: {message}"]


def _key_hint(loc: tuple[Any, ...]) -> str:
    sections: dict[str, type[BaseModel]] = {"hub": HubSection, "returns": ReturnsSection,
        "sync": SyncSection, "locations": LocationConfig, "channels": ChannelConfig,
        "rules": RuleConfig}  # fmt: skip
    model = sections.get(loc[0]) if len(loc) > 1 else Settings
    known = list(model.model_fields) if model else []
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    return f"did you mean {close[0]!r}?" if close else f"remove it (known: {', '.join(known)})"


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _literal_secrets(value: Any, path: str, key: str, connector: str) -> Iterator[str]:
    """Secret-looking keys whose value is not a ``${VAR}`` reference (empty is allowed)."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _literal_secrets(inner, f"{path}.{name}", str(name), connector)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _literal_secrets(inner, f"{path}[{index}]", key, connector)
    elif SECRET_KEY.search(key) and isinstance(value, str) and value.strip():
        if not REFERENCE.fullmatch(value.strip()):
            var = re.sub(r"\W+", "_", f"{connector}_{key}" if connector else key).upper()
            yield (f"{path}: secrets must not be written in stockhub.toml; write "
                   f'{key} = "${{{var}}}" and export that variable')  # fmt: skip


def _literal_url_passwords(data: dict[str, Any]) -> list[str]:
    """A password inside a URL in the file is a secret too; the environment may hold one."""
    hub: dict[str, Any] = data["hub"] if isinstance(data.get("hub"), dict) else {}
    problems = []
    for key, variable in URL_OVERRIDES.items():
        try:
            password = urlsplit(str(hub.get(key, ""))).password
        except ValueError:
            continue
        if password and not REFERENCE.fullmatch(password):
            problems.append(
                f"hub.{key}: the password must not be written in stockhub.toml; "
                f"write user:${{{variable.replace('_URL', '_PASSWORD')}}}@host and export "
                f"that variable, or set {variable}"
            )
    return problems


def _resolve(value: Any, path: str, *, secret: bool) -> Any:
    """Fill ``${VAR}`` references from os.environ; values under secret keys go to redaction."""
    if isinstance(value, dict):
        return {k: _resolve(v, f"{path}.{k}", secret=bool(SECRET_KEY.search(str(k))))
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [_resolve(v, f"{path}[{i}]", secret=secret) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, found = match[1], os.environ.get(match[1])
        if found is None or (secret and not found):
            raise ConfigError(
                f"${{{name}}} is {'empty' if found == '' else 'not set'}",
                field=path,
                fix=f"export {name} in the environment stockhub runs in",
            )
        if secret:
            _register_secret(found)
        return found

    return REFERENCE.sub(substitute, value)


def _resolve_url(url: str, path: str) -> str:
    url = _resolve(url, path, secret=False)
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    if password:
        _register_secret(password)
    return url


def _register_secret(value: str) -> None:
    try:
        from hub.logs import register_secret
    except ImportError:  # logging not importable (yet): resolution must still work
        return
    register_secret(value)

"""What connector hooks exchange with the hub: descriptions, webhooks, pulls, pushes.

Plain frozen dataclasses, so a plugin needs nothing but ``hub`` to build them and the hub can
check them cheaply. Canonical events travel in their public wire form (``dict``, "Public
formats, v1"); the hub validates them with :func:`hub.events.parse_event`.

Identifiers inside events a connector emits are the *vendor's* codes (its SKU string, its
location id); the hub's mapping stage resolves them through the crosswalk before the ledger
sees them. Stock updates handed to a connector carry both the hub codes and the vendor ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hub.errors import PermanentError

if TYPE_CHECKING:  # pragma: no cover
    import httpx

    from hub.http.client import ConnectorClient
    from hub.http.policy import ErrorPolicy, RetrySettings
    from hub.http.ratelimit import ChannelRateLimiter

__all__ = [
    "Capability",
    "ChannelContext",
    "ConnectorInfo",
    "ContractError",
    "InboundMessage",
    "PullResult",
    "PushResult",
    "PushStatus",
    "RateLimit",
    "Resource",
    "SettingsField",
    "StockUpdate",
    "WebhookRequest",
]

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_SETTING = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_LOOKS_SECRET = re.compile(r"(secret|token|password|passwd|api_?key|private_?key|credential)")


class ContractError(PermanentError):
    """Raised when a plugin breaks the hook contract (bad return value, wrong result count)."""

    kind = "plugin_contract"


class Capability(StrEnum):
    """What a connector can do; the engine only calls hooks for declared capabilities."""

    PUSH_STOCK = "push-stock"  # implements stockhub_push_stock
    PULL_STOCK = "pull-stock"  # stockhub_pull(resource=stock)
    WEBHOOKS = "webhooks"  # stockhub_verify_webhook + stockhub_parse_webhook
    ORDERS = "orders"  # emits order.* events; pullable with resource=orders
    RETURNS = "returns"  # emits return.* events; pullable with resource=returns
    COMPARE_AND_SET = "compare-and-set"  # honours StockUpdate.expected


class Resource(StrEnum):
    """What ``stockhub_pull`` is asked for."""

    STOCK = "stock"
    ORDERS = "orders"
    RETURNS = "returns"


#: The capability that makes a resource pullable.
PULL_CAPABILITY: dict[Resource, Capability] = {
    Resource.STOCK: Capability.PULL_STOCK,
    Resource.ORDERS: Capability.ORDERS,
    Resource.RETURNS: Capability.RETURNS,
}


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` calls per ``per_seconds`` s per channel, as the vendor documents."""

    requests: int
    per_seconds: int = 1

    def __post_init__(self) -> None:
        if self.requests < 1 or self.per_seconds < 1:
            raise ContractError(f"rate limit {self.requests}/{self.per_seconds}s must be >= 1/1s")

    def __str__(self) -> str:
        return f"{self.requests}/{self.per_seconds}s"


@dataclass(frozen=True)
class SettingsField:
    """One key of a channel's ``[channels.settings]`` table.

    :param secret: the value is a credential: given only by environment reference, never
        logged, filtered from error messages.
    """

    name: str
    description: str
    type: str = "string"  # string | integer | number | boolean
    required: bool = True
    default: Any = None
    secret: bool = False
    example: Any = None

    TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool}

    def problems(self) -> list[str]:
        """Everything wrong with this declaration, as sentences (empty when it is sound)."""
        found = []
        if not _SETTING.match(self.name):
            found.append(f"setting {self.name!r}: name must be snake_case ([a-z][a-z0-9_]*)")
        if len(self.description.strip()) < 8:
            found.append(f"setting {self.name!r}: needs a description a person can act on")
        if self.type not in self.TYPES:
            found.append(f"setting {self.name!r}: type {self.type!r} not one of {list(self.TYPES)}")
        elif self.default is not None and not _is_type(self.default, self.type):
            found.append(f"setting {self.name!r}: default {self.default!r} is not a {self.type}")
        if _LOOKS_SECRET.search(self.name) and not self.secret:
            found.append(f"setting {self.name!r}: looks like a credential; mark it secret=True")
        if self.secret and self.default is not None:
            found.append(f"setting {self.name!r}: a secret must not have a default value")
        return found

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.type, "description": self.description}
        if self.default is not None:
            schema["default"] = self.default
        if self.example is not None and not self.secret:
            schema["examples"] = [self.example]
        if self.secret:
            schema["writeOnly"] = True
            schema["x-secret"] = True
        return schema


def _is_type(value: Any, type_name: str) -> bool:
    if type_name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, SettingsField.TYPES[type_name])


@dataclass(frozen=True)
class ConnectorInfo:
    """A connector's description of itself (``stockhub_describe_connector``)."""

    name: str
    title: str
    capabilities: frozenset[Capability]
    max_batch_size: int = 1
    rate_limits: tuple[RateLimit, ...] = ()
    settings: tuple[SettingsField, ...] = ()
    version: str = "0"
    docs_url: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "capabilities", frozenset(Capability(c) for c in self.capabilities)
        )
        if not _NAME.match(self.name):
            raise ContractError(f"connector name {self.name!r} must match {_NAME.pattern}")
        if self.max_batch_size < 1:
            raise ContractError(f"connector {self.name!r}: max_batch_size must be >= 1")

    def can(self, capability: Capability | str) -> bool:
        return Capability(capability) in self.capabilities

    @property
    def secret_settings(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.settings if f.secret)

    def settings_problems(self) -> list[str]:
        """Every problem in the settings schema (duplicates, no description, unmarked secrets)."""
        names = [f.name for f in self.settings]
        found = [
            f"setting {n!r} declared twice"
            for n in sorted({n for n in names if names.count(n) > 1})
        ]
        for spec in self.settings:
            found.extend(spec.problems())
        return found

    def settings_json_schema(self) -> dict[str, Any]:
        """The settings as JSON Schema (2020-12); secrets carry ``writeOnly`` and ``x-secret``."""
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"{self.title} channel settings",
            "type": "object",
            "properties": {f.name: f.json_schema() for f in self.settings},
            "required": [f.name for f in self.settings if f.required and f.default is None],
            "additionalProperties": False,
        }

    def check_settings(self, values: Mapping[str, Any]) -> list[str]:
        """Problems with a channel's resolved settings against this schema, naming each key."""
        known = {f.name: f for f in self.settings}
        found = [f"settings.{k}: unknown setting for {self.name}" for k in values if k not in known]
        for spec in self.settings:
            if spec.name not in values:
                if spec.required and spec.default is None:
                    found.append(f"settings.{spec.name}: required ({spec.description})")
            elif not _is_type(values[spec.name], spec.type):
                found.append(f"settings.{spec.name}: expected {spec.type}")
        return found


@dataclass(frozen=True)
class WebhookRequest:
    """A webhook delivery exactly as received: the raw body is what signatures are computed over."""

    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "POST"
    path: str = "/"
    query: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        """Case-insensitive header lookup (HTTP headers are case-insensitive)."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default


@dataclass(frozen=True)
class InboundMessage:
    """One vendor record to translate: a webhook delivery or one pulled record.

    :param topic: the vendor's name for what happened (``inventory_levels/update``).
    :param body: the decoded vendor payload.
    :param delivery_id: the vendor's own id for deduplication in the inbox; ``None`` lets the
        hub hash the body instead.
    """

    topic: str
    body: Any
    delivery_id: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class PullResult:
    """A page of canonical events and the cursor to resume from.

    :param cursor: opaque to the hub; passed back verbatim on the next pull. Must never move
        backwards: pulling from it again yields only what happened since.
    :param has_more: another page is ready now (the engine pulls again at once).
    """

    events: list[dict[str, Any]]
    cursor: str | None
    has_more: bool = False


@dataclass(frozen=True)
class StockUpdate:
    """Set one item at one location to an absolute quantity ("set to N", never a delta).

    :param expected: the quantity the hub last pushed; connectors with compare-and-set
        send it so the vendor refuses the write when someone else changed the number.
    """

    sku: str
    location: str
    quantity: int
    external_id: str
    external_location: str
    expected: int | None = None

    def __post_init__(self) -> None:
        if self.quantity < 0:
            raise ContractError(
                f"{self.sku}@{self.location}: quantity must be >= 0, got {self.quantity}"
            )


class PushStatus(StrEnum):
    ACCEPTED = "accepted"  # the channel now shows ``quantity``
    STALE_COMPARE = "stale_compare"  # compare-and-set refused: the channel's value moved on
    REJECTED = "rejected"  # the channel refused this item for good (``reason`` says why)


@dataclass(frozen=True)
class PushResult:
    """What happened to one StockUpdate, in the order the updates were given."""

    sku: str
    location: str
    status: PushStatus
    reason: str = ""
    actual: int | None = None  # the channel's current value when known (stale_compare)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", PushStatus(self.status))
        if self.status is not PushStatus.ACCEPTED and not self.reason:
            raise ContractError(
                f"{self.sku}@{self.location}: a {self.status} result needs a reason"
            )


@dataclass
class ChannelContext:
    """One configured channel as a hook sees it, with the hub's HTTP toolkit bound to it.

    Connectors never build their own HTTP clients: they call :meth:`http_client`, which comes
    with the hub's retry policy, the channel's shared rate limiter, and whatever transport the
    hub (or a test) injected. ``settings`` are resolved (secrets included) and kept out of
    ``repr`` so hook tracing and tracebacks never print them.
    """

    channel: str
    connector: str
    settings: Mapping[str, Any] = field(default_factory=dict, repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)
    rate_limits: tuple[RateLimit, ...] = ()
    transport: httpx.BaseTransport | None = field(default=None, repr=False)
    limiter: ChannelRateLimiter | None = field(default=None, repr=False)
    retry: RetrySettings | None = field(default=None, repr=False)
    sleep: Callable[[float], None] | None = field(default=None, repr=False)

    def http_client(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        policy: ErrorPolicy | None = None,
        refresh_auth: Callable[[ConnectorClient], None] | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> ConnectorClient:
        """An HTTP client for this channel: timeouts, retries, rate limit, error translation."""
        from hub.http.client import ConnectorClient

        return ConnectorClient(
            connector=self.connector,
            channel=self.channel,
            base_url=base_url,
            headers=headers,
            policy=policy,
            retry=self.retry,
            limiter=self.limiter,
            rate_limits=self.rate_limits,
            transport=self.transport,
            sleep=self.sleep,
            refresh_auth=refresh_auth,
            secrets=self.secret_values(),
            timeout=timeout,
        )

    def secret_values(self) -> tuple[str, ...]:
        """The values of the secret settings, for redaction of error messages."""
        return tuple(str(self.settings[k]) for k in self.secrets if self.settings.get(k))

"""A configured channel, ready to call: its settings, its connector, its HTTP toolkit.

Built once per process and channel (settings resolved, rate limiter connected) and reused by
every task. The rate limiter's counters live in shared storage (``hub.rate_limit_url``, else
the Redis broker, else a machine-wide SQLite file), so a channel's limit holds across every
worker process and, with Redis, every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from hub.connector import Capability, ChannelContext
from hub.dispatch import ConnectorHandle, get_connector
from hub.errors import ConfigError
from hub.http.ratelimit import ChannelRateLimiter
from hub.models import ExternalRef
from hub.vocabulary import RefKind

if TYPE_CHECKING:
    from hub.app import Hub
    from hub.config import ChannelConfig


@dataclass
class ChannelRuntime:
    code: str
    config: ChannelConfig
    handle: ConnectorHandle
    context: ChannelContext

    def can(self, capability: Capability) -> bool:
        return self.handle.info.can(capability)

    @property
    def push_location(self) -> str:
        """The hub location whose quantity the channel shows: configured, else its first."""
        return self.config.push_location or (self.config.locations or [self.code])[0]

    def external_ids(
        self, session: Session, kind: RefKind, codes: list[str]
    ) -> dict[str, list[str]]:
        """Hub code → the channel's ids for it (the hub code itself when the crosswalk has none)."""
        found: dict[str, list[str]] = {}
        rows = session.exec(
            select(ExternalRef.hub_code, ExternalRef.external_id)
            .where(ExternalRef.system == self.code)
            .where(ExternalRef.kind == kind.value)
            .where(col(ExternalRef.hub_code).in_(codes))
            .order_by(col(ExternalRef.external_id))
        )
        for hub_code, external_id in rows:
            found.setdefault(hub_code, []).append(external_id)
        return {code: found.get(code, [code]) for code in codes}


def rate_limit_url(hub: Hub) -> str | None:
    settings = hub.settings
    if settings.hub.rate_limit_url:
        return settings.hub.rate_limit_url
    broker = settings.broker_url
    if broker.startswith(("redis://", "rediss://")):
        return broker
    return None  # the limiter's machine-wide SQLite default


def channel_config(hub: Hub, channel: str) -> ChannelConfig:
    """The channel's configuration; a ConfigError naming the fix for an unknown code."""
    config = hub.settings.channel(channel)
    if config is None:
        raise ConfigError(
            f"unknown channel {channel!r}",
            field="channel",
            fix="list channels with `stockhub channels list`",
        )
    return config


def channel_runtime(hub: Hub, channel: str) -> ChannelRuntime:
    """The runtime for ``channel`` (cached on the hub); ConfigError when it cannot run."""
    cache: dict[str, ChannelRuntime] = hub.__dict__.setdefault("_runtimes", {})
    if channel in cache:
        return cache[channel]
    config = channel_config(hub, channel)
    handle = get_connector(config.connector, hub.plugins)
    extra: dict[str, Any] = dict(hub.channel_parts.get(channel, {}))
    if "limiter" not in extra:
        extra["limiter"] = _limiter(hub)
    context = handle.context(channel, config.resolved_settings(), **extra)
    problems = handle.info.check_settings(context.settings)
    if problems:
        raise ConfigError(
            f"channel {channel!r} settings do not fit connector {config.connector!r}: "
            + "; ".join(problems),
            field=f"channels[{channel}].settings",
            fix=f"see `stockhub connectors list` for the settings {config.connector} takes",
        )
    runtime = ChannelRuntime(channel, config, handle, context)
    cache[channel] = runtime
    return runtime


def _limiter(hub: Hub) -> ChannelRateLimiter:
    limiter = hub.__dict__.get("_limiter")
    if limiter is None:
        limiter = hub.__dict__["_limiter"] = ChannelRateLimiter(rate_limit_url(hub))
    return limiter

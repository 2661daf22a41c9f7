"""Calling one connector's hooks, and broadcasting observer hooks to every plugin.

A connector hook is called on exactly one plugin: the one registered under the connector's
name. :class:`ConnectorHandle` does that with pluggy's ``subset_hook_caller`` (every other
plugin removed), then checks what came back — events are validated with ``parse_event``,
push batches are cut to ``max_batch_size`` and results matched to updates — so a plugin
that breaks the contract fails loudly with its name in the message. Vendor input a connector
cannot read is the sender's problem, never a crash: a verifier that trips over it says
``False``, and a parser or translator that trips over it (``TypeError`` on a wrong-typed
field, ``RecursionError`` on absurd nesting) raises ``ValidationError`` (see :data:`UNREADABLE`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import pluggy
import structlog

from hub.connector import (
    PULL_CAPABILITY,
    Capability,
    ChannelContext,
    ConnectorInfo,
    ContractError,
    InboundMessage,
    PullResult,
    PushResult,
    Resource,
    StockUpdate,
    WebhookRequest,
)
from hub.errors import ConfigError, HubError, ValidationError
from hub.events import Event, parse_event
from hub.http.redact import redact
from hub.plugins import get_plugin_manager

__all__ = ["ConnectorHandle", "get_connector", "installed_connectors", "notify"]

#: What connector code raises when vendor input has the wrong shape. Connection and OS errors
#: are not among them: those stay transient (a 5xx, so the vendor delivers again).
UNREADABLE = (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError,
              ArithmeticError, UnicodeError)  # fmt: skip


class ConnectorHandle:
    """One installed connector: its description and its hooks, bound to its plugin only."""

    def __init__(self, pm: pluggy.PluginManager, name: str) -> None:
        self.pm = pm
        self.name = name
        self.plugin = pm.get_plugin(name)
        if self.plugin is None:
            raise ConfigError(f"connector {name!r} is not installed", fix=_installed_hint(pm))

    def call(self, hook: str, **kwargs: Any) -> Any:
        """Call ``hook`` on this connector's plugin alone; ``None`` if it does not implement it."""
        others = [p for p in self.pm.get_plugins() if p is not self.plugin]
        return self.pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs)

    def implements(self, hook: str) -> bool:
        return any(i.plugin is self.plugin for i in getattr(self.pm.hook, hook).get_hookimpls())

    @cached_property
    def info(self) -> ConnectorInfo:
        info = self.call("stockhub_describe_connector")
        if not isinstance(info, ConnectorInfo):
            raise ContractError(
                f"plugin {self.name!r}: stockhub_describe_connector must return "
                f"a ConnectorInfo, got {type(info).__name__}"
            )
        if info.name != self.name:
            raise ContractError(
                f"plugin {self.name!r} describes itself as {info.name!r}; the "
                "entry-point name and ConnectorInfo.name must be equal"
            )
        return info

    def context(self, channel: str, settings: dict[str, Any], **hub_parts: Any) -> ChannelContext:
        """A ChannelContext for one channel of this connector (secrets named from the schema)."""
        return ChannelContext(
            channel=channel,
            connector=self.name,
            settings=settings,
            secrets=self.info.secret_settings,
            rate_limits=self.info.rate_limits,
            **hub_parts,
        )

    def verify_webhook(self, channel: ChannelContext, request: WebhookRequest) -> bool:
        """True only for a genuine delivery; a verifier that trips over garbage says False."""
        self._require(Capability.WEBHOOKS)
        try:
            return self.call("stockhub_verify_webhook", channel=channel, request=request) is True
        except UNREADABLE as exc:  # fail closed: what cannot be checked is not genuine
            structlog.get_logger().warning(
                "webhook.unverifiable",
                connector=self.name,
                channel=channel.channel,
                error=type(exc).__name__,
            )
            return False

    def parse_webhook(
        self, channel: ChannelContext, request: WebhookRequest
    ) -> list[InboundMessage]:
        self._require(Capability.WEBHOOKS)
        with self._reading(channel, "webhook body"):
            messages = self.call("stockhub_parse_webhook", channel=channel, request=request)
        return self._list_of(messages, InboundMessage, "stockhub_parse_webhook")

    def translate(self, channel: ChannelContext, message: InboundMessage) -> list[Event]:
        """Translate and validate: every event returned is a valid canonical event."""
        with self._reading(channel, f"{message.topic[:200]} record"):
            raw = self.call("stockhub_translate", channel=channel, message=message)
        raw = self._list_of(raw, dict, "stockhub_translate")
        return [self._validated(item, f"{message.topic} event[{i}]") for i, item in enumerate(raw)]

    @contextmanager
    def _reading(self, channel: ChannelContext, what: str) -> Iterator[None]:
        """Turn a connector tripping over vendor input into a ValidationError (a 4xx, a dead
        letter with the original traceback), never a crash; the text is redacted."""
        try:
            yield
        except UNREADABLE as exc:
            kind = type(exc).__name__
            detail = "it nests too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise ValidationError(
                f"connector {self.name!r} cannot read the {what}: {kind}: "
                f"{redact(detail, channel.secret_values())[:300]}",
                field="body",
                fix="check the record against the vendor's documentation; fix it with "
                "`stockhub dlq edit` and replay, or report the connector bug",
                context={"connector": self.name, "unreadable": kind},
            ) from exc

    def pull(
        self,
        channel: ChannelContext,
        resource: Resource | str,
        cursor: str | None,
        limit: int = 100,
    ) -> tuple[list[Event], PullResult]:
        resource = Resource(resource)
        self._require(PULL_CAPABILITY[resource])
        result = self.call(
            "stockhub_pull", channel=channel, resource=resource, cursor=cursor, limit=limit
        )
        if not isinstance(result, PullResult):
            raise ContractError(f"plugin {self.name!r}: stockhub_pull must return a PullResult")
        if len(result.events) > limit:
            raise ContractError(
                f"plugin {self.name!r}: pulled {len(result.events)} events, limit {limit}"
            )
        events = [
            self._validated(e, f"pull {resource} event[{i}]") for i, e in enumerate(result.events)
        ]
        return events, result

    def push_stock(
        self, channel: ChannelContext, updates: Sequence[StockUpdate]
    ) -> list[PushResult]:
        """Push in batches of at most ``max_batch_size``; one result per update, in order."""
        self._require(Capability.PUSH_STOCK)
        size = self.info.max_batch_size
        results: list[PushResult] = []
        for start in range(0, len(updates), size):
            batch = list(updates[start : start + size])
            got = self._list_of(
                self.call("stockhub_push_stock", channel=channel, updates=batch),
                PushResult,
                "stockhub_push_stock",
            )
            if [(r.sku, r.location) for r in got] != [(u.sku, u.location) for u in batch]:
                raise ContractError(
                    f"plugin {self.name!r}: stockhub_push_stock must return one "
                    f"result per update in order ({len(batch)} sent, {len(got)} back)"
                )
            results.extend(got)
        return results

    def _require(self, capability: Capability) -> None:
        if not self.info.can(capability):
            raise ConfigError(f"connector {self.name!r} does not declare {capability.value!r}")

    def _list_of(self, value: Any, kind: type, hook: str) -> list[Any]:
        if not isinstance(value, list) or not all(isinstance(v, kind) for v in value):
            raise ContractError(
                f"plugin {self.name!r}: {hook} must return a list of {kind.__name__}, "
                f"got {type(value).__name__}"
            )
        return value

    def _validated(self, raw: dict[str, Any], where: str) -> Event:
        try:
            return parse_event(raw)
        except ValidationError as exc:
            exc.context.update(connector=self.name, where=where)
            exc.message = f"connector {self.name!r} produced an invalid {where}: {exc.message}"
            raise


def installed_connectors(pm: pluggy.PluginManager | None = None) -> list[ConnectorHandle]:
    """Every registered plugin that describes itself as a connector, sorted by name."""
    pm = pm or get_plugin_manager()
    impls = pm.hook.stockhub_describe_connector.get_hookimpls()
    return [ConnectorHandle(pm, name) for name in sorted({i.plugin_name for i in impls})]


def get_connector(name: str, pm: pluggy.PluginManager | None = None) -> ConnectorHandle:
    handle = ConnectorHandle(pm or get_plugin_manager(), name)
    if not handle.implements("stockhub_describe_connector"):
        raise ConfigError(f"plugin {name!r} is not a connector", fix=_installed_hint(handle.pm))
    return handle


def notify(hook: str, pm: pluggy.PluginManager | None = None, **kwargs: Any) -> None:
    """Broadcast an observer hook; a failing observer is logged, never allowed to propagate."""
    pm = pm or get_plugin_manager()
    plugins = pm.get_plugins()
    for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):  # pluggy's call order
        others = [p for p in plugins if p is not impl.plugin]
        try:
            pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs)
        except Exception as exc:  # an observer must not undo the hub's work
            error = exc.message if isinstance(exc, HubError) else repr(exc)
            structlog.get_logger().error(
                "observer.failed", hook=hook, plugin=impl.plugin_name, error=error
            )


def _installed_hint(pm: pluggy.PluginManager) -> str:
    names = sorted({i.plugin_name for i in pm.hook.stockhub_describe_connector.get_hookimpls()})
    return f"installed connectors: {', '.join(names) or '(none)'}; see `stockhub connectors list`"

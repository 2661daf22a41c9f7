"""A connector under test: its plugin registered alone, and channel contexts on a transport.

Every connector's conftest wants the same two fixtures; only the connector, the channel and
the sandbox settings differ, so they are built here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import httpx

from hub.conformance.suite import FAST_RETRY
from hub.connector import ChannelContext
from hub.dispatch import ConnectorHandle, get_connector
from hub.http import RetrySettings
from hub.plugins import make_plugin_manager


def handle_of(name: str, plugin: ModuleType) -> ConnectorHandle:
    """The connector ``name`` from its plugin module, registered alone (installed or not)."""
    pm = make_plugin_manager(plugins={name: plugin}, load_entry_points=False)
    return get_connector(name, pm)


def context_factory(
    handle: ConnectorHandle, channel: str, defaults: Mapping[str, Any], waits: list[float]
) -> Callable[..., ChannelContext]:
    """Factory: a ChannelContext for ``channel`` on a transport, sleeps recorded not slept."""

    def make(
        transport: httpx.BaseTransport | None = None,
        *,
        retry: RetrySettings = FAST_RETRY,
        **settings: Any,
    ) -> ChannelContext:
        return handle.context(
            channel,
            {**defaults, **settings},
            transport=transport,
            retry=retry,
            sleep=waits.append,
        )

    return make

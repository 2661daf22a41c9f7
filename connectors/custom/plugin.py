"""stockhub hook implementations for the ``custom`` connector: glue between hub and protocol.

The shapes, the signature check and the translation live in :mod:`connectors.custom.protocol`
(pure); this module only describes the connector, makes the two HTTP calls through the hub's
client (rate limit, retries, error translation) and reports malformed answers as the hub's
``PermanentError`` with the channel named.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from connectors.custom import protocol
from hub.connector import (
    Capability,
    ChannelContext,
    ConnectorInfo,
    InboundMessage,
    PullResult,
    PushResult,
    RateLimit,
    Resource,
    SettingsField,
    StockUpdate,
    WebhookRequest,
)
from hub.errors import ConfigError, PermanentError
from hub.hookspecs import hookimpl
from hub.http import ConnectorClient, redact

NAME = "custom"

SETTINGS = (
    SettingsField(
        "base_url",
        "Base URL of the in-house system's stockhub API, without a trailing slash; "
        "the connector calls {base_url}/stock/set and {base_url}/stock.",
        example="http://127.0.0.1:8085/api",
    ),
    SettingsField(
        "api_token",
        "Bearer token the in-house system accepts (sent as `Authorization: Bearer <token>`). "
        "Give it by environment reference, e.g. ${CUSTOM_API_TOKEN}.",
        secret=True,
    ),
    SettingsField(
        "webhook_secret",
        "Shared secret the in-house system signs webhook deliveries with (HMAC-SHA256 in "
        "X-Stockhub-Signature). Without it every webhook is refused.",
        required=False,
        secret=True,
    ),
)

INFO = ConnectorInfo(
    name=NAME,
    title="Custom (stockhub JSON protocol)",
    capabilities=frozenset(
        {
            Capability.PUSH_STOCK,
            Capability.PULL_STOCK,
            Capability.WEBHOOKS,
            Capability.COMPARE_AND_SET,
        }
    ),
    max_batch_size=protocol.MAX_BATCH_SIZE,
    # the system allows 20/s; declaring 18 leaves room for delivery jitter, so its window never
    # sees a 21st request (a 429 would stall the channel for a whole Retry-After)
    rate_limits=(RateLimit(18, 1),),
    settings=SETTINGS,
    version="1.0.0",
)

T = TypeVar("T")


@hookimpl
def stockhub_describe_connector() -> ConnectorInfo:
    return INFO


@hookimpl
def stockhub_verify_webhook(channel: ChannelContext, request: WebhookRequest) -> bool:
    secret = channel.settings.get("webhook_secret")
    return protocol.verify(
        request.body, request.header(protocol.SIGNATURE_HEADER), str(secret) if secret else None
    )


@hookimpl
def stockhub_parse_webhook(
    channel: ChannelContext, request: WebhookRequest
) -> list[InboundMessage]:
    return protocol.parse_delivery(request.body, request.header(protocol.DELIVERY_HEADER))


@hookimpl
def stockhub_translate(channel: ChannelContext, message: InboundMessage) -> list[dict[str, Any]]:
    return protocol.translate(message.body, channel.channel)


@hookimpl
def stockhub_pull(
    channel: ChannelContext, resource: Resource, cursor: str | None, limit: int
) -> PullResult:
    if Resource(resource) is not Resource.STOCK:
        raise ConfigError(f"the custom connector pulls stock only, not {resource}")
    with _client(channel) as http:
        response = http.get(protocol.PULL_PATH, params=protocol.pull_params(cursor, limit))
    levels, next_cursor = _answer(
        channel, "GET /stock", lambda: protocol.read_page(response.json())
    )
    if len(levels) > limit:
        raise _malformed(channel, "GET /stock", f"{len(levels)} levels for limit {limit}")
    return PullResult(
        events=[protocol.level_event(level, channel.channel) for level in levels],
        cursor=next_cursor or cursor,
        has_more=next_cursor is not None,
    )


@hookimpl
def stockhub_push_stock(
    channel: ChannelContext, updates: Sequence[StockUpdate]
) -> list[PushResult]:
    with _client(channel) as http:
        response = http.post(protocol.PUSH_PATH, json=protocol.push_body(updates))
    return _answer(
        channel, "POST /stock/set", lambda: protocol.push_results(updates, response.json())
    )


@hookimpl
def stockhub_conformance_kit() -> Any:
    from connectors.custom.sandbox import SANDBOX_SETTINGS, CustomSandbox
    from hub.conformance import ConformanceKit

    return ConformanceKit(
        settings=dict(SANDBOX_SETTINGS),
        samples_dir=Path(__file__).parent / "samples",
        sandbox=CustomSandbox.seeded,
        sign_webhook=lambda body, settings: protocol.signature_headers(
            body, str(settings["webhook_secret"])
        ),
    )


def _client(channel: ChannelContext) -> ConnectorClient:
    return channel.http_client(
        str(channel.settings["base_url"]),
        headers={
            protocol.AUTH_HEADER: f"Bearer {channel.settings['api_token']}",
            "Accept": "application/json",
        },
    )


def _answer(channel: ChannelContext, call: str, read: Callable[[], T]) -> T:
    try:
        return read()
    except ValueError as exc:  # protocol.ResponseError, or a body that is not JSON
        raise _malformed(channel, call, str(exc)) from exc


def _malformed(channel: ChannelContext, call: str, what: str) -> PermanentError:
    message = f"{NAME}/{channel.channel} {call}: answer breaks the custom protocol: {what}"
    return PermanentError(
        redact(message, channel.secret_values()),
        fix="check the in-house system against connectors/custom/README.md",
        context={"connector": NAME, "channel": channel.channel, "call": call},
    )

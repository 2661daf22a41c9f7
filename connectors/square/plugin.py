"""stockhub hook implementations for Square: glue only, the work lives in the other modules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connectors.square import inbound, pull, push, translate, webhooks
from connectors.square.client import SquareClient
from connectors.square.settings import INFO, Merchant
from connectors.square.states import state_map
from hub.connector import (
    ChannelContext,
    ConnectorInfo,
    InboundMessage,
    PullResult,
    PushResult,
    Resource,
    StockUpdate,
    WebhookRequest,
)
from hub.hookspecs import hookimpl


@hookimpl
def stockhub_describe_connector() -> ConnectorInfo:
    return INFO


@hookimpl
def stockhub_verify_webhook(channel: ChannelContext, request: WebhookRequest) -> bool:
    merchant = Merchant.of(channel.settings)
    return webhooks.is_signed(
        request, merchant.signature_key, merchant.notification_url
    ) and webhooks.is_fresh(request.body, merchant.webhook_max_age_s)


@hookimpl
def stockhub_parse_webhook(
    channel: ChannelContext, request: WebhookRequest
) -> list[InboundMessage]:
    note = webhooks.notification(request)
    with SquareClient(channel) as client:
        return [inbound.record(client, note)]


@hookimpl
def stockhub_translate(channel: ChannelContext, message: InboundMessage) -> list[dict[str, Any]]:
    merchant = Merchant.of(channel.settings)
    if isinstance(message.body, dict) and message.body.get("fetch_error"):
        from hub.errors import PermanentError

        raise PermanentError(
            f"{message.topic}: Square could not give the record: {message.body['fetch_error']}",
            field="body.fetch_error",
            fix="check the order in Square, then replay the dead letter",
        )
    return translate.record_events(
        message.topic, message.body, channel.channel, state_map(merchant.state_map), merchant.reads
    )


@hookimpl
def stockhub_pull(
    channel: ChannelContext, resource: Resource, cursor: str | None, limit: int
) -> PullResult:
    with SquareClient(channel) as client:
        if Resource(resource) is Resource.STOCK:
            return pull.counts(client, cursor, limit)
        kind = translate.RETURN_EVENTS if resource == Resource.RETURNS else translate.ORDER_EVENTS
        return pull.orders(client, (kind,), cursor, limit)


@hookimpl
def stockhub_push_stock(
    channel: ChannelContext, updates: Sequence[StockUpdate]
) -> list[PushResult]:
    with SquareClient(channel) as client:
        return push.push(client, updates)


@hookimpl
def stockhub_conformance_kit() -> Any:
    from connectors.square.sandbox import SANDBOX_SETTINGS, SquareSandbox
    from hub.conformance import ConformanceKit

    return ConformanceKit(
        # the samples carry fixed dates: the replay window is tested on its own
        settings={**SANDBOX_SETTINGS, "webhook_max_age_s": 0},
        samples_dir=Path(__file__).parent / "samples",
        sandbox=SquareSandbox.seeded,
        sign_webhook=lambda body, settings: {
            webhooks.SIGNATURE_HEADER: webhooks.signature(
                str(settings["notification_url"]), body, str(settings["signature_key"])
            )
        },
    )

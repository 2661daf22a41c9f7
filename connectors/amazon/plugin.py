"""stockhub hook implementations for Amazon: glue only, the work lives in the other modules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connectors.amazon import pull, push, translate, webhooks
from connectors.amazon.client import AmazonClient
from connectors.amazon.settings import INFO, Seller
from connectors.amazon.statuses import fba_quantity_map, order_statuses
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
from hub.errors import ValidationError
from hub.hookspecs import hookimpl


@hookimpl
def stockhub_describe_connector() -> ConnectorInfo:
    return INFO


@hookimpl
def stockhub_verify_webhook(channel: ChannelContext, request: WebhookRequest) -> bool:
    secret = channel.settings.get("relay_secret")
    return webhooks.verify(request, str(secret) if secret else None)


@hookimpl
def stockhub_parse_webhook(
    channel: ChannelContext, request: WebhookRequest
) -> list[InboundMessage]:
    return webhooks.parse(request)


@hookimpl
def stockhub_translate(channel: ChannelContext, message: InboundMessage) -> list[dict[str, Any]]:
    seller = Seller.of(channel.settings)
    places = translate.Places(seller.merchant_location, seller.fba_location)
    body = message.body
    if not isinstance(body, dict):
        raise ValidationError("expected a JSON object", field="body")
    if message.topic == translate.ORDER_TOPIC:
        facts = translate.facts_from_record(body)
        return translate.order_events(facts, channel.channel, places, order_statuses())
    if message.topic == translate.FBA_TOPIC:
        event = translate.inventory_event(
            body, channel.channel, seller.fba_location, fba_quantity_map(),
            message.received_at.isoformat(),
        )  # fmt: skip
        return [event] if event else []
    return translate.notification_events(body, channel.channel, places, order_statuses())


@hookimpl
def stockhub_pull(
    channel: ChannelContext, resource: Resource, cursor: str | None, limit: int
) -> PullResult:
    with AmazonClient(channel) as client:
        if Resource(resource) is Resource.STOCK:
            return pull.stock(client, cursor, limit)
        return pull.orders(client, cursor, limit)


@hookimpl
def stockhub_push_stock(
    channel: ChannelContext, updates: Sequence[StockUpdate]
) -> list[PushResult]:
    with AmazonClient(channel) as client:
        return push.push(client, updates)


@hookimpl
def stockhub_conformance_kit() -> Any:
    from connectors.amazon.sandbox import SANDBOX_SETTINGS, AmazonSandbox
    from hub.conformance import ConformanceKit

    return ConformanceKit(
        settings=dict(SANDBOX_SETTINGS),
        samples_dir=Path(__file__).parent / "samples",
        sandbox=lambda: AmazonSandbox.seeded(feed_delay_s=0.05),
        sign_webhook=lambda body, settings: {
            webhooks.SIGNATURE_HEADER: webhooks.signature(body, str(settings["relay_secret"]))
        },
    )

"""stockhub hook implementations for Shopify: glue only, the work lives in the other modules."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connectors.shopify import pull, push, translate, webhooks
from connectors.shopify.client import ShopifyClient
from connectors.shopify.quantities import quantity_map
from connectors.shopify.settings import INFO, Shop
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
    shop = Shop.of(channel.settings)
    return webhooks.verify(request, shop.client_secret, shop.domain)


@hookimpl
def stockhub_parse_webhook(
    channel: ChannelContext, request: WebhookRequest
) -> list[InboundMessage]:
    return webhooks.parse(request)


@hookimpl
def stockhub_translate(channel: ChannelContext, message: InboundMessage) -> list[dict[str, Any]]:
    return translate.webhook_events(message.topic, message.body, channel.channel)


@hookimpl
def stockhub_pull(
    channel: ChannelContext, resource: Resource, cursor: str | None, limit: int
) -> PullResult:
    with ShopifyClient(channel) as client:
        if Resource(resource) is Resource.STOCK:
            names = quantity_map(client.shop.quantity_map)
            wanted = sorted(names) if client.shop.counts_owned else ["available"]
            return pull.levels(client, names, wanted, cursor, limit)
        kind = translate.RETURN_EVENTS if resource == Resource.RETURNS else translate.ORDER_EVENTS
        return pull.orders(client, [kind], cursor, limit)


@hookimpl
def stockhub_push_stock(
    channel: ChannelContext, updates: Sequence[StockUpdate]
) -> list[PushResult]:
    with ShopifyClient(channel) as client:
        return push.push(client, updates)


@hookimpl
def stockhub_conformance_kit() -> Any:
    from connectors.shopify.sandbox import SANDBOX_SETTINGS, ShopifySandbox
    from hub.conformance import ConformanceKit

    return ConformanceKit(
        settings=dict(SANDBOX_SETTINGS),
        samples_dir=Path(__file__).parent / "samples",
        sandbox=ShopifySandbox.seeded,
        sign_webhook=lambda body, settings: {
            webhooks.HMAC_HEADER: webhooks.signature(body, str(settings["client_secret"]))
        },
    )

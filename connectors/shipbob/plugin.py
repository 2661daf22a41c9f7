"""stockhub hook implementations for ShipBob: glue only, the work lives in the other modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.shipbob import pull, translate, webhooks
from connectors.shipbob.client import ShipBobClient
from connectors.shipbob.quantities import quantity_map
from connectors.shipbob.settings import INFO, Account
from hub.connector import (
    ChannelContext,
    ConnectorInfo,
    InboundMessage,
    PullResult,
    Resource,
    WebhookRequest,
)
from hub.hookspecs import hookimpl


@hookimpl
def stockhub_describe_connector() -> ConnectorInfo:
    return INFO


@hookimpl
def stockhub_verify_webhook(channel: ChannelContext, request: WebhookRequest) -> bool:
    account = Account.of(channel.settings)
    return webhooks.verify(request, account.webhook_secret, account.webhook_tolerance_s)


@hookimpl
def stockhub_parse_webhook(
    channel: ChannelContext, request: WebhookRequest
) -> list[InboundMessage]:
    return webhooks.parse(request)


@hookimpl
def stockhub_translate(channel: ChannelContext, message: InboundMessage) -> list[dict[str, Any]]:
    known = Account.of(channel.settings).known_order_channels
    return translate.webhook_events(message.topic, message.body, channel.channel, known)


@hookimpl
def stockhub_pull(
    channel: ChannelContext, resource: Resource, cursor: str | None, limit: int
) -> PullResult:
    with ShipBobClient(channel) as client:
        if Resource(resource) is Resource.STOCK:
            return pull.stock(client, quantity_map(client.account.quantity_map), cursor, limit)
        if Resource(resource) is Resource.ORDERS:
            return pull.orders(client, cursor, limit)
        return pull.returns(client, cursor, limit)


@hookimpl
def stockhub_conformance_kit() -> Any:
    from connectors.shipbob.sandbox import SANDBOX_SETTINGS, ShipBobSandbox
    from hub.conformance import ConformanceKit

    def sign(body: bytes, settings: dict[str, Any]) -> dict[str, str]:
        import time

        secret = str(settings["webhook_secret"])
        if webhooks.signing_key(secret) is None:  # a forged secret: sign with its raw bytes
            secret = webhooks.SECRET_PREFIX + _b64(secret.encode())
        return webhooks.headers(secret, "msg_conformance", int(time.time()), body)

    return ConformanceKit(
        settings=dict(SANDBOX_SETTINGS),
        samples_dir=Path(__file__).parent / "samples",
        sandbox=ShipBobSandbox.conformance,
        sign_webhook=sign,
    )


def _b64(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode()

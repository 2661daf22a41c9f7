"""What the Amazon connector declares: capabilities, batch size, settings, and their reading.

Defaults come from the saved contract (``../shared/api-specs/amazon-sp-api``): the NA host of
every saved model, the Login with Amazon token endpoint of ``contract-notes.json``, and the
25,000-message ceiling of the JSON_LISTINGS_FEED schema (the connector takes 10,000 per batch,
see ``MAX_BATCH_SIZE``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.connector import Capability, ConnectorInfo, RateLimit, SettingsField
from hub.errors import ConfigError

NAME = "amazon"
DEFAULT_ENDPOINT = "https://sellingpartnerapi-na.amazon.com"
DEFAULT_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105  (a URL)
DEFAULT_MARKETPLACE = "ATVPDKIKX0DER"  # Amazon.com, the marketplace of the saved examples
#: Updates per push call. A feed takes up to 25,000 messages (listings-feed-schema-v2.json);
#: 10,000 keeps one document near 2.5 MB and one feed's wait bounded, while a burst of a few
#: thousand SKUs still travels as one feed.
MAX_BATCH_SIZE = 10_000
#: Fulfillment channel codes whose offers Amazon fulfils: the product type forbids a quantity
#: for them (fulfillment_availability.fragment.json, the second allOf rule).
MERCHANT_CODES = frozenset({"DEFAULT", "MLF"})
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SELLER = re.compile(r"^[A-Z0-9]{6,20}$")

SETTINGS = (
    SettingsField(
        "seller_id",
        "Selling partner id (merchant token) of the seller, e.g. A1EXAMPLE: the listings path "
        "/listings/2021-08-01/items/<seller_id>/<sku> and the feed header name it.",
        example="A1EXAMPLE",
    ),
    SettingsField(
        "marketplace_id",
        "Marketplace the channel sells in (marketplaceIds of every call), e.g. ATVPDKIKX0DER "
        "for Amazon.com.",
        required=False,
        default=DEFAULT_MARKETPLACE,
    ),
    SettingsField(
        "client_id",
        "Login with Amazon client id of the SP-API application (amzn1.application-oa2-client…).",
        example="amzn1.application-oa2-client.0123",
    ),
    SettingsField(
        "client_secret",
        "Login with Amazon client secret of the application. Give it by environment reference, "
        "e.g. ${AMAZON_CLIENT_SECRET}.",
        secret=True,
    ),
    SettingsField(
        "refresh_token",
        "The seller's LWA refresh token (Atzr|…) from authorising the application; exchanged "
        "for access tokens. Give it by environment reference, e.g. ${AMAZON_REFRESH_TOKEN}.",
        secret=True,
    ),
    SettingsField(
        "endpoint",
        "SP-API origin without a trailing slash: https://sellingpartnerapi-na.amazon.com (NA), "
        "or a local sandbox such as http://127.0.0.1:8087.",
        required=False,
        default=DEFAULT_ENDPOINT,
    ),
    SettingsField(
        "lwa_endpoint",
        "Login with Amazon token endpoint (POST, form-encoded); a sandbox serves it at "
        "<origin>/auth/o2/token.",
        required=False,
        default=DEFAULT_TOKEN_URL,
    ),
    SettingsField(
        "product_type",
        "productType sent with listing patches and feed messages; PRODUCT (the generic type) "
        "suits offer-only quantity updates.",
        required=False,
        default="PRODUCT",
    ),
    SettingsField(
        "merchant_location",
        "The location id this connector uses for merchant-fulfilled stock: the fulfillment "
        "channel code pushed (DEFAULT) and where MFN orders ship from. Map it to a hub location "
        "in the crosswalk.",
        required=False,
        default="DEFAULT",
    ),
    SettingsField(
        "fba_location",
        "The location id for Amazon's fulfilment network in this marketplace (AMAZON_NA): FBA "
        "counts and Amazon-fulfilled orders use it. Map it to a marketplace_fc hub location "
        "owned by this channel.",
        required=False,
        default="AMAZON_NA",
    ),
    SettingsField(
        "feed_turnaround_s",
        "Seconds Amazon usually takes to process a JSON_LISTINGS_FEED. A batch goes as a feed "
        "when patching it one SKU at a time would take longer than this.",
        type="number",
        required=False,
        default=120.0,
    ),
    SettingsField(
        "feed_poll_s",
        "Seconds before the first getFeed poll; later polls wait 1.5 times longer each, at "
        "most 60 s, never faster than getFeed's rate.",
        type="number",
        required=False,
        default=10.0,
    ),
    SettingsField(
        "feed_timeout_s",
        "Give up waiting for a feed after this many seconds (the push is retried later; the "
        "quantities are absolute, so a second feed is harmless).",
        type="number",
        required=False,
        default=900.0,
    ),
    SettingsField(
        "orders_lookback_days",
        "How far back the first order pull reaches (LastUpdatedAfter) when there is no cursor.",
        type="integer",
        required=False,
        default=30,
    ),
    SettingsField(
        "relay_secret",
        "Shared secret of the relay forwarding SP-API notifications from SQS/EventBridge to "
        "POST /webhooks/<channel>: it signs each body (HMAC-SHA256, hex, in "
        "X-Stockhub-Relay-Signature). Without it every notification is refused.",
        required=False,
        secret=True,
    ),
)

INFO = ConnectorInfo(
    name=NAME,
    title="Amazon (Selling Partner API)",
    capabilities=frozenset(
        {
            Capability.PUSH_STOCK,
            Capability.PULL_STOCK,
            Capability.WEBHOOKS,
            Capability.ORDERS,
        }
    ),
    max_batch_size=MAX_BATCH_SIZE,
    # SP-API limits each operation on its own (connectors.amazon.pacing keeps those, shared by
    # every worker); this channel-wide ceiling is only a safety net.
    rate_limits=(RateLimit(20, 1),),
    settings=SETTINGS,
    version="1.0.0",
    docs_url="docs/connectors/amazon.md",
)


@dataclass(frozen=True)
class Seller:
    """A channel's resolved Amazon settings, checked once where they are used."""

    seller_id: str
    marketplace_id: str
    client_id: str
    client_secret: str
    refresh_token: str
    endpoint: str = DEFAULT_ENDPOINT
    lwa_endpoint: str = DEFAULT_TOKEN_URL
    product_type: str = "PRODUCT"
    merchant_location: str = "DEFAULT"
    fba_location: str = "AMAZON_NA"
    feed_turnaround_s: float = 120.0
    feed_poll_s: float = 10.0
    feed_timeout_s: float = 900.0
    orders_lookback_days: int = 30
    relay_secret: str | None = None

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Seller:
        """Read and check a channel's settings; ConfigError names the key and the fix."""
        seller = str(settings.get("seller_id") or "")
        if not _SELLER.match(seller):
            raise ConfigError(
                f"seller id {seller!r} is not a merchant token",
                field="settings.seller_id",
                fix="copy the Merchant Token from Seller Central (Settings → Account Info)",
            )
        for key in ("client_id", "client_secret", "refresh_token"):
            if not settings.get(key):
                raise ConfigError(
                    "missing Login with Amazon credential",
                    field=f"settings.{key}",
                    fix="set it by environment reference in stockhub.toml",
                )
        numbers = {}
        for key in ("feed_turnaround_s", "feed_poll_s", "feed_timeout_s"):
            value = settings.get(key, getattr(cls, key))
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{value!r} is not a number >= 0", field=f"settings.{key}")
            numbers[key] = float(value)
        secret = settings.get("relay_secret")
        return cls(
            seller_id=seller,
            marketplace_id=str(settings.get("marketplace_id") or DEFAULT_MARKETPLACE),
            client_id=str(settings["client_id"]),
            client_secret=str(settings["client_secret"]),
            refresh_token=str(settings["refresh_token"]),
            endpoint=str(settings.get("endpoint") or DEFAULT_ENDPOINT).rstrip("/"),
            lwa_endpoint=str(settings.get("lwa_endpoint") or DEFAULT_TOKEN_URL),
            product_type=str(settings.get("product_type") or "PRODUCT"),
            merchant_location=str(settings.get("merchant_location") or "DEFAULT"),
            fba_location=str(settings.get("fba_location") or "AMAZON_NA"),
            orders_lookback_days=int(settings.get("orders_lookback_days") or 30),
            relay_secret=str(secret) if secret else None,
            **numbers,
        )


def is_merchant_code(code: str) -> bool:
    """True for fulfillment channel codes of merchant-fulfilled offers (they take a quantity).

    DEFAULT, MLF and the supply-source UUIDs of the product type's enum; AMAZON_NA and the
    other Amazon networks do not.
    """
    return code in MERCHANT_CODES or bool(_UUID.match(code))

"""What the ShipBob connector declares: capabilities, the rate limit, settings, API versions.

ShipBob limits every user and application to 150 requests per minute over a sliding window,
across all its APIs (``contract-notes.json``, rate_limit). The declared limit is a little below
it, because the limiter's window is exact by the hub's clock while ShipBob counts arrivals,
and a request held up in flight at the window's edge must not become the 151st.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.connector import Capability, ConnectorInfo, RateLimit, SettingsField
from hub.errors import ConfigError

NAME = "shipbob"
#: The dated API versions whose OpenAPI is saved in the api-specs (newest first).
API_VERSIONS = ("2026-01", "2025-07")
DEFAULT_API_VERSION = API_VERSIONS[0]
DEFAULT_BASE_URL = "https://api.shipbob.com"
#: ShipBob's documented limit: 150 requests per minute, sliding window.
VENDOR_LIMIT = RateLimit(150, 60)
#: What the hub's shared limiter enforces: 5 calls (3 %) of margin for arrival jitter.
DECLARED_LIMIT = RateLimit(145, 60)
#: Standard Webhooks' reference tolerance for webhook-timestamp (svix: 5 minutes).
DEFAULT_TOLERANCE_S = 300

SETTINGS = (
    SettingsField(
        "access_token",
        "ShipBob Personal Access Token or OAuth access token, sent as 'Authorization: Bearer'. "
        "Scopes: inventory_read, orders_read, returns_read, locations_read. Give it by "
        "environment reference, e.g. ${SHIPBOB_ACCESS_TOKEN}.",
        secret=True,
    ),
    SettingsField(
        "webhook_secret",
        "The webhook subscription's signing secret (whsec_…, returned by POST /webhook). "
        "Without it every webhook is refused.",
        required=False,
        secret=True,
    ),
    SettingsField(
        "api_version",
        f"Dated API version used in every path: one of {', '.join(API_VERSIONS)}.",
        required=False,
        default=DEFAULT_API_VERSION,
    ),
    SettingsField(
        "base_url",
        "Override the API origin (no trailing slash): https://sandbox-api.shipbob.com for "
        "ShipBob's sandbox, or a local emulator such as http://127.0.0.1:8087.",
        required=False,
        default=DEFAULT_BASE_URL,
    ),
    SettingsField(
        "shipbob_channel_id",
        "ShipBob channel id sent as the shipbob_channel_id header (optional on the reads this "
        "connector makes).",
        required=False,
        example="100102",
    ),
    SettingsField(
        "account_location",
        "Report counts as ShipBob's account-wide totals (all six quantity fields) at this one "
        "location: a hub location code or a crosswalk id. Use it when the hub holds every "
        "ShipBob fulfillment center as one location. Empty: one count per fulfillment center, "
        "each mapped in the crosswalk to its own hub location.",
        required=False,
        example="3pl-shipbob",
    ),
    SettingsField(
        "known_order_channels",
        "Comma-separated ShipBob channel ids whose orders the hub already learns from their "
        "sales channel (e.g. the Shopify store's): their shipments are not applied twice.",
        required=False,
        example="100102,100215",
    ),
    SettingsField(
        "webhook_tolerance_s",
        "Refuse webhooks whose webhook-timestamp is further than this many seconds from now "
        "(replay protection).",
        type="integer",
        required=False,
        default=DEFAULT_TOLERANCE_S,
    ),
    SettingsField(
        "page_size",
        "Records per page requested from list endpoints (inventory levels, orders, returns).",
        type="integer",
        required=False,
        default=100,
    ),
    SettingsField(
        "quantity_map",
        "Path of the ShipBob quantity-field map (YAML, the status-map format); default the "
        "bundled mappings/shipbob/quantities.yaml.",
        required=False,
    ),
)

INFO = ConnectorInfo(
    name=NAME,
    title="ShipBob (3PL, Developer API)",
    capabilities=frozenset(
        {Capability.PULL_STOCK, Capability.WEBHOOKS, Capability.ORDERS, Capability.RETURNS}
    ),
    max_batch_size=1,  # nothing is pushed: ShipBob's quantities are read-only
    rate_limits=(DECLARED_LIMIT,),
    settings=SETTINGS,
    version="1.0.0",
    docs_url="docs/connectors/shipbob.md",
)


@dataclass(frozen=True)
class Account:
    """A channel's resolved ShipBob settings, checked once where they are used."""

    access_token: str
    api_version: str
    base_url: str
    webhook_secret: str | None = None
    shipbob_channel_id: str | None = None
    account_location: str | None = None
    known_order_channels: frozenset[str] = frozenset()
    webhook_tolerance_s: int = DEFAULT_TOLERANCE_S
    page_size: int = 100
    quantity_map: str | None = None

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Account:
        """Read and check a channel's settings; ConfigError names the key and the fix."""
        version = str(settings.get("api_version") or DEFAULT_API_VERSION)
        if version not in API_VERSIONS:
            raise ConfigError(
                f"ShipBob API version {version!r} is not supported",
                field="settings.api_version",
                fix=f"use one of {', '.join(API_VERSIONS)}",
            )
        page_size = int(settings.get("page_size") or 100)
        if not 1 <= page_size <= 250:
            raise ConfigError(
                f"page_size {page_size} is outside 1..250",
                field="settings.page_size",
                fix="ShipBob list endpoints take at most 250 records per page",
            )
        tolerance = int(settings.get("webhook_tolerance_s") or DEFAULT_TOLERANCE_S)
        if tolerance < 1:
            raise ConfigError(
                "webhook_tolerance_s must be >= 1", field="settings.webhook_tolerance_s"
            )
        channel_id = str(settings.get("shipbob_channel_id") or "").strip() or None
        if channel_id is not None and not channel_id.isdigit():
            raise ConfigError(
                f"shipbob_channel_id {channel_id!r} is not a number",
                field="settings.shipbob_channel_id",
                fix="copy the numeric id from GET /channel",
            )
        known = str(settings.get("known_order_channels") or "")
        return cls(
            access_token=str(settings.get("access_token") or ""),
            api_version=version,
            base_url=str(settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/"),
            webhook_secret=str(settings["webhook_secret"])
            if settings.get("webhook_secret")
            else None,
            shipbob_channel_id=channel_id,
            account_location=str(settings.get("account_location") or "").strip() or None,
            known_order_channels=frozenset(c.strip() for c in known.split(",") if c.strip()),
            webhook_tolerance_s=tolerance,
            page_size=page_size,
            quantity_map=str(settings["quantity_map"]) if settings.get("quantity_map") else None,
        )

    def path(self, resource: str) -> str:
        """``/<api version>/<resource>``: every ShipBob path is dated."""
        return f"/{self.api_version}/{resource.lstrip('/')}"

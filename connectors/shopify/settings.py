"""What the Shopify connector declares: capabilities, limits, settings, API versions.

API versions matter to the push: before 2026-04 ``inventorySetQuantities`` compares with
``compareQuantity``; from 2026-04 ``compareQuantity`` is removed, ``changeFromQuantity`` must
be passed on every quantity (null opts out) and the ``@idempotent(key:)`` directive is
required (``contract-notes-2026.json`` in the Shopify api-specs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.connector import Capability, ConnectorInfo, RateLimit, SettingsField
from hub.errors import ConfigError

NAME = "shopify"
#: Newest stable version the contract notes describe (shopify.dev 2026-07 reference pages).
DEFAULT_API_VERSION = "2026-07"
#: The version that made changeFromQuantity and @idempotent mandatory for inventorySetQuantities.
CHANGE_FROM_VERSION = "2026-04"
#: The oldest version whose schema is saved (the connector's documents are checked against it).
OLDEST_API_VERSION = "2025-01"
#: Input arrays take at most 250 elements (shopify.dev/api/usage/limits).
MAX_BATCH_SIZE = 250
#: GraphQL cost restore rate, points per second, per plan (rate-limits page, 2026).
PLAN_RESTORE_RATES: Mapping[str, int] = {
    "standard": 100,
    "advanced": 200,
    "plus": 1000,
    "enterprise": 2000,
}
_VERSION = re.compile(r"^(\d{4})-(01|04|07|10)$")
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

SETTINGS = (
    SettingsField(
        "shop",
        "The shop's myshopify.com subdomain: `example` for example.myshopify.com.",
        example="example",
    ),
    SettingsField(
        "access_token",
        "Admin API access token of the app installed on the shop (sent as "
        "X-Shopify-Access-Token; scopes read_orders, read_inventory, write_inventory, "
        "read_locations). Give it by environment reference, e.g. ${SHOPIFY_ACCESS_TOKEN}.",
        secret=True,
    ),
    SettingsField(
        "client_secret",
        "The app's client secret (API secret key): Shopify signs webhooks with it "
        "(X-Shopify-Hmac-Sha256). Without it every webhook is refused.",
        required=False,
        secret=True,
    ),
    SettingsField(
        "api_version",
        "Admin API version, YYYY-MM. From 2026-04 pushes use changeFromQuantity and "
        "@idempotent; before, compareQuantity.",
        required=False,
        default=DEFAULT_API_VERSION,
    ),
    SettingsField(
        "base_url",
        "Override the shop's origin (no trailing slash), e.g. a local sandbox "
        "http://127.0.0.1:8086; default https://<shop>.myshopify.com.",
        required=False,
        example="http://127.0.0.1:8086",
    ),
    SettingsField(
        "plan",
        "The shop's plan, for pacing before Shopify reports its cost bucket: standard (100 "
        "points/s), advanced (200), plus (1000) or enterprise (2000).",
        required=False,
        default="standard",
    ),
    SettingsField(
        "counts_owned",
        "true when this shop is the system of record for physical counts at its locations "
        "(Shopify POS stores): stock pulls then report every quantity name through the "
        "quantity map. false: pulls report what Shopify shows for sale (available).",
        type="boolean",
        required=False,
        default=False,
    ),
    SettingsField(
        "quantity_map",
        "Path of the Shopify quantity-name map (YAML, the status-map format); default the "
        "bundled mappings/shopify/quantities.yaml.",
        required=False,
    ),
)

INFO = ConnectorInfo(
    name=NAME,
    title="Shopify (Admin GraphQL API)",
    capabilities=frozenset(
        {
            Capability.PUSH_STOCK,
            Capability.PULL_STOCK,
            Capability.WEBHOOKS,
            Capability.ORDERS,
            Capability.RETURNS,
            Capability.COMPARE_AND_SET,
        }
    ),
    max_batch_size=MAX_BATCH_SIZE,
    # Shopify limits GraphQL by calculated cost, which connectors.shopify.pacing enforces; this
    # request ceiling is only a safety net shared by every worker.
    rate_limits=(RateLimit(20, 1),),
    settings=SETTINGS,
    version="1.0.0",
    docs_url="docs/connectors/shopify.md",
)


def version_key(version: str) -> tuple[int, int]:
    """(year, month) of an API version; ValueError for anything not YYYY-01/04/07/10."""
    match = _VERSION.match(version)
    if match is None:
        raise ValueError(f"API version {version!r} is not YYYY-01, -04, -07 or -10")
    return int(match.group(1)), int(match.group(2))


def uses_change_from(version: str) -> bool:
    """True from 2026-04: changeFromQuantity and @idempotent instead of compareQuantity."""
    return version_key(version) >= version_key(CHANGE_FROM_VERSION)


@dataclass(frozen=True)
class Shop:
    """A channel's resolved Shopify settings, checked once where they are used."""

    shop: str
    access_token: str
    api_version: str
    base_url: str
    restore_rate: int
    client_secret: str | None = None
    counts_owned: bool = False
    quantity_map: str | None = None

    @property
    def domain(self) -> str:
        return f"{self.shop}.myshopify.com"

    @property
    def graphql_path(self) -> str:
        return f"/admin/api/{self.api_version}/graphql.json"

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Shop:
        """Read and check a channel's settings; ConfigError names the key and the fix."""
        shop = str(settings.get("shop") or "")
        if not _SHOP.match(shop):
            raise ConfigError(
                f"shop {shop!r} is not a myshopify subdomain",
                field="settings.shop",
                fix='write the part before .myshopify.com, e.g. shop = "example"',
            )
        version = str(settings.get("api_version") or DEFAULT_API_VERSION)
        try:
            too_old = version_key(version) < version_key(OLDEST_API_VERSION)
        except ValueError as exc:
            raise ConfigError(str(exc), field="settings.api_version") from exc
        if too_old:
            raise ConfigError(
                f"API version {version} is older than {OLDEST_API_VERSION}",
                field="settings.api_version",
                fix=f"use {OLDEST_API_VERSION} or newer (default {DEFAULT_API_VERSION})",
            )
        plan = str(settings.get("plan") or "standard")
        if plan not in PLAN_RESTORE_RATES:
            raise ConfigError(
                f"unknown plan {plan!r}",
                field="settings.plan",
                fix=f"one of {', '.join(PLAN_RESTORE_RATES)}",
            )
        base = str(settings.get("base_url") or f"https://{shop}.myshopify.com").rstrip("/")
        secret = settings.get("client_secret")
        return cls(
            shop=shop,
            access_token=str(settings.get("access_token") or ""),
            api_version=version,
            base_url=base,
            restore_rate=PLAN_RESTORE_RATES[plan],
            client_secret=str(secret) if secret else None,
            counts_owned=bool(settings.get("counts_owned", False)),
            quantity_map=str(settings["quantity_map"]) if settings.get("quantity_map") else None,
        )

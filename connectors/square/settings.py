"""What the Square connector declares, and a channel's settings read once where they are used.

Square documents no numeric rate limit (contract notes: "we don't document the limits"), so
the declared 10 requests/s is our own conservative ceiling shared by every worker; a 429 or a
``RATE_LIMITED`` error backs off on top of it. ``BatchChangeInventory`` has no documented
maximum today; the historical spec said 100 changes, which is the hard ceiling here, and the
default batch is smaller still (``batch_size``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.connector import Capability, ConnectorInfo, RateLimit, SettingsField
from hub.errors import ConfigError

NAME = "square"
#: Square-Version of the saved api.json (square/connect-api-specification, release 2025-08-20).
DEFAULT_SQUARE_VERSION = "2025-08-20"
#: Historical "Max size is 100 changes" of BatchChangeInventory (contract notes).
MAX_CHANGES = 100
#: Conservative default: a rejected batch costs little to resend.
DEFAULT_BATCH_SIZE = 50
#: Square redelivers a failed notification for a while; older deliveries are replays.
DEFAULT_WEBHOOK_MAX_AGE_S = 72 * 3600
BASE_URLS = {
    "production": "https://connect.squareup.com",
    "sandbox": "https://connect.squareupsandbox.com",
}
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")

SETTINGS = (
    SettingsField(
        "access_token",
        "Square access token, sent as a Bearer token: a personal access token, or an OAuth "
        "access token (then also give refresh_token, application_id, application_secret). "
        "Scopes INVENTORY_READ, INVENTORY_WRITE, ORDERS_READ, PAYMENTS_READ. Give it by "
        "environment reference, e.g. ${SQUARE_ACCESS_TOKEN}.",
        secret=True,
    ),
    SettingsField(
        "auth",
        "personal (a personal access token, never refreshed) or oauth (refreshed with "
        "refresh_token through POST /oauth2/token when Square answers 401).",
        required=False,
        default="personal",
    ),
    SettingsField(
        "refresh_token",
        "OAuth refresh token (auth = oauth only).",
        required=False,
        secret=True,
    ),
    SettingsField(
        "application_id",
        "OAuth application id (client_id) for token refresh (auth = oauth only).",
        required=False,
    ),
    SettingsField(
        "application_secret",
        "OAuth application secret (client_secret) for token refresh (auth = oauth only).",
        required=False,
        secret=True,
    ),
    SettingsField(
        "signature_key",
        "The webhook subscription's signature key: Square signs notification URL + body with "
        "it (x-square-hmacsha256-signature). Without it every webhook is refused.",
        required=False,
        secret=True,
    ),
    SettingsField(
        "notification_url",
        "The exact notification URL of the webhook subscription, e.g. "
        "https://hub.example.com/webhooks/square-store-12 (it is part of what is signed).",
        required=False,
        example="https://hub.example.com/webhooks/square-store-12",
    ),
    SettingsField(
        "environment",
        "production (connect.squareup.com) or sandbox (connect.squareupsandbox.com).",
        required=False,
        default="production",
    ),
    SettingsField(
        "base_url",
        "Override the API origin (no trailing slash), e.g. a local sandbox http://127.0.0.1:8087.",
        required=False,
        example="http://127.0.0.1:8087",
    ),
    SettingsField(
        "square_version",
        "Square-Version header, YYYY-MM-DD; default the version of the saved contract.",
        required=False,
        default=DEFAULT_SQUARE_VERSION,
    ),
    SettingsField(
        "location_ids",
        "Comma-separated Square location ids this channel reads (its stores). Orders, "
        "returns and counts of other locations are ignored; empty reads every location.",
        required=False,
        example="59TNP9SA8VGDA",
    ),
    SettingsField(
        "allocation_location_id",
        "The Square location whose IN_STOCK count the hub owns (an online allocation). "
        "Pushes set counts there only; empty: the hub pushes nothing to Square (it owns no "
        "count there) and a push is a configuration error.",
        required=False,
    ),
    SettingsField(
        "batch_size",
        f"Changes per BatchChangeInventory call, 1..{MAX_CHANGES}.",
        type="integer",
        required=False,
        default=DEFAULT_BATCH_SIZE,
    ),
    SettingsField(
        "webhook_max_age_s",
        "Notifications whose created_at is older than this many seconds are refused as "
        "replays (0 turns the check off).",
        type="integer",
        required=False,
        default=DEFAULT_WEBHOOK_MAX_AGE_S,
    ),
    SettingsField(
        "state_map",
        "Path of the Square InventoryState map (status-map YAML); default the bundled "
        "mappings/status/square.yaml.",
        required=False,
    ),
)

INFO = ConnectorInfo(
    name=NAME,
    title="Square (POS, Inventory and Orders API)",
    capabilities=frozenset(
        {
            Capability.PUSH_STOCK,
            Capability.PULL_STOCK,
            Capability.WEBHOOKS,
            Capability.ORDERS,
            Capability.RETURNS,
        }
    ),
    max_batch_size=MAX_CHANGES,
    rate_limits=(RateLimit(10, 1),),
    settings=SETTINGS,
    version="1.0.0",
    docs_url="docs/connectors/square.md",
)


@dataclass(frozen=True)
class Merchant:
    """A channel's resolved Square settings, checked once; ConfigError names the key."""

    access_token: str
    auth: str
    base_url: str
    square_version: str
    batch_size: int
    webhook_max_age_s: int
    location_ids: tuple[str, ...] = ()
    allocation_location_id: str | None = None
    signature_key: str | None = None
    notification_url: str | None = None
    refresh_token: str | None = None
    application_id: str | None = None
    application_secret: str | None = None
    state_map: str | None = None

    def reads(self, location_id: str | None) -> bool:
        """True for a location this channel reads (every one when none is configured)."""
        return not self.location_ids or location_id in self.location_ids

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Merchant:
        auth = str(settings.get("auth") or "personal")
        if auth not in ("personal", "oauth"):
            raise ConfigError(
                f"unknown auth {auth!r}", field="settings.auth", fix="personal or oauth"
            )
        environment = str(settings.get("environment") or "production")
        if environment not in BASE_URLS:
            raise ConfigError(
                f"unknown environment {environment!r}",
                field="settings.environment",
                fix="production or sandbox",
            )
        version = str(settings.get("square_version") or DEFAULT_SQUARE_VERSION)
        if not _VERSION.match(version):
            raise ConfigError(
                f"Square-Version {version!r} is not YYYY-MM-DD",
                field="settings.square_version",
                fix=f"e.g. {DEFAULT_SQUARE_VERSION}",
            )
        size = settings.get("batch_size", DEFAULT_BATCH_SIZE)
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_CHANGES:
            raise ConfigError(
                f"batch_size {size!r} is out of range",
                field="settings.batch_size",
                fix=f"an integer from 1 to {MAX_CHANGES}",
            )
        age = settings.get("webhook_max_age_s", DEFAULT_WEBHOOK_MAX_AGE_S)
        if not isinstance(age, int) or isinstance(age, bool) or age < 0:
            raise ConfigError(
                f"webhook_max_age_s {age!r} must be a whole number of seconds >= 0",
                field="settings.webhook_max_age_s",
            )
        merchant = cls(
            access_token=str(settings.get("access_token") or ""),
            auth=auth,
            base_url=str(settings.get("base_url") or BASE_URLS[environment]).rstrip("/"),
            square_version=version,
            batch_size=size,
            webhook_max_age_s=age,
            location_ids=_ids(settings.get("location_ids")),
            allocation_location_id=_text(settings.get("allocation_location_id")),
            signature_key=_text(settings.get("signature_key")),
            notification_url=_text(settings.get("notification_url")),
            refresh_token=_text(settings.get("refresh_token")),
            application_id=_text(settings.get("application_id")),
            application_secret=_text(settings.get("application_secret")),
            state_map=_text(settings.get("state_map")),
        )
        if auth == "oauth":
            for key in ("refresh_token", "application_id", "application_secret"):
                if not getattr(merchant, key):
                    raise ConfigError(
                        f"auth = oauth needs {key}",
                        field=f"settings.{key}",
                        fix="give it (secrets by environment reference) or use auth = personal",
                    )
        return merchant


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _ids(value: Any) -> tuple[str, ...]:
    return tuple(part.strip() for part in str(value or "").split(",") if part.strip())

"""ShipBob REST over the hub's HTTP client: bearer auth, dated paths, ``x-retry-after``.

The hub's client brings retries, the channel's shared rate limit (145 of ShipBob's 150
requests per minute, held across every worker through the limiter's storage) and the status
table (401 → ``ConfigError``, 429 → ``RateLimitedError``, 5xx → retried). ShipBob says how long
to wait after a 429 in ``x-retry-after`` (seconds), a header the hub's readers do not know: the
reader below goes first. ``next`` links of paged answers are absolute URLs on ShipBob's origin;
they are followed only on the channel's own origin, so a page can never send the token elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from connectors.shipbob.settings import NAME, Account
from hub.connector import ChannelContext
from hub.errors import ConfigError, PermanentError
from hub.http import THROTTLE_READERS, ConnectorClient, redact

RETRY_AFTER_HEADER = "x-retry-after"
REMAINING_HEADER = "x-remaining-calls"
CHANNEL_HEADER = "shipbob_channel_id"


def retry_after(response: httpx.Response, now: float) -> float | None:
    """A throttle reader for the hub's client: ShipBob's ``x-retry-after`` seconds."""
    value = response.headers.get(RETRY_AFTER_HEADER)
    if value is None:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None


class ShipBobClient:
    """One channel's ShipBob client for the duration of a hook call."""

    def __init__(self, channel: ChannelContext) -> None:
        self.channel = channel
        self.account = Account.of(channel.settings)
        if not self.account.access_token:
            raise ConfigError(
                "no ShipBob access token",
                field="settings.access_token",
                fix='set access_token = "${SHIPBOB_ACCESS_TOKEN}" (a PAT or OAuth token)',
            )
        headers = {
            "Authorization": f"Bearer {self.account.access_token}",
            "Accept": "application/json",
        }
        if self.account.shipbob_channel_id:
            headers[CHANNEL_HEADER] = self.account.shipbob_channel_id
        self.http: ConnectorClient = channel.http_client(self.account.base_url, headers=headers)
        # ChannelContext.http_client takes no readers: set the client's own (a public field).
        self.http.throttle_readers = (retry_after, *THROTTLE_READERS)
        self.server_date: str | None = None  # the last answer's Date header (counts' as_of)
        self.remaining: int | None = None  # the last answer's x-remaining-calls
        self.calls: list[str] = []  # paths requested, in order (reports and tests)

    def __enter__(self) -> ShipBobClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def get(self, resource: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``/<version>/<resource>``; the decoded JSON body."""
        query = {k: _text(v) for k, v in (params or {}).items() if v is not None}
        return self._get(self.account.path(resource), query)

    def follow(self, link: str) -> Any:
        """GET a ``next`` link from a paged answer (same origin only)."""
        parts = urlsplit(link)
        origin = urlsplit(self.account.base_url)
        if parts.netloc and (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            raise PermanentError(
                f"{NAME}/{self.channel.channel}: paging link leaves the API origin: "
                f"{parts.scheme}://{parts.netloc}",
                context={"connector": NAME, "channel": self.channel.channel},
            )
        path = parts.path if parts.path.startswith("/") else "/" + parts.path
        return self._get(path, dict(parse_qsl(parts.query, keep_blank_values=True)))

    def _get(self, path: str, query: dict[str, str]) -> Any:
        response = self.http.get(path, params=query)
        self.calls.append(path)
        self.server_date = response.headers.get("Date") or self.server_date
        remaining = response.headers.get(REMAINING_HEADER, "")
        self.remaining = int(remaining) if remaining.strip().isdigit() else self.remaining
        try:
            return json.loads(response.content or b"null")
        except ValueError as exc:
            message = f"{NAME}/{self.channel.channel} GET {path}: answer is not JSON"
            raise PermanentError(
                redact(message, self.channel.secret_values()),
                fix="check base_url: it must be ShipBob's API origin",
                context={
                    "connector": NAME,
                    "channel": self.channel.channel,
                    "status": response.status_code,
                },
            ) from exc


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return str(value)

"""Square's REST API over the hub's HTTP client: Bearer auth, Square-Version, errors at the edge.

The hub's client brings retries with backoff and jitter, the channel's shared rate limit and
the status table. Square specifics go first in that table: an ``errors[].code ==
"RATE_LIMITED"`` answer is a rate limit whatever its status (429 is what Square sends); a
400 from ``BatchChangeInventory`` whose every error names one ``changes[i]`` is not a failed
request but per-item answers, which :mod:`connectors.square.push` reads. A 401 with
``auth = oauth`` refreshes the access token once (``POST /oauth2/token``, grant
``refresh_token``) and retries; with a personal token it is a ``ConfigError``.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from connectors.square.settings import NAME, Merchant
from connectors.square.translate import change_index
from hub.connector import ChannelContext
from hub.errors import ConfigError, PermanentError
from hub.http import DEFAULT_POLICY, Action, ConnectorClient, ErrorPolicy, Rule, redact

BATCH_CHANGE_PATH = "/v2/inventory/changes/batch-create"
COUNTS_PATH = "/v2/inventory/counts/batch-retrieve"
SEARCH_ORDERS_PATH = "/v2/orders/search"
TOKEN_PATH = "/oauth2/token"  # noqa: S105  (an API path)
_TOKENS: dict[tuple[str, str], str] = {}  # (channel, origin) → refreshed access token
_TOKENS_LOCK = threading.Lock()


def error_codes(response: httpx.Response) -> list[dict[str, Any]]:
    """Square's ``errors`` list of a response ([] when there is none or it is not JSON)."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def is_rate_limited(response: httpx.Response) -> bool:
    return b"RATE_LIMITED" in response.content and any(
        e.get("code") == "RATE_LIMITED" for e in error_codes(response)
    )


def is_item_errors(response: httpx.Response) -> bool:
    """A BatchChangeInventory 400 whose errors all name one change: per-item answers."""
    if response.status_code != 400 or not response.request.url.path.endswith(BATCH_CHANGE_PATH):
        return False
    errors = error_codes(response)
    return bool(errors) and all(change_index(e) is not None for e in errors)


class SquarePolicy(ErrorPolicy):
    """The hub's table with Square's rules first; per-change 400s are answers, not failures."""

    def classify(self, outcome: httpx.Response | BaseException) -> Rule | None:
        if isinstance(outcome, httpx.Response) and is_item_errors(outcome):
            return None
        return super().classify(outcome)


POLICY = SquarePolicy(
    rules=(
        Rule(
            Action.RATE_LIMITED,
            predicate=is_rate_limited,
            message="Square is throttling this application (RATE_LIMITED)",
        ),
        *DEFAULT_POLICY.rules,
    )
)


def forget_tokens() -> None:
    """Drop refreshed tokens (tests)."""
    with _TOKENS_LOCK:
        _TOKENS.clear()


class SquareClient:
    """One channel's Square client for the duration of a hook call."""

    def __init__(self, channel: ChannelContext) -> None:
        self.channel = channel
        self.merchant = Merchant.of(channel.settings)
        if not self.merchant.access_token:
            raise ConfigError(
                "no access token", field="settings.access_token", fix="set it by env reference"
            )
        key = (channel.channel, self.merchant.base_url)
        with _TOKENS_LOCK:
            token = _TOKENS.get(key, self.merchant.access_token)
        self.http: ConnectorClient = channel.http_client(
            self.merchant.base_url,
            headers={
                "Authorization": f"Bearer {token}",
                "Square-Version": self.merchant.square_version,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            policy=POLICY,
            refresh_auth=self._refresh if self.merchant.auth == "oauth" else None,
        )
        if token != self.merchant.access_token:
            self.http.secrets = (*self.http.secrets, token)
        self.calls: list[str] = []  # operation names, in order (reports and tests)
        self.server_date: str | None = None

    def __enter__(self) -> SquareClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def post(self, path: str, body: dict[str, Any], operation: str) -> dict[str, Any]:
        """POST a JSON body; the decoded answer (Square ``errors`` are the caller's to read)."""
        return self._answer(self.http.post(path, json=body), operation)

    def get(self, path: str, operation: str) -> dict[str, Any]:
        return self._answer(self.http.get(path), operation)

    def _answer(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        self.calls.append(operation)
        self.server_date = response.headers.get("Date") or self.server_date
        try:
            body = json.loads(response.content or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise self.error(operation, f"answer is not a JSON object: {response.text[:200]}")
        return body

    def error(self, operation: str, what: str, **context: Any) -> PermanentError:
        """A PermanentError about ``operation`` with the channel's context, secrets filtered."""
        message = f"{NAME}/{self.channel.channel} {operation}: {what}"
        return PermanentError(
            redact(message, self.http.secrets),
            context={"connector": NAME, "channel": self.channel.channel,
                     "operation": operation, **context},
        )  # fmt: skip

    def _refresh(self, client: ConnectorClient) -> None:
        """OAuth: trade the refresh token for a new access token, once, then retry."""
        m = self.merchant
        body = {
            "client_id": m.application_id,
            "client_secret": m.application_secret,
            "grant_type": "refresh_token",
            "refresh_token": m.refresh_token,
        }
        try:
            response = client.http.post(TOKEN_PATH, json=body)
        except httpx.HTTPError as exc:
            raise ConfigError(
                f"{NAME}/{self.channel.channel}: token refresh failed: {type(exc).__name__}",
                field="settings.refresh_token",
                context={"connector": NAME, "channel": self.channel.channel},
            ) from exc
        token = None
        if response.status_code == 200:
            token = (json.loads(response.content or b"{}") or {}).get("access_token")
        if not token:
            codes = ", ".join(str(e.get("code")) for e in error_codes(response)) or "no token"
            raise ConfigError(
                f"{NAME}/{self.channel.channel}: Square refused the token refresh "
                f"(HTTP {response.status_code}: {codes})",
                field="settings.refresh_token",
                fix="re-authorize the application and update the refresh token",
                context={"connector": NAME, "channel": self.channel.channel,
                         "status": response.status_code},
            )  # fmt: skip
        client.secrets = (*client.secrets, token)
        client.headers["Authorization"] = f"Bearer {token}"
        with _TOKENS_LOCK:
            _TOKENS[(self.channel.channel, m.base_url)] = token

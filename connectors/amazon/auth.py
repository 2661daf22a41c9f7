"""Login with Amazon: refresh-token grant, access tokens cached until shortly before expiry.

``POST <lwa_endpoint>`` form-encoded ``grant_type=refresh_token``, ``refresh_token``,
``client_id``, ``client_secret`` → ``{"access_token", "expires_in", …}`` (contract-notes.json,
from Amazon's own LwaRequest client). The token goes on every SP-API call as
``x-amz-access-token``. One token per (endpoint, client, refresh token) is shared by every
client in the process and renewed :data:`EXPIRY_MARGIN_S` before it expires; an SP-API answer
saying the token is no longer good (401/403) renews it once, at once (:func:`refresh`).

Errors: ``invalid_grant`` / ``invalid_client`` / ``unauthorized_client`` / ``access_denied``
are credentials that will not work until a person fixes them — a :class:`ConfigError` naming
the setting, which pauses the channel; server errors are retried by the hub's client.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from connectors.amazon.settings import Seller
from hub.connector import ChannelContext
from hub.errors import ConfigError, PermanentError
from hub.http import DEFAULT_POLICY, Action, ConnectorClient, Rule
from hub.logs import register_secret

ACCESS_TOKEN_HEADER = "x-amz-access-token"  # noqa: S105  (a header name)
EXPIRY_MARGIN_S = 60.0  # renew this long before expires_in runs out
DEFAULT_EXPIRES_IN = 3600  # LWA access tokens last an hour when expires_in is missing
#: LWA error codes (LWAExceptionErrorCode.java) that mean "fix the credentials", with the setting.
CREDENTIAL_ERRORS = {
    "invalid_grant": "settings.refresh_token",
    "invalid_client": "settings.client_id",
    "unauthorized_client": "settings.client_id",
    "access_denied": "settings.refresh_token",
    "invalid_scope": "settings.client_id",
}


def _lwa_error(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("error")) if isinstance(body, dict) and body.get("error") else None


TOKEN_POLICY = DEFAULT_POLICY.extend(
    Rule(
        Action.CONFIG_ERROR,
        status=(400, 401, 403),
        predicate=lambda r: _lwa_error(r) in CREDENTIAL_ERRORS,
        message="Login with Amazon refused the channel's credentials",
    ),
)


@dataclass
class Token:
    value: str
    expires_at: float


class TokenCache:
    """Access tokens of this process by credential; renewed before they expire."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()
        self.fetches = 0  # token requests made (tests and reports)

    @staticmethod
    def key(seller: Seller) -> str:
        raw = f"{seller.lwa_endpoint}\n{seller.client_id}\n{seller.refresh_token}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def get(self, channel: ChannelContext, seller: Seller) -> str:
        """A valid access token, fetched when none is cached or it is about to expire."""
        key = self.key(seller)
        with self._lock:
            token = self._tokens.get(key)
            if token is not None and token.expires_at - EXPIRY_MARGIN_S > self.clock():
                return token.value
            token = self._fetch(channel, seller)
            self._tokens[key] = token
            return token.value

    def invalidate(self, seller: Seller, value: str | None = None) -> None:
        """Forget the cached token (only if it is still ``value``, when given)."""
        key = self.key(seller)
        with self._lock:
            token = self._tokens.get(key)
            if token is not None and (value is None or token.value == value):
                del self._tokens[key]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()

    def _fetch(self, channel: ChannelContext, seller: Seller) -> Token:
        self.fetches += 1
        form = {
            "grant_type": "refresh_token",
            "refresh_token": seller.refresh_token,
            "client_id": seller.client_id,
            "client_secret": seller.client_secret,
        }
        with channel.http_client("", policy=TOKEN_POLICY) as http:
            try:
                response = http.post(
                    seller.lwa_endpoint,
                    data=form,
                    headers={"Accept": "application/json"},
                )
            except ConfigError as exc:
                raise _credential_error(exc) from exc
        body = _json(response)
        value = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(value, str) or not value:
            raise PermanentError(
                f"amazon/{channel.channel}: Login with Amazon answered without access_token",
                fix="check settings.lwa_endpoint points at the LWA token endpoint",
                context={"connector": channel.connector, "channel": channel.channel},
            )
        register_secret(value)
        expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
        if not isinstance(expires_in, int | float) or isinstance(expires_in, bool):
            expires_in = DEFAULT_EXPIRES_IN
        return Token(value, self.clock() + float(expires_in))


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _credential_error(exc: ConfigError) -> ConfigError:
    """The hub client's ConfigError, re-said with the setting to fix."""
    code = next((c for c in CREDENTIAL_ERRORS if c in exc.message), None)
    field = CREDENTIAL_ERRORS.get(code or "", "settings.refresh_token")
    fix = (
        "re-authorise the application in Seller Central and set a new refresh token"
        if field == "settings.refresh_token"
        else "check the application's LWA client id and secret in the developer console"
    )
    return ConfigError(
        f"Login with Amazon refused the credentials ({code or 'unauthorized'}): {exc.message}",
        field=field,
        fix=fix,
        context=exc.context,
    )


#: The process's tokens, shared by every client of every channel.
TOKENS = TokenCache()


def refresher(channel: ChannelContext, seller: Seller) -> Callable[[ConnectorClient], None]:
    """The hub client's ``refresh_auth``: renew the token once and put it on the client."""

    def refresh(client: ConnectorClient) -> None:
        TOKENS.invalidate(seller, client.headers.get(ACCESS_TOKEN_HEADER))
        client.headers[ACCESS_TOKEN_HEADER] = TOKENS.get(channel, seller)

    return refresh

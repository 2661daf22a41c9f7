"""SP-API over the hub's HTTP client: token header, per-operation pacing, errors at the edge.

Every call carries ``x-amz-access-token`` (:mod:`connectors.amazon.auth`) and passes through
:class:`~connectors.amazon.pacing.PacedTransport`, so it waits for its operation's usage plan
whichever worker makes it. The hub's error table decides the rest, with Amazon's rules first:

* 429 (``QuotaExceeded``) → rate limited; the wait is one token of the operation (Amazon sends
  no ``Retry-After``), slept by the client or raised as ``RateLimitedError`` when too long;
* 401 and 403 → renew the access token once and retry; a second refusal is a
  ``ConfigError`` (the application lacks a role, or the seller revoked it): the channel pauses.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import httpx

from connectors.amazon.auth import ACCESS_TOKEN_HEADER, TOKENS, refresher
from connectors.amazon.pacing import OperationPacer, PacedTransport, operation_of, pacer_for
from connectors.amazon.settings import NAME, Seller
from hub.connector import ChannelContext
from hub.errors import PermanentError
from hub.http import DEFAULT_POLICY, THROTTLE_READERS, Action, ConnectorClient, Rule, redact

USER_AGENT = "stockhub-amazon/1.0 (Language=Python)"


def error_codes(response: httpx.Response) -> list[str]:
    """The ``errors[].code`` values of an SP-API error body (ErrorList)."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    return [str(e.get("code")) for e in errors if isinstance(e, dict) and e.get("code")]


POLICY = DEFAULT_POLICY.extend(
    Rule(
        Action.RATE_LIMITED,
        status=(429,),
        message="SP-API QuotaExceeded: the operation's usage plan is spent",
    ),
    Rule(
        Action.REFRESH_TOKEN_THEN_RETRY,
        status=(401, 403),
        message="SP-API refused the access token (expired, revoked, or a missing role)",
    ),
)


class AmazonClient:
    """One channel's SP-API client for the duration of a hook call."""

    def __init__(self, channel: ChannelContext) -> None:
        self.channel = channel
        self.seller = Seller.of(channel.settings)
        self.pacer: OperationPacer = pacer_for(channel.channel, channel.limiter)
        inner = channel.transport or httpx.HTTPTransport()
        self.transport = PacedTransport(inner, self.pacer)
        paced = dataclasses.replace(channel, transport=self.transport)
        token = TOKENS.get(channel, self.seller)
        self.http: ConnectorClient = paced.http_client(
            self.seller.endpoint,
            headers={
                ACCESS_TOKEN_HEADER: token,
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            policy=POLICY,
            refresh_auth=refresher(channel, self.seller),
        )
        # ChannelContext.http_client takes no readers: set the client's own (a public field).
        self.http.throttle_readers = (self._quota_wait, *THROTTLE_READERS)
        # uploads and downloads of feed documents: presigned URLs, no SP-API token
        self.files: ConnectorClient = paced.http_client("")

    def __enter__(self) -> AmazonClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        self.files.close()

    @property
    def calls(self) -> list[str]:
        """SP-API operations sent, in order (retries included)."""
        return self.transport.calls

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> Any:
        """Send one SP-API request; the decoded JSON answer, or the hub's error."""
        kwargs: dict[str, Any] = {}
        if params:
            kwargs["params"] = {k: v for k, v in params.items() if v is not None}
        if json_body is not None:
            kwargs["json"] = json_body
        response = self.http.request(method, path, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise self.error(f"{method} {path}: answer is not JSON: {response.text[:200]}") from exc

    def error(self, what: str, **context: Any) -> PermanentError:
        """A PermanentError for an answer that breaks the contract, secrets filtered."""
        message = redact(f"{NAME}/{self.channel.channel} {what}", self.channel.secret_values())
        return PermanentError(
            message,
            fix="compare the answer with the saved SP-API models",
            context={"connector": NAME, "channel": self.channel.channel, **context},
        )

    def _quota_wait(self, response: httpx.Response, now: float) -> float | None:
        if response.status_code != 429:
            return None
        operation = operation_of(response.request.method, response.request.url.path)
        return self.pacer.quota_wait(operation) if operation else None

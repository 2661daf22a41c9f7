"""Admin GraphQL over the hub's HTTP client: auth header, cost pacing, errors at the edge.

``POST {base_url}/admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token``. The
hub's client brings retries, the channel's request limit and the status table (401 →
``ConfigError``, so the engine pauses the channel; 5xx → retried). Shopify-specific rules go
first in that table: a ``THROTTLED`` answer is a rate limit whatever its status, and the wait
is read from ``extensions.cost`` (the hub's readers only know headers). Top-level GraphQL
``errors`` are translated here; per-item ``userErrors`` are the caller's business.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from connectors.shopify.cost import requested_cost
from connectors.shopify.documents import Document
from connectors.shopify.pacing import CostPacer, pacer_for, throttle_wait
from connectors.shopify.settings import NAME, Shop
from hub.connector import ChannelContext
from hub.errors import ConfigError, PermanentError, TransientError
from hub.http import DEFAULT_POLICY, THROTTLE_READERS, Action, ConnectorClient, Rule, redact

ACCESS_TOKEN_HEADER = "X-Shopify-Access-Token"  # noqa: S105  (a header name)
_DENIED = ("ACCESS_DENIED", "UNAUTHORIZED", "FORBIDDEN")
_TRANSIENT = ("INTERNAL_SERVER_ERROR", "TIMEOUT", "SERVICE_UNAVAILABLE")


def _body(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def is_throttled(response: httpx.Response) -> bool:
    """Shopify's throttle answer: ``errors[].extensions.code == "THROTTLED"`` (200 or 429)."""
    if b"THROTTLED" not in response.content:
        return False
    body = _body(response)
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        isinstance(e, dict) and (e.get("extensions") or {}).get("code") == "THROTTLED"
        for e in errors
    )


def cost_wait(response: httpx.Response, now: float) -> float | None:
    """A throttle reader for the hub's client: the wait ``extensions.cost`` implies."""
    body = _body(response)
    if not isinstance(body, dict) or not is_throttled(response):
        return None
    return throttle_wait((body.get("extensions") or {}).get("cost"), fallback_rate=50.0)


POLICY = DEFAULT_POLICY.extend(
    Rule(
        Action.RATE_LIMITED,
        status=(200, 429),
        predicate=is_throttled,
        message="the shop's GraphQL cost bucket is empty (THROTTLED)",
    ),
)


class ShopifyClient:
    """One channel's Admin GraphQL client for the duration of a hook call."""

    def __init__(self, channel: ChannelContext) -> None:
        self.channel = channel
        self.shop = Shop.of(channel.settings)
        if not self.shop.access_token:
            raise ConfigError(
                "no access token", field="settings.access_token", fix="set it by env reference"
            )
        self.http: ConnectorClient = channel.http_client(
            self.shop.base_url,
            headers={
                ACCESS_TOKEN_HEADER: self.shop.access_token,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            policy=POLICY,
        )
        # ChannelContext.http_client takes no readers: set the client's own (a public field).
        self.http.throttle_readers = (cost_wait, *THROTTLE_READERS)
        self.pacer: CostPacer = pacer_for(
            channel.channel,
            self.shop.base_url,
            self.shop.restore_rate,
            channel.limiter,
            channel.sleep,
        )
        self.calls: list[str] = []  # operation names sent, in order (reports and tests)
        self.server_date: str | None = None  # the last answer's Date header (pull sweeps)

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def execute(self, document: Document, variables: Mapping[str, Any] | None = None) -> Any:
        """Run one operation; its ``data``, or the hub's error for a failed request."""
        variables = dict(variables or {})
        self.pacer.before(document.name, requested_cost(document.text, variables))
        response = self.http.post(
            self.shop.graphql_path,
            json={"query": document.text, "operationName": document.name, "variables": variables},
        )
        self.calls.append(document.name)
        self.server_date = response.headers.get("Date") or self.server_date
        body = _body(response)
        if not isinstance(body, dict):
            raise self._error(document, f"answer is not a JSON object: {response.text[:200]}")
        self.pacer.after(document.name, (body.get("extensions") or {}).get("cost"))
        errors = body.get("errors")
        if errors:
            raise self._graphql_error(document, errors, response)
        if not isinstance(body.get("data"), dict):
            raise self._error(document, "answer has no data")
        return body["data"]

    def _graphql_error(
        self, document: Document, errors: Any, response: httpx.Response
    ) -> Exception:
        items = errors if isinstance(errors, list) else [{"message": str(errors)}]
        codes = {
            str((e.get("extensions") or {}).get("code") or "") for e in items if isinstance(e, dict)
        }
        text = "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in items)
        context = self._context(document, response)
        message = redact(f"{NAME}/{self.channel.channel} {document.name}: {text}", self._secrets())
        if codes & set(_DENIED):
            return ConfigError(message, fix="grant the app the scopes it needs", context=context)
        if codes & set(_TRANSIENT):
            return TransientError(message, context=context)
        return PermanentError(message, context=context)

    def _error(self, document: Document, what: str) -> PermanentError:
        message = f"{NAME}/{self.channel.channel} {document.name}: {what}"
        return PermanentError(
            redact(message, self._secrets()),
            fix="check the shop's API version and the connector against the Admin API",
            context=self._context(document, None),
        )

    def _context(self, document: Document, response: httpx.Response | None) -> dict[str, Any]:
        context: dict[str, Any] = {
            "connector": NAME,
            "channel": self.channel.channel,
            "operation": document.name,
            "api_version": self.shop.api_version,
        }
        if response is not None:
            context["status"] = response.status_code
            context["request_id"] = response.headers.get("X-Request-Id")
        return context

    def _secrets(self) -> tuple[str, ...]:
        return self.channel.secret_values()

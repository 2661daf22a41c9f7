"""A local Square API for tests, the demo and ``stockhub sandbox``: no internet needed.

The endpoints the connector uses (:mod:`connectors.square.sandbox_api`) with Square's auth
(``Authorization: Bearer``; OAuth tokens refreshed at ``/oauth2/token`` and expired on
demand), request bodies **validated against the saved OpenAPI** (when the api-specs are
present), a **rate limit** (a token bucket; over it Square's 429 with ``RATE_LIMITED``), and
**signed notifications** for every change a merchant or customer makes (``act``). Reach it in
process (:meth:`SquareSandbox.transport`), over HTTP (``with sandbox.serve() as base_url``), or::

    python -m connectors.square.sandbox --port 8087 --seeded
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import formatdate
from typing import Any
from urllib.parse import unquote

from connectors.square import schema
from connectors.square.sandbox_api import OPERATIONS, Api, error
from connectors.square.sandbox_seed import ONLINE, seed
from connectors.square.sandbox_store import Store
from connectors.square.sandbox_webhooks import NotificationSender
from hub.sandbox_http import Reply, ServedSandbox, origin_of, sandbox_parser, serve_forever

SANDBOX_TOKEN = "EAAAsandbox-personal-token-5b1e"
SANDBOX_SIGNATURE_KEY = "sandbox-signature-key-Qx81"
SANDBOX_NOTIFICATION_URL = "https://hub.example.com/webhooks/square-store-12"
SANDBOX_APPLICATION = ("sq0idp-sandbox-app", "sq0csp-sandbox-secret-77")
SANDBOX_REFRESH_TOKEN = "EQAAsandbox-refresh-token-c0de"
SANDBOX_SETTINGS: Mapping[str, Any] = {
    "access_token": SANDBOX_TOKEN,
    "signature_key": SANDBOX_SIGNATURE_KEY,
    "notification_url": SANDBOX_NOTIFICATION_URL,
    "base_url": "https://connect.squareupsandbox.com",
    "location_ids": "59TNP9SA8VGDA",
    "allocation_location_id": ONLINE,
}
_ORDER = re.compile(r"^/v2/orders/([^/]+)$")


class SquareSandbox(ServedSandbox, NotificationSender):
    """A Square seller account in memory (see the module docstring)."""

    server_name = "stockhub-square-sandbox/1"

    def __init__(
        self,
        access_token: str = SANDBOX_TOKEN,
        *,
        signature_key: str = SANDBOX_SIGNATURE_KEY,
        notification_url: str = SANDBOX_NOTIFICATION_URL,
        rate: float = 50.0,
        burst: int = 100,
        strict_catalog: bool = False,
        validate: str = "auto",
        allocation_locations: tuple[str, ...] = (ONLINE,),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.tokens = {access_token}
        self.refresh_tokens = {SANDBOX_REFRESH_TOKEN}
        self.application = SANDBOX_APPLICATION
        self.store = Store(clock)
        check = schema.available() if validate == "auto" else validate == "on"
        self.api = Api(self.store, strict_catalog, check)
        self.rate, self.burst = rate, burst
        self._bucket, self._filled_at = float(burst), clock()
        self.allocation_locations = allocation_locations
        self.throttle_next = 0  # answer the next N API requests 429 whatever the bucket holds
        self.throttled = 0
        self.requests: list[tuple[str, str]] = []  # (operation, Authorization) per request
        NotificationSender.__init__(self, signature_key, notification_url, self.store.merchant_id)

    @classmethod
    def seeded(cls, **options: Any) -> SquareSandbox:
        """The sample store (``sandbox_seed``): the conformance kit's and the demo's."""
        sandbox = cls(**options)
        with sandbox._lock:
            seed(sandbox.store)
        return sandbox

    # --- what a test reads and does ---------------------------------------------------------

    @property
    def push_batch_sizes(self) -> list[int]:
        return self.api.push_batch_sizes

    def stock_levels(self) -> dict[tuple[str, str], int]:
        """IN_STOCK by (variation, location) where the hub may push (the allocations)."""
        with self._lock:
            return {(i, loc): int(c.quantity) for (i, loc, s), c in self.store.counts.items()
                    if s == "IN_STOCK" and loc in self.allocation_locations}  # fmt: skip

    def quantity(self, item: str, location: str, state: str = "IN_STOCK") -> int:
        with self._lock:
            return self.store.quantity(item, location, state)

    def act(self, change: Callable[[Store], Any]) -> Any:
        """A merchant or customer acts on the store; the notifications go out afterwards.

        ``change`` returns notices, or ``(result, notices)``; ``act`` returns the result.
        """
        with self._lock:
            outcome = change(self.store)
            at = self.store.now()
        result, notices = outcome if isinstance(outcome, tuple) and len(outcome) == 2 and \
            isinstance(outcome[1], list) else (None, outcome)  # fmt: skip
        if notices and isinstance(notices[0], str):  # a single notice
            notices = [notices]
        for kind, data in notices or []:
            self._emit(kind, data, at)
        return result

    def expire_tokens(self) -> None:
        """Every access token stops working (OAuth clients must refresh)."""
        with self._lock:
            self.tokens.clear()

    # --- the API ----------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one request as Square would."""
        low = {k.lower(): v for k, v in headers.items()}
        method = method.upper()
        operation = OPERATIONS.get((method, path))
        match = _ORDER.match(path)
        if operation is None and match and method == "GET":
            operation = "RetrieveOrder"
        head = {"Date": formatdate(self._clock(), usegmt=True),
                "square-version-request-id": f"sbx-{len(self.requests) + 1}"}  # fmt: skip
        with self._lock:
            self.requests.append((operation or path, low.get("authorization", "")))
        if operation is None:
            return Reply(404, {"errors": [error("NOT_FOUND", f"no route {method} {path}")]}, head)
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            return Reply(400, {"errors": [error("BAD_REQUEST", "body is not JSON")]}, head)
        if operation == "ObtainToken":
            return self._token(payload, head)
        if low.get("authorization", "") not in {f"Bearer {t}" for t in self.tokens}:
            denied = error("UNAUTHORIZED", "invalid or expired token", None, "AUTHENTICATION_ERROR")
            return Reply(401, {"errors": [denied]}, head)
        if self._over_limit():
            return Reply(429, {"errors": [error("RATE_LIMITED", "too many requests",
                                                category="RATE_LIMIT_ERROR")]}, head)  # fmt: skip
        if operation != "RetrieveOrder":
            errors = self.api.checked(operation, payload)
            if errors:
                return Reply(400, {"errors": errors}, head)
        with self._lock:
            status, answer = self._route(operation, payload, match)
        return Reply(status, answer, head)

    def _route(self, operation: str, payload: dict, match: re.Match | None) -> tuple[int, dict]:
        if operation == "BatchRetrieveInventoryCounts":
            return self.api.batch_retrieve_counts(payload)
        if operation == "BatchChangeInventory":
            return self.api.batch_change(payload)
        if operation == "SearchOrders":
            return self.api.search_orders(payload)
        assert match is not None
        return self.api.retrieve_order(unquote(match.group(1)))

    def _over_limit(self) -> bool:
        with self._lock:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                self.throttled += 1
                return True
            now = self._clock()
            self._bucket = min(self.burst, self._bucket + max(now - self._filled_at, 0) * self.rate)
            self._filled_at = now
            if self._bucket < 1:
                self.throttled += 1
                return True
            self._bucket -= 1
            return False

    def _token(self, payload: dict, head: dict) -> Reply:
        app_id, app_secret = self.application
        if (payload.get("client_id"), payload.get("client_secret")) != (app_id, app_secret) or \
                payload.get("grant_type") != "refresh_token" or \
                payload.get("refresh_token") not in self.refresh_tokens:  # fmt: skip
            denied = error(
                "UNAUTHORIZED", "invalid client or refresh token", None, "AUTHENTICATION_ERROR"
            )
            return Reply(401, {"errors": [denied]}, head)
        with self._lock:
            token = f"EAAAsandbox-oauth-{len(self.requests):05d}"
            self.tokens.add(token)
        return Reply(200, {"access_token": token, "token_type": "bearer",
                           "merchant_id": self.store.merchant_id,
                           "refresh_token": payload["refresh_token"],
                           "expires_at": "2099-01-01T00:00:00Z"}, head)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox standalone until interrupted."""
    parser = sandbox_parser(
        "python -m connectors.square.sandbox",
        "A local Square API (inventory, orders, OAuth, webhooks), for demos and tests.",
        port=8087,
    )
    parser.add_argument("--token", default=SANDBOX_TOKEN, help="the access token to accept")
    parser.add_argument("--signature-key", default=SANDBOX_SIGNATURE_KEY)
    parser.add_argument("--notification-url", default=SANDBOX_NOTIFICATION_URL,
                        help="the URL notifications are signed for")  # fmt: skip
    parser.add_argument("--seeded", action="store_true", help="start with the sample store")
    parser.add_argument("--webhook-url", action="append", default=[], help="deliver here")
    args = parser.parse_args(argv)
    maker = SquareSandbox.seeded if args.seeded else SquareSandbox
    sandbox = maker(access_token=args.token, signature_key=args.signature_key,
                    notification_url=args.notification_url)  # fmt: skip
    for url in args.webhook_url:
        sandbox.subscribe(url)
    httpd = sandbox.http_server(args.host, args.port)
    checked = "validated against api.json" if sandbox.api.validate else "not validated"
    banner = f"square sandbox listening on {origin_of(httpd)} (requests {checked})"
    return serve_forever(httpd, banner)


if __name__ == "__main__":
    sys.exit(main())

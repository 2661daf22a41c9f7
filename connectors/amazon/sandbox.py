"""A local Amazon SP-API for tests, the demo and ``stockhub sandbox``: no internet needed.

The same paths, bodies and answers as the saved models: Login with Amazon (``POST
/auth/o2/token``), listings (``patchListingsItem``, ``getListingsItem``,
``searchListingsItems``), feeds (documents,
``createFeed``, ``getFeed``, ``cancelFeed``, ``getFeedDocument``, with presigned upload and
download URLs under ``/_sandbox/documents/``), orders (``getOrders``, ``getOrder``,
``getOrderItems``) and FBA inventory (``getInventorySummaries``). It enforces:

* the access token (``x-amz-access-token``): unknown or expired → 403 ``Unauthorized``;
  tokens live ``token_ttl_s``; :meth:`AmazonSandbox.revoke` de-authorises the application;
* each operation's **usage plan** as a token bucket (rate, burst) per seller, refilled on
  ``clock`` (below): over it → 429
  ``QuotaExceeded`` (counted in ``throttled``); ``x-amzn-RateLimit-Limit`` on 2xx and 400
  answers, never on 429s, as the models declare;
* request bodies **validated against the saved models** (400 ``InvalidInput`` otherwise,
  recorded in ``invalid``) and feed documents against the JSON_LISTINGS_FEED schema, each
  ``fulfillment_availability`` against the product type;
* feeds processed after ``feed_delay_s`` (IN_QUEUE, IN_PROGRESS, then DONE with a gzip
  processing report; :meth:`force_next_feed` makes one FATAL or CANCELLED).

``clock`` (default ``time.time``, seconds) is the seller's time: token expiry, the usage-plan
buckets, feed processing delays and order, feed and FBA timestamps. A test or a simulation
passes its own (virtual) clock, so nothing depends on the wall clock.

Reach it in process (:meth:`transport`) or over HTTP (``with sandbox.serve() as origin``), or::

    python -m connectors.amazon.sandbox --port 8087 --seeded
"""

from __future__ import annotations

import json
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.amazon import contract
from connectors.amazon.pacing import RATE_HEADER, USAGE_PLANS, operation_of
from connectors.amazon.sandbox_api import Api
from connectors.amazon.sandbox_feeds import advance
from connectors.amazon.sandbox_seed import seed
from connectors.amazon.sandbox_store import Feed, Store
from hub.sandbox_http import Reply, ServedSandbox, origin_of, sandbox_parser, serve_forever

SANDBOX_SELLER = "A1SANDBOXSELLER"
SANDBOX_CLIENT_ID = "amzn1.application-oa2-client.sandbox0001"
SANDBOX_CLIENT_SECRET = "amzn1.oa2-cs.v1.sandbox-secret-5c2e"
SANDBOX_REFRESH_TOKEN = "Atzr|sandbox-refresh-token-71f0"
SANDBOX_RELAY_SECRET = "sandbox-relay-secret-93ab"
SANDBOX_ORIGIN = "https://sellingpartnerapi-na.amazon.com"
SANDBOX_SETTINGS: Mapping[str, Any] = {
    "seller_id": SANDBOX_SELLER,
    "client_id": SANDBOX_CLIENT_ID,
    "client_secret": SANDBOX_CLIENT_SECRET,
    "refresh_token": SANDBOX_REFRESH_TOKEN,
    "relay_secret": SANDBOX_RELAY_SECRET,
    "lwa_endpoint": f"{SANDBOX_ORIGIN}/auth/o2/token",
    "feed_poll_s": 0.02,
}
UNAUTHORIZED = "Access to requested resource is denied."


class AmazonSandbox(ServedSandbox):
    """One seller's SP-API in memory (see the module docstring).

    Its target is the absolute URL, from any host (SP-API, LWA and the presigned documents);
    answers carry their own Content-Type (documents are gzip or text, not JSON).
    """

    server_name = "stockhub-amazon-sandbox/1"
    request_target = "url"
    http_methods = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
    json_replies = False

    def __init__(
        self,
        *,
        seller_id: str = SANDBOX_SELLER,
        marketplace_id: str = "ATVPDKIKX0DER",
        client_id: str = SANDBOX_CLIENT_ID,
        client_secret: str = SANDBOX_CLIENT_SECRET,
        refresh_token: str = SANDBOX_REFRESH_TOKEN,
        feed_delay_s: float = 2.0,
        token_ttl_s: float = 3600.0,
        plans: Mapping[str, tuple[float, int]] | None = None,
        rate_limits: bool = True,
        schema_source: str = "auto",
        orders_page: int = 100,
        items_page: int = 100,
        summaries_page: int = 50,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if schema_source == "saved" and not contract.available():
            raise FileNotFoundError(f"no Amazon api-specs at {contract.amazon_dir()}")
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_token = refresh_token
        self.feed_delay_s, self.token_ttl_s = feed_delay_s, token_ttl_s
        self.plans = {**USAGE_PLANS, **(plans or {})}
        self.rate_limits = rate_limits
        self.use_contract = schema_source != "off" and contract.available()
        self.orders_page, self.items_page, self.summaries_page = (
            orders_page, items_page, summaries_page)  # fmt: skip
        self.clock = clock
        self.store = Store(seller_id, marketplace_id, clock)
        self._lock = threading.RLock()
        self._buckets: dict[str, tuple[float, float]] = {}
        self._tokens: dict[str, float] = {}  # access token → expiry
        self._forced: list[str] = []
        self._operation: str | None = None
        self.api = Api(self)
        # records, for tests and the demo
        self.push_batch_sizes: list[int] = []
        self.messages_applied = 0
        self.throttled = 0
        self.token_requests = 0
        self.operations: Counter[str] = Counter()
        self.validated: Counter[str] = Counter()
        self.invalid: list[str] = []

    @classmethod
    def seeded(cls, **options: Any) -> AmazonSandbox:
        """A sandbox holding the sample seller (the conformance kit's)."""
        sandbox = cls(**options)
        with sandbox._lock:
            seed(sandbox.store)
        return sandbox

    # --- what a test reads and does -----------------------------------------------------------

    def stock_levels(self) -> dict[tuple[str, str], int]:
        """Listing quantities by (seller SKU, channel code), with feeds brought up to date."""
        with self._lock:
            for feed in self.store.feeds.values():
                advance(self.store, feed, self.use_contract, self.feed_processed)
            return self.store.levels()

    def act(self, change: Callable[[Store], Any]) -> Any:
        """Change the seller's state as a buyer, the merchant or Amazon would."""
        with self._lock:
            return change(self.store)

    def revoke(self) -> None:
        """The seller de-authorises the application: its refresh token and tokens stop working."""
        with self._lock:
            self.refresh_token = f"revoked-{uuid.uuid4().hex}"
            self._tokens.clear()

    def expire_tokens(self) -> None:
        """Every access token issued so far expires now."""
        with self._lock:
            self._tokens = {token: 0.0 for token in self._tokens}

    def force_next_feed(self, status: str) -> None:
        """The next feed ends ``FATAL`` or ``CANCELLED`` instead of being processed."""
        if status not in ("FATAL", "CANCELLED"):
            raise ValueError("FATAL or CANCELLED")
        with self._lock:
            self._forced.append(status)

    # --- used by the handlers -----------------------------------------------------------------

    def take_forced(self) -> str | None:
        return self._forced.pop(0) if self._forced else None

    def received_messages(self, count: int) -> None:
        self.push_batch_sizes.append(count)

    def feed_processed(self, feed: Feed, messages: int) -> None:
        self.messages_applied += messages

    def check_body(self, model: str, definition: str, body: Any) -> list[str]:
        """Problems of a request body against the saved model (basic shape without specs)."""
        self.validated[definition] += 1
        if self.use_contract:
            problems = contract.model_problems(model, definition, body)
        else:
            problems = [] if isinstance(body, dict) else ["body: a JSON object is required"]
        self.invalid.extend(f"{definition}: {p}" for p in problems)
        return problems

    def reply(self, status: int, body: Any) -> Reply:
        headers = {"x-amzn-RequestId": str(uuid.uuid4()), "Content-Type": "application/json"}
        operation = self._operation
        if operation and (200 <= status < 300 or status == 400):
            headers[RATE_HEADER] = f"{self.plans[operation][0]:g}"
        return Reply(status, body, headers)

    def raw_reply(self, status: int, content: bytes, content_type: str) -> Reply:
        return Reply(status, None, {"Content-Type": content_type}, raw=content)

    # --- the API ----------------------------------------------------------------------------------

    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one request (``url`` absolute: presigned URLs are built from its origin)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        query = parse_qs(parts.query)
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self._operation = None
            if parts.path == "/auth/o2/token" and method == "POST":
                return self._token(lowered, body)
            if parts.path.startswith("/_sandbox/documents/"):
                document = parts.path.rsplit("/", 1)[1]
                if method == "PUT":
                    return self.api.upload(document, lowered, body)
                return self.api.download(document)
            operation = operation_of(method, parts.path)
            if operation is None:
                missing = {"code": "NotFound", "message": "Resource not found"}
                return Reply(404, {"errors": [missing]})
            refused = self._authorise(lowered.get("x-amz-access-token"))
            if refused is not None:
                return refused
            self._operation = operation
            if not self._take_token(operation):
                self.throttled += 1
                self._operation = None  # the models declare no rate header on 429s
                return self.reply(429, {"errors": [{"code": "QuotaExceeded", "message":
                                                    "You exceeded your quota for the requested "
                                                    "resource."}]})  # fmt: skip
            self.operations[operation] += 1
            try:
                payload = json.loads(body) if body else None
            except ValueError:
                return self.api.reply(400, {"errors": [{"code": "InvalidInput",
                                                        "message": "Body is not JSON."}]})
            return self._dispatch(operation, parts.path, query, payload, origin)

    def _dispatch(self, operation: str, path: str, query: Any, body: Any, origin: str) -> Reply:
        api, tail = self.api, path.rsplit("/", 1)[1]
        if operation == "patchListingsItem":
            seller, sku = path.split("/")[-2:]
            return api.patch_listing(seller, sku, query, body)
        if operation == "searchListingsItems":
            return api.search_listings(path.rsplit("/", 1)[1], query)
        if operation == "getListingsItem":
            seller, sku = path.split("/")[-2:]
            return api.get_listing(seller, sku, query)
        handlers: dict[str, Callable[[], Reply]] = {
            "createFeedDocument": lambda: api.create_document(body, origin),
            "getFeedDocument": lambda: api.get_document(tail, origin),
            "createFeed": lambda: api.create_feed(body),
            "getFeed": lambda: api.get_feed(tail),
            "cancelFeed": lambda: api.cancel_feed(tail),
            "getOrders": lambda: api.get_orders(query),
            "getOrder": lambda: api.get_order(tail),
            "getOrderItems": lambda: api.get_order_items(path.split("/")[-2], query),
            "getInventorySummaries": lambda: api.get_summaries(query),
        }
        return handlers[operation]()

    def _token(self, headers: Mapping[str, str], body: bytes) -> Reply:
        self.token_requests += 1
        if "json" in headers.get("content-type", ""):
            form = {k: str(v) for k, v in (json.loads(body or b"{}") or {}).items()}
        else:
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "refresh_token" or not form.get("refresh_token"):
            return Reply(400, {"error": "invalid_request",
                               "error_description": "grant_type refresh_token and refresh_token "
                               "are required"})  # fmt: skip
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id, self.client_secret):  # fmt: skip
            return Reply(401, {"error": "invalid_client",
                               "error_description": "Client authentication failed"})
        if form["refresh_token"] != self.refresh_token:
            return Reply(400, {"error": "invalid_grant",
                               "error_description": "The request has an invalid grant "
                               "parameter : refresh_token"})  # fmt: skip
        token = f"Atza|sandbox-{uuid.uuid4().hex}"
        self._tokens[token] = self.clock() + self.token_ttl_s
        return Reply(200, {"access_token": token, "refresh_token": self.refresh_token,
                           "token_type": "bearer", "expires_in": int(self.token_ttl_s)})

    def _authorise(self, token: str | None) -> Reply | None:
        expiry = self._tokens.get(token or "")
        if expiry is None:
            detail = "The access token you provided is revoked, malformed or invalid."
        elif expiry <= self.clock():
            detail = "The access token you provided has expired."
        else:
            return None
        return self.reply(403, {"errors": [{"code": "Unauthorized", "message": UNAUTHORIZED,
                                            "details": detail}]})  # fmt: skip

    def _take_token(self, operation: str) -> bool:
        """Amazon's token bucket for the operation: refill at rate, capped at burst."""
        if not self.rate_limits:
            return True
        rate, burst = self.plans[operation]
        now = self.clock()  # the sandbox's clock (virtual in simulations), not the wall's
        tokens, at = self._buckets.get(operation, (float(burst), now))
        tokens = min(float(burst), tokens + (now - at) * rate)
        if tokens < 1.0:
            self._buckets[operation] = (tokens, now)
            return False
        self._buckets[operation] = (tokens - 1.0, now)
        return True


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox standalone until interrupted."""
    parser = sandbox_parser(
        "python -m connectors.amazon.sandbox",
        "A local Amazon Selling Partner API (listings, feeds, orders, FBA, LWA).",
        port=8087,
    )
    parser.add_argument("--seeded", action="store_true", help="start with the sample seller")
    parser.add_argument("--feed-delay", type=float, default=2.0, help="seconds per feed")
    parser.add_argument("--no-rate-limits", action="store_true", help="never answer 429")
    args = parser.parse_args(argv)
    maker = AmazonSandbox.seeded if args.seeded else AmazonSandbox
    sandbox = maker(feed_delay_s=args.feed_delay, rate_limits=not args.no_rate_limits)
    httpd = sandbox.http_server(args.host, args.port)
    origin = origin_of(httpd)
    return serve_forever(
        httpd,
        f"amazon sandbox listening on {origin} (seller {sandbox.store.seller_id}; "
        f"endpoint = \"{origin}\", lwa_endpoint = \"{origin}/auth/o2/token\"; contract "
        f"{'validated' if sandbox.use_contract else 'not found: basic checks only'})",
    )


if __name__ == "__main__":
    sys.exit(main())

"""A local Shopify Admin API for tests, the demo and ``stockhub sandbox``: no internet needed.

``POST /admin/api/{version}/graphql.json`` with ``X-Shopify-Access-Token``, as the real API.
Each request is parsed, **validated against the schema of its version** (Shopify's saved
2025-01 schema when the api-specs are present, else the connector's subset; 2026 versions with
the documented changes), charged to a **cost bucket** (:mod:`connectors.shopify.cost`;
``THROTTLED`` when the requested cost exceeds what is left, reported in
``extensions.cost.throttleStatus``) and executed by graphql-core over the shop in memory
(:mod:`connectors.shopify.sandbox_shop`). State changes send **signed webhooks** — real
``X-Shopify-Hmac-Sha256`` over the raw body — to subscribers, retried when the receiver fails,
duplicated or held back and released out of order on request. Reach it in process
(:meth:`ShopifySandbox.transport`) or over HTTP (``with sandbox.serve() as base_url``), or::

    python -m connectors.shopify.sandbox --port 8086 --seeded
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from email.utils import formatdate
from typing import Any

from graphql import GraphQLError, graphql_sync

from connectors.shopify import cost, schema
from connectors.shopify.sandbox_api import Api
from connectors.shopify.sandbox_seed import seed
from connectors.shopify.sandbox_shop import Shop
from connectors.shopify.sandbox_webhooks import WebhookSender
from connectors.shopify.settings import PLAN_RESTORE_RATES, version_key
from hub.sandbox_http import Reply, ServedSandbox, origin_of, sandbox_parser, serve_forever

SANDBOX_TOKEN = "shpat_sandbox_0f3c9a"
SANDBOX_SECRET = "sandbox-client-secret-8d21"
SANDBOX_SHOP = "stockhub-sandbox"
SANDBOX_SETTINGS: Mapping[str, Any] = {
    "shop": SANDBOX_SHOP,
    "access_token": SANDBOX_TOKEN,
    "client_secret": SANDBOX_SECRET,
}
_PATH = re.compile(r"^/admin/api/(\d{4}-\d{2})/graphql\.json$")
_BAD_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


class ShopifySandbox(ServedSandbox, WebhookSender):
    """A shop's Admin GraphQL API in memory (see the module docstring)."""

    server_name = "stockhub-shopify-sandbox/1"

    def __init__(
        self,
        access_token: str = SANDBOX_TOKEN,
        *,
        shop: str = SANDBOX_SHOP,
        client_secret: str = SANDBOX_SECRET,
        plan: str = "standard",
        bucket_size: float | None = None,
        restore_rate: float | None = None,
        schema_source: str = "auto",
        atomic: bool = False,
        throttle_status: int = 200,
        clock: Callable[[], float] = time.time,
        webhook_ids: Callable[[], str] | None = None,
    ) -> None:
        """:param clock: epoch seconds for timestamps, the ``Date`` header and the cost bucket's
            refill (a simulation passes its virtual clock).
        :param webhook_ids: makes each delivery's ``X-Shopify-Webhook-Id`` (default: UUID4).
        """
        self.access_token, self.shop_name, self.client_secret = access_token, shop, client_secret
        self.restore_rate = float(restore_rate or PLAN_RESTORE_RATES[plan])
        self.bucket_size = float(bucket_size or self.restore_rate * 20)
        self.schema_source = schema_source
        self.atomic, self.throttle_status = atomic, throttle_status
        self._clock = clock
        self._lock = threading.RLock()
        self.shop = Shop(clock)
        self._available, self._filled_at = self.bucket_size, clock()
        self._idempotency: dict[str, tuple[str, dict]] = {}
        self.push_batch_sizes: list[int] = []
        self.operations: Counter[str] = Counter()  # executed operations by kind
        self.documents: Counter[str] = Counter()  # every document text received
        self.throttled = 0
        self.requests = 0
        self.cost_log: list[tuple[str, int, int]] = []  # (operation, requested, actual)
        WebhookSender.__init__(self, client_secret, f"{shop}.myshopify.com", clock, webhook_ids)

    @classmethod
    def seeded(cls, **options: Any) -> ShopifySandbox:
        """A sandbox holding the sample shop (the conformance kit's)."""
        sandbox = cls(**options)
        with sandbox._lock:
            seed(sandbox.shop)
        return sandbox

    # --- what a test reads and does -----------------------------------------------------------

    @property
    def domain(self) -> str:
        return f"{self.shop_name}.myshopify.com"

    def stock_levels(self) -> dict[tuple[str, str], int]:
        """``available`` by (inventory item GID, location GID), as the conformance kit reads."""
        with self._lock:
            return {k: v.quantities["available"] for k, v in self.shop.levels.items()}

    def quantities(self, item: str, location: str) -> dict[str, int]:
        with self._lock:
            level = self.shop.levels[(item, location)]
            return {**level.quantities, "on_hand": level.quantity("on_hand")}

    @property
    def mutation_calls(self) -> int:
        return self.operations["mutation"]

    def act(self, change: Callable[[Shop], Any]) -> Any:
        """Change the shop as a merchant or customer would; its webhooks go out after.

        ``change`` gets the :class:`~connectors.shopify.sandbox_shop.Shop` and returns what its
        method returned (``(result, webhooks)`` or a list of webhooks).
        """
        with self._lock:
            outcome = change(self.shop)
        result, hooks = outcome if isinstance(outcome, tuple) else (None, outcome)
        for topic, payload in hooks:
            self._emit(topic, payload)
        return result

    # --- the API ----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one request as Shopify would."""
        with self._lock:
            self.requests += 1
        match = _PATH.match(path)
        if match is None or method.upper() != "POST":
            return Reply(404, {"errors": "Not Found"})
        token = {k.lower(): v for k, v in headers.items()}.get("x-shopify-access-token")
        if token != self.access_token:
            return Reply(401, {"errors": _BAD_TOKEN})
        version = match.group(1)
        try:
            variant = schema.contract_variant(version)
            too_old = version_key(version) < (2025, 1)
        except ValueError:
            return Reply(404, {"errors": "Not Found"})
        if too_old:
            return Reply(404, {"errors": f"API version {version} is not supported"})
        try:
            request = json.loads(body or b"null")
            text, variables = request["query"], request.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return Reply(400, {"errors": {"query": "Required parameter missing or invalid"}})
        return self._graphql(version, variant, text, variables)

    def _graphql(self, version: str, variant: str, text: str, variables: dict) -> Reply:
        headers = {"X-Shopify-API-Version": version, "Date": formatdate(self._clock(), usegmt=True)}
        with self._lock:
            self.documents[text] += 1
        problems = schema.problems(text, version, self.schema_source)
        if problems:
            code = {"code": "GRAPHQL_VALIDATION_FAILED"}
            errors = [{"message": p, "extensions": code} for p in problems]
            return Reply(200, {"errors": errors}, headers)
        requested = cost.requested_cost(text, variables)
        with self._lock:
            now = self._clock()
            self._available = min(
                self.bucket_size, self._available + (now - self._filled_at) * self.restore_rate
            )
            self._filled_at = now
            if requested > self._available:
                self.throttled += 1
                return Reply(self.throttle_status, self._throttled(requested), headers)
            self._available -= requested
            api = Api(self.shop, variant, self.atomic, self._idempotency)
            graph = schema.schema_for(version, self.schema_source)[0]
            result = graphql_sync(graph, text, root_value=api, variable_values=variables)
            actual = cost.actual_cost(text, variables, result.data) if result.data else 0
            self._available = min(self.bucket_size, self._available + requested - actual)
            name = "mutation" if text.lstrip().startswith("mutation") else "query"
            self.operations[name] += 1
            self.cost_log.append((name, requested, actual))
            self.push_batch_sizes.extend(api.pushed)
            answer: dict[str, Any] = {"data": result.data}
            if result.errors:
                answer["errors"] = [_formatted(e) for e in result.errors]
            answer["extensions"] = {"cost": self._cost(requested, actual)}
        for topic, payload in api.webhooks:
            self._emit(topic, payload)
        return Reply(200, answer, headers)

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": self.bucket_size,
                "currentlyAvailable": int(self._available),
                "restoreRate": self.restore_rate,
            },
        }

    def _throttled(self, requested: int) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": {"cost": self._cost(requested, None)},
        }


def _formatted(error: GraphQLError) -> dict[str, Any]:
    found = dict(error.formatted)
    found.setdefault("extensions", {})
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox standalone until interrupted."""
    parser = sandbox_parser(
        "python -m connectors.shopify.sandbox",
        "A local Shopify Admin GraphQL API, for demos and tests.",
        port=8086,
    )
    parser.add_argument("--token", default=SANDBOX_TOKEN, help="the access token to accept")
    parser.add_argument("--client-secret", default=SANDBOX_SECRET, help="webhook signing key")
    parser.add_argument("--plan", default="standard", choices=sorted(PLAN_RESTORE_RATES))
    parser.add_argument("--seeded", action="store_true", help="start with the sample shop")
    parser.add_argument("--webhook-url", action="append", default=[], help="deliver webhooks here")
    args = parser.parse_args(argv)
    maker = ShopifySandbox.seeded if args.seeded else ShopifySandbox
    sandbox = maker(access_token=args.token, client_secret=args.client_secret, plan=args.plan)
    for url in args.webhook_url:
        sandbox.subscribe(url)
    httpd = sandbox.http_server(args.host, args.port)
    banner = f"shopify sandbox listening on {origin_of(httpd)} (shop {sandbox.domain})"
    return serve_forever(httpd, banner)


if __name__ == "__main__":
    sys.exit(main())

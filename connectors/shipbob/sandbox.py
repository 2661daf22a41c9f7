"""A local ShipBob Developer API for tests, the demo and ``stockhub sandbox``: no internet needed.

The read endpoints the connector uses — ``GET /<version>/inventory-level``, ``…/locations``,
``order``, ``return``, ``return/{id}``, ``location`` — and webhook subscriptions (``POST`` /
``GET /<version>/webhook``), with ShipBob's rules:

* ``Authorization: Bearer <token>`` (401 otherwise);
* every request **validated against the saved OpenAPI** of its version
  (:func:`connectors.shipbob.schema.request_problems`): unknown paths 404, undeclared or
  ill-typed parameters 400 with a ProblemDetails body;
* **150 requests per minute per token, sliding window**: the 151st within any 60 s is answered
  429 ``{"statusCode": 429, "message": "Rate limit is exceeded. Try again in N seconds."}`` with
  ``x-retry-after: N`` (until the oldest request leaves the window); every answer carries
  ``x-remaining-calls``;
* state changes (:meth:`ShipBobSandbox.act`) send **signed webhooks** (Standard Webhooks).

Reach it in process (:meth:`ShipBobSandbox.transport`), over HTTP (``with sandbox.serve() as
base_url``), or standalone::

    python -m connectors.shipbob.sandbox --port 8087 --seeded
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from email.utils import formatdate
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from connectors.shipbob import schema
from connectors.shipbob.sandbox_seed import SEED_TIME, seed
from connectors.shipbob.sandbox_warehouse import Warehouse
from connectors.shipbob.sandbox_webhooks import WebhookSender
from connectors.shipbob.settings import API_VERSIONS, VENDOR_LIMIT
from hub.sandbox_http import Reply, ServedSandbox, origin_of, sandbox_parser, serve_forever

SANDBOX_TOKEN = "pat_sandbox_5e1d0c"
SANDBOX_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the docs' example secret
SANDBOX_ORIGIN = "https://sandbox-api.shipbob.com"
SANDBOX_SETTINGS: Mapping[str, Any] = {
    "access_token": SANDBOX_TOKEN,
    "webhook_secret": SANDBOX_SECRET,
    "base_url": SANDBOX_ORIGIN,
}
#: paged list endpoints whose ``next`` links carry the sandbox's own page cursor
LINKED = ("inventory-level", "inventory-level/locations", "return")


class ShipBobSandbox(ServedSandbox, WebhookSender):
    """One ShipBob account's API in memory (see the module docstring)."""

    server_name = "stockhub-shipbob-sandbox/1"
    request_target = "path+query"
    http_methods = frozenset({"GET", "POST", "DELETE"})

    def __init__(
        self,
        access_token: str = SANDBOX_TOKEN,
        *,
        webhook_secret: str = SANDBOX_SECRET,
        origin: str = SANDBOX_ORIGIN,
        rate_limit: int | None = VENDOR_LIMIT.requests,
        window_s: float = VENDOR_LIMIT.per_seconds,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.access_token, self.origin = access_token, origin.rstrip("/")
        self.rate_limit, self.window_s = rate_limit, window_s
        self._clock = clock
        self._lock = threading.RLock()
        self.warehouse = Warehouse(clock)
        self.arrivals: deque[float] = deque()  # accepted requests inside the window
        self.accepted_at: list[float] = []  # every accepted request's time, for the tests
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.throttled = 0
        self.rejected: list[str] = []  # validation problems answered 400/404
        self.push_batch_sizes: list[int] = []  # ShipBob takes no stock pushes: stays empty
        self.subscriptions: list[dict[str, Any]] = []
        WebhookSender.__init__(self, webhook_secret, clock)

    @classmethod
    def seeded(cls, **options: Any) -> ShipBobSandbox:
        """The sample account (``sandbox_seed.py``, ids as in ``mappings/crosswalk.csv``)."""
        sandbox = cls(**options)
        with sandbox._lock:
            seed(sandbox.warehouse)
        return sandbox

    @classmethod
    def conformance(cls) -> ShipBobSandbox:
        """The conformance kit's sandbox: seeded, its clock stopped at the seed time.

        A count is as of ShipBob's answer (its Date header); with the clock stopped, two
        sweeps of unchanged levels are the same observation and give the same event ids, which
        the kit's pull checks compare.
        """
        return cls.seeded(clock=lambda: SEED_TIME + 3600)

    # --- what a test reads and does -----------------------------------------------------------

    def stock_levels(self) -> dict[tuple[str, str], int]:
        """``on_hand_quantity`` by (inventory id, fulfillment center id)."""
        with self._lock:
            return {(str(i), str(c)): lv.on_hand for (i, c), lv in self.warehouse.levels.items()}

    def act(self, change: Callable[[Warehouse], Any]) -> Any:
        """Change the account as the warehouse would; its webhooks go out after.

        ``change`` gets the :class:`~connectors.shipbob.sandbox_warehouse.Warehouse` and returns
        what its method returned (``(result, webhooks)`` or a list of webhooks).
        """
        with self._lock:
            outcome = change(self.warehouse)
        result, hooks = outcome if isinstance(outcome, tuple) else (None, outcome)
        for topic, record in hooks:
            self._emit(topic, compact(record))
        return result

    def max_requests_in_window(self, window_s: float | None = None) -> int:
        """The most requests accepted within any window (the sandbox's own count)."""
        window = self.window_s if window_s is None else window_s
        times = sorted(self.accepted_at)
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    # --- the API ------------------------------------------------------------------------------

    def handle(self, method: str, url: str, headers: Mapping[str, str], body: bytes = b"") -> Reply:
        """Answer one request as ShipBob would (``url`` is a path with its query string)."""
        parts = urlsplit(url)
        path, query = parts.path, dict(parse_qsl(parts.query, keep_blank_values=True))
        lowered = {k.lower(): v for k, v in headers.items()}
        reply = self._answer(method.upper(), path, query, lowered, body)
        with self._lock:
            self.requests.append((method.upper(), path, reply.status))
        return reply

    def _answer(self, method: str, path: str, query: dict, headers: dict, body: bytes) -> Reply:
        if lowered_token(headers) != self.access_token:
            return Reply(401, {"title": "Unauthorized", "status": 401})
        limited = self._take_slot()
        if limited is not None:
            return limited
        extra = {"x-remaining-calls": str(self._remaining()),
                 "Date": formatdate(self._clock(), usegmt=True)}  # fmt: skip
        version = path.strip("/").split("/", 1)[0]
        if version not in API_VERSIONS:
            return Reply(404, {"title": "Not Found", "status": 404}, extra)
        resource = path.strip("/").split("/", 1)[1] if "/" in path.strip("/") else ""
        checked = {k: v for k, v in query.items() if not (k == "Cursor" and resource in LINKED)}
        problems = schema.request_problems(version, method, path, checked, headers)
        if problems:
            with self._lock:
                self.rejected.extend(problems)
            status = 404 if "no such operation" in problems[0] else 400
            return Reply(status, _problem(status, problems), extra)
        with self._lock:
            return self._route(method, version, resource, query, body, extra)

    def _take_slot(self) -> Reply | None:
        """The sliding window: at most ``rate_limit`` accepted requests in any ``window_s``."""
        with self._lock:
            now = self._clock()
            while self.arrivals and now - self.arrivals[0] >= self.window_s:
                self.arrivals.popleft()
            if self.rate_limit is not None and len(self.arrivals) >= self.rate_limit:
                self.throttled += 1
                wait = max(1, math.ceil(self.arrivals[0] + self.window_s - now))
                message = f"Rate limit is exceeded. Try again in {wait} seconds."
                return Reply(429, {"statusCode": 429, "message": message},
                             {"x-retry-after": str(wait), "x-remaining-calls": "0"})  # fmt: skip
            self.arrivals.append(now)
            self.accepted_at.append(now)
            return None

    def _remaining(self) -> int:
        with self._lock:
            return max(0, (self.rate_limit or 10**6) - len(self.arrivals))

    def _route(self, method: str, version: str, resource: str, query: dict, body: bytes,
               extra: dict) -> Reply:  # fmt: skip
        wh = self.warehouse
        size = int(query.get("PageSize") or query.get("Limit") or 50)
        if method == "GET" and resource == "inventory-level":
            return self._linked(version, resource, query, wh.totals(), size, extra)
        if method == "GET" and resource == "inventory-level/locations":
            return self._linked(version, resource, query, wh.levels_by_center(), size, extra)
        if method == "GET" and resource == "order":
            return Reply(200, self._orders(query, size), extra)
        if method == "GET" and resource == "return":
            found = self._returns(query)
            return self._linked(version, resource, query, found, size, extra)
        if method == "GET" and resource.startswith("return/"):
            record = wh.returns.get(int(resource.split("/")[1]))
            if record is None:
                return Reply(404, _problem(404, ["return not found"]), extra)
            return Reply(200, compact(wh._return_copy(record["id"])), extra)
        if method == "GET" and resource == "location":
            return Reply(200, [_location(c, n) for c, n in sorted(wh.centers.items())], extra)
        if resource == "webhook":
            return self._webhook(method, version, body, extra)
        return Reply(404, _problem(404, [f"{method} /{version}/{resource} is not emulated"]), extra)

    def _linked(self, version: str, resource: str, query: dict, items: list, size: int,
                extra: dict) -> Reply:  # fmt: skip
        """A page of ``items`` with ``first/prev/next/last`` links carrying a page cursor."""
        page = int(query.get("Cursor") or 1)
        pages = max(1, math.ceil(len(items) / size))

        def link(n: int) -> str:
            return f"{self.origin}/{version}/{resource}?" + urlencode({**query, "Cursor": n})

        body = {
            "items": items[(page - 1) * size : page * size],
            "first": link(1) if page > 1 else None,
            "prev": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if page < pages else None,
            "last": link(pages) if page < pages else None,
        }
        return Reply(200, body, extra)

    def _orders(self, query: dict, size: int) -> list[dict[str, Any]]:
        wh = self.warehouse
        since = query.get("LastUpdateStartDate")
        found = [o for _, o in sorted(wh.orders.items())
                 if not since or wh.order_updated(o) >= _z(since)]  # fmt: skip
        page = int(query.get("Page") or 1)
        return compact(found[(page - 1) * size : page * size])

    def _returns(self, query: dict) -> list[dict[str, Any]]:
        wh = self.warehouse
        records = [compact(wh._return_copy(rid)) for rid in sorted(wh.returns)]
        if query.get("Ids"):
            wanted = {int(i) for i in query["Ids"].split(",")}
            records = [r for r in records if r["id"] in wanted]
        if query.get("StartDate"):
            records = [r for r in records if r["insert_date"] >= _z(query["StartDate"])]
        if query.get("Status"):
            states = {s.strip() for s in query["Status"].split(",")}
            records = [r for r in records if r["status"] in states]
        if query.get("SortOrder", "Desc") == "Desc":
            records.reverse()
        return records

    def _webhook(self, method: str, version: str, body: bytes, extra: dict) -> Reply:
        if method == "GET":
            return Reply(200, {"items": self.subscriptions, "next": None, "prev": None}, extra)
        try:
            request = json.loads(body or b"null")
        except ValueError:
            return Reply(400, _problem(400, ["body is not JSON"]), extra)
        name = schema.request_schema(version, "POST", f"/{version}/webhook")
        if name:
            errors = [e.message for e in schema.validator(version, name).iter_errors(request)]
            if errors:
                return Reply(422, _problem(422, errors), extra)
        record = {"id": str(len(self.subscriptions) + 12345), "url": request["url"],
                  "topics": request["topics"], "description": request.get("description"),
                  "created_at": self.warehouse.now(), "enabled": True}  # fmt: skip
        self.subscriptions.append(record)
        self.subscribe(record["url"], record["topics"])
        return Reply(200, {**record, "secret": self.webhook_secret}, extra)

    # --- reaching it ----------------------------------------------------------------------------

    def http_server(self, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
        """A bound server; the ``next`` links of answers over it point at its origin."""
        httpd = super().http_server(host, port)
        self.origin = origin_of(httpd)
        return httpd


def compact(value: Any) -> Any:
    """A deep copy without null members: ShipBob's schemas declare most objects non-nullable,
    so an absent field is what an unset one looks like."""
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def lowered_token(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _problem(status: int, problems: list[str]) -> dict[str, Any]:
    return {"type": "https://tools.ietf.org/html/rfc9110", "title": "Request rejected",
            "status": status, "detail": "; ".join(problems)}  # fmt: skip


def _location(center: int, name: str) -> dict[str, Any]:
    return {"id": center, "name": name, "abbreviation": name[:3].upper(), "is_active": True,
            "access_granted": True, "is_receiving_enabled": True, "is_shipping_enabled": True,
            "timezone": "Central Standard Time", "attributes": [], "services": [],
            "region": {"id": 1, "name": "US"}}  # fmt: skip


def _z(stamp: str) -> str:
    """A date-time parameter in the sandbox's own format, for string comparison."""
    from connectors.shipbob.translate import timestamp

    return timestamp(stamp, "date-time")


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox standalone until interrupted."""
    parser = sandbox_parser(
        "python -m connectors.shipbob.sandbox",
        "A local ShipBob Developer API (3PL), for demos and tests.",
        port=8087,
    )
    parser.add_argument("--token", default=SANDBOX_TOKEN, help="the access token to accept")
    parser.add_argument("--webhook-secret", default=SANDBOX_SECRET, help="whsec_… signing key")
    parser.add_argument("--seeded", action="store_true", help="start with the sample account")
    parser.add_argument("--webhook-url", action="append", default=[], help="deliver webhooks here")
    args = parser.parse_args(argv)
    maker = ShipBobSandbox.seeded if args.seeded else ShipBobSandbox
    sandbox = maker(access_token=args.token, webhook_secret=args.webhook_secret)
    for url in args.webhook_url:
        sandbox.subscribe(url)
    httpd = sandbox.http_server(args.host, args.port)
    versions, source = ", ".join(API_VERSIONS), schema.source()
    banner = f"shipbob sandbox listening on {sandbox.origin} (API {versions}, OpenAPI {source})"
    return serve_forever(httpd, banner)


if __name__ == "__main__":
    sys.exit(main())

"""An emulator of an in-house system speaking the custom protocol, with fault injection.

One request-handling function (:meth:`CustomSandbox.handle`) serves two ways:

* in process — :meth:`CustomSandbox.transport` returns an ``httpx.MockTransport`` to put in a
  ``ChannelContext`` (the conformance kit does this);
* over real HTTP — ``with sandbox.serve() as base_url:`` runs a ``ThreadingHTTPServer`` in a
  daemon thread, for tests whose hub workers are other processes; or standalone::

      python -m connectors.custom.sandbox --port 8085 --token T --sample-levels

Everything it holds (levels, request records, fault settings) is guarded by one lock, so
server threads and the test that drives them can read and change it at any time.

What it enforces, like a strict vendor would: the bearer token (401), at most ``rate_limit``
requests in any ``rate_window_s`` sliding window (429 ``Retry-After: 1``; recorded with
``fault="rate_limit"``), at most 100 items per push (413). What it can be told to do wrong:
see :meth:`CustomSandbox.set_faults`.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from connectors.custom import protocol
from hub.sandbox_http import SandboxServer, running, sandbox_parser, serve_forever

SANDBOX_TOKEN = "sandbox-token-7c1e"
SANDBOX_SETTINGS: Mapping[str, Any] = {
    "base_url": "http://custom.sandbox.invalid/api",
    "api_token": SANDBOX_TOKEN,
    "webhook_secret": "sandbox-webhook-secret-5b2d",
}
#: What :meth:`CustomSandbox.seeded` (the conformance kit's sandbox) starts with.
SAMPLE_LEVELS: Mapping[tuple[str, str], int] = {
    ("TEE-RED-M", "WH1"): 12,
    ("TEE-RED-L", "WH1"): 4,
    ("MUG-BLUE", "WH1"): 30,
    ("TEE-RED-M", "STORE9"): 2,
}
FAULT_KINDS = ("500", "429", "timeout")
INJECTED_RETRY_AFTER = "0.2"  # seconds; hub.http.throttle reads decimals
RATE_LIMIT_RETRY_AFTER = "1"


@dataclass(frozen=True)
class RequestRecord:
    """One request as the sandbox saw it.

    :param at: ``time.monotonic()`` (the sandbox's clock) when it arrived.
    :param n_items: items in a push request, levels in a pull answer, else 0.
    :param fault: why it failed on purpose: ``"500"``, ``"429"``, ``"timeout"`` (injected),
        ``"permanent"`` (``permanent_status``), ``"rate_limit"`` (the enforced limit), or None.
    :param applied: for a push, whether it changed (or evaluated) the levels.
    """

    method: str
    path: str
    at: float
    status: int
    n_items: int = 0
    fault: str | None = None
    applied: bool = False


@dataclass(frozen=True)
class Reply:
    """What :meth:`CustomSandbox.handle` decided: status, JSON body, headers, when to answer.

    ``timed_out`` replies are answered (504) only after ``delay_s``, which is meant to be
    longer than the client's read timeout; the in-process transport raises the client's
    ``httpx.ReadTimeout`` at once instead of sleeping.
    """

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    timed_out: bool = False

    def content(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":")).encode()


@dataclass(frozen=True)
class _Faults:
    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    permanent_status: int | None = None


@dataclass
class _Level:
    quantity: int
    seq: int
    updated_at: str


class CustomSandbox:
    """An in-house system's stock API in memory (see the module docstring)."""

    def __init__(
        self,
        token: str = SANDBOX_TOKEN,
        *,
        levels: Mapping[tuple[str, str], int] | None = None,
        prefix: str = "/api",
        rate_limit: int | None = 20,
        rate_window_s: float = 1.0,
        timeout_s: float = 2.5,
        latency_s: float = 0.0,
        reject_skus: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.rate_limit = rate_limit
        self.rate_window_s = rate_window_s
        self.timeout_s = timeout_s
        self.latency_s = latency_s
        self._clock = clock
        self._lock = threading.Lock()
        self._levels: dict[tuple[str, str], _Level] = {}
        self._seq = 0
        self._last_stamp = datetime.now(UTC) - timedelta(seconds=1)
        self._reject_skus = frozenset(reject_skus)
        self._push_batch_sizes: list[int] = []
        self._requests: list[RequestRecord] = []
        self._window: deque[float] = deque()
        self._faults = _Faults()
        self._rng = random.Random(0)
        self._faults_injected: Counter[str] = Counter()
        for (sku, location), quantity in (levels or {}).items():
            self.set_level(sku, location, quantity)

    @classmethod
    def seeded(cls, **options: Any) -> CustomSandbox:
        """A sandbox holding :data:`SAMPLE_LEVELS` (the conformance kit's factory)."""
        return cls(levels=SAMPLE_LEVELS, **options)

    # --- state -----------------------------------------------------------------------------

    def stock_levels(self) -> dict[tuple[str, str], int]:
        """A copy of the quantities by (sku, location)."""
        with self._lock:
            return {key: level.quantity for key, level in self._levels.items()}

    def updated_at(self, sku: str, location: str) -> str | None:
        """When the level last changed (the ``updated_at`` a pull reports), or None."""
        with self._lock:
            level = self._levels.get((sku, location))
            return level.updated_at if level else None

    def set_level(self, sku: str, location: str, quantity: int) -> str:
        """Seed a level, or change it as someone on the channel's side would; its updated_at."""
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise ValueError(f"{sku}@{location}: quantity must be an integer >= 0")
        with self._lock:
            return self._write(sku, location, quantity)

    @property
    def reject_skus(self) -> frozenset[str]:
        """SKUs a push refuses (``rejected``, reason "unknown item")."""
        return self._reject_skus

    @reject_skus.setter
    def reject_skus(self, skus: Iterable[str]) -> None:
        with self._lock:
            self._reject_skus = frozenset(skus)

    @property
    def push_batch_sizes(self) -> list[int]:
        """Items in every authenticated, well-formed push received (faulted ones included)."""
        with self._lock:
            return list(self._push_batch_sizes)

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of every request received, in order of arrival."""
        with self._lock:
            return list(self._requests)

    @property
    def faults_injected(self) -> Counter[str]:
        """Injected faults by kind: ``"500"``, ``"429"``, ``"timeout"``, or the permanent status."""
        with self._lock:
            return Counter(self._faults_injected)

    @property
    def rate_limited(self) -> int:
        """How many requests the enforced rate limit refused (429 ``Retry-After: 1``)."""
        with self._lock:
            return sum(1 for r in self._requests if r.fault == "rate_limit")

    def max_requests_in_window(self, window_s: float = 1.0) -> int:
        """The most requests that arrived within any ``window_s`` seconds."""
        times = sorted(r.at for r in self.requests)
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= window_s:
                start += 1
            best = max(best, end - start + 1)
        return best

    def clear_records(self) -> None:
        """Forget recorded requests, push sizes and fault counts (levels stay)."""
        with self._lock:
            self._requests.clear()
            self._push_batch_sizes.clear()
            self._faults_injected.clear()

    # --- faults ----------------------------------------------------------------------------

    def set_faults(
        self,
        rate: float = 0.0,
        kinds: Iterable[str] = FAULT_KINDS,
        seed: int | None = 7,
        permanent_status: int | None = None,
    ) -> None:
        """Fail push and pull requests on purpose, reproducibly; replaces earlier settings.

        :param rate: probability that a push or pull fails with one of ``kinds`` (drawn from
            a ``random.Random(seed)``, so one request sequence always fails the same way).
        :param kinds: ``"500"`` → HTTP 500; ``"429"`` → 429 with ``Retry-After: 0.2``;
            ``"timeout"`` → 504 only after ``timeout_s`` seconds, the push applied first in
            half of the cases (seeded), as real systems do after the client has given up.
        :param permanent_status: e.g. 401 or 400: every request fails with it until
            ``set_faults(rate=0)`` or :meth:`clear_faults`.
        """
        kinds = tuple(kinds)
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate {rate} must be within 0..1")
        if rate and not kinds:
            raise ValueError("give at least one fault kind")
        unknown = [k for k in kinds if k not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; use {FAULT_KINDS}")
        if permanent_status is not None and not 400 <= permanent_status <= 599:
            raise ValueError(f"permanent_status {permanent_status} must be a 4xx or 5xx")
        with self._lock:
            self._faults = _Faults(rate, kinds, permanent_status)
            self._rng = random.Random(seed)

    def clear_faults(self) -> None:
        """No more injected faults (the counts stay)."""
        self.set_faults(rate=0.0)

    # --- the one request handler -----------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> Reply:
        """Decide the answer to one request (and apply it); both servers call this."""
        if self.latency_s > 0:
            time.sleep(self.latency_s)
        lowered = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            reply, record = self._decide(method.upper(), path, query, lowered, body)
            self._requests.append(record)
        return reply

    def transport(self) -> httpx.MockTransport:
        """An httpx transport routing requests to :meth:`handle`, in this process."""
        return httpx.MockTransport(self._handle_httpx)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve over real HTTP in a daemon thread; yields the base URL (``…/api``)."""
        httpd = self.http_server(host, port)
        with running(httpd, poll_interval=0.05):
            yield self.base_url(httpd)

    def http_server(self, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
        """A bound, not yet serving HTTP server for this sandbox."""
        return SandboxServer((host, port), self, _Handler)

    def base_url(self, httpd: ThreadingHTTPServer) -> str:
        host, port = httpd.server_address[:2]
        host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"http://{host}:{port}{self.prefix}"

    # --- internals (called with the lock held) ------------------------------------------------

    def _decide(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[Reply, RequestRecord]:
        now = self._clock()

        def done(reply: Reply, n_items: int = 0, fault: str | None = None, applied: bool = False):
            return reply, RequestRecord(method, path, now, reply.status, n_items, fault, applied)

        if self._throttled(now):
            return done(
                _error(429, "rate limit exceeded", {"Retry-After": RATE_LIMIT_RETRY_AFTER}),
                fault="rate_limit",
            )
        faults = self._faults
        if faults.permanent_status is not None:
            self._faults_injected[str(faults.permanent_status)] += 1
            return done(_error(faults.permanent_status, "injected failure"), fault="permanent")
        if headers.get("authorization") != f"Bearer {self.token}":
            return done(_error(401, "invalid or missing bearer token"))
        route = self._route(method, path)
        if route is None:
            return done(_error(404, f"no route {method} {path}"))
        if route == "push":
            items = _push_items(body)
            if isinstance(items, Reply):
                return done(items)
            self._push_batch_sizes.append(len(items))
        fault = self._draw_fault(faults)
        n_items = len(items) if route == "push" else 0
        if fault == "500":
            return done(_error(500, "injected server error"), n_items, fault)
        if fault == "429":
            throttled = _error(429, "injected throttling", {"Retry-After": INJECTED_RETRY_AFTER})
            return done(throttled, n_items, fault)
        if fault == "timeout":
            applied = route == "push" and self._rng.random() < 0.5
            if applied:
                self._apply_push(items)
            late = _error(504, "gateway timeout")
            late = Reply(late.status, late.body, late.headers, self.timeout_s, timed_out=True)
            return done(late, n_items, fault, applied)
        if route == "push":
            return done(Reply(200, {"results": self._apply_push(items)}), n_items, applied=True)
        reply = self._page(query)
        return done(reply, len(reply.body.get("levels", [])) if reply.status == 200 else 0)

    def _throttled(self, now: float) -> bool:
        if self.rate_limit is None:
            return False
        while self._window and now - self._window[0] >= self.rate_window_s:
            self._window.popleft()
        if len(self._window) >= self.rate_limit:
            return True
        self._window.append(now)
        return False

    def _route(self, method: str, path: str) -> str | None:
        if not path.startswith(self.prefix):
            return None
        rest = path[len(self.prefix) :].rstrip("/")
        if (method, rest) == ("POST", protocol.PUSH_PATH):
            return "push"
        if (method, rest) == ("GET", protocol.PULL_PATH):
            return "pull"
        return None

    def _draw_fault(self, faults: _Faults) -> str | None:
        if faults.rate <= 0 or self._rng.random() >= faults.rate:
            return None
        kind = self._rng.choice(faults.kinds)
        self._faults_injected[kind] += 1
        return kind

    def _apply_push(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self._apply_item(item) for item in items]

    def _apply_item(self, item: dict[str, Any]) -> dict[str, Any]:
        sku, location = item.get("sku"), item.get("location")
        quantity, expected = item.get("quantity"), item.get("expected")
        answer: dict[str, Any] = {"sku": sku, "location": location, "actual": None, "reason": ""}
        if not (_is_code(sku) and _is_code(location)):
            return {
                **answer,
                "status": protocol.STATUS_REJECTED,
                "reason": "sku and location must be non-empty strings",
            }
        if sku in self._reject_skus:
            return {**answer, "status": protocol.STATUS_REJECTED, "reason": "unknown item"}
        if not _is_count(quantity) or not (expected is None or _is_count(expected)):
            return {
                **answer,
                "status": protocol.STATUS_REJECTED,
                "reason": "quantity and expected must be integers >= 0",
            }
        level = self._levels.get((sku, location))
        current = level.quantity if level else 0  # no level yet compares as 0
        if expected is not None and expected != current:
            return {
                **answer,
                "status": protocol.STATUS_STALE,
                "actual": current,
                "reason": f"expected {expected}, found {current}",
            }
        if level is None or level.quantity != quantity:
            self._write(sku, location, quantity)
        return {**answer, "status": protocol.STATUS_OK, "actual": quantity}

    def _page(self, query: Mapping[str, str]) -> Reply:
        try:
            after = int(query.get("cursor") or 0)
            limit = int(query.get("limit") or 100)
        except ValueError:
            return _error(400, "cursor and limit must be integers")
        if after < 0 or limit < 1:
            return _error(400, "cursor must be >= 0 and limit >= 1")
        limit = min(limit, protocol.MAX_PAGE_SIZE)
        fresh = sorted(
            (level.seq, key, level) for key, level in self._levels.items() if level.seq > after
        )[:limit]
        levels = [
            {"sku": sku, "location": loc, "quantity": lv.quantity, "updated_at": lv.updated_at}
            for _, (sku, loc), lv in fresh
        ]
        next_cursor = str(fresh[-1][0]) if fresh else None
        return Reply(200, {"levels": levels, "next_cursor": next_cursor})

    def _write(self, sku: str, location: str, quantity: int) -> str:
        self._seq += 1
        stamp = max(datetime.now(UTC), self._last_stamp + timedelta(microseconds=1))
        self._last_stamp = stamp
        updated_at = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._levels[(sku, location)] = _Level(quantity, self._seq, updated_at)
        return updated_at

    def _handle_httpx(self, request: httpx.Request) -> httpx.Response:
        reply = self.handle(
            request.method,
            request.url.path,
            dict(request.url.params),
            dict(request.headers),
            request.read(),
        )
        if reply.timed_out:  # what the client would see: no answer within its timeout
            raise httpx.ReadTimeout("sandbox: no answer within the timeout", request=request)
        if reply.delay_s:
            time.sleep(reply.delay_s)
        return httpx.Response(reply.status, headers=dict(reply.headers), content=reply.content())


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status, {"error": message}, dict(headers or {}))


def _push_items(body: bytes) -> list[dict[str, Any]] | Reply:
    try:
        decoded = json.loads(body or b"null")
    except ValueError:
        return _error(400, "body is not JSON")
    items = decoded.get("items") if isinstance(decoded, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return _error(400, 'body must be {"items": [{sku, location, quantity, expected?}]}')
    if len(items) > protocol.MAX_BATCH_SIZE:
        return _error(413, f"at most {protocol.MAX_BATCH_SIZE} items per request")
    return items


def _is_code(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real API
    server_version = "stockhub-custom-sandbox/1"
    timeout = 30  # close idle keep-alive connections
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall
    server: SandboxServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        reply = self.server.sandbox.handle(
            self.command, url.path, query, dict(self.headers.items()), body
        )
        if reply.delay_s:
            time.sleep(reply.delay_s)
        content = reply.content()
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
        except OSError:  # the client gave up (a timeout fault): nothing left to tell it
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    """Run the sandbox standalone until interrupted."""
    parser = sandbox_parser(
        "python -m connectors.custom.sandbox",
        "An in-house system speaking stockhub's custom protocol, for demos and tests.",
        port=8085,
    )
    parser.add_argument("--token", default=SANDBOX_TOKEN, help="the bearer token to accept")
    parser.add_argument("--prefix", default="/api", help="path the API lives under")
    parser.add_argument("--rate-limit", type=int, default=20, help="requests per second")
    parser.add_argument("--sample-levels", action="store_true", help="start with sample levels")
    parser.add_argument(
        "--level", action="append", default=[], metavar="SKU:LOCATION=QTY", help="seed a level"
    )
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-kinds", default=",".join(FAULT_KINDS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout-s", type=float, default=2.5)
    parser.add_argument("--latency-s", type=float, default=0.0)
    args = parser.parse_args(argv)
    sandbox = CustomSandbox(
        args.token,
        levels=SAMPLE_LEVELS if args.sample_levels else None,
        prefix=args.prefix,
        rate_limit=args.rate_limit or None,
        timeout_s=args.timeout_s,
        latency_s=args.latency_s,
    )
    for spec in args.level:
        key, _, quantity = spec.rpartition("=")
        sku, _, location = key.rpartition(":")
        if not (sku and location and quantity.isdigit()):
            parser.error(f"--level {spec!r}: use SKU:LOCATION=QTY")
        sandbox.set_level(sku, location, int(quantity))
    sandbox.set_faults(args.fault_rate, args.fault_kinds.split(","), args.seed)
    httpd = sandbox.http_server(args.host, args.port)
    return serve_forever(httpd, f"custom sandbox listening on {sandbox.base_url(httpd)}")


if __name__ == "__main__":
    sys.exit(main())

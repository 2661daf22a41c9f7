"""Serving a connector's sandbox: in process through httpx, or over real HTTP.

A vendor emulator is written as one method, ``handle(method, target, headers, body) ->
Reply``. :class:`ServedSandbox` gives it the rest, the same for every vendor: an
``httpx.MockTransport`` for tests in one process, a threaded HTTP server for hub workers in
other processes (``with sandbox.serve() as origin``), and :func:`serve_forever` for the
sandbox module's ``main(argv)``, which ``stockhub sandbox run NAME`` runs.
"""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Literal

import httpx

#: what ``handle`` is given as its target: the path, the path and query, or the absolute URL
Target = Literal["path", "path+query", "url"]


@dataclass(frozen=True)
class Reply:
    """One answer: a JSON ``body`` (None: no body), or ``raw`` bytes sent as they are."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    raw: bytes | None = None

    def content(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return b"" if self.body is None else json.dumps(self.body, separators=(",", ":")).encode()


class ServedSandbox:
    """Mixin: serve :meth:`handle` in process and over HTTP (see the module docstring)."""

    #: the ``Server`` header's product token
    server_name: ClassVar[str] = "stockhub-sandbox/1"
    request_target: ClassVar[Target] = "path"
    #: methods answered over HTTP; others get 501, as ``http.server`` gives
    http_methods: ClassVar[frozenset[str]] = frozenset({"GET", "POST"})
    #: every answer is JSON (Content-Type added); False: each reply's headers say what it is
    json_replies: ClassVar[bool] = True

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        raise NotImplementedError

    def transport(self) -> httpx.MockTransport:
        """Route a client's requests here, in process."""

        def answer(request: httpx.Request) -> httpx.Response:
            target = _httpx_target(request, self.request_target)
            reply = self.handle(request.method, target, request.headers, request.read())
            if self.json_replies:
                return httpx.Response(reply.status, headers=dict(reply.headers), json=reply.body)
            return httpx.Response(
                reply.status, headers=dict(reply.headers), content=reply.content()
            )

        return httpx.MockTransport(answer)

    def http_server(self, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
        """A bound, not yet serving HTTP server for this sandbox."""
        return SandboxServer((host, port), self)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve over real HTTP in a daemon thread; yields the origin (the ``base_url``)."""
        httpd = self.http_server(host, port)
        with running(httpd):
            yield origin_of(httpd)


class SandboxServer(ThreadingHTTPServer):
    """A threaded server for one sandbox; ``handler`` reads it as ``self.server.sandbox``."""

    request_queue_size = 128  # bursts from several worker processes must not be refused
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        sandbox: Any,
        handler: type[BaseHTTPRequestHandler] | None = None,
    ) -> None:
        self.sandbox = sandbox
        super().__init__(address, handler or _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real API
    timeout = 30  # close idle keep-alive connections
    disable_nagle_algorithm = True  # headers and body go out at once, no delayed-ACK stall
    server: SandboxServer

    def version_string(self) -> str:
        return f"{self.server.sandbox.server_name} {self.sys_version}"

    def _any(self) -> None:
        sandbox = self.server.sandbox
        if self.command not in sandbox.http_methods:
            self.send_error(HTTPStatus.NOT_IMPLEMENTED, f"Unsupported method ({self.command!r})")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self._target(sandbox.request_target)
        reply = sandbox.handle(self.command, target, dict(self.headers.items()), body)
        content = reply.content()
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if sandbox.json_replies:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

    def _target(self, kind: Target) -> str:
        if kind == "path":
            return self.path.split("?", 1)[0]
        if kind == "url":
            host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
            return f"http://{host}{self.path}"
        return self.path

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _httpx_target(request: httpx.Request, kind: Target) -> str:
    if kind == "path":
        return request.url.path
    if kind == "url":
        return str(request.url)
    return request.url.raw_path.decode()


def origin_of(httpd: ThreadingHTTPServer) -> str:
    """``http://host:port`` of a bound server."""
    return f"http://{httpd.server_address[0]}:{httpd.server_address[1]}"


@contextmanager
def running(httpd: ThreadingHTTPServer, poll_interval: float = 0.5) -> Iterator[None]:
    """Run ``httpd`` in a daemon thread for the block; shut down and closed after."""
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def sandbox_parser(prog: str, description: str, port: int) -> argparse.ArgumentParser:
    """A sandbox ``main``'s argument parser, with the ``--host`` and ``--port`` they all take."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port, help="0 picks a free port")
    return parser


def serve_forever(httpd: ThreadingHTTPServer, banner: str) -> int:
    """Print ``banner``, serve until Ctrl-C, close; returns ``main``'s exit status."""
    print(banner, flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0

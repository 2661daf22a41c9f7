"""A local HTTP server that counts requests, for measuring rate limits from outside the client.

It serves at most ``expected`` requests and stops by itself after ``deadline_s`` at the latest,
so a test can never hang on it.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CountingServer:
    """Records the arrival time of every request on 127.0.0.1."""

    def __init__(self, expected: int, deadline_s: float = 20.0) -> None:
        self.expected = expected
        self.arrivals: list[float] = []
        self._lock = threading.Lock()
        self._done = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server._lock:
                    server.arrivals.append(time.time())
                    if len(server.arrivals) >= server.expected:
                        server._done.set()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._timer = threading.Timer(deadline_s, self.stop)

    def __enter__(self) -> CountingServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait(self, timeout: float) -> bool:
        return self._done.wait(timeout)

    def stop(self) -> None:
        self._timer.cancel()
        if self._thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()

    def max_in_window(self, window_s: float) -> int:
        """The most requests that arrived within any ``window_s`` seconds."""
        times = sorted(self.arrivals)
        best, start = 0, 0
        for end, moment in enumerate(times):
            while moment - times[start] >= window_s:
                start += 1
            best = max(best, end - start + 1)
        return best

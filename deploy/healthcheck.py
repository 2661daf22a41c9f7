#!/usr/bin/env python3
"""Health checks for stockhub's processes; the image installs this as ``stockhub-healthcheck``.

    stockhub-healthcheck                 check whatever this container runs (reads /proc/1/cmdline)
    stockhub-healthcheck api [URL]       GET URL (default http://127.0.0.1:8000/healthz), 2xx = ok
    stockhub-healthcheck worker          a Celery ping to this host's worker; an answer = ok
    stockhub-healthcheck beat            the scheduler process exists (its lease does the rest)

Exit status 0 is healthy, 1 unhealthy: Docker's HEALTHCHECK, compose and Kubernetes exec probes
all read it. One line on stdout says what was checked. The worker check needs the broker (the
ping travels through it): give a liveness probe a failure threshold that outlasts a broker
restart, or workers are restarted for nothing (they are stateless, so it costs only time).
"""

from __future__ import annotations

import socket
import sys
import urllib.error
import urllib.request

DEFAULT_PORT = 8000


def role_of(argv: list[str]) -> tuple[str, str]:
    """The stockhub command in ``argv`` (``api``, ``worker``, ``beat``, ``run``...) and, for the
    API, the URL of its health endpoint."""
    commands = ("api", "worker", "beat", "run")
    role = next((arg for arg in argv if arg in commands), "")
    host, port = "127.0.0.1", DEFAULT_PORT
    for flag, value in zip(argv, argv[1:], strict=False):
        if flag == "--port":
            port = int(value)
    for arg in argv:
        if arg.startswith("--port="):
            port = int(arg.split("=", 1)[1])
    return role, f"http://{host}:{port}/healthz"


def check_http(url: str, timeout: float = 4.0) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 (local URL)
            return 200 <= reply.status < 300, f"{url}: {reply.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url}: {exc.code}"
    except OSError as exc:
        return False, f"{url}: {exc}"


def check_worker(timeout: float = 10.0) -> tuple[bool, str]:
    from hub.config import load_settings
    from hub.worker.app import make_celery
    from hub.worker.broker import is_embedded

    app = make_celery(load_settings())
    if is_embedded(app.conf.broker_url):
        return True, "embedded broker: no remote control to ping through; process is up"
    node = f"celery@{socket.gethostname()}"
    try:
        replies = app.control.ping(destination=[node], timeout=timeout)
    except Exception as exc:  # broker unreachable, connection refused...
        return False, f"{node}: no answer ({type(exc).__name__}: {exc})"
    answered = any(node in reply for reply in replies)
    return answered, f"{node}: {'pong' if answered else 'no answer'}"


def main(argv: list[str]) -> int:
    if argv:
        role = argv[0]
        url = argv[1] if len(argv) > 1 else f"http://127.0.0.1:{DEFAULT_PORT}/healthz"
    else:
        try:
            with open("/proc/1/cmdline", "rb") as file:
                command = [part.decode() for part in file.read().split(b"\0") if part]
        except OSError:
            command = []
        role, url = role_of(command)
    if role in ("api", "run"):
        healthy, what = check_http(url)
    elif role == "worker":
        healthy, what = check_worker()
    elif role == "beat":
        healthy, what = True, "beat: the process runs; a dead one's lease passes to a standby"
    else:
        healthy, what = False, f"unknown role {role!r}: pass api, worker or beat"
    print(("healthy: " if healthy else "unhealthy: ") + what)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

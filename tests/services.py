"""Private database and broker servers that a test may stop, restart and kill.

The restart tests must not restart the machine's shared PostgreSQL, Redis or RabbitMQ (other
tests run against them in parallel, and a developer's own servers are not the suite's to
bounce), so each test starts its own from the same installed binaries, on free ports, in its
temporary directory. A missing binary skips the test locally and fails it under ``CI=true``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.conftest import service_missing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {seconds:.0f}s")


def _run_as(user: str | None, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run ``argv`` as ``user`` when we are root (PostgreSQL refuses to run as root)."""
    if user is not None and os.geteuid() == 0:
        argv = ["runuser", "-u", user, "--", *argv]
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs)


def _owned_by(folder: Path, user: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if user is not None and os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)
        # the server user must be able to reach the folder through pytest's private tmp tree
        for parent in folder.parents:
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o011)
    return folder


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb) on a free port; ``restart()`` is a real one."""

    def __init__(self, folder: Path) -> None:
        bindir = _postgres_bindir()
        if bindir is None:
            service_missing("PostgreSQL binaries (initdb, pg_ctl)", "not installed")
        self.bin = bindir
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user is not None and os.geteuid() == 0:
            # outside pytest's tmp tree: another pytest session resets /tmp/pytest-of-root to
            # 0700, and the server user could then no longer reach its data mid-test
            folder = Path(tempfile.mkdtemp(prefix="stockhub-postgres-", dir="/tmp"))
        self.folder = _owned_by(folder, self.user)
        self.data = self.folder / "data"
        self.port = free_port()
        _run_as(self.user, [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                            "-U", "postgres", "--no-sync"])  # fmt: skip
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200")  # fmt: skip
        log = str(self.folder / "server.log")
        _run_as(self.user, [str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                            "-l", log, "-w", "-t", "60", *args])  # fmt: skip

    def start(self) -> None:
        """Start, trying again on a loaded machine; a final failure shows the server's log."""
        for attempt in range(3):
            try:
                self._ctl("start")
                return
            except subprocess.CalledProcessError as exc:
                if self._running():
                    return  # pg_ctl gave up waiting, the server came up anyway
                if attempt == 2:
                    log = (self.folder / "server.log").read_text(errors="replace")[-3000:]
                    raise AssertionError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from exc
                time.sleep(2)

    def restart(self) -> None:
        """Stop (fast: open transactions are aborted, connections cut) and start again."""
        try:
            self._ctl("-m", "fast", "stop")
        except subprocess.CalledProcessError:
            if self._running():  # a fast stop that timed out: cut it short
                self._ctl("-m", "immediate", "stop")
        self.start()

    def _running(self) -> bool:
        status = [str(self.bin / "pg_ctl"), "-D", str(self.data), "status"]
        try:
            _run_as(self.user, status)
        except subprocess.CalledProcessError:
            return False
        return True

    def stop(self) -> None:
        try:
            self._ctl("-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass
        if self.folder.name.startswith("stockhub-postgres-"):  # ours, made in /tmp
            shutil.rmtree(self.folder, ignore_errors=True)


def _postgres_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    root = Path("/usr/lib/postgresql")
    versions = sorted(root.glob("*/bin/initdb"), key=lambda p: p.parent.parent.name)
    return versions[-1].parent if versions else None


class PrivateRedis:
    """A redis-server on a free port that keeps nothing on disk: a restart loses every
    queued message, the harshest broker restart there is."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("redis-server") is None:
            service_missing("redis-server", "not installed")
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.folder)]  # fmt: skip
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, 20, "redis-server")

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


class PrivateRabbit:
    """A RabbitMQ node of its own (node name, ports, data and log folders) beside the machine's.

    ``restart()`` stops the whole node and boots it again: connections are cut, and durable
    queues come back with their persistent messages, as after a broker host reboot.
    """

    def __init__(self, folder: Path) -> None:
        if shutil.which("rabbitmq-server") is None or shutil.which("rabbitmqctl") is None:
            service_missing("rabbitmq-server", "not installed")
        self.user = "rabbitmq" if os.geteuid() == 0 else None
        self.folder = folder
        self.port, self.dist_port = free_port(), free_port()
        self.node = f"stockhub-test-{self.port}@localhost"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "enabled_plugins").write_text("[].\n")
        (folder / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        _owned_by(folder, self.user)
        self.start()

    @property
    def url(self) -> str:
        return f"amqp://guest:${{BROKER_PASSWORD}}@127.0.0.1:{self.port}//"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
            "RABBITMQ_PID_FILE": str(self.folder / "node.pid"),
        }

    def start(self) -> None:
        subprocess.run(["rabbitmq-server", "-detached"], env=self._env(), check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)  # fmt: skip
        wait_for_port(self.port, 180, f"RabbitMQ node {self.node}")  # boots in 4-11 s idle

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        subprocess.run(["rabbitmqctl", "-n", self.node, "stop", str(self.folder / "node.pid")],
                       env=self._env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60, check=False)  # fmt: skip

"""Exactly one scheduler: the database lease, and two real ``stockhub beat`` replicas."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from hub.store.types import utcnow
from hub.sync import lease
from tests.engine.test_workers import worker_env, write_config


class TestLease:
    def test_one_holder_renewals_expiry_and_release(self, engine):
        from sqlmodel import Session

        def take(owner: str, seconds: float = 30) -> bool:
            with Session(engine) as session, session.begin():
                return lease.acquire(session, "scheduler", owner, seconds)

        assert take("a") and not take("b")
        assert take("a")  # renewal by the holder
        with Session(engine) as session, session.begin():
            assert lease.holder(session, "scheduler").owner == "a"
            lease.release(session, "scheduler", "b")  # not b's to release
        assert not take("b")
        with Session(engine) as session, session.begin():
            lease.release(session, "scheduler", "a")
        assert take("b", seconds=0.001)
        time.sleep(0.01)
        assert take("a")  # b's lease ran out
        with Session(engine) as session:
            row = lease.holder(session, "scheduler")
            assert row.owner == "a" and row.until > utcnow() + timedelta(seconds=20)


def _beat(config: Path, log: Path) -> subprocess.Popen:
    stockhub = str(Path(sys.executable).with_name("stockhub"))
    return subprocess.Popen([stockhub, "--config", str(config), "beat"], env=worker_env(config),
                            stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def _sweeps_sent(broker: Path) -> int:
    if not broker.exists():
        return 0
    with sqlite3.connect(broker, timeout=30) as conn:
        try:
            rows = conn.execute("SELECT payload FROM kombu_message").fetchall()
        except sqlite3.OperationalError:  # tables not created yet
            return 0
    return sum("stockhub.sweep" in str(payload) for (payload,) in rows)


def _wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.slow
def test_two_beat_replicas_send_once_and_the_standby_takes_over(tmp_path):
    from hub.store import make_engine, upgrade

    config = write_config(tmp_path / "hub", "http://127.0.0.1:9/unused", "",
                          f"sqlite:///{tmp_path / 'hub' / 'stockhub.db'}")  # fmt: skip
    text = config.read_text().replace("sweep_every_s = 0.5", "sweep_every_s = 0.25")
    config.write_text(text.replace("[sync]\n", "[sync]\nscheduler_lease_s = 3\n"))
    upgrade(make_engine(f"sqlite:///{tmp_path / 'hub' / 'stockhub.db'}"))
    broker = tmp_path / "hub" / "broker.sqlite"
    logs = [tmp_path / "beat-a.log", tmp_path / "beat-b.log"]
    beats = [_beat(config, logs[0]), _beat(config, logs[1])]
    try:
        _wait_for(lambda: _sweeps_sent(broker) >= 4, 60)
        start, started = _sweeps_sent(broker), time.monotonic()
        time.sleep(5)
        rate = (_sweeps_sent(broker) - start) / (time.monotonic() - started)
        assert 2 <= rate <= 5.5, f"{rate:.1f} sweeps/s: one scheduler sends 4/s"
        active = [i for i, log in enumerate(logs) if "scheduler.active" in log.read_text()]
        assert len(active) == 1, [log.read_text()[-2000:] for log in logs]

        (leader,) = active
        os.killpg(beats[leader].pid, signal.SIGKILL)  # no hand-over: the lease must run out
        beats[leader].wait()
        standby = 1 - leader
        _wait_for(lambda: "scheduler.active" in logs[standby].read_text(), 15)
        before = _sweeps_sent(broker)
        _wait_for(lambda: _sweeps_sent(broker) >= before + 4, 10)
    finally:
        for beat in beats:
            if beat.poll() is None:
                os.killpg(beat.pid, signal.SIGTERM)
                beat.wait(timeout=15)

"""Run a day: set up the hub on a database, execute steps, check invariants, quiesce.

``run_seed(seed, engine)`` generates the day from the seed while running it and returns a
:class:`Result` with the recorded steps; ``run_steps(steps, engine)`` replays a recorded (or
shrunk) list exactly. Both stop at the first violation.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from structlog.testing import capture_logs

from hub.connector import WebhookRequest
from hub.errors import HubError
from hub.sync import housekeeping, inbox, publish, pull, reconcile, replay
from hub.worker import tasks
from tests.simulation import world as w
from tests.simulation.broker import SimBroker, run_message
from tests.simulation.clock import VirtualClock, virtual_time
from tests.simulation.faults import CommitFault, FaultLog, WorkerKilled, armed
from tests.simulation.invariants import Checker, Violation
from tests.simulation.steps import DayGenerator, Step

DEFAULT_STEPS = 120
VENDOR_FAULT = {"500": "vendor_5xx", "429": "vendor_429", "timeout": "vendor_timeout"}


@dataclass
class Result:
    seed: int | None
    steps: list[Step]
    violations: list[Violation] = field(default_factory=list)
    faults: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    events: int = 0
    checks: int = 0
    oversold_units: int = 0
    convergence_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.violations


class Simulation:
    """One simulated day on one database (see the module docstring)."""

    def __init__(
        self, engine: sa.Engine, *, buffers: bool = True, vendors: dict[str, str] | None = None
    ) -> None:
        self.engine = engine
        self.clock = VirtualClock()
        self.world = w.World.create(self.clock, vendors)
        self.broker = SimBroker(self.clock)
        self.log = FaultLog()
        self.buffers = buffers
        self.steps: list[Step] = []
        self.violations: list[Violation] = []
        self.hub: Any = None
        self.checker: Checker | None = None
        self.logs: list[dict[str, Any]] = []
        self.convergence_s = 0.0

    @contextmanager
    def running(self) -> Iterator[Simulation]:
        env = {
            k: v for vendor in self.world.vendors.values() for k, v in vendor.environment().items()
        }
        saved_env = {k: os.environ.get(k) for k in env}
        saved_hub = tasks._hub
        os.environ.update(env)
        try:
            with capture_logs() as logs, virtual_time(self.clock):
                self.logs = logs
                self.hub = w.build_hub(self.engine, self.world, self.broker, self.buffers)
                tasks.bind_hub(self.hub)
                self.checker = Checker(self.hub, self.world)
                yield self
        finally:
            tasks._hub = saved_hub
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    # --- one step ------------------------------------------------------------------------------

    def execute(self, step: Step, check: bool = True) -> bool:
        """Run ``step``; False once an invariant is broken."""
        self.steps.append(step)
        seen = len(self.logs)
        try:
            getattr(self, f"_do_{step.kind}")(**step.data)
        except Exception as exc:  # the simulation itself never expects one
            self.violations.append(Violation("unexpected_error", _describe(exc), len(self.steps)))
            return False
        self.clock.advance(0.05)  # every step takes a little time
        if check:
            assert self.checker is not None
            found = self.checker.after_step(len(self.steps), self.logs[seen:])
            self.violations += found
        return not self.violations

    def _do_stock(self, location: str, sku: str, quantity: int) -> None:
        current = self.world.physical[(sku, location)]
        self.world.move_physical(sku, location, quantity - current)

    def _do_emit(self, channel: str, event: dict[str, Any]) -> None:
        for sku, location, delta in physical_effects(event):
            self.world.move_physical(sku, location, delta)
        self.world.send(channel, event)

    def _do_deliver(
        self, pick: float, dup: bool = False, lose_publish: bool = False, db: str | None = None
    ) -> None:
        pending = self.world.outbound
        if not pending:
            return
        index = min(int(pick * len(pending)), len(pending) - 1)
        delivery = pending[index]
        if index:
            self.log.add("reordered_delivery")
        if lose_publish:
            self.broker.lose_next = 1
        headers = dict(delivery.headers)
        fault = CommitFault(db, 1) if db else None
        try:
            with armed(fault):
                receipt = inbox.receive_webhook(
                    self.hub, delivery.channel, WebhookRequest(body=delivery.body, headers=headers)
                )
                inbox.publish_stored(self.hub, receipt)
        except sa.exc.OperationalError:
            assert fault is not None and fault.fired, "a database error nobody injected"
            self.log.add(f"db_loss_{'before' if db == 'db_before' else 'after'}_commit")
            self.log.outcomes["webhook_redelivered"] += 1
            return  # answered 5xx: the vendor keeps the delivery and sends it again
        finally:
            if self.broker.lose_next:
                self.broker.lose_next = 0  # nothing was stored, so nothing was published
            elif lose_publish:
                self.log.add("broker_loss")
        self.world.delivered.add((delivery.channel, delivery.delivery_id))
        if dup:
            self.log.add("duplicate_delivery")  # delivered again later, same delivery id
        else:
            pending.remove(delivery)

    def _do_work(
        self, pick: float, fault: str | None = None, nth: int = 1, redeliver: bool = False
    ) -> None:
        message = self.broker.take(pick)
        if message is None:
            return
        commit_fault = CommitFault(fault, nth) if fault else None
        try:
            with armed(commit_fault):
                outcome = run_message(self.hub, self.broker, message)
        except WorkerKilled:
            self.log.add("worker_crash")
            self.log.outcomes["crash_redelivered" if redeliver else "crash_lost"] += 1
            if redeliver:  # late acknowledgement: the broker hands it to another worker
                message.not_before = self.clock.monotonic()
                self.broker.queue.append(message)
            return
        except sa.exc.OperationalError:
            # failed while handling its own failure (e.g. the retry bookkeeping): Celery logs
            # the task as failed and acknowledges it; the outbox/inbox rows stay for the sweep
            assert commit_fault is not None and commit_fault.fired, "unexpected database error"
            outcome = "task_failed"
        if commit_fault is not None and commit_fault.fired and fault and fault.startswith("db"):
            self.log.add(f"db_loss_{fault.removeprefix('db_')}_commit")
        self.log.outcomes[outcome] += 1

    def _do_drop(self, pick: float) -> None:
        if self.broker.queue:
            index = min(int(pick * len(self.broker.queue)), len(self.broker.queue) - 1)
            self.broker.queue.pop(index)
            self.log.add("broker_loss")

    def _do_sweep(self) -> None:
        housekeeping.sweep(self.hub)

    def _do_pull(self, channel: str) -> None:
        for resource in pull.pullable(self.hub, channel):
            self.broker.pull(channel, resource.value)

    def _do_reconcile(self, channel: str) -> None:
        try:
            reconcile.reconcile(self.hub, [channel])
        except HubError as exc:  # a scheduled task: it fails, the next schedule runs it again
            self.log.outcomes[f"reconcile_failed_{exc.kind}"] += 1
        publish.wake_pushes(self.hub)

    def _do_advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def _do_vendor_faults(
        self, channel: str, rate: float, kinds: list[str] | None = None, seed: int = 0
    ) -> None:
        vendor = self.world.vendors[channel]
        if rate:
            vendor.set_faults(rate, kinds or ["500"], seed)
        else:
            vendor.clear_faults()

    def _do_reject(self, channel: str, skus: list[str]) -> None:
        self.world.vendors[channel].reject(skus)
        if skus:
            self.log.add("partial_batch")

    def _do_revoke(self, channel: str) -> None:
        self.world.vendors[channel].revoke()
        self.world.revoked.add(channel)
        self.log.add("revoked_credentials")

    def _do_restore(self, channel: str) -> None:
        self.world.vendors[channel].restore()
        self.world.revoked.discard(channel)

    def _do_replay(self) -> None:
        """Ops: `stockhub dlq replay --all`."""
        for letter in replay.find(self.hub, status=None, limit=10_000):
            if letter.status in ("open",):
                replay.replay(self.hub, letter.id)

    def _do_skew(self, system: str, seconds: float) -> None:
        self.world.vendors[system].skew_s = seconds
        if seconds:
            self.log.add("clock_skew")

    def _do_edit(self, channel: str, sku: str, quantity: int) -> None:
        self.world.vendors[channel].edit(sku, quantity)
        self.log.add("channel_edit")

    def _do_mapping(self, system: str, external_id: str, sku: str) -> None:
        """The data steward adds the item and its crosswalk row (`stockhub mappings import`)."""
        from hub.intake import post_lines
        from hub.ledger import release_parked
        from hub.mappings.files import CrosswalkRow
        from hub.mappings.sync import import_crosswalk

        at = self.world.vendor_time("ops")
        list(post_lines(self.hub, [json.dumps(w.item_event(sku, at))], "sim"))
        external = self.world.vendors[system].external_sku(external_id)  # e.g. a Shopify GID
        row = CrosswalkRow(
            system=system, kind="sku", external_id=external, hub_id=sku, file="sim", line=1
        )
        with self.hub.session() as session:
            import_crosswalk(session, [row])
        release_parked(self.hub.engine, self.hub.policy)
        publish.wake_pushes(self.hub)
        self.world.mapped.add(external_id)
        self.world.resolvable.add(f"{system}|sku|{external}")
        self.world.resolvable |= {f"{source}|sku|{sku}" for source in w.CHANNELS}  # the item
        self.log.add("late_mapping")

    # --- quiescence ----------------------------------------------------------------------------

    def quiesce(self, rounds: int = 60) -> bool:
        """Clear every fault, deliver everything, replay dead letters, drain; then check."""
        began = self.clock.monotonic()
        for vendor in self.world.vendors.values():
            vendor.clear()
        self.world.revoked.clear()
        self.broker.lose_next = 0
        while self.world.outbound:
            self.execute(Step("deliver", {"pick": 0.0}), check=False)
        reconciled = False
        for _ in range(rounds):
            self._drain()
            if not self._open_letters() and not self._work_left():
                if reconciled:
                    break
                for code in w.CHANNELS:  # the scheduled reconciliation heals channel edits
                    self._do_reconcile(code)
                reconciled = True
                continue
            self._do_replay()
            self.clock.advance(self.hub.settings.sync.stale_after_s + 1)
            self._do_sweep()
        self.convergence_s = self.clock.monotonic() - began
        assert self.checker is not None
        self.violations += self.checker.after_step(len(self.steps), self.logs)
        self.violations += self.checker.quiescent(len(self.steps), self.broker)
        return not self.violations

    def _drain(self, limit: int = 500) -> None:
        """Run queued messages (waiting out retry countdowns) until the queue is empty."""
        self._do_sweep()
        for _ in range(limit):
            if not self.broker.queue:
                return
            if not self.broker.due():
                self.clock.advance(
                    max(0.0, (self.broker.next_due_at() or 0) - self.clock.monotonic())
                )
            message = self.broker.take(0.0)
            if message is not None:
                self.log.outcomes[run_message(self.hub, self.broker, message)] += 1

    def _open_letters(self) -> bool:
        return any(
            letter.status in ("open", "replayed")
            for letter in replay.find(self.hub, status=None, limit=10_000)
        )

    def _work_left(self) -> bool:
        from sqlmodel import select

        from hub.models import ChannelState, InboxMessage, PushOutbox

        with self.hub.session() as session:
            return bool(
                session.exec(select(PushOutbox.id)).first()
                or session.exec(
                    select(InboxMessage.id).where(InboxMessage.status == "received")
                ).first()
                or session.exec(select(ChannelState.channel).where(ChannelState.paused)).first()
            )

    # --- results -------------------------------------------------------------------------------

    def result(self, seed: int | None) -> Result:
        faults = Counter(self.log.injected)
        for vendor in self.world.vendors.values():
            for kind, n in vendor.faults_injected.items():
                if kind in VENDOR_FAULT:
                    faults[VENDOR_FAULT[kind]] += n
        assert self.checker is not None
        return Result(
            seed=seed,
            steps=list(self.steps),
            violations=list(self.violations),
            faults=faults,
            outcomes=Counter(self.log.outcomes),
            events=len(self.world.emitted),
            checks=self.checker.checks,
            oversold_units=self.checker.oversold_units,
            convergence_s=self.convergence_s,
        )


def physical_effects(event: dict[str, Any]) -> list[tuple[str, str, int]]:
    """What really moved on the shop floor when a vendor sent ``event`` (hub codes)."""
    data, kind = event["data"], event["type"]

    def code(sku: str) -> str:
        return w.LATE_SKU if sku == w.LATE_EXTERNAL else sku

    if kind == "stock.adjusted" and data.get("bucket", "on_hand") == "on_hand":
        return [(code(data["sku"]), data["location"], data["delta"])]
    if kind == "order.fulfilled":
        return [(code(x["sku"]), data["location"], -x["quantity"]) for x in data["lines"]]
    if kind == "transfer.shipped":
        return [(x["sku"], data["from_location"], -x["quantity"]) for x in data["lines"]]
    if kind == "transfer.received":
        return [(x["sku"], data["to_location"], x["quantity"]) for x in data["lines"]]
    return []


def _describe(exc: BaseException) -> str:
    import traceback

    return f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-6:])


def run_seed(
    seed: int,
    engine: sa.Engine,
    *,
    steps: int = DEFAULT_STEPS,
    buffers: bool = True,
    vendors: dict[str, str] | None = None,
) -> Result:
    """Generate and run the day of ``seed``; stops at the first violation.

    :param vendors: channel → connector where not ``custom`` (default ``world.VENDORS``).
    """
    rng = random.Random(seed)
    sim = Simulation(engine, buffers=buffers, vendors=vendors)
    with sim.running():
        generator = DayGenerator(rng, sim)
        ok = all(sim.execute(step) for step in generator.opening())
        for _ in range(steps):
            if not ok:
                break
            ok = sim.execute(generator.next())
        if ok:
            sim.quiesce()
        return sim.result(seed)


def run_steps(
    steps: list[Step],
    engine: sa.Engine,
    *,
    buffers: bool = True,
    quiesce: bool = True,
    vendors: dict[str, str] | None = None,
) -> Result:
    """Replay a recorded day exactly; stops at the first violation.

    :param quiesce: bring the day to quiescence and check it (off: the per-step checks only,
        which is all a shrink of a per-step violation needs).
    """
    sim = Simulation(engine, buffers=buffers, vendors=vendors)
    with sim.running():
        ok = True
        for step in steps:
            if not sim.execute(step):
                ok = False
                break
        if ok and quiesce:
            sim.quiesce()
        return sim.result(None)

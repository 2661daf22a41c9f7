"""The broker and the workers, in process: queued task messages and the thin task bodies.

The task bodies mirror :func:`hub.worker.tasks.register` (push, process, pull) and run through
the real :func:`hub.worker.tasks.run_guarded`, so retries, dead letters and pauses follow the
engine's own error table. A retry puts the message back with its countdown in virtual time;
a give-up (``Reject``) drops it; a killed worker loses it (embedded broker) or gets it
redelivered (Redis/RabbitMQ with late acknowledgement), as the step says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from celery.exceptions import Reject

from hub.sync import inbox, publish, pull, push, state
from hub.worker import tasks
from tests.simulation.clock import VirtualClock


@dataclass
class Message:
    task: str  # push | process | pull
    args: tuple[Any, ...]
    not_before: float = 0.0  # virtual monotonic seconds
    history: list[dict[str, Any]] = field(default_factory=list)


class SimRetry(Exception):
    def __init__(self, kwargs: dict[str, Any], countdown: float) -> None:
        super().__init__(f"retry in {countdown:.2f}s")
        self.history = kwargs.get("history") or []
        self.countdown = countdown


class _Task:
    """What ``run_guarded`` needs of a Celery task: ``retry`` returns the exception to raise."""

    def retry(self, kwargs: dict[str, Any], countdown: float, exc: BaseException) -> SimRetry:
        return SimRetry(kwargs, countdown)


class SimBroker:
    """The hub's publisher (``Hub.publisher``) and the queue the simulated workers take from."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.queue: list[Message] = []
        self.lose_next = 0  # publishes that never arrive (broker loss)
        self.lost = 0

    # --- Publisher protocol -------------------------------------------------------------------

    def push(self, channel: str) -> None:
        self._send(Message("push", (channel,)))

    def process(self, inbox_ids: list[int]) -> None:
        self._send(Message("process", (list(inbox_ids),)))

    def pull(self, channel: str, resource: str) -> None:
        self._send(Message("pull", (channel, resource)))

    def _send(self, message: Message) -> None:
        if self.lose_next > 0:
            self.lose_next -= 1
            self.lost += 1
            return
        message.not_before = max(message.not_before, self.clock.monotonic())
        self.queue.append(message)

    # --- workers ------------------------------------------------------------------------------

    def due(self) -> list[Message]:
        now = self.clock.monotonic()
        return [m for m in self.queue if m.not_before <= now]

    def next_due_at(self) -> float | None:
        return min((m.not_before for m in self.queue), default=None)

    def take(self, pick: float) -> Message | None:
        due = self.due()
        if not due:
            return None
        message = due[min(int(pick * len(due)), len(due) - 1)]
        self.queue.remove(message)
        return message


def run_message(hub: Any, broker: SimBroker, message: Message) -> str:
    """Run one message as a worker would; returns ``ok``, ``retry`` or ``dead_letter``.

    A :class:`~tests.simulation.faults.WorkerKilled` passes through to the caller.
    """
    body = {"push": _push, "process": _process, "pull": _pull}[message.task]
    try:
        body(hub, message)
    except SimRetry as retry:
        message.history = retry.history
        message.not_before = broker.clock.monotonic() + retry.countdown
        broker.queue.append(message)
        return "retry"
    except Reject:
        return "dead_letter"
    return "ok"


def _push(hub: Any, message: Message) -> None:
    (channel,) = message.args

    def delay_next(seconds: float) -> None:  # as the push task: no second retry chain
        from datetime import timedelta

        with hub.session() as session:
            row = state.ensure_state(session, channel)
            row.push_queued_at = tasks.utcnow() + timedelta(seconds=seconds)

    run = tasks.run_guarded(
        _Task(),
        lambda: push.push_channel(hub, channel),
        kind="push",
        channel=channel,
        subject="run",
        payload={"channel": channel},
        history=message.history,
        on_retry=delay_next,
    )
    if run.status == "more":
        publish.wake_pushes(hub, [channel])


def _process(hub: Any, message: Message) -> None:
    (inbox_ids,) = message.args
    done = tasks.run_guarded(
        _Task(),
        lambda: inbox.process(hub, inbox_ids),
        kind="inbox",
        channel=None,
        subject=f"batch:{inbox_ids[0]}" if inbox_ids else "batch",
        payload={"inbox_ids": inbox_ids},
        history=message.history,
    )
    if any(o.status == "applied" for o in done.outcomes):
        publish.wake_pushes(hub)


def _pull(hub: Any, message: Message) -> None:
    channel, resource = message.args
    run = tasks.run_guarded(
        _Task(),
        lambda: pull.pull_channel(hub, channel, resource),
        kind="pull",
        channel=channel,
        subject=f"pull:{resource}",
        payload={"channel": channel, "resource": resource},
        history=message.history,
    )
    if run.applied:
        publish.wake_pushes(hub)

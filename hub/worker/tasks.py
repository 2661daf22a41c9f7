"""The tasks: ids in, a service function does the work, errors decide what happens next.

=====================  =============================================================
error                   what the task does
=====================  =============================================================
TransientError          retry with exponential backoff, jitter and a cap
RateLimitedError        retry after the vendor's requested wait (plus jitter)
database unreachable    retry (the work is idempotent; nothing was half-written)
PermanentError          dead letter + exception record at once (no retry can help)
ConfigError             the same, and the channel is paused (credentials revoked, ...)
retries exhausted       dead letter + exception record; N in a row pause the channel
=====================  =============================================================

Every task is idempotent by construction: pushes send absolute quantities from the current
ledger, inbox records and events are keyed, pulls resume from stored cursors. A dead-lettered
message is rejected without requeue, which routes it to RabbitMQ's dead-letter exchange.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from celery import Celery, Task
from celery.exceptions import Reject
from celery.signals import worker_process_init

from hub.app import Hub
from hub.errors import ConfigError, HubError, RateLimitedError, TransientError
from hub.store.types import utcnow
from hub.sync import deadletters, state

log = structlog.get_logger()
_hub: Hub | None = None


def bind_hub(hub: Hub) -> None:
    """Give this process's tasks their hub (the worker command does this before starting)."""
    global _hub
    _hub = hub


def current_hub() -> Hub:
    global _hub
    if _hub is None:
        from hub.app import open_hub

        _hub = open_hub()
    return _hub


@worker_process_init.connect
def _fresh_connections(**_: Any) -> None:  # a forked child must not share the parent's sockets
    if _hub is not None:
        _hub.engine.dispose(close=False)


class CeleryPublisher:
    """What :mod:`hub.sync.publish` calls to wake workers."""

    def __init__(self, app: Celery) -> None:
        self.app = app

    def push(self, channel: str) -> None:
        from hub.worker.app import channel_queue

        self.app.send_task("stockhub.push", args=[channel], queue=channel_queue(channel))

    def process(self, inbox_ids: list[int]) -> None:
        from hub.worker.app import INBOX_QUEUE

        self.app.send_task("stockhub.process", args=[inbox_ids], queue=INBOX_QUEUE)

    def pull(self, channel: str, resource: str) -> None:
        from hub.worker.app import channel_queue

        self.app.send_task("stockhub.pull", args=[channel, resource], queue=channel_queue(channel))


def retry_delay(hub: Hub, attempt: int, exc: BaseException) -> float:
    """Exponential backoff with jitter and a cap; a vendor's Retry-After wins if longer."""
    sync = hub.settings.sync
    delay = min(sync.backoff_s * 2 ** max(attempt - 1, 0), sync.backoff_max_s)
    asked = getattr(exc, "retry_after", None)
    if isinstance(exc, RateLimitedError) and asked:
        delay = max(delay if attempt > 3 else 0.0, float(asked))
    return delay + random.uniform(0, sync.jitter_s)  # noqa: S311  (retry jitter)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TransientError):
        return True
    if isinstance(exc, sa.exc.DBAPIError):  # database restarting or unreachable
        return exc.connection_invalidated or isinstance(
            exc, sa.exc.OperationalError | sa.exc.InterfaceError
        )
    return isinstance(exc, ConnectionError | TimeoutError)


def run_guarded(
    task: Task,
    work: Callable[[], Any],
    *,
    kind: str,
    channel: str | None,
    subject: str,
    payload: dict[str, Any],
    history: list[dict[str, Any]] | None,
    on_retry: Callable[[float], None] | None = None,
) -> Any:
    """Run ``work``; retry, dead-letter or pause according to the error table above."""
    hub = current_hub()
    try:
        return work()
    except Exception as exc:
        history = [*(history or []), deadletters.attempt(exc)]
        if is_transient(exc) and len(history) <= hub.settings.sync.max_retries:
            delay = retry_delay(hub, len(history), exc)
            log.info("task.retry", task=kind, channel=channel, subject=subject,
                     attempt=len(history), wait_s=round(delay, 2),
                     error=deadletters.error_text(exc))  # fmt: skip
            if on_retry is not None:
                on_retry(delay)
            raise task.retry(kwargs={"history": history}, countdown=delay, exc=exc) from exc
        if not isinstance(exc, HubError | sa.exc.DBAPIError | ConnectionError | TimeoutError):
            log.exception("task.bug", task=kind, channel=channel, subject=subject)
        give_up(hub, exc, kind=kind, channel=channel, subject=subject, payload=payload,
                history=history)  # fmt: skip
        raise Reject(deadletters.error_text(exc), requeue=False) from exc


def give_up(hub: Hub, exc: BaseException, *, kind: str, channel: str | None, subject: str,
            payload: dict[str, Any], history: list[dict[str, Any]]) -> None:  # fmt: skip
    """File the dead letter; pause the channel on bad credentials or repeated give-ups."""
    from hub.dispatch import notify
    from hub.exception_log import record_exception

    text = deadletters.error_text(exc)
    with hub.session() as session:
        letter = deadletters.record_dead_letter(
            session, task=kind, channel=channel, subject=subject, payload=payload, exc=exc,
            history=history,
        )  # fmt: skip
        reason = None
        if channel is not None and kind == "push":
            failures = state.record_failure(session, channel, text, gave_up=True)
            if isinstance(exc, ConfigError):
                reason = f"credentials or configuration rejected: {text}"
            elif failures >= hub.settings.sync.pause_after:
                reason = f"{failures} push runs in a row gave up; last error: {text}"
        if reason is not None and state.pause(session, channel or "", reason):
            record_exception(
                session, kind="channel_paused", subject=f"channel:{channel}", channel=channel,
                message=f"pushes to {channel} are paused: {reason}; changes keep coalescing. "
                "Fix the cause, then `stockhub channels resume " + f"{channel}`",
            )  # fmt: skip
        notice = deadletters.notice(letter)
    notify("stockhub_dead_letter_recorded", hub.plugins, dead_letter=notice)
    log.warning("task.dead_letter", task=kind, channel=channel, subject=subject,
                dead_letter=notice.id, attempts=notice.attempts, error=text,
                paused=bool(reason))  # fmt: skip


def register(app: Celery) -> None:
    """Define the tasks on ``app`` (thin: every one calls a service in :mod:`hub.sync`)."""
    from hub.sync import housekeeping, inbox, publish, pull, push, reconcile

    @app.task(name="stockhub.push", bind=True, max_retries=None)
    def push_task(self: Task, channel: str, history: list | None = None) -> dict:
        hub = current_hub()

        def delay_next(seconds: float) -> None:  # the sweep must not stack a second retry chain
            with hub.session() as session:
                state.ensure_state(session, channel).push_queued_at = utcnow() + timedelta(
                    seconds=seconds
                )

        run = run_guarded(
            self, lambda: push.push_channel(hub, channel), kind="push", channel=channel,
            subject="run", payload={"channel": channel}, history=history, on_retry=delay_next,
        )  # fmt: skip
        if run.status == "more":
            publish.wake_pushes(hub, [channel])
        return {"status": run.status, "pushed": run.pushed, "calls": run.calls}

    @app.task(name="stockhub.process", bind=True, max_retries=None)
    def process_task(self: Task, inbox_ids: list[int], history: list | None = None) -> dict:
        hub = current_hub()
        done = run_guarded(
            self, lambda: inbox.process(hub, inbox_ids), kind="inbox", channel=None,
            subject=f"batch:{inbox_ids[0]}" if inbox_ids else "batch",
            payload={"inbox_ids": inbox_ids}, history=history,
        )  # fmt: skip
        if any(o.status == "applied" for o in done.outcomes):
            publish.wake_pushes(hub)
        return {"applied": sum(o.status == "applied" for o in done.outcomes), "dead": done.dead}

    @app.task(name="stockhub.pull", bind=True, max_retries=None)
    def pull_task(self: Task, channel: str, resource: str, history: list | None = None) -> dict:
        hub = current_hub()
        run = run_guarded(
            self, lambda: pull.pull_channel(hub, channel, resource), kind="pull",
            channel=channel, subject=f"pull:{resource}",
            payload={"channel": channel, "resource": resource}, history=history,
        )  # fmt: skip
        if run.applied:
            publish.wake_pushes(hub)
        return {"stored": run.stored, "applied": run.applied}

    @app.task(name="stockhub.pull_all")
    def pull_all_task() -> list[str]:
        hub = current_hub()
        sent = []
        for channel in hub.settings.channels:
            try:
                resources = pull.pullable(hub, channel.code)
            except HubError:
                continue  # not runnable here (connector missing): the sweep reports it
            for resource in resources:
                hub.publisher.pull(channel.code, resource.value)  # type: ignore[union-attr]
                sent.append(f"{channel.code}:{resource.value}")
        return sent

    @app.task(name="stockhub.sweep")
    def sweep_task() -> dict:
        return housekeeping.sweep(current_hub()).as_dict()

    @app.task(name="stockhub.reconcile")
    def reconcile_task(channel: str | None = None) -> dict:
        hub = current_hub()
        report = reconcile.reconcile(hub, [channel] if channel else None)
        publish.wake_pushes(hub)
        return report.as_dict()

    @app.task(name="stockhub.alerts")
    def alerts_task() -> dict:
        from hub.alerts import check

        return check(current_hub()).as_dict()

    @app.task(name="stockhub.housekeeping")
    def housekeeping_task() -> dict:
        return housekeeping.tidy(current_hub())

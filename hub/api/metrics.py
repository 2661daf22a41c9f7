"""``/metrics``: Prometheus text, read from the database at scrape time.

Workers, the API and the scheduler are separate processes (and machines), so in-process
counters would each see a slice. The database sees everything: every figure here is a query,
so any API replica reports the whole hub and nothing resets when a process restarts. Counters
count rows kept in the database; housekeeping trims old push logs, which Prometheus reads as a
counter reset (``rate()`` handles that).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlmodel import col, select

from hub.models import (
    ChannelState,
    DeadLetter,
    EventRecord,
    ExceptionRecord,
    InboxMessage,
    PushLog,
    PushOutbox,
)
from hub.vocabulary import DeadLetterStatus, ExceptionStatus, InboxStatus

if TYPE_CHECKING:
    from hub.app import Hub

#: Event-to-channel latency buckets, in seconds (upper bounds; +Inf is added).
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900)


class HubCollector(Collector):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[Metric]:
        with self.hub.session() as session:
            yield from _events(session)
            yield from _pushes(session)
            yield from _latency(session)
            yield from _problems(session)
            yield from _queues(session, [c.code for c in self.hub.settings.channels])


def render(hub: Hub) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubCollector(hub))
    return generate_latest(registry)


def _events(session) -> Iterator[Metric]:
    family = CounterMetricFamily("stockhub_events", "Canonical events by type and outcome",
                                 labels=["type", "status"])  # fmt: skip
    applied = CounterMetricFamily("stockhub_events_applied", "Canonical events applied")
    total_applied = 0
    rows = session.exec(select(EventRecord.type, EventRecord.status, sa.func.count())
                        .group_by(EventRecord.type, EventRecord.status))  # fmt: skip
    for kind, status, count in rows:
        family.add_metric([kind, status], count)
        total_applied += count if status == "applied" else 0
    applied.add_metric([], total_applied)
    yield family
    yield applied


def _pushes(session) -> Iterator[Metric]:
    family = CounterMetricFamily("stockhub_pushes", "Pushed items by channel and result",
                                 labels=["channel", "result"])  # fmt: skip
    rows = session.exec(select(PushLog.channel, PushLog.status, sa.func.count())
                        .group_by(PushLog.channel, PushLog.status))  # fmt: skip
    for channel, status, count in rows:
        family.add_metric([channel, status], count)
    yield family


def _latency(session) -> Iterator[Metric]:
    family = HistogramMetricFamily(
        "stockhub_event_to_channel_latency_seconds",
        "From the originating change to the channel's answer, per pushed item",
        labels=["channel"],
    )
    latency = col(PushLog.latency_ms)
    counts = [sa.func.sum(sa.case((latency <= bound * 1000, 1), else_=0)) for bound in
              LATENCY_BUCKETS]  # fmt: skip
    query = (select(PushLog.channel, sa.func.count(), sa.func.coalesce(sa.func.sum(latency), 0),
                    *counts)
             .where(latency.is_not(None)).group_by(PushLog.channel))  # fmt: skip
    for channel, total, sum_ms, *cumulative in session.exec(query):
        buckets = [(str(bound), int(n or 0)) for bound, n in zip(LATENCY_BUCKETS, cumulative,
                                                                  strict=True)]  # fmt: skip
        family.add_metric([channel], buckets + [("+Inf", int(total))], float(sum_ms) / 1000)
    yield family


def _problems(session) -> Iterator[Metric]:
    letters = GaugeMetricFamily("stockhub_dead_letters_open", "Open dead letters by task",
                                labels=["task"])  # fmt: skip
    for task, count in session.exec(
        select(DeadLetter.task, sa.func.count())
        .where(DeadLetter.status == DeadLetterStatus.OPEN.value).group_by(DeadLetter.task)
    ):  # fmt: skip
        letters.add_metric([task], count)
    yield letters
    problems = GaugeMetricFamily(
        "stockhub_exceptions_open", "Unresolved exception records by kind", labels=["kind"]
    )
    for kind, count in session.exec(
        select(ExceptionRecord.kind, sa.func.count())
        .where(ExceptionRecord.status != ExceptionStatus.RESOLVED.value)
        .group_by(ExceptionRecord.kind)
    ):  # fmt: skip
        problems.add_metric([kind], count)
    yield problems


def _queues(session, channels: list[str]) -> Iterator[Metric]:
    depth = GaugeMetricFamily(
        "stockhub_queue_depth", "SKUs waiting to be pushed, per channel", labels=["channel"]
    )
    owed = dict(session.exec(select(PushOutbox.channel, sa.func.count())
                             .group_by(PushOutbox.channel)).all())  # fmt: skip
    for channel in channels:
        depth.add_metric([channel], owed.get(channel, 0))
    yield depth
    inbox = GaugeMetricFamily("stockhub_inbox_pending",
                              "Inbound records stored but not yet processed")  # fmt: skip
    inbox.add_metric([], session.exec(select(sa.func.count()).where(
        InboxMessage.status == InboxStatus.RECEIVED.value)).one())  # fmt: skip
    yield inbox
    paused = GaugeMetricFamily("stockhub_channel_paused", "1 while pushes to a channel are paused",
                               labels=["channel"])  # fmt: skip
    states = {s.channel: s.paused for s in session.exec(select(ChannelState))}
    for channel in channels:
        paused.add_metric([channel], 1 if states.get(channel) else 0)
    yield paused

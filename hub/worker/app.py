"""The Celery app, built from ``stockhub.toml``: same code on every broker, URLs decide.

Queues (every name prefixed ``stockhub.``):

* ``default`` — the sweep, reconciliation, alert checks, housekeeping;
* ``inbox`` — translating and applying inbound records (ledger work, no vendor calls);
* ``channel.<code>`` — one per channel, for its pushes and pulls, so a slow or broken channel
  never delays another. ``stockhub worker --queues`` lets a pool serve only some of them.

Tasks are acknowledged late and rejected when their worker dies. On RabbitMQ every queue has
a dead-letter exchange (``stockhub.dlx``, routed to the ``stockhub.dead`` queue), so a
message whose job gave up is also visible to broker tooling; the database's ``dead_letter``
table is what ``stockhub dlq`` works on, on every broker.
"""

from __future__ import annotations

import structlog
from celery import Celery
from celery.signals import setup_logging
from kombu import Exchange, Queue

from hub.config import Settings
from hub.worker.broker import broker_url, is_embedded

PREFIX = "stockhub"
DEFAULT_QUEUE = f"{PREFIX}.default"
INBOX_QUEUE = f"{PREFIX}.inbox"
DLX = f"{PREFIX}.dlx"
DEAD_QUEUE = f"{PREFIX}.dead"


def channel_queue(channel: str) -> str:
    return f"{PREFIX}.channel.{channel}"


def queue_names(settings: Settings) -> list[str]:
    return [DEFAULT_QUEUE, INBOX_QUEUE] + [channel_queue(c.code) for c in settings.channels]


def make_celery(settings: Settings) -> Celery:
    url = broker_url(settings)
    amqp = url.startswith(("amqp://", "amqps://", "pyamqp://"))
    dead = {"x-dead-letter-exchange": DLX, "x-dead-letter-routing-key": DEAD_QUEUE} if amqp else {}
    queues = [Queue(name, Exchange(name, type="direct"), routing_key=name, queue_arguments=dead)
              for name in queue_names(settings)]  # fmt: skip
    app = Celery("stockhub", broker=url, set_as_current=False)
    app.conf.update(
        task_queues=queues,
        task_default_queue=DEFAULT_QUEUE,
        task_default_exchange=DEFAULT_QUEUE,
        task_default_routing_key=DEFAULT_QUEUE,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_prefetch_multiplier=settings.sync.prefetch,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,  # stderr stays stderr: our log handler writes there
        worker_send_task_events=False,
        worker_enable_remote_control=not is_embedded(url),
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a broker restart is waited out, not fatal
        broker_transport_options={} if is_embedded(url) else {"visibility_timeout": 3600},
        beat_schedule=beat_schedule(settings),
        beat_scheduler="hub.worker.scheduler:LeasedScheduler",  # one live scheduler per hub
        beat_max_loop_interval=max(settings.sync.scheduler_lease_s / 3, 1.0),
        timezone="UTC",
    )
    app.conf.stockhub_dead_letter_exchange = amqp
    from hub.worker import tasks

    tasks.register(app)
    return app


@setup_logging.connect
def _keep_stockhub_logging(**_: object) -> None:
    """Celery configures logging only when nobody answers this signal: the CLI already set up
    structlog (format, level, redaction), so worker and beat log through it unchanged."""


def declare_dead_letter_queue(app: Celery) -> None:
    """On RabbitMQ: the exchange and queue that rejected messages are routed to."""
    if not app.conf.stockhub_dead_letter_exchange:
        return
    exchange = Exchange(DLX, type="direct", durable=True)
    with app.connection_for_write() as conn:
        # a worker started while the broker restarts waits for it, as the worker itself does
        conn.ensure_connection(max_retries=None, interval_start=0.5, interval_step=0.5,
                               interval_max=5, errback=_waiting_for_broker)  # fmt: skip
        queue = Queue(DEAD_QUEUE, exchange, routing_key=DEAD_QUEUE, durable=True)
        queue(conn.default_channel).declare()


def _waiting_for_broker(exc: BaseException, interval: float) -> None:
    structlog.get_logger().warning("broker.unreachable", error=str(exc), retry_in_s=interval)


def beat_schedule(settings: Settings) -> dict[str, dict]:
    sync = settings.sync
    return {
        "sweep": {"task": "stockhub.sweep", "schedule": sync.sweep_every_s},
        "pull": {"task": "stockhub.pull_all", "schedule": sync.pull_every_s},
        "reconcile": {"task": "stockhub.reconcile", "schedule": sync.reconcile_every_s},
        "housekeeping": {"task": "stockhub.housekeeping", "schedule": 300.0},
        "alerts": {"task": "stockhub.alerts", "schedule": settings.alerts.check_every_s},
    }

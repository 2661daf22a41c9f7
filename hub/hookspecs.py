"""The plugin contract: every hook stockhub calls, documented as the plugin reference.

Two kinds of hooks:

*Connector hooks* (``stockhub_describe_connector`` … ``stockhub_conformance_kit``) belong to
one connector. A connector plugin is registered under its connector name (the entry-point
name in ``stockhub.connectors``) and the hub calls these hooks on **that plugin only**, through
:meth:`hub.dispatch.ConnectorHandle` (built on pluggy's ``subset_hook_caller``). So an
implementation never checks "is this call for me?": if it is called, it is. They are
``firstresult`` hooks: the single implementation's return value is the answer.

*Observer hooks* (``stockhub_event_applied`` … ``stockhub_alert_cleared``) are broadcast to
every registered plugin; their return values are ignored, and an observer must not raise (a
failing observer is logged, never allowed to undo the hub's work).

Implementations may accept fewer arguments than a spec lists (pluggy passes only those they
name), so adding an argument to a spec later never breaks an existing plugin. Every argument
an implementation names must exist in the spec; the plugin manager refuses plugins that
misspell a hook or an argument, naming the plugin, the hook and the argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pluggy

from hub.connector import (
    ChannelContext,
    ConnectorInfo,
    InboundMessage,
    PullResult,
    PushResult,
    Resource,
    StockUpdate,
    WebhookRequest,
)
from hub.events import Event
from hub.notices import AlertNotice, DeadLetterNotice, PushReport

PROJECT = "stockhub"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: Hooks the hub calls on one connector's plugin only.
CONNECTOR_HOOKS: tuple[str, ...] = (
    "stockhub_describe_connector",
    "stockhub_verify_webhook",
    "stockhub_parse_webhook",
    "stockhub_translate",
    "stockhub_pull",
    "stockhub_push_stock",
    "stockhub_conformance_kit",
)

#: Hooks broadcast to every plugin.
OBSERVER_HOOKS: tuple[str, ...] = (
    "stockhub_event_applied",
    "stockhub_push_completed",
    "stockhub_dead_letter_recorded",
    "stockhub_alert_raised",
    "stockhub_alert_cleared",
)


# --- connector hooks ------------------------------------------------------------------------


@hookspec(firstresult=True)
def stockhub_describe_connector() -> ConnectorInfo:
    """Describe the connector: name, capabilities, batch size, rate limits, settings schema.

    Called once when the plugin is loaded and whenever ``stockhub connectors list`` runs; must
    be cheap and must not touch the network.

    :return: a :class:`hub.connector.ConnectorInfo`. Its ``name`` must equal the entry-point
        name the plugin is published under. Mark every credential setting ``secret=True``.
        Stops at first non-None result.
    """


@hookspec(firstresult=True)
def stockhub_verify_webhook(channel: ChannelContext, request: WebhookRequest) -> bool:
    """Check a webhook delivery's signature before anything else is done with it.

    Compare in constant time (``hmac.compare_digest``) over the raw ``request.body``.

    :param channel: the channel the delivery was addressed to, with its resolved settings
        (the signing secret lives there).
    :param request: the delivery exactly as received.
    :return: ``True`` when the signature is valid, ``False`` otherwise (a forged or
        unsigned delivery is answered 401 and recorded). Stops at first non-None result.
    """


@hookspec(firstresult=True)
def stockhub_parse_webhook(
    channel: ChannelContext, request: WebhookRequest
) -> list[InboundMessage]:
    """Split a verified webhook delivery into the vendor records it carries.

    Called only after :func:`stockhub_verify_webhook` returned ``True``. Pure: no network.

    :param channel: the channel the delivery was addressed to.
    :param request: the verified delivery.
    :return: the :class:`hub.connector.InboundMessage` records (usually one), each with the
        vendor's delivery id when it sends one. They are stored raw in the inbox, then
        translated. Raise :class:`hub.errors.ValidationError` for an unreadable body.
        Stops at first non-None result.
    """


@hookspec(firstresult=True)
def stockhub_translate(channel: ChannelContext, message: InboundMessage) -> list[dict[str, Any]]:
    """Translate one vendor record into canonical events (pure function of the record).

    :param channel: the channel the record came from; use ``channel.channel`` as each
        event's ``source``.
    :param message: the vendor record (from a webhook or a pull).
    :return: canonical events in their wire form ("Public formats, v1"), possibly empty for
        records the hub does not care about. Event ids must be derived from the record
        (translating it twice yields the same ids): they are the ledger's idempotency keys.
        SKUs and locations are the vendor's codes; the hub maps them. The hub validates every
        event with :func:`hub.events.parse_event`. Stops at first non-None result.
    """


@hookspec(firstresult=True)
def stockhub_pull(
    channel: ChannelContext, resource: Resource, cursor: str | None, limit: int
) -> PullResult:
    """Fetch what changed since ``cursor`` (stock levels, orders or returns) as canonical events.

    Used for connectors without webhooks and as a safety net for those with them.

    :param channel: the channel to pull from; build HTTP calls with ``channel.http_client``.
    :param resource: what to pull; only resources whose capability the connector declared
        (``pull-stock``, ``orders``, ``returns``) are asked for.
    :param cursor: the cursor from the previous :class:`hub.connector.PullResult`, or
        ``None`` for "from the beginning".
    :param limit: the most events the hub wants in this page.
    :return: a :class:`hub.connector.PullResult` with at most ``limit`` events and the cursor
        to resume from. Raise :class:`hub.errors.TransientError` (or let the HTTP client
        raise it) when the vendor is unavailable. Stops at first non-None result.
    """


@hookspec(firstresult=True)
def stockhub_push_stock(
    channel: ChannelContext, updates: Sequence[StockUpdate]
) -> list[PushResult]:
    """Set absolute available quantities on the channel for a batch of items.

    The hub coalesces changes per SKU and never hands over more than the connector's
    ``max_batch_size`` updates in one call. Pushing the same batch twice must leave the
    channel as pushing it once (absolute quantities make that natural).

    :param channel: the channel to push to.
    :param updates: the :class:`hub.connector.StockUpdate` values, at most ``max_batch_size``.
        With the ``compare-and-set`` capability, send ``expected`` so the vendor refuses a
        write when the value moved.
    :return: one :class:`hub.connector.PushResult` per update, in the same order: accepted,
        stale_compare or rejected (with a reason). Raise a :class:`hub.errors.TransientError`
        for a whole-batch failure worth retrying, :class:`hub.errors.PermanentError` for one
        that is not. Stops at first non-None result.
    """


@hookspec(firstresult=True)
def stockhub_conformance_kit() -> Any:
    """Give the conformance kit what it needs to test this connector without the vendor.

    :return: a :class:`hub.conformance.ConformanceKit`: valid settings, the folder of sample
        payloads, a factory for the in-process sandbox (the vendor emulator) and a webhook
        signer. Stops at first non-None result.
    """


# --- observer hooks -------------------------------------------------------------------------


@hookspec
def stockhub_event_applied(event: Event, entry_ids: Sequence[int]) -> None:
    """Observe a canonical event the ledger has just committed (after the transaction).

    :param event: the validated event.
    :param entry_ids: the ledger entries it produced (empty for a duplicate replay).
    :return: ignored.
    """


@hookspec
def stockhub_push_completed(report: PushReport) -> None:
    """Observe a finished push to a channel: its per-item results, attempts and duration.

    :param report: a :class:`hub.notices.PushReport`.
    :return: ignored.
    """


@hookspec
def stockhub_dead_letter_recorded(dead_letter: DeadLetterNotice) -> None:
    """Observe a job that ended in the dead-letter queue (retries exhausted or permanent error).

    :param dead_letter: a :class:`hub.notices.DeadLetterNotice`.
    :return: ignored.
    """


@hookspec
def stockhub_alert_raised(alert: AlertNotice) -> None:
    """Observe an alert the hub raised; alert sinks (Slack, e-mail, PagerDuty) implement this.

    :param alert: a :class:`hub.notices.AlertNotice`.
    :return: ignored.
    """


@hookspec
def stockhub_alert_cleared(alert: AlertNotice) -> None:
    """Observe that an alert's condition no longer holds (sinks close the page or incident).

    :param alert: the :class:`hub.notices.AlertNotice` that was raised, as last seen.
    :return: ignored.
    """

"""Scheduled pulls: page through what a channel reports since its stored cursor.

Each page's events are stored in the inbox together with the cursor that follows them (one
transaction), then processed like webhook records. A stock pull keeps only counts at the
locations the channel owns: what it reports elsewhere (its own listing) is for reconciliation
to compare, and would be a non-owner write in the ledger. A crash after storing loses nothing (the
sweep processes stored records), and the cursor never moves past records that were not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.connector import PULL_CAPABILITY, InboundMessage, Resource
from hub.events import Event
from hub.sync import deadletters, inbox, state
from hub.sync.reconcile import external_refs
from hub.sync.runtime import channel_runtime
from hub.vocabulary import RefKind

if TYPE_CHECKING:
    from hub.app import Hub


@dataclass
class PullRun:
    channel: str
    resource: str
    pages: int = 0
    stored: int = 0
    duplicates: int = 0
    applied: int = 0
    cursor: str | None = None
    left_to_reconcile: int = 0  # stock levels at locations the channel does not own


def pullable(hub: Hub, channel: str) -> list[Resource]:
    """The resources a scheduled pull asks ``channel`` for.

    Orders and returns always (they are the channel's own facts); stock only where the channel
    owns the counts of a location — a sales channel's stock numbers are compared by
    reconciliation, never applied.
    """
    info = channel_runtime(hub, channel).handle.info
    owned = hub.settings.owned_by(channel)
    return [
        r for r, capability in PULL_CAPABILITY.items()
        if info.can(capability) and (r is not Resource.STOCK or owned)
    ]  # fmt: skip


def pull_channel(
    hub: Hub, channel: str, resource: Resource | str, *, limit: int = 500, max_pages: int = 50
) -> PullRun:
    resource = Resource(resource)
    runtime = channel_runtime(hub, channel)
    with hub.session() as session:
        cursor = state.ensure_state(session, channel).cursors.get(resource.value)
    run = PullRun(channel, resource.value, cursor=cursor)
    while run.pages < max_pages:
        events, page = runtime.handle.pull(runtime.context, resource, run.cursor, limit)
        run.pages += 1
        if resource is Resource.STOCK:
            kept = owned_counts(hub, channel, events)
            run.left_to_reconcile += len(events) - len(kept)
            events = kept
        messages = [
            InboundMessage(topic=e.type, body=e.to_json(), delivery_id=f"pull:{e.id}")
            for e in events
        ]
        receipt = inbox.store(
            hub, channel, messages, origin="pull", cursor=(resource.value, page.cursor)
        )
        run.cursor = page.cursor
        run.stored += len(receipt.stored)
        run.duplicates += receipt.duplicates
        if receipt.stored:
            done = inbox.process(hub, receipt.stored)
            run.applied += sum(o.status == "applied" for o in done.outcomes)
        if not page.has_more:
            break
    with hub.session() as session:  # a replayed pull letter closes when a pull succeeds
        deadletters.resolve_moot(session, task="pull", channel=channel,
                                 subjects={f"pull:{resource.value}"},
                                 note="a later pull succeeded")  # fmt: skip
    return run


def owned_counts(hub: Hub, channel: str, events: list[Event]) -> list[Event]:
    """``events`` without the stock counts at locations ``channel`` does not own."""
    owned = hub.settings.owned_by(channel)
    with hub.session() as session:
        refs = external_refs(session, channel, events)
    return [
        e for e in events
        if e.type != "stock.counted"
        or refs.get((RefKind.LOCATION.value, e.data.location), e.data.location) in owned
    ]  # fmt: skip

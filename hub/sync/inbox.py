"""The inbox: every inbound vendor record stored raw, once, before it is processed.

``receive_webhook`` verifies the signature, splits the delivery into records and stores each
under the channel's delivery id (or a hash of its body); a record already stored is a
duplicate, acknowledged and ignored. ``process`` translates stored records into canonical
events and applies them to the ledger (which writes the outbox rows in the same transaction).
Processing is idempotent: a record processed twice finds itself done, and its events' ids are
the ledger's idempotency keys anyway. A record the connector cannot translate becomes a dead
letter (``dlq edit`` can fix its body, ``dlq replay`` processes it again).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import col, select

from hub.connector import InboundMessage, WebhookRequest
from hub.errors import HubError, PermanentError
from hub.events import Event, parse_event
from hub.ledger import Outcome, apply_batch, release_parked
from hub.models import InboxMessage
from hub.store.types import utcnow
from hub.store.upsert import insert
from hub.sync import deadletters
from hub.sync.runtime import channel_runtime
from hub.sync.state import ensure_state
from hub.vocabulary import InboxStatus

if TYPE_CHECKING:
    from hub.app import Hub

_INBOX = InboxMessage.__table__  # type: ignore[attr-defined]


class SignatureError(PermanentError):
    """A webhook whose signature does not verify: answered 401, never stored."""

    kind = "bad_signature"


@dataclass
class Receipt:
    stored: list[int] = field(default_factory=list)  # new inbox ids, to process
    duplicates: int = 0


@dataclass
class Processed:
    outcomes: list[Outcome] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)  # inbox ids that became dead letters
    skipped: int = 0  # already processed


def delivery_key(message: InboundMessage) -> str:
    if message.delivery_id:
        return message.delivery_id[:500]
    text = json.dumps(message.body, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(f"{message.topic}\n{text}".encode()).hexdigest()


def receive_webhook(hub: Hub, channel: str, request: WebhookRequest) -> Receipt:
    """Verify, split and store one webhook delivery (the caller answers 2xx right after)."""
    runtime = channel_runtime(hub, channel)
    if not runtime.handle.verify_webhook(runtime.context, request):
        raise SignatureError(
            f"webhook for {channel!r} failed signature verification",
            fix="check the channel's webhook secret against the vendor's settings",
        )
    return store(hub, channel, runtime.handle.parse_webhook(runtime.context, request))


def publish_stored(hub: Hub, receipt: Receipt) -> None:
    """After the commit: ask a worker to process what was stored (the sweep covers a loss)."""
    from hub.sync.publish import wake_inbox

    wake_inbox(hub, receipt.stored)


def store(
    hub: Hub, channel: str, messages: list[InboundMessage], *, origin: str = "webhook",
    cursor: tuple[str, str | None] | None = None,
) -> Receipt:  # fmt: skip
    """Store records raw (one transaction); duplicates are counted, not stored again.

    :param cursor: ``(resource, cursor)`` of a pull, saved in the same transaction, so a crash
        never advances a cursor past records that were not stored.
    """
    receipt = Receipt()
    with hub.session() as session:
        for message in messages:
            row = insert(session, _INBOX).values(
                channel=channel, delivery_key=delivery_key(message), origin=origin,
                topic=message.topic[:200], body=message.body, status=InboxStatus.RECEIVED.value,
                attempts=0, events=0, received_at=message.received_at,
            )  # fmt: skip
            new_id = session.execute(
                row.on_conflict_do_nothing().returning(_INBOX.c.id)
            ).scalar_one_or_none()
            if new_id is None:
                receipt.duplicates += 1
            else:
                receipt.stored.append(int(new_id))
        if cursor is not None:
            state = ensure_state(session, channel)
            state.cursors = {**state.cursors, cursor[0]: cursor[1]}
            session.add(state)
    return receipt


def process(hub: Hub, inbox_ids: list[int]) -> Processed:
    """Translate and apply stored records (those not processed yet), in one ledger batch."""
    result = Processed()
    with hub.session() as session:
        rows = session.exec(
            select(InboxMessage)
            .where(col(InboxMessage.id).in_(inbox_ids))
            .order_by(col(InboxMessage.id))
        ).all()
    events: list[Event] = []
    translated: list[tuple[InboxMessage, int]] = []
    arrived: dict[str, datetime] = {}  # event id → inbox time: push latency starts there
    for row in rows:
        if row.status != InboxStatus.RECEIVED.value:
            result.skipped += 1
            continue
        try:
            found = _events_of(hub, row)
        except HubError as exc:
            if not isinstance(exc, PermanentError):
                raise
            _dead(hub, row, exc)
            result.dead.append(row.id or 0)
            continue
        events.extend(found)
        translated.append((row, len(found)))
        arrived.update({event.id: row.received_at for event in found})
    if events:
        result.outcomes = apply_batch(hub.engine, events, hub.policy, received_at=arrived)
        if any(e.type == "item.upserted" for e in events):
            release_parked(hub.engine, hub.policy)
    if translated:
        with hub.session() as session:
            now = utcnow()
            for row, count in translated:
                session.execute(
                    sa.update(_INBOX).where(_INBOX.c.id == row.id).values(
                        status=InboxStatus.PROCESSED.value, processed_at=now, events=count,
                        attempts=_INBOX.c.attempts + 1, error=None,
                    )
                )  # fmt: skip
            deadletters.resolve_moot(
                session, task="inbox", channel=None,
                subjects={f"inbox:{row.id}" for row, _ in translated},
                note="processed on a later attempt",
            )  # fmt: skip
    return result


def _events_of(hub: Hub, row: InboxMessage) -> list[Event]:
    if row.origin == "pull":  # pulled records are canonical events already (validated on pull)
        return [parse_event(row.body)]
    runtime = channel_runtime(hub, row.channel)
    message = InboundMessage(topic=row.topic, body=row.body, delivery_id=row.delivery_key,
                             received_at=row.received_at)  # fmt: skip
    return runtime.handle.translate(runtime.context, message)


def _dead(hub: Hub, row: InboxMessage, exc: HubError) -> None:
    with hub.session() as session:
        session.execute(
            sa.update(_INBOX).where(_INBOX.c.id == row.id).values(
                status=InboxStatus.DEAD.value, attempts=_INBOX.c.attempts + 1,
                error=deadletters.error_text(exc)[:4000],
            )
        )  # fmt: skip
        deadletters.record_dead_letter(
            session, task="inbox", channel=row.channel, subject=f"inbox:{row.id}",
            payload=payload_of(row), exc=exc,
        )  # fmt: skip


def payload_of(row: InboxMessage) -> dict[str, Any]:
    return {"inbox_id": row.id, "channel": row.channel, "topic": row.topic, "body": row.body}


def requeue(hub: Hub, inbox_id: int, body: Any = None) -> None:
    """Make a record processable again (a dead letter's replay), optionally with a fixed body."""
    values: dict[str, Any] = {"status": InboxStatus.RECEIVED.value, "error": None}
    if body is not None:
        values["body"] = body
    with hub.session() as session:
        session.execute(sa.update(_INBOX).where(_INBOX.c.id == inbox_id).values(**values))

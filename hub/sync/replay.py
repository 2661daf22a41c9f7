"""Act on dead letters: replay (optionally after editing the payload) or discard with a reason.

A replay puts the job back to work: a push re-marks its SKUs as owed (forced, so the latest
value is sent even if it equals the last one) and resumes its channel if it was paused; an
inbox record is made processable again, with the edited body if one was given; a pull runs
from its stored cursor. With a publisher (worker or API process) the work is queued; without
one (a CLI command) it runs right here, so ``stockhub dlq replay`` works with no worker up.
A replayed letter closes itself when that run succeeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from hub.errors import NotFoundError, StateError, ValidationError
from hub.models import DeadLetter
from hub.sync import deadletters, inbox, outbox, publish, state
from hub.vocabulary import DeadLetterStatus

if TYPE_CHECKING:
    from hub.app import Hub

PAYLOAD_KEYS = {"push": {"channel"}, "inbox": set(), "pull": {"channel", "resource"}}


def get(hub: Hub, letter_id: int) -> DeadLetter:
    with hub.session() as session:
        letter = session.get(DeadLetter, letter_id)
    if letter is None:
        raise NotFoundError(f"no dead letter {letter_id}", field="id",
                              fix="list them with `stockhub dlq list`")  # fmt: skip
    return letter


REPLAY_AT_ONCE = 10_000  # the most letters one "replay all matching" replays


def find(hub: Hub, *, status: str | None = "open", task: str | None = None,
         channel: str | None = None, limit: int = 100) -> list[DeadLetter]:  # fmt: skip
    """The newest letters matching the filters, in full."""
    query = _matching(select(DeadLetter), status, task, channel, limit)
    with hub.session() as session:
        return list(session.exec(query))


def find_ids(hub: Hub, *, status: str | None = "open", task: str | None = None,
             channel: str | None = None, limit: int = 100) -> list[int]:  # fmt: skip
    """The ids of what :func:`find` would return, without reading payloads and tracebacks."""
    query = _matching(select(DeadLetter.id), status, task, channel, limit)
    with hub.session() as session:
        return [int(i) for i in session.exec(query) if i is not None]


def replayable_ids(hub: Hub, *, task: str | None = None, channel: str | None = None) -> list[int]:
    """The open letters one "replay all matching" replays, newest first, at most
    :data:`REPLAY_AT_ONCE`."""
    return find_ids(hub, task=task, channel=channel, limit=REPLAY_AT_ONCE)


def _matching(query: Any, status: str | None, task: str | None, channel: str | None,
              limit: int) -> Any:  # fmt: skip
    query = query.order_by(col(DeadLetter.id).desc()).limit(limit)
    if status:
        query = query.where(DeadLetter.status == status)
    if task:
        query = query.where(DeadLetter.task == task)
    if channel:
        query = query.where(DeadLetter.channel == channel)
    return query


def edit(hub: Hub, letter_id: int, payload: dict[str, Any]) -> DeadLetter:
    """Replace a letter's payload (checked for the keys its task needs)."""
    letter = _active(hub, letter_id)
    if not isinstance(payload, dict):
        raise ValidationError("the payload must be a JSON object", field="payload")
    missing = PAYLOAD_KEYS.get(letter.task, set()) - set(payload)
    if letter.task == "inbox" and not ({"inbox_id", "body"} <= set(payload)
                                       or "inbox_ids" in payload):  # fmt: skip
        missing |= {"inbox_id", "body"}
    if missing:
        raise ValidationError(
            f"the payload lacks {', '.join(sorted(missing))}",
            field="payload",
            fix="start from the payload `stockhub dlq show ID --json` prints",
        )
    with hub.session() as session:
        letter = session.get(DeadLetter, letter_id)
        assert letter is not None  # noqa: S101  (type narrowing: _active found it)
        letter.payload = payload
        session.add(letter)
    return letter


def replay(hub: Hub, letter_id: int) -> str:
    """Send one dead letter back to work; returns what was done, in words."""
    letter = _active(hub, letter_id)
    with hub.session() as session:
        row = session.get(DeadLetter, letter_id)
        assert row is not None  # noqa: S101  (type narrowing: _active found it)
        row.status = DeadLetterStatus.REPLAYED.value
        session.add(row)
    payload = dict(letter.payload)
    if letter.task == "push":
        return _replay_push(hub, payload)
    if letter.task == "inbox":
        return _replay_inbox(hub, payload)
    if letter.task == "pull":
        from hub.sync.pull import pull_channel

        if hub.publisher is not None:
            hub.publisher.pull(payload["channel"], payload["resource"])
            return f"pull of {payload['channel']} {payload['resource']} queued"
        run = pull_channel(hub, payload["channel"], payload["resource"])
        _close_if_moot(hub, letter_id)
        return f"pulled {run.stored} record(s) from {payload['channel']}"
    raise StateError(f"dead letter {letter_id} has unknown task {letter.task!r}")


def discard(hub: Hub, letter_id: int, reason: str) -> None:
    if not reason.strip():
        raise ValidationError(
            "a reason is required",
            field="reason",
            fix='say why, e.g. --reason "SKU delisted on the channel"',
        )
    _active(hub, letter_id)
    with hub.session() as session:
        letter = session.get(DeadLetter, letter_id)
        assert letter is not None  # noqa: S101  (type narrowing: _active found it)
        deadletters.close(session, letter, DeadLetterStatus.DISCARDED, f"discarded: {reason}")


def _replay_push(hub: Hub, payload: dict[str, Any]) -> str:
    from hub.sync.push import push_channel

    channel = payload["channel"]
    with hub.session() as session:
        resumed = state.resume(session, channel)
        if payload.get("skus"):
            outbox.enqueue(session, payload["skus"], channels=[channel], force=True)
    what = f"{len(payload.get('skus') or [])} SKU(s)" if payload.get("skus") else "pending SKUs"
    if hub.publisher is not None:
        publish.wake_pushes(hub, [channel])
        return f"push of {what} to {channel} queued" + (" (channel resumed)" if resumed else "")
    run = push_channel(hub, channel)
    return (f"pushed {run.pushed} SKU(s) to {channel} in {run.calls} call(s)"
            + (" (channel resumed)" if resumed else ""))  # fmt: skip


def _replay_inbox(hub: Hub, payload: dict[str, Any]) -> str:
    ids = [int(i) for i in payload.get("inbox_ids", [])]
    if "inbox_id" in payload:
        inbox.requeue(hub, int(payload["inbox_id"]), payload.get("body"))
        ids.append(int(payload["inbox_id"]))
    if hub.publisher is not None:
        publish.wake_inbox(hub, ids)
        return f"{len(ids)} inbox record(s) queued"
    done = inbox.process(hub, ids)
    if done.dead:
        raise StateError(f"inbox record(s) {done.dead} failed again; see `stockhub dlq list`")
    publish.wake_pushes(hub)
    return f"processed {len(ids)} inbox record(s): {len(done.outcomes)} event(s)"


def _close_if_moot(hub: Hub, letter_id: int) -> None:
    with hub.session() as session:
        letter = session.get(DeadLetter, letter_id)
        if letter is not None and letter.status == DeadLetterStatus.REPLAYED.value:
            deadletters.close(session, letter, DeadLetterStatus.RESOLVED, "replayed successfully")


def _active(hub: Hub, letter_id: int) -> DeadLetter:
    letter = get(hub, letter_id)
    if letter.status not in deadletters.ACTIVE:
        raise StateError(f"dead letter {letter_id} is {letter.status}; nothing to do",
                         fix="list open ones with `stockhub dlq list`")  # fmt: skip
    return letter

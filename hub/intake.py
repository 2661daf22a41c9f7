"""Take canonical events from outside (a JSON Lines file, later the HTTP API) into the ledger.

Each line is decoded, validated and applied on its own, so one bad line never blocks the rest.
A line that cannot even be parsed is still kept: it goes to the exception log with its raw text,
its origin (file and line) and the precise reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from hub.errors import ValidationError
from hub.events import parse_event
from hub.exception_log import record_exception
from hub.ledger import Outcome, apply_batch, release_parked

MAX_LINE_CHARS = 1_000_000


BATCH = 200  # events per transaction: one commit for many events, bounded lock time


def post_lines(hub: Any, lines: Iterable[str], origin: str) -> Iterator[tuple[int, Outcome]]:
    """Apply every non-blank line, in order; yields (line number, outcome) per line.

    Valid events are applied in batches (one transaction per batch, a savepoint per event), so
    a file of thousands of events costs tens of commits, not thousands.
    """
    pending: list[tuple[int, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            pending.append((number, parse_event(_decode(line))))
        except ValidationError as exc:
            yield from _flush(hub, pending)
            yield number, _reject_input(hub, line, f"{origin}:{number}", exc)
            continue
        if len(pending) >= BATCH:
            yield from _flush(hub, pending)
    yield from _flush(hub, pending)


def _flush(hub: Any, pending: list[tuple[int, Any]]) -> Iterator[tuple[int, Outcome]]:
    if not pending:
        return
    outcomes = apply_batch(hub.engine, [event for _, event in pending], hub.policy)
    numbers = [number for number, _ in pending]
    new_items = any(
        event.type == "item.upserted" and outcome.status == "applied"
        for (_, event), outcome in zip(pending, outcomes, strict=True)
    )
    pending.clear()
    yield from zip(numbers, outcomes, strict=True)
    if new_items:  # events parked for these SKUs can apply now
        release_parked(hub.engine, hub.policy)


def _decode(text: str) -> Any:
    if len(text) > MAX_LINE_CHARS:
        raise ValidationError(
            f"line is {len(text)} characters; the limit is {MAX_LINE_CHARS}",
            fix="split the event or send fewer lines per event",
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"malformed JSON: {exc.msg} at column {exc.colno}",
            fix="each line must be one complete JSON object",
        ) from None
    except RecursionError:  # nested past the parser's limit
        raise ValidationError(
            "the JSON nests too deeply", fix="each line must be one canonical event"
        ) from None


def _reject_input(hub: Any, text: str, where: str, exc: ValidationError) -> Outcome:
    event_id = _guess_id(text)
    with hub.session() as session:
        record_exception(
            session,
            kind="invalid_event",
            subject=f"event:{event_id}" if event_id else f"input:{where}",
            message=f"{where}: {exc}",
            details={"origin": where, "raw": text[:64_000], "error": exc.to_dict()},
        )
    return Outcome("rejected", event_id or where, message=exc.message, field=exc.field, fix=exc.fix)


def _guess_id(text: str) -> str | None:
    try:
        value = json.loads(text).get("id")
    except (ValueError, AttributeError, RecursionError):
        return None
    return value if isinstance(value, str) and value else None

"""Push: set IN_STOCK of the hub-owned allocation with ``BatchChangeInventory``.

Only where the hub owns a Square location's count (``allocation_location_id``: an online
allocation, never a store's physical stock) — an update for any other location is rejected
with the reason, and a channel without one configured cannot push at all (``ConfigError``: the
engine pauses its pushes and says why). Each update is one ``PHYSICAL_COUNT`` of ``IN_STOCK``
(absolute: "set to N"), all of one call sharing ``occurred_at`` = now, which is inside Square's
24-hour window by construction, and an ``idempotency_key`` derived from the changes and that
time, so the HTTP client's retries of a call are answered, not applied twice. Calls carry at
most ``batch_size`` changes (default 50; 100 is Square's historical maximum).

A 400 whose errors each name a ``changes[i]`` rejects those items; Square applies a batch
whole or not at all, so the clean ones are sent again without them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from connectors.square import translate
from connectors.square.client import BATCH_CHANGE_PATH, SquareClient
from connectors.square.settings import NAME
from hub.connector import PushResult, PushStatus, StockUpdate
from hub.errors import ConfigError, PermanentError

RESEND_ROUNDS = 3


def push(
    client: SquareClient,
    updates: Sequence[StockUpdate],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[PushResult]:
    """One result per update, in order."""
    owned = client.merchant.allocation_location_id
    if not owned:
        raise ConfigError(
            f"{NAME}/{client.channel.channel}: the hub owns no Square count on this channel",
            field="settings.allocation_location_id",
            fix="set the Square location id of the online allocation the hub owns, or keep "
            "this POS channel out of pushes; the store's counts belong to Square",
            context={"connector": NAME, "channel": client.channel.channel},
        )
    results: list[PushResult | None] = [None] * len(updates)
    pending = []
    for i, update in enumerate(updates):
        if update.external_location != owned:
            results[i] = _result(update, PushStatus.REJECTED,
                                 f"Square location {update.external_location} is not the "
                                 f"hub-owned allocation {owned} (settings.allocation_location_id)"
                                 "; the hub never overwrites a store's physical count")  # fmt: skip
        else:
            pending.append(i)
    size = client.merchant.batch_size
    for start in range(0, len(pending), size):
        _settle(client, updates, pending[start : start + size], results, clock)
    return [r for r in results if r is not None]


def _settle(client, updates, indexes, results, clock) -> None:
    for _ in range(RESEND_ROUNDS):
        if not indexes:
            return
        errors = _send(client, [updates[i] for i in indexes], clock)
        if not errors:
            for i in indexes:
                results[i] = _result(updates[i], PushStatus.ACCEPTED)
            return
        for n, error in errors.items():
            i = indexes[n]
            reason = f"{error.get('code')}: {error.get('detail') or error.get('category')}"
            results[i] = _result(updates[i], PushStatus.REJECTED,
                                 f"{reason} ({updates[i].external_id} at "
                                 f"{updates[i].external_location})")  # fmt: skip
        indexes = [i for n, i in enumerate(indexes) if n not in errors]
    if indexes:
        raise client.error(
            "BatchChangeInventory",
            f"Square refused {len(indexes)} clean change(s) {RESEND_ROUNDS} times",
        )


def _send(client: SquareClient, batch: list[StockUpdate], clock) -> dict[int, dict]:
    """One call; the per-change errors by index (empty: applied)."""
    occurred_at = translate.iso(clock())
    changes = [
        translate.physical_count(u.external_id, u.external_location, u.quantity, occurred_at,
                                 f"stockhub:{client.channel.channel}:{u.sku}")
        for u in batch
    ]  # fmt: skip
    body = {
        "idempotency_key": translate.idempotency_key(client.channel.channel, occurred_at, changes),
        "changes": changes,
        "ignore_unchanged_counts": True,
    }
    answer = client.post(BATCH_CHANGE_PATH, body, "BatchChangeInventory")
    errors = [e for e in answer.get("errors") or [] if isinstance(e, dict)]
    by_index: dict[int, dict] = {}
    for error in errors:
        index = translate.change_index(error)
        if index is None or not 0 <= index < len(batch):
            raise PermanentError(
                f"{NAME}/{client.channel.channel}: BatchChangeInventory refused the batch: "
                f"{error.get('code')}: {error.get('detail')}",
                context={"connector": NAME, "channel": client.channel.channel, "errors": errors},
            )
        by_index.setdefault(index, error)
    return by_index


def _result(update: StockUpdate, status: PushStatus, reason: str = "") -> PushResult:
    return PushResult(update.sku, update.location, status, reason=reason)

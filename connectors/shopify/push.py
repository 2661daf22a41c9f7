"""Push: set ``available`` with ``inventorySetQuantities``, one call per batch where possible.

The hub hands at most 250 updates (the input-array limit). Each becomes one
``InventoryQuantityInput``:

* external ids may be ``InventoryItem`` GIDs (used as they are) or ``ProductVariant`` GIDs
  (order lines name variants), resolved to their inventory item once per process with one
  ``nodes`` query; two updates naming the same item and location are sent once;
* compare-and-set: ``changeFromQuantity`` (null when the hub has no expected value) with an
  ``@idempotent`` key from 2026-04; before, ``compareQuantity`` — and since that API wants it on
  every quantity or none, a batch mixing both kinds goes as two calls;
* per-item ``userErrors`` become per-item results: a stale compare is re-read (one query) and
  returned as ``stale_compare`` with Shopify's value, which the engine retries for that item
  only; other item errors (not stocked at the location, unknown item…) are ``rejected`` with the
  code, message, item and location, which the engine records as exceptions. When Shopify
  applied nothing because of them (no ``inventoryAdjustmentGroup``), the clean items are sent
  again without the failed ones.

Errors without an item (an invalid reason or name) fail the whole batch: they are bugs or
configuration, not data.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from connectors.shopify import translate
from connectors.shopify.client import ShopifyClient
from connectors.shopify.documents import AVAILABLE_AT, VARIANT_ITEMS, set_available
from connectors.shopify.records import gid_kind
from connectors.shopify.settings import NAME, uses_change_from
from hub.connector import PushResult, PushStatus, StockUpdate
from hub.errors import PermanentError, TransientError

NODES_PER_QUERY = 250
RESEND_ROUNDS = 3
_VARIANT_ITEMS: dict[tuple[str, str], str] = {}  # (shop origin, variant) → inventory item
_VARIANT_LOCK = threading.Lock()


@dataclass
class _Target:
    """One (inventory item, location) to set, and the updates that asked for it."""

    item: str
    location: str
    quantity: int
    expected: int | None
    indexes: list[int]


def push(client: ShopifyClient, updates: Sequence[StockUpdate]) -> list[PushResult]:
    """One result per update, in order."""
    results: list[PushResult | None] = [None] * len(updates)
    items = _inventory_items(client, [u.external_id for u in updates])
    targets: dict[tuple[str, str], _Target] = {}
    for i, update in enumerate(updates):
        item = items.get(update.external_id)
        if item is None:
            results[i] = _rejected(update, f"no variant {update.external_id} on the shop")
            continue
        key = (item, update.external_location)
        target = targets.get(key)
        if target is None:
            targets[key] = _Target(item, key[1], update.quantity, update.expected, [i])
        elif target.quantity == update.quantity:
            target.indexes.append(i)
        else:
            results[i] = _rejected(
                update,
                f"{item} at {key[1]} is also pushed as {target.quantity} by "
                f"{updates[target.indexes[0]].sku}; two hub SKUs map to one Shopify item",
            )
    change_from = uses_change_from(client.shop.api_version)
    groups = [list(targets.values())]
    if not change_from:  # compareQuantity: on every quantity of a call, or on none
        groups = [[t for t in groups[0] if t.expected is not None]]
        groups.append([t for t in targets.values() if t.expected is None])
    for group in groups:
        _settle(client, group, updates, results, change_from)
    return [r for r in results if r is not None]


def _settle(
    client: ShopifyClient,
    pending: list[_Target],
    updates: Sequence[StockUpdate],
    results: list[PushResult | None],
    change_from: bool,
) -> None:
    stale: list[tuple[_Target, str]] = []
    for _ in range(RESEND_ROUNDS):
        if not pending:
            break
        errors, applied = _send(client, pending, change_from)
        retry = []
        for n, target in enumerate(pending):
            error = errors.get(n)
            if error is None and (applied or not errors):
                _answer(results, updates, target, PushStatus.ACCEPTED, "")
            elif error is None:  # Shopify applied nothing because of the others: again
                retry.append(target)
            elif translate.is_stale(error):
                stale.append((target, str(error.get("code"))))
            else:
                reason = f"{error.get('code')}: {error.get('message')} ({target.item} at "
                _answer(
                    results, updates, target, PushStatus.REJECTED, f"{reason}{target.location})"
                )
        pending = retry
    if pending:
        raise TransientError(
            f"{NAME}/{client.channel.channel}: Shopify refused {len(pending)} clean item(s) "
            f"{RESEND_ROUNDS} times because of other items in the batch",
            context={"connector": NAME, "channel": client.channel.channel},
        )
    if stale:
        actual = _available(client, [t for t, _ in stale])
        for target, code in stale:
            now = actual.get((target.item, target.location), 0)
            reason = f"{code}: expected {target.expected}, Shopify holds {now}"
            _answer(results, updates, target, PushStatus.STALE_COMPARE, reason, now)


def _send(
    client: ShopifyClient, targets: list[_Target], change_from: bool
) -> tuple[dict[int, dict], bool]:
    """One mutation: the item errors by index, and whether Shopify applied anything."""
    key = str(uuid.uuid4())
    quantities = [
        translate.quantity_input(t.item, t.location, t.quantity, t.expected, change_from)
        for t in targets
    ]
    reference = f"stockhub://push/{client.channel.channel}/{key}"
    variables: dict = {"input": translate.set_quantities_input(quantities, reference, change_from)}
    if change_from:
        variables["idempotencyKey"] = key  # the same key on the client's own retries
    data = client.execute(set_available(client.shop.api_version), variables)
    payload = data.get("inventorySetQuantities")
    if not isinstance(payload, dict):
        raise PermanentError(f"{NAME}/{client.channel.channel}: inventorySetQuantities is null")
    by_index: dict[int, dict] = {}
    whole = []
    for error in payload.get("userErrors") or []:
        index = translate.user_error_index(error)
        if index is None or not 0 <= index < len(targets):
            whole.append(error)
        else:
            by_index.setdefault(index, error)
    if whole:
        text = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in whole)
        raise PermanentError(
            f"{NAME}/{client.channel.channel}: inventorySetQuantities refused the batch: {text}",
            context={"connector": NAME, "channel": client.channel.channel, "errors": whole},
        )
    return by_index, payload.get("inventoryAdjustmentGroup") is not None


def _available(client: ShopifyClient, targets: list[_Target]) -> dict[tuple[str, str], int]:
    """Re-read ``available`` of the given items at their locations (one query per location)."""
    found: dict[tuple[str, str], int] = {}
    for location in sorted({t.location for t in targets}):
        ids = sorted({t.item for t in targets if t.location == location})
        for start in range(0, len(ids), NODES_PER_QUERY):
            chunk = ids[start : start + NODES_PER_QUERY]
            data = client.execute(AVAILABLE_AT, {"ids": chunk, "locationId": location})
            for item, quantity in translate.available_of(data.get("nodes") or []).items():
                found[(item, location)] = quantity
    return found


def _inventory_items(client: ShopifyClient, external_ids: list[str]) -> dict[str, str]:
    """External id → inventory item GID; variants are looked up once per process."""
    origin = client.shop.base_url
    found = {e: e for e in external_ids if gid_kind(e) != "ProductVariant"}
    with _VARIANT_LOCK:
        for e in external_ids:
            if (origin, e) in _VARIANT_ITEMS:
                found[e] = _VARIANT_ITEMS[(origin, e)]
    missing = sorted({e for e in external_ids if e not in found})
    for start in range(0, len(missing), NODES_PER_QUERY):
        data = client.execute(VARIANT_ITEMS, {"ids": missing[start : start + NODES_PER_QUERY]})
        for node in data.get("nodes") or []:
            if isinstance(node, dict) and node.get("id") and node.get("inventoryItem"):
                found[node["id"]] = node["inventoryItem"]["id"]
                with _VARIANT_LOCK:
                    _VARIANT_ITEMS[(origin, node["id"])] = node["inventoryItem"]["id"]
    return found


def _answer(
    results: list[PushResult | None],
    updates: Sequence[StockUpdate],
    target: _Target,
    status: PushStatus,
    reason: str,
    actual: int | None = None,
) -> None:
    for i in target.indexes:
        update = updates[i]
        results[i] = PushResult(update.sku, update.location, status, reason=reason, actual=actual)


def _rejected(update: StockUpdate, reason: str) -> PushResult:
    return PushResult(update.sku, update.location, PushStatus.REJECTED, reason=reason)

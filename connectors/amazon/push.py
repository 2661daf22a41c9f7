"""Push: set listing quantities through patchListingsItem, or through one JSON_LISTINGS_FEED.

**The rule** (:func:`choose_path`). Patching costs one ``patchListingsItem`` call per SKU, paced
at that operation's rate r with burst b (5/s, burst 5, unless ``x-amzn-RateLimit-Limit`` said
otherwise): n SKUs take ``max(0, n − b) / r`` seconds. A feed costs one ``createFeed`` (its
plan is 0.0083/s, burst 15: a scarce budget) and Amazon's processing time,
``feed_turnaround_s`` (default 120 s). A batch goes as a feed when patching it would take
longer than the feed; otherwise it is patched, which answers per SKU at once and spares the
feed budget. With the defaults: up to 605 SKUs are patched, more go as one feed.

Every update sets ``fulfillment_availability`` on the channel code its location maps to
(``DEFAULT`` for merchant-fulfilled stock). The product type forbids a quantity for
Amazon-fulfilled codes (``AMAZON_NA``…): such an update is rejected here, naming the rule,
and never sent. Two updates of one listing in a batch send the last quantity once.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from connectors.amazon import feeds, translate
from connectors.amazon.client import AmazonClient
from connectors.amazon.settings import is_merchant_code
from hub.connector import PushResult, PushStatus, StockUpdate
from hub.errors import ConfigError, PermanentError, RateLimitedError, TransientError

PATCH = "patchListingsItem"


def patch_seconds(count: int, rate: float, burst: int) -> float:
    """Seconds ``count`` patches take from a full bucket of ``burst`` refilled at ``rate``/s."""
    return max(0, count - burst) / rate


def choose_path(count: int, rate: float, burst: int, feed_turnaround_s: float) -> str:
    """``"feed"`` when patching ``count`` SKUs would outlast a feed, else ``"patch"``."""
    if count == 0:
        return "patch"
    return "feed" if patch_seconds(count, rate, burst) > feed_turnaround_s else "patch"


def push(client: AmazonClient, updates: Sequence[StockUpdate]) -> list[PushResult]:
    """One result per update, in order (see the module docstring for the path taken)."""
    reasons: dict[int, str] = {}
    latest: dict[tuple[str, str], int] = {}  # listing → index of its last update
    for index, update in enumerate(updates):
        if not is_merchant_code(update.external_location):
            reasons[index] = (
                f"fulfillment channel {update.external_location!r} is Amazon-fulfilled: the "
                "product type allows no quantity for it (fulfillment_availability rule); map "
                "the channel's push location to a merchant code such as DEFAULT"
            )
        else:
            latest[(update.external_id, update.external_location)] = index
    sendable = sorted(latest.values())
    rate, burst = client.pacer.plans[PATCH]
    path = choose_path(len(sendable), rate, burst, client.seller.feed_turnaround_s)
    if path == "feed":
        items = [
            (updates[i].external_id, updates[i].external_location, updates[i].quantity)
            for i in sendable
        ]
        for i, errors in zip(sendable, feeds.push_feed(client, items), strict=True):
            if errors:
                reasons[i] = "; ".join(errors)
    else:
        for i in sendable:
            errors = patch_one(client, updates[i])
            if errors:
                reasons[i] = "; ".join(errors)
    results = []
    for index, update in enumerate(updates):
        source = latest.get((update.external_id, update.external_location), index)
        reason = reasons.get(index) or reasons.get(source)
        status = PushStatus.REJECTED if reason else PushStatus.ACCEPTED
        results.append(PushResult(update.sku, update.location, status, reason or ""))
    return results


def patch_one(client: AmazonClient, update: StockUpdate) -> list[str]:
    """Patch one listing's quantity; the refusal reasons (empty: accepted).

    A 4xx for this listing alone (InvalidInput for its SKU) refuses the listing; credential,
    throttling and server failures stop the batch (the engine retries it).
    """
    seller = client.seller
    body = translate.patch_body(seller.product_type, update.external_location, update.quantity)
    path = f"/listings/2021-08-01/items/{quote(seller.seller_id, safe='')}/" + quote(
        update.external_id, safe=""
    )
    params = {"marketplaceIds": seller.marketplace_id, "issueLocale": "en_US"}
    try:
        answer = client.call("PATCH", path, params=params, json_body=body)
    except (ConfigError, TransientError, RateLimitedError):
        raise
    except PermanentError as exc:
        return [f"patchListingsItem refused: {exc.message}"]
    if not isinstance(answer, dict) or "status" not in answer:
        raise client.error(f"patchListingsItem answer has no status: {str(answer)[:200]}")
    return translate.submission_errors(answer)

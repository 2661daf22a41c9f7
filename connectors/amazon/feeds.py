"""The Feeds flow for large pushes: one JSON_LISTINGS_FEED, its processing report, per-SKU results.

1. ``createFeedDocument`` ``{contentType}`` → ``{feedDocumentId, url}``;
2. upload the document (JSON, one PATCH message per SKU) to the presigned ``url`` (HTTP PUT,
   same Content-Type);
3. ``createFeed`` ``{feedType: JSON_LISTINGS_FEED, marketplaceIds, inputFeedDocumentId}``;
4. poll ``getFeed`` until ``processingStatus`` is DONE, FATAL or CANCELLED — first after
   ``feed_poll_s``, then 1.5 times longer each time (at most 60 s), never faster than getFeed's
   usage plan, giving up after ``feed_timeout_s``;
5. ``getFeedDocument(resultFeedDocumentId)`` → download (gunzip when ``compressionAlgorithm``
   is GZIP) → the processing report: each ERROR issue with a ``messageId`` refuses that
   message's SKU; WARNING and INFO do not.

Outcomes of the feed as a whole:

* DONE — per-SKU results from the report;
* CANCELLED — "cancelled before it started processing": nothing was applied, the push is
  retried (``TransientError``);
* FATAL — "aborted due to a fatal error; some, none or all operations may have completed":
  a ``PermanentError`` carrying the report's reasons, dead-lettered for a person to read and
  replay. Resubmitting at once would spend the scarce createFeed budget on the same failure;
  a replay is harmless because every quantity is absolute.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Sequence
from typing import Any

import structlog

from connectors.amazon import translate
from connectors.amazon.client import AmazonClient
from hub.errors import PermanentError, TransientError

FINISHED = frozenset({"DONE", "FATAL", "CANCELLED"})
MAX_POLL_S = 60.0


def push_feed(client: AmazonClient, items: Sequence[tuple[str, str, int]]) -> list[list[str]]:
    """Send ``(sku, channel code, quantity)`` items as one feed; refusal reasons per item."""
    seller = client.seller
    document = translate.feed_document(seller.seller_id, seller.product_type, items)
    feed_id = submit(client, json.dumps(document, separators=(",", ":")).encode())
    feed = wait(client, feed_id)
    status = feed.get("processingStatus")
    context = {"feed_id": feed_id, "processing_status": status, "messages": len(items)}
    if status == "CANCELLED":
        raise TransientError(
            f"amazon/{client.channel.channel}: feed {feed_id} was CANCELLED before processing; "
            "nothing was applied, the push will be retried",
            context={"connector": "amazon", "channel": client.channel.channel, **context},
        )
    report = read_report(client, feed) if feed.get("resultFeedDocumentId") else None
    by_message, general = translate.report_errors(report or {})
    if status == "FATAL":
        reasons = general + [f"message {m}: {'; '.join(e)}" for m, e in sorted(by_message.items())]
        raise PermanentError(
            f"amazon/{client.channel.channel}: feed {feed_id} FATAL: "
            + ("; ".join(reasons)[:1500] or "no processing report"),
            fix="read the reasons, fix the cause, then replay the dead letter (quantities are "
            "absolute, so a partly applied feed is harmless to resend)",
            context={"connector": "amazon", "channel": client.channel.channel, **context},
        )
    if report is None:
        raise TransientError(
            f"amazon/{client.channel.channel}: feed {feed_id} is DONE without a processing "
            "report; the push will be retried",
            context={"connector": "amazon", "channel": client.channel.channel, **context},
        )
    if general:
        structlog.get_logger().warning(
            "amazon.feed.issues", channel=client.channel.channel, feed_id=feed_id, issues=general
        )
    return [by_message.get(n, []) for n in range(1, len(items) + 1)]


def submit(client: AmazonClient, content: bytes) -> str:
    """Create the document, upload it and create the feed; the feed id."""
    specification = {"contentType": translate.FEED_CONTENT_TYPE}
    created = client.call("POST", "/feeds/2021-06-30/documents", json_body=specification)
    document_id, url = _field(client, created, "feedDocumentId"), _field(client, created, "url")
    client.files.put(url, content=content, headers={"Content-Type": translate.FEED_CONTENT_TYPE})
    feed = client.call(
        "POST",
        "/feeds/2021-06-30/feeds",
        json_body={
            "feedType": translate.FEED_TYPE,
            "marketplaceIds": [client.seller.marketplace_id],
            "inputFeedDocumentId": document_id,
        },
    )
    return _field(client, feed, "feedId")


def wait(client: AmazonClient, feed_id: str) -> dict[str, Any]:
    """Poll getFeed until the feed is finished; TransientError after ``feed_timeout_s``."""
    seller = client.seller
    sleep = client.channel.sleep or time.sleep
    started = time.monotonic()
    delay = seller.feed_poll_s
    last_poll = 0.0
    while True:
        sleep(delay)
        spacing = 1.0 / client.pacer.rate("getFeed")  # never poll faster than getFeed's rate
        early = last_poll + spacing - time.monotonic()
        if early > 0:
            time.sleep(early)
        last_poll = time.monotonic()
        feed = client.call("GET", f"/feeds/2021-06-30/feeds/{feed_id}")
        status = _field(client, feed, "processingStatus")
        if status in FINISHED:
            return feed
        if time.monotonic() - started >= seller.feed_timeout_s:
            raise TransientError(
                f"amazon/{client.channel.channel}: feed {feed_id} still {status} after "
                f"{seller.feed_timeout_s:.0f}s; the push will be retried",
                context={"connector": "amazon", "channel": client.channel.channel,
                         "feed_id": feed_id},
            )  # fmt: skip
        delay = min(max(delay, 0.001) * 1.5, MAX_POLL_S)


def read_report(client: AmazonClient, feed: dict[str, Any]) -> dict[str, Any]:
    """Download the feed's processing report (getFeedDocument, then its presigned URL)."""
    document_id = feed["resultFeedDocumentId"]
    document = client.call("GET", f"/feeds/2021-06-30/documents/{document_id}")
    raw = client.files.get(_field(client, document, "url")).content
    if document.get("compressionAlgorithm") == "GZIP":
        raw = gzip.decompress(raw)
    try:
        report = json.loads(raw)
    except ValueError as exc:
        raise client.error(f"processing report {document_id} is not JSON") from exc
    if not isinstance(report, dict):
        raise client.error(f"processing report {document_id} is not a JSON object")
    return report


def _field(client: AmazonClient, answer: Any, name: str) -> str:
    value = answer.get(name) if isinstance(answer, dict) else None
    if not isinstance(value, str) or not value:
        raise client.error(f"answer lacks {name}: {str(answer)[:200]}", field=name)
    return value

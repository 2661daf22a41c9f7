"""The sandbox's SP-API operations: one handler per operation, answers shaped like the models.

Bodies are validated against the saved definitions (ListingsItemPatchRequest,
CreateFeedDocumentSpecification, CreateFeedSpecification) before anything is done; a body
that fails is answered 400 ``InvalidInput`` with the problems, and recorded. Query parameters
the models mark required are checked too. Answers follow the models' response definitions
(a contract test validates them).
"""

from __future__ import annotations

import base64
import json
import uuid
import zlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from connectors.amazon.sandbox_feeds import advance, feed_view, patch_issues
from connectors.amazon.sandbox_store import iso
from connectors.amazon.translate import FEED_TYPE

if TYPE_CHECKING:
    from connectors.amazon.sandbox import AmazonSandbox, Reply

Query = Mapping[str, list[str]]


def invalid(reply: Callable[..., Reply], message: str, details: str = "") -> Reply:
    return reply(400, {"errors": [{"code": "InvalidInput", "message": message,
                                   "details": details[:2000]}]})  # fmt: skip


def _one(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _many(query: Query, name: str) -> list[str]:
    return [v for value in query.get(name, []) for v in value.split(",") if v]


def _page(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
    except (ValueError, KeyError, TypeError):
        return -1


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _availability(listing: Any) -> list[dict[str, Any]]:
    """A listing's FulfillmentAvailability entries (a quantity only where one is set)."""
    return [
        {"fulfillmentChannelCode": e["fulfillment_channel_code"]}
        | ({"quantity": e["quantity"]} if "quantity" in e else {})
        for e in listing.availability
    ]


class Api:
    """Handlers over one sandbox; each returns a Reply (status, body)."""

    def __init__(self, sandbox: AmazonSandbox) -> None:
        self.sb = sandbox
        self.store = sandbox.store

    def reply(self, status: int, body: Any) -> Reply:
        return self.sb.reply(status, body)

    # --- listings ---------------------------------------------------------------------------

    def patch_listing(self, seller: str, sku: str, query: Query, body: Any) -> Reply:
        sku = unquote(sku)
        problems = self.sb.check_body("listings", "ListingsItemPatchRequest", body)
        if problems:
            return invalid(self.reply, "The request body is invalid.", "; ".join(problems))
        if seller != self.store.seller_id or self.store.marketplace_id not in _many(
            query, "marketplaceIds"
        ):
            return invalid(self.reply, "sellerId or marketplaceIds is invalid.")
        listing = self.store.listings.get(sku)
        issues = patch_issues(listing, sku, body.get("productType"), body.get("patches") or [],
                              self.sb.use_contract)  # fmt: skip
        if any(p.get("path") == "/attributes/fulfillment_availability" for p in body["patches"]):
            self.sb.push_batch_sizes.append(1)
        if not issues and listing is not None:
            self.store.apply_patches(listing, body["patches"])
        status = "INVALID" if issues else "ACCEPTED"
        return self.reply(200, {"sku": sku, "status": status, "submissionId": uuid.uuid4().hex,
                                "issues": issues})  # fmt: skip

    def get_listing(self, seller: str, sku: str, query: Query) -> Reply:
        listing = self.store.listings.get(unquote(sku))
        if seller != self.store.seller_id or listing is None:
            return self.reply(404, {"errors": [{"code": "NOT_FOUND",
                                                "message": f"SKU '{unquote(sku)}' not found"}]})
        return self.reply(200, {
            "sku": listing.sku,
            "summaries": [{"marketplaceId": self.store.marketplace_id, "asin": listing.asin,
                           "productType": listing.product_type, "conditionType": "new_new",
                           "status": ["BUYABLE"], "itemName": listing.sku,
                           "createdDate": iso(0), "lastUpdatedDate": iso(self.store.clock())}],
            "fulfillmentAvailability": _availability(listing),
        })  # fmt: skip

    def search_listings(self, seller: str, query: Query) -> Reply:
        """``searchListingsItems``: the seller's listings by SKU (the sandbox keeps no update
        times, so ``sortBy`` is accepted and ignored), at most ``pageSize`` (<= 20) a page and
        1,000 in all, as Amazon documents; ``fulfillmentAvailability`` when included."""
        if seller != self.store.seller_id or self.store.marketplace_id not in _many(
            query, "marketplaceIds"
        ):
            return invalid(self.reply, "sellerId or marketplaceIds is invalid.")
        size_text = _one(query, "pageSize") or "10"
        size = int(size_text) if size_text.isdigit() else 0
        offset = _page(_one(query, "pageToken"))
        if not 1 <= size <= 20 or offset < 0:
            return invalid(self.reply, "pageSize must be 1 to 20 and pageToken one we sent.")
        included = set(_many(query, "includedData") or ["summaries"])
        found = sorted(self.store.listings.values(), key=lambda listing: listing.sku)[:1000]
        page = found[offset : offset + size]
        items = []
        for listing in page:
            item: dict[str, Any] = {"sku": listing.sku}
            if "fulfillmentAvailability" in included:
                item["fulfillmentAvailability"] = _availability(listing)
            items.append(item)
        body: dict[str, Any] = {"numberOfResults": len(self.store.listings), "items": items}
        if offset + size < len(found):
            body["pagination"] = {"nextToken": _token(offset + size)}
        return self.reply(200, body)

    # --- feeds ------------------------------------------------------------------------------

    def create_document(self, body: Any, origin: str) -> Reply:
        problems = self.sb.check_body("feeds", "CreateFeedDocumentSpecification", body)
        if problems:
            return invalid(self.reply, "The request body is invalid.", "; ".join(problems))
        document_id = self.store.new_document(body["contentType"])
        url = f"{origin}/_sandbox/documents/{document_id}?X-Amz-Signature=sandbox"
        return self.reply(201, {"feedDocumentId": document_id, "url": url})

    def upload(self, document_id: str, headers: Mapping[str, str], content: bytes) -> Reply:
        document = self.store.documents.get(document_id)
        if document is None or document.content is not None:
            return self.reply(403, {"errors": [{"code": "AccessDenied",
                                                "message": "Request has expired or was used."}]})
        if headers.get("content-type", "") != document.content_type:
            return self.reply(403, {"errors": [{"code": "SignatureDoesNotMatch", "message":
                                                "Content-Type differs from createFeedDocument's"}]})
        document.content = content
        return self.reply(200, None)

    def download(self, document_id: str) -> Reply:
        document = self.store.documents.get(document_id)
        if document is None or document.content is None:
            return self.reply(404, {"errors": [{"code": "NoSuchKey", "message": "not found"}]})
        return self.sb.raw_reply(200, document.content, document.content_type)

    def create_feed(self, body: Any) -> Reply:
        problems = self.sb.check_body("feeds", "CreateFeedSpecification", body)
        if problems:
            return invalid(self.reply, "The request body is invalid.", "; ".join(problems))
        if body["feedType"] != FEED_TYPE:
            return invalid(self.reply, f"The sandbox processes {FEED_TYPE} only.")
        if self.store.marketplace_id not in body["marketplaceIds"]:
            return invalid(self.reply, "marketplaceIds does not include the seller's marketplace.")
        document = self.store.documents.get(body["inputFeedDocumentId"])
        if document is None or document.content is None:
            return invalid(self.reply, "inputFeedDocumentId names no uploaded document.")
        try:
            self.sb.received_messages(len(json.loads(document.content).get("messages") or []))
        except (ValueError, AttributeError):
            self.sb.received_messages(0)
        feed = self.store.new_feed(body["inputFeedDocumentId"], body["marketplaceIds"],
                                   self.sb.feed_delay_s, self.sb.take_forced())  # fmt: skip
        return self.reply(202, {"feedId": feed.id})

    def get_feed(self, feed_id: str) -> Reply:
        feed = self.store.feeds.get(feed_id)
        if feed is None:
            return invalid(self.reply, f"feedId {feed_id} is invalid.")
        advance(self.store, feed, self.sb.use_contract, self.sb.feed_processed)
        return self.reply(200, feed_view(feed, FEED_TYPE))

    def cancel_feed(self, feed_id: str) -> Reply:
        feed = self.store.feeds.get(feed_id)
        if feed is None:
            return invalid(self.reply, f"feedId {feed_id} is invalid.")
        advance(self.store, feed, self.sb.use_contract, self.sb.feed_processed)
        if feed.status != "IN_QUEUE":
            return invalid(self.reply, f"feed {feed_id} is {feed.status}; only IN_QUEUE cancels.")
        feed.status, feed.ended = "CANCELLED", self.store.clock()
        return self.reply(200, None)

    def get_document(self, document_id: str, origin: str) -> Reply:
        document = self.store.documents.get(document_id)
        if document is None or not document.compressed:
            return invalid(self.reply, f"feedDocumentId {document_id} is invalid.")
        return self.reply(200, {"feedDocumentId": document_id,
                                "url": f"{origin}/_sandbox/documents/{document_id}",
                                "compressionAlgorithm": "GZIP"})  # fmt: skip

    # --- orders -----------------------------------------------------------------------------

    def get_orders(self, query: Query) -> Reply:
        after = _one(query, "LastUpdatedAfter") or _one(query, "CreatedAfter")
        if self.store.marketplace_id not in _many(query, "MarketplaceIds") or not after:
            return invalid(self.reply, "MarketplaceIds and CreatedAfter or LastUpdatedAfter "
                           "are required.")  # fmt: skip
        size = int(_one(query, "MaxResultsPerPage") or 100)
        offset = _page(_one(query, "NextToken"))
        if not 1 <= size <= 100 or offset < 0:
            return invalid(self.reply, "MaxResultsPerPage or NextToken is invalid.")
        by = "updated" if _one(query, "LastUpdatedAfter") else "purchased"
        moment = _seconds(after)
        if moment is None:
            return invalid(self.reply, f"{after!r} is not an ISO 8601 date.")
        matching = sorted(
            (o for o in self.store.orders.values() if int(getattr(o, by)) >= moment),
            key=lambda o: (int(o.updated), o.id),
        )
        page = matching[offset : offset + min(size, self.sb.orders_page)]
        payload: dict[str, Any] = {"Orders": [self.order_view(o) for o in page],
                                   "LastUpdatedBefore": iso(self.store.clock())}  # fmt: skip
        if offset + len(page) < len(matching):
            payload["NextToken"] = _token(offset + len(page))
        return self.reply(200, {"payload": payload})

    def get_order(self, order_id: str) -> Reply:
        order = self.store.orders.get(order_id)
        if order is None:
            return self.reply(404, {"errors": [{"code": "NotFound", "message": "order not found"}]})
        return self.reply(200, {"payload": self.order_view(order)})

    def get_order_items(self, order_id: str, query: Query) -> Reply:
        order = self.store.orders.get(order_id)
        if order is None:
            return self.reply(404, {"errors": [{"code": "NotFound", "message": "order not found"}]})
        offset = _page(_one(query, "NextToken"))
        page = order.items[offset : offset + self.sb.items_page]
        payload: dict[str, Any] = {"AmazonOrderId": order.id, "OrderItems": [
            {"ASIN": i.asin, "SellerSKU": i.sku, "OrderItemId": i.id, "Title": i.sku,
             "QuantityOrdered": i.ordered, "QuantityShipped": i.shipped} for i in page
        ]}  # fmt: skip
        if offset + len(page) < len(order.items):
            payload["NextToken"] = _token(offset + len(page))
        return self.reply(200, {"payload": payload})

    def order_view(self, order: Any) -> dict[str, Any]:
        shipped = sum(i.shipped for i in order.items)
        return {"AmazonOrderId": order.id, "PurchaseDate": iso(order.purchased),
                "LastUpdateDate": iso(order.updated), "OrderStatus": order.status,
                "FulfillmentChannel": order.channel, "SalesChannel": "Amazon.com",
                "NumberOfItemsShipped": shipped,
                "NumberOfItemsUnshipped": sum(i.ordered for i in order.items) - shipped,
                "MarketplaceId": self.store.marketplace_id, "OrderType": "StandardOrder",
                "IsBusinessOrder": False, "IsPrime": False, "IsPremiumOrder": False,
                "IsReplacementOrder": False}  # fmt: skip

    # --- FBA inventory ----------------------------------------------------------------------

    def get_summaries(self, query: Query) -> Reply:
        if (_one(query, "granularityType") != "Marketplace"
                or _one(query, "granularityId") != self.store.marketplace_id
                or self.store.marketplace_id not in _many(query, "marketplaceIds")):
            return invalid(self.reply, "granularityType, granularityId and marketplaceIds are "
                           "required and must name the seller's marketplace.")  # fmt: skip
        since = _one(query, "startDateTime")
        moment = _seconds(since) if since else 0
        offset = _page(_one(query, "nextToken"))
        if moment is None or offset < 0:
            return invalid(self.reply, "startDateTime or nextToken is invalid.")
        details = _one(query, "details") == "true"
        rows = sorted((sku, d, t) for sku, (d, t) in self.store.fba.items() if int(t) >= moment)
        page = rows[offset : offset + self.sb.summaries_page]
        summaries = []
        for sku, detail, changed in page:
            summary = {"asin": self.store.listings[sku].asin if sku in self.store.listings
                       else "B0FBA00000", "fnSku": f"X00{zlib.crc32(sku.encode()) % 10**7:07d}",
                       "sellerSku": sku, "condition": "NewItem", "lastUpdatedTime": iso(changed),
                       "productName": sku,
                       "totalQuantity": detail["fulfillableQuantity"]
                       + detail["reservedQuantity"]["totalReservedQuantity"]}  # fmt: skip
            if details:
                summary["inventoryDetails"] = detail
            summaries.append(summary)
        answer: dict[str, Any] = {"payload": {"granularity": {
            "granularityType": "Marketplace", "granularityId": self.store.marketplace_id},
            "inventorySummaries": summaries}}  # fmt: skip
        if offset + len(page) < len(rows):
            answer["pagination"] = {"nextToken": _token(offset + len(page))}
        return self.reply(200, answer)


def _seconds(text: str | None) -> int | None:
    from datetime import datetime

    try:
        return int(datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None

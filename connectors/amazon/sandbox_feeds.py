"""The sandbox's feed processor: a JSON_LISTINGS_FEED applied message by message, then reported.

A feed sits IN_QUEUE for the first half of its delay, IN_PROGRESS for the second, then is
processed once, when next observed: the document is parsed and validated against the saved
feed schema (a document that fails is FATAL, with the reasons as report issues naming no
message, and nothing applied); each message's ``fulfillment_availability`` is checked against
the product type and applied like a listing patch; every refusal is an ERROR issue with the
message's ``messageId``. The report (schema v2) is stored gzip-compressed, as Amazon may.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

from connectors.amazon import contract
from connectors.amazon.sandbox_store import (
    INVALID_VALUE,
    MISSING,
    NOT_FOUND,
    Document,
    Feed,
    Listing,
    Store,
    iso,
)
from connectors.amazon.settings import is_merchant_code


def availability_problems(value: Any, use_contract: bool) -> list[str]:
    """Why a fulfillment_availability value is refused (the product type's rules)."""
    if use_contract:
        return contract.availability_problems(value)
    if not isinstance(value, list) or not value:
        return ["attributes.fulfillment_availability: must be a non-empty array"]
    found = []
    for n, entry in enumerate(value):
        where = f"attributes.fulfillment_availability[{n}]"
        code = entry.get("fulfillment_channel_code") if isinstance(entry, dict) else None
        if not isinstance(code, str):
            found.append(f"{where}: 'fulfillment_channel_code' is a required property")
            continue
        quantity = entry.get("quantity")
        if is_merchant_code(code) and "is_inventory_available" not in entry:
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
                found.append(f"{where}.quantity: a whole number >= 0 is required")
        elif not is_merchant_code(code) and "quantity" in entry:
            found.append(f"{where}: Amazon-fulfilled offers take no quantity")
    return found


def patch_issues(
    listing: Listing | None,
    sku: str,
    product_type: Any,
    patches: list[dict[str, Any]],
    use_contract: bool,
) -> list[dict[str, Any]]:
    """The issues that refuse a set of patches to ``listing`` (empty: they apply)."""
    if listing is None:
        return [_issue(NOT_FOUND, f"SKU '{sku}' has no listing for this seller in the "
                       "marketplace.", "MISSING_ATTRIBUTE")]  # fmt: skip
    issues = []
    if product_type not in ("PRODUCT", listing.product_type):
        issues.append(_issue(INVALID_VALUE, f"productType '{product_type}' does not match the "
                             f"listing's product type '{listing.product_type}'."))  # fmt: skip
    for patch in patches:
        if patch.get("path") != "/attributes/fulfillment_availability":
            issues.append(_issue(INVALID_VALUE, f"The sandbox patches only "
                                 f"fulfillment_availability, not {patch.get('path')!r}."))
        elif patch.get("op") != "delete":
            if "value" not in patch:
                issues.append(_issue(MISSING, "'[fulfillment_availability]' is required but "
                                     "not supplied.", "MISSING_ATTRIBUTE"))  # fmt: skip
                continue
            for problem in availability_problems(patch["value"], use_contract):
                issues.append(_issue(INVALID_VALUE, problem))
    return issues


def _issue(code: str, message: str, category: str = "INVALID_ATTRIBUTE") -> dict[str, Any]:
    return {"code": code, "message": message, "severity": "ERROR",
            "attributeNames": ["fulfillment_availability"], "categories": [category]}


def advance(store: Store, feed: Feed, use_contract: bool,
            on_processed: Callable[[Feed, int], None]) -> None:  # fmt: skip
    """Move ``feed`` along its timeline; process it once its delay has passed."""
    if feed.status in ("DONE", "FATAL", "CANCELLED"):
        return
    now = store.clock()
    halfway = feed.created + (feed.ready_at - feed.created) / 2
    if feed.forced == "CANCELLED":
        feed.status, feed.ended = "CANCELLED", now
        return
    if now < halfway:
        return
    if feed.started is None:
        feed.status, feed.started = "IN_PROGRESS", now
    if now < feed.ready_at:
        return
    document = store.documents[feed.document_id]
    report, status = _process(store, feed, document, use_contract, on_processed)
    result_id = store.new_document("application/json")
    store.documents[result_id] = Document(
        "application/json", gzip.compress(json.dumps(report).encode()), compressed=True
    )
    feed.status, feed.ended, feed.result_id = status, now, result_id


def _process(store: Store, feed: Feed, document: Document, use_contract: bool,
             on_processed: Callable[[Feed, int], None]) -> tuple[dict[str, Any], str]:  # fmt: skip
    header = {"sellerId": store.seller_id, "version": "2.0", "feedId": feed.id}
    if feed.forced == "FATAL":
        return _report(header, [_fatal("The feed could not be processed (sandbox: forced "
                                       "FATAL).")], 0, 0), "FATAL"  # fmt: skip
    try:
        body = json.loads(document.content or b"")
    except ValueError as exc:
        return _report(header, [_fatal(f"The feed document is not JSON: {exc}")], 0, 0), "FATAL"
    problems = (contract.feed_validator().problems(body, product_type=False) if use_contract
                else _basic_problems(body))  # fmt: skip
    if problems:
        issues = [_fatal(p) for p in problems[:100]]
        return _report(header, issues, 0, 0), "FATAL"
    if body["header"].get("sellerId") != store.seller_id:
        issue = _fatal(f"sellerId '{body['header'].get('sellerId')}' is not this seller.")
        return _report(header, [issue], 0, 0), "FATAL"
    issues: list[dict[str, Any]] = []
    invalid = 0
    for message in body["messages"]:
        found = _message_issues(store, message, use_contract)
        for issue in found:
            issues.append({"messageId": message["messageId"], "sku": message["sku"],
                           "code": issue["code"], "severity": "ERROR",
                           "message": issue["message"],
                           "attributeName": "fulfillment_availability"})  # fmt: skip
        invalid += bool(found)
    on_processed(feed, len(body["messages"]))
    return _report(header, issues, len(body["messages"]), invalid), "DONE"


def _message_issues(store: Store, message: dict[str, Any], use_contract: bool) -> list[dict]:
    listing = store.listings.get(message["sku"])
    operation = message.get("operationType")
    if operation == "PATCH":
        patches = message.get("patches") or []
    elif operation == "PARTIAL_UPDATE" and "fulfillment_availability" in (
        message.get("attributes") or {}
    ):
        patches = [{"op": "replace", "path": "/attributes/fulfillment_availability",
                    "value": message["attributes"]["fulfillment_availability"]}]  # fmt: skip
    else:
        return [_issue(INVALID_VALUE, f"The sandbox applies PATCH and PARTIAL_UPDATE of "
                       f"fulfillment_availability only, not {operation}.")]  # fmt: skip
    found = patch_issues(listing, message["sku"], message.get("productType"), patches,
                         use_contract)  # fmt: skip
    if not found and listing is not None:
        store.apply_patches(listing, patches)
    return found


def _basic_problems(body: Any) -> list[str]:
    """What the sandbox needs to process a feed, when the saved schema is absent."""
    if not isinstance(body, dict) or not isinstance(body.get("header"), dict):
        return ["feed.header: required"]
    messages = body.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= 25_000:
        return ["feed.messages: 1..25000 messages required"]
    return [
        f"feed.messages[{n}]: messageId, sku and operationType are required"
        for n, m in enumerate(messages)
        if not isinstance(m, dict) or not isinstance(m.get("messageId"), int)
        or not isinstance(m.get("sku"), str) or "operationType" not in m
    ]


def _fatal(message: str) -> dict[str, Any]:
    return {"code": "FATAL", "severity": "ERROR", "message": message[:1000]}


def _report(header: dict[str, Any], issues: list[dict[str, Any]], processed: int,
            invalid: int) -> dict[str, Any]:  # fmt: skip
    return {
        "header": header,
        "issues": issues,
        "summary": {
            "errors": len(issues),
            "warnings": 0,
            "messagesProcessed": processed,
            "messagesAccepted": processed - invalid,
            "messagesInvalid": invalid,
        },
    }


def feed_view(feed: Feed, feed_type: str) -> dict[str, Any]:
    """The Feed model of getFeed."""
    view: dict[str, Any] = {"feedId": feed.id, "feedType": feed_type,
                            "marketplaceIds": feed.marketplaces, "createdTime": iso(feed.created),
                            "processingStatus": feed.status}  # fmt: skip
    if feed.started is not None:
        view["processingStartTime"] = iso(feed.started)
    if feed.ended is not None:
        view["processingEndTime"] = iso(feed.ended)
    if feed.result_id is not None:
        view["resultFeedDocumentId"] = feed.result_id
    return view

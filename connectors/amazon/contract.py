"""Amazon's saved contract: OpenAPI models, feed and notification schemas, the product-type rule.

The files live beside the project in the api-specs folder (``STOCKHUB_API_SPECS``, default
``../shared/api-specs`` next to the repository), never in it. The sandbox validates every
request body against them when they are present; a fresh clone without them still runs (the
sandbox then checks only what it needs to work), and the contract tests skip, or fail under
``CI=true``.

Validation costs matter at feed sizes: jsonschema needs ~0.5 ms per feed message and ~3 ms
per ``fulfillment_availability`` value (the product type's if/then rules over a 53-code enum).
:meth:`FeedValidator.problems` therefore validates each *distinct shape* of message once: the
values the schema only bounds (``messageId`` 1..2³¹−1, a non-empty ``sku``, a ``quantity``
≥ 0) are replaced by a representative of their class before the cache lookup, so a 10,000-SKU
feed costs a handful of validations and gives the same verdict as validating every message.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from hub.specs import API_SPECS_ENV, vendor_dir

FOLDER = "amazon-sp-api"
MODELS = {
    "listings": "models/listings-items-api-model/listingsItems_2021-08-01.json",
    "feeds": "models/feeds-api-model/feeds_2021-06-30.json",
    "orders": "models/orders-api-model/ordersV0.json",
    "fba": "models/fba-inventory-api-model/fbaInventory.json",
}
FEED_SCHEMA = "schemas/feeds/listings-feed-schema-v2.json"
REPORT_SCHEMA = "schemas/feeds/listings-feed-processing-report-schema-v2.json"
FRAGMENT = "product-type-definitions/fulfillment_availability.fragment.json"
NOTIFICATION_SCHEMAS = {
    "ORDER_CHANGE": "schemas/notifications/OrderChangeNotification.json",
    "LISTINGS_ITEM_MFN_QUANTITY_CHANGE": "schemas/notifications/ListingsItemMfnQuantityChange.json",
}
_LOCK = threading.Lock()


def amazon_dir() -> Path:
    return vendor_dir(FOLDER)


def available() -> bool:
    """True when the Amazon api-specs folder is present."""
    return (amazon_dir() / MODELS["listings"]).is_file()


@lru_cache(maxsize=32)
def load(relative: str) -> Any:
    """One saved file as JSON; FileNotFoundError names the setting when it is absent."""
    path = amazon_dir() / relative
    if not path.is_file():
        raise FileNotFoundError(
            f"the saved Amazon contract file is not at {path}; set {API_SPECS_ENV} to the "
            "api-specs folder"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def _messages(errors: Iterator[jsonschema.ValidationError], where: str) -> list[str]:
    found = []
    for error in sorted(errors, key=lambda e: list(e.absolute_path)):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        found.append(f"{where}{path}: {error.message[:300]}")
    return found


@lru_cache(maxsize=64)
def _definition_validator(model: str, definition: str) -> jsonschema.Draft4Validator:
    spec = load(MODELS[model])
    schema = {"$ref": f"#/definitions/{definition}", "definitions": spec["definitions"]}
    return jsonschema.Draft4Validator(schema)


def model_problems(model: str, definition: str, body: Any, where: str = "body") -> list[str]:
    """Problems of ``body`` against a definition of a saved Swagger 2.0 model (empty: valid)."""
    with _LOCK:
        validator = _definition_validator(model, definition)
    return _messages(validator.iter_errors(body), where)


@lru_cache(maxsize=4)
def _schema_validator(relative: str) -> jsonschema.protocols.Validator:
    schema = load(relative)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    return cls(schema)


def schema_problems(relative: str, document: Any, where: str = "document") -> list[str]:
    """Problems of ``document`` against a saved JSON schema file (empty: valid)."""
    with _LOCK:
        validator = _schema_validator(relative)
    return _messages(validator.iter_errors(document), where)


def notification_problems(payload: Any) -> list[str]:
    """Problems of a notification against the saved schema of its NotificationType."""
    kind = payload.get("NotificationType") if isinstance(payload, dict) else None
    if kind not in NOTIFICATION_SCHEMAS:
        known = sorted(NOTIFICATION_SCHEMAS)
        return [f"notification.NotificationType: {kind!r} is not one of {known}"]
    return schema_problems(NOTIFICATION_SCHEMAS[kind], payload, "notification")


@lru_cache(maxsize=1)
def _fragment_validator() -> jsonschema.Draft202012Validator:
    """The product type's ``fulfillment_availability`` property and its allOf rules.

    The fragment's ``$schema`` is Amazon's meta-schema (2019-09 based, with extra keywords such
    as ``selectors`` and ``enumNames`` that validation ignores); 2020-12 reads the same keywords.
    Only the rules about the attribute's own items apply to a patch of it: the others tie it to
    *other* attributes of a whole listing (``merchant_shipping_group``, ``batteries_required``,
    ``parentage_level``…), which an offer-only quantity update neither sends nor changes.
    """
    fragment = load(FRAGMENT)
    schema = {
        "type": "object",
        "$defs": fragment.get("$defs", {}),
        "properties": {
            "fulfillment_availability": fragment["properties"]["fulfillment_availability"]
        },
        "allOf": [rule for rule in fragment["allOf"] if attribute_rule(rule)],
    }
    return jsonschema.Draft202012Validator(schema)


def attribute_rule(rule: Any) -> bool:
    """True for an allOf rule that constrains only fulfillment_availability's own value."""
    return (
        isinstance(rule, dict)
        and set(rule) == {"properties"}
        and set(rule["properties"]) == {"fulfillment_availability"}
    )


@lru_cache(maxsize=4096)
def _fragment_verdict(shape: str) -> tuple[str, ...]:
    value = json.loads(shape)
    errors = _fragment_validator().iter_errors({"fulfillment_availability": value})
    return tuple(_messages(errors, "attributes"))


def availability_problems(value: Any) -> list[str]:
    """Problems of a ``fulfillment_availability`` attribute value against the product type."""
    return list(_fragment_verdict(json.dumps(_representative_availability(value), sort_keys=True)))


def _representative_availability(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    shaped = []
    for entry in value:
        if isinstance(entry, dict) and _count(entry.get("quantity")):
            entry = {**entry, "quantity": 0}
        if isinstance(entry, dict) and _count(entry.get("lead_time_to_ship_max_days")):
            days = entry["lead_time_to_ship_max_days"]
            entry = {**entry, "lead_time_to_ship_max_days": 0 if days <= 30 else 31}
        shaped.append(entry)
    return shaped


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class FeedValidator:
    """Validates JSON_LISTINGS_FEED documents against the saved schema and the product type."""

    def __init__(self) -> None:
        self.schema = load(FEED_SCHEMA)
        self.max_messages = int(self.schema["properties"]["messages"]["maxItems"])
        self.min_messages = int(self.schema["properties"]["messages"].get("minItems", 1))
        self._validator = _schema_validator(FEED_SCHEMA)
        self._verdicts: dict[str, list[str]] = {}

    def problems(self, document: Any, product_type: bool = True) -> list[str]:
        """Every problem of the document (empty: valid), each naming its path.

        :param product_type: also check each ``fulfillment_availability`` value against the
            product type (Amazon reports those per message; the envelope schema alone decides
            whether a feed can be processed at all).
        """
        if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
            return _messages(self._validator.iter_errors(document), "feed")
        messages = document["messages"]
        found = []
        if not self.min_messages <= len(messages) <= self.max_messages:
            found.append(
                f"feed.messages: {len(messages)} messages; the schema allows "
                f"{self.min_messages}..{self.max_messages}"
            )
        header = {k: v for k, v in document.items() if k != "messages"}
        with _LOCK:
            found += _messages(
                self._validator.iter_errors({**header, "messages": [{"messageId": 1, "sku": "S",
                                                                     "operationType": "DELETE"}]}),
                "feed",
            )
            for index, message in enumerate(messages):
                key = json.dumps(_representative_message(message), sort_keys=True)
                verdict = self._verdicts.get(f"{product_type}{key}")
                if verdict is None:
                    verdict = self._message_verdict(json.loads(key), product_type)
                    self._verdicts[f"{product_type}{key}"] = verdict
                found += [p.replace("feed.messages[0]", f"feed.messages[{index}]") for p in verdict]
        return found

    def _message_verdict(self, message: Any, product_type: bool) -> list[str]:
        probe = {"header": {"sellerId": "S", "version": "2.0"}, "messages": [message]}
        found = _messages(self._validator.iter_errors(probe), "feed")
        if not product_type or not isinstance(message, dict):
            return found
        for path, value in _availability_values(message):
            found += [p.replace("attributes", f"feed.messages[0].{path}", 1)
                      for p in availability_problems(value)]
        return found


def _representative_message(message: Any) -> Any:
    if not isinstance(message, dict):
        return message
    shaped = copy.copy(message)
    mid = message.get("messageId")
    if isinstance(mid, int) and not isinstance(mid, bool) and 1 <= mid <= 2_147_483_647:
        shaped["messageId"] = 1
    if isinstance(message.get("sku"), str) and message["sku"]:
        shaped["sku"] = "S"
    if isinstance(message.get("attributes"), dict):
        shaped["attributes"] = {
            k: (_representative_availability(v) if k == "fulfillment_availability" else v)
            for k, v in message["attributes"].items()
        }
    if isinstance(message.get("patches"), list):
        shaped["patches"] = [
            {**p, "value": _representative_availability(p.get("value"))}
            if isinstance(p, dict) and p.get("path") == "/attributes/fulfillment_availability"
            and "value" in p else p
            for p in message["patches"]
        ]
    return shaped


def _availability_values(message: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every fulfillment_availability value a message sets, with its path."""
    attributes = message.get("attributes")
    if isinstance(attributes, dict) and "fulfillment_availability" in attributes:
        yield "attributes.fulfillment_availability", attributes["fulfillment_availability"]
    for i, patch in enumerate(message.get("patches") or []):
        if (isinstance(patch, dict) and patch.get("path") == "/attributes/fulfillment_availability"
                and patch.get("op") != "delete" and "value" in patch):
            yield f"patches[{i}].value", patch["value"]


@lru_cache(maxsize=1)
def feed_validator() -> FeedValidator:
    return FeedValidator()

"""Crashes the connector fuzzing found, each pinned by the smallest input that showed it."""

from __future__ import annotations

import copy
import json

import pytest

from connectors.shipbob import webhooks as shipbob
from connectors.shopify import records
from connectors.square import webhooks as square
from hub.connector import InboundMessage, WebhookRequest
from hub.errors import HubError, ValidationError
from hub.records import MAX_DEPTH
from tests.fuzz.targets import AMAZON_RECORDS, CONNECTORS, target

SHIPBOB_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class TestShipBobTimestamp:
    @pytest.mark.parametrize("stamp", ["²", "9" * 5_000, "١٧٠٠٠٠٠٠٠٠"])
    def test_a_timestamp_int_cannot_read_is_not_genuine(self, stamp) -> None:
        """``"²".isdigit()`` is True and ``int("²")`` raises: an unsigned request was a 500."""
        request = WebhookRequest(b"{}", {"webhook-id": "m1", "webhook-timestamp": stamp,
                                         "webhook-signature": "v1,abc"})  # fmt: skip
        assert shipbob.verify(request, SHIPBOB_SECRET, 300) is False


class TestShopifyQuantities:
    @pytest.mark.parametrize(
        "quantity", ["x", [1], {}, 1e999, float("nan"), "9" * 5_000, 1.5, True]
    )
    def test_a_quantity_that_is_not_a_whole_number_is_named(self, quantity) -> None:
        order = {"id": 1, "created_at": "2026-11-22T10:00:00Z",
                 "line_items": [{"id": 7, "variant_id": 9, "quantity": quantity}]}  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            records.order_from_webhook(order)
        assert caught.value.field == "line_items[0].quantity"

    def test_a_fulfillment_line_that_is_not_an_object_is_named(self) -> None:
        order = {"id": 1, "created_at": "2026-11-22T10:00:00Z", "line_items": [],
                 "fulfillments": [{"id": 2, "created_at": "2026-11-22T10:00:00Z",
                                   "line_items": [None]}]}  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            records.order_from_webhook(order)
        assert caught.value.field == "fulfillments[0].line_items[0]"

    def test_whole_numbers_still_read(self) -> None:
        line = {"id": 7, "variant_id": 9, "quantity": "3"}
        order = records.order_from_webhook({"id": 1, "created_at": "t", "line_items": [line]})
        assert order.lines[0].quantity == 3


@pytest.mark.parametrize("name", CONNECTORS)
def test_json_nested_past_the_parser_limit_is_a_validation_error(name) -> None:
    """ShipBob and Amazon let ``json.loads``' RecursionError out: the handle's net caught it."""
    t = target(name)
    request = t.signed(b"[" * 100_000, dict(t.samples[0].headers))
    with pytest.raises(ValidationError) as caught:
        t.handle.parse_webhook(t.context(), request)
    assert caught.value.field == "body" and "unreadable" not in caught.value.context


@pytest.mark.parametrize("name", ["shipbob", "amazon"])
def test_json_nested_past_max_depth_is_a_validation_error(name) -> None:
    """Under the parser's limit but too deep to print or validate (hub.records.MAX_DEPTH)."""
    t = target(name)
    request = t.signed(b'{"a": ' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1))
    with pytest.raises(ValidationError) as caught:
        t.handle.parse_webhook(t.context(), request)
    assert caught.value.field == "body" and "unreadable" not in caught.value.context


def test_square_freshness_of_a_deeply_nested_body_is_false() -> None:
    assert square.is_fresh(b"[" * 100_000, 300) is False


class TestTheHandleNet:
    """Whatever a connector trips over in vendor input stays a 4xx / dead letter."""

    def test_a_verifier_that_raises_says_false(self, monkeypatch) -> None:
        t = target("custom")

        def broken(*args, **kwargs):
            raise ValueError("cannot read the header")

        monkeypatch.setattr(t.handle, "call", broken)
        assert t.handle.verify_webhook(t.context(), WebhookRequest(b"{}")) is False

    @pytest.mark.parametrize("error", [TypeError("x"), KeyError("k"), RecursionError()])
    def test_a_translator_that_raises_gives_a_validation_error_with_the_cause(
        self, monkeypatch, error
    ) -> None:
        t = target("custom")

        def broken(*args, **kwargs):
            raise error

        monkeypatch.setattr(t.handle, "call", broken)
        with pytest.raises(ValidationError) as caught:
            t.handle.translate(t.context(), InboundMessage("stock.adjusted", {}))
        assert caught.value.__cause__ is error
        assert caught.value.context["unreadable"] == type(error).__name__

    def test_the_message_never_carries_a_channel_secret(self, monkeypatch) -> None:
        t = target("custom")
        secret = t.context().settings["webhook_secret"]

        def leaky(*args, **kwargs):
            raise ValueError(f"bad key {secret}")

        monkeypatch.setattr(t.handle, "call", leaky)
        with pytest.raises(ValidationError) as caught:
            t.handle.parse_webhook(t.context(), WebhookRequest(b"{}"))
        assert secret not in caught.value.message

    def test_connection_errors_are_not_swallowed(self, monkeypatch) -> None:
        """An outage is transient (the vendor delivers again), not the sender's fault."""
        t = target("custom")

        def down(*args, **kwargs):
            raise ConnectionError("redis down")

        monkeypatch.setattr(t.handle, "call", down)
        with pytest.raises(ConnectionError):
            t.handle.parse_webhook(t.context(), WebhookRequest(b"{}"))


def _named(name: str, topic: str, body) -> HubError:
    """The error translating ``body`` gives, checked to be the connector's own (not the net's)."""
    t = target(name)
    with pytest.raises(HubError) as caught:
        t.handle.translate(t.context(), InboundMessage(topic, body, delivery_id="regression"))
    assert "unreadable" not in caught.value.context, caught.value.message
    return caught.value


SHIPMENT = {
    "id": 77, "order_id": 7, "status": "Completed", "created_date": "2026-11-22T10:00:00Z",
    "location": {"id": 156}, "actual_fulfillment_date": "2026-11-22T12:00:00Z",
    "products": [{"id": 1, "inventory_items": [{"id": 1180431, "quantity": 2}]}],
}  # fmt: skip
RETURN = {
    "id": 9001, "status": "Completed", "arrived_date": "2026-11-23T09:00:00Z",
    "fulfillment_center": {"id": 156},
    "inventory": [{"id": 1180431, "quantity": 1, "action_requested": {"action": "Restock"},
                   "action_taken": [{"action": "Default", "quantity_processed": 1}]}],
}  # fmt: skip


#: Stands for a value nested past the recursion limit (built per test: copying it recurses).
DEEP = "<nested 1,500 deep>"


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def _changed(record: dict, path: tuple, value) -> dict:
    tree = copy.deepcopy(record)
    value = _nested(1_500) if value is DEEP else value
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return tree


class TestShipBobRecords:
    """Wrong shapes in a shipment or return: a ValidationError naming the JSON path."""

    @pytest.mark.parametrize(
        ("path", "value", "field"),
        [
            # an array entry that is not an object: AttributeError ('list' has no 'get')
            (("products", 0), [], "products[0]"),
            (("products", 0, "inventory_items", 0), "x", "products[0].inventory_items[0]"),
            # an array that is not an array: TypeError ('bool' is not iterable)
            (("products",), True, "products"),
            (("products", 0, "inventory_items"), 0.5, "products[0].inventory_items"),
            # an object that is not an object: AttributeError
            (("tracking",), [], "tracking"),
            (("location",), "Cicero", "location"),
            # values str() cannot print (RecursionError) or a date past year 9999 in UTC
            # (OverflowError), and ids that are not ids (were stringified as "{'x': 1}")
            (("status",), DEEP, "status"),
            (("created_date",), "9999-12-31T23:00:00-05:00", "created_date"),
            (("id",), {"x": 1}, "id"),
            (("products", 0, "inventory_items", 0, "quantity"), DEEP, None),
        ],
    )  # fmt: skip
    def test_a_shipment(self, path, value, field) -> None:
        error = _named("shipbob", "order.shipped", _changed(SHIPMENT, path, value))
        expected = field or "products[0].inventory_items[0].quantity"
        assert error.field == expected

    def test_a_shipment_of_an_order_is_named_by_its_place(self) -> None:
        order = {"id": 7, "shipments": [SHIPMENT, _changed(SHIPMENT, ("products",), {"id": 1})]}
        assert _named("shipbob", "order.shipped", order).field == "shipments[1].products"

    @pytest.mark.parametrize(
        ("path", "value", "field"),
        [
            (("inventory", 0), [], "inventory[0]"),
            (("inventory", 0, "action_requested"), [], "inventory[0].action_requested"),
            (("inventory", 0, "action_taken"), 7, "inventory[0].action_taken"),
            (("inventory", 0, "action_taken", 0), None, "inventory[0].action_taken[0]"),
            (("inventory", 0, "action_taken", 0, "action"), DEEP,
             "inventory[0].action_taken[0].action"),
            (("fulfillment_center",), [156], "fulfillment_center"),
            (("store_order_id",), ["S-1"], "store_order_id"),
        ],
    )  # fmt: skip
    def test_a_return(self, path, value, field) -> None:
        error = _named("shipbob", "return.completed", _changed(RETURN, path, value))
        assert error.field == field

    def test_a_topic_that_is_not_text_is_named(self) -> None:
        t = target("shipbob")
        body = b'{"topic": ["order.shipped"], "data": {}}'
        with pytest.raises(ValidationError) as caught:
            t.handle.parse_webhook(t.context(), t.signed(body))
        assert caught.value.field == "body.topic"

    def test_valid_records_still_translate(self) -> None:
        t = target("shipbob")
        shipped = t.handle.translate(t.context(), InboundMessage("order.shipped", SHIPMENT))
        returned = t.handle.translate(t.context(), InboundMessage("return.completed", RETURN))
        assert [e.type for e in shipped] == ["order.placed", "order.fulfilled"]
        assert [e.type for e in returned] == [
            "return.received", "return.inspected", "return.dispositioned"]  # fmt: skip


def _sample(name: str, topic: str) -> dict:
    return next(s.body for s in target(name).samples if s.topic == topic)


class TestAmazonRecords:
    """Wrong shapes in a notification or a pulled record: a ValidationError naming the path."""

    def test_a_notification_type_that_is_not_text_is_named(self) -> None:
        """``kind not in KNOWN`` raised TypeError (unhashable list) before the check."""
        t = target("amazon")
        notification = {**_sample("amazon", "ORDER_CHANGE"), "NotificationType": [{"x": 1}]}
        request = t.signed(json.dumps(notification).encode())
        with pytest.raises(ValidationError) as caught:
            t.handle.parse_webhook(t.context(), request)
        assert caught.value.field == "body.NotificationType"

    @pytest.mark.parametrize(
        ("path", "value", "field"),
        [
            (("Payload",), ["x"], "Payload"),
            (("Payload", "OrderChangeNotification", "OrderChangeTrigger"), [],
             "Payload.OrderChangeNotification.OrderChangeTrigger"),
            (("Payload", "OrderChangeNotification", "Summary", "OrderItems", 0), [],
             "Payload.OrderChangeNotification.Summary.OrderItems[0]"),
            (("Payload", "OrderChangeNotification", "Summary", "OrderItems"), {},
             "Payload.OrderChangeNotification.Summary.OrderItems"),
            (("Payload", "OrderChangeNotification", "Summary", "OrderItems", 0, "SellerSKU"),
             DEEP, "Payload.OrderChangeNotification.Summary.OrderItems[0].SellerSKU"),
        ],
    )  # fmt: skip
    def test_an_order_change(self, path, value, field) -> None:
        notification = _changed(_sample("amazon", "ORDER_CHANGE"), path, value)
        assert _named("amazon", "ORDER_CHANGE", notification).field == field

    @pytest.mark.parametrize(
        ("topic", "path", "value", "field"),
        [
            ("order", ("items",), 0.5, "body.items"),
            ("order", ("order",), [], "body.order"),
            ("order", ("items", 0), None, "OrderItems[0]"),
            ("inventory_summary", ("inventoryDetails",), ["x"], "inventoryDetails"),
            ("inventory_summary", ("sellerSku",), {"x": 1}, "sellerSku"),
        ],
    )  # fmt: skip
    def test_a_pulled_record(self, topic, path, value, field) -> None:
        record = dict(AMAZON_RECORDS)[topic]
        assert _named("amazon", topic, _changed(record, path, value)).field == field

    def test_inventory_details_nested_past_the_recursion_limit_are_read(self) -> None:
        """The leaves were collected recursively: RecursionError on a deep record."""
        details = {"fulfillableQuantity": 5}
        for _ in range(2_000):
            details = {"reservedQuantity": details}
        record = {**dict(AMAZON_RECORDS)["inventory_summary"], "inventoryDetails": details}
        t = target("amazon")
        (event,) = t.handle.translate(t.context(), InboundMessage("inventory_summary", record))
        assert event.data.quantities == {"on_hand": 5}


def test_custom_event_too_deep_to_copy_names_the_body() -> None:
    """json.loads follows about twice the nesting that copy.deepcopy can: the custom
    translator copied such an event and let RecursionError out (found by the fuzzer, and
    flaky, as the limit depends on how deep the stack already is)."""
    from connectors.custom.protocol import translate
    from hub.errors import ValidationError

    event: dict = {"type": "stock.counted", "data": {}}
    inner = event["data"]
    for _ in range(5_000):
        inner["x"] = {}
        inner = inner["x"]
    with pytest.raises(ValidationError) as caught:
        translate(event, "pos")
    assert caught.value.field == "body" and "nests too deeply" in caught.value.message


@pytest.mark.parametrize("notification", [None, [], "text"])
def test_square_refund_with_a_notification_that_is_not_an_object(notification) -> None:
    """``{"notification": null}`` on a refund record called ``.get`` on None (found by the
    strict fuzz): null means the record itself (which then lacks ``data``); anything else
    that is not an object names ``notification``."""
    from connectors.square.translate import REFUND_TOPICS, record_events

    record = {"notification": notification, "order": {"id": "o1"}}
    with pytest.raises(ValidationError) as caught:
        record_events(sorted(REFUND_TOPICS)[0], record, "pos", {})
    assert caught.value.field == ("data" if notification is None else "notification")

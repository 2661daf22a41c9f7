"""Everything the connector sends, checked against Shopify's saved contract (the api-specs).

* every GraphQL document validates against the saved 2025-01 schema, or — the 2026 push shape
  — against 2025-01 with the changes contract-notes-2026.json documents, and not without them;
* the variables the push builds coerce into the input types of their version: compareQuantity
  before 2026-04, changeFromQuantity from 2026-01, refused where the contract removed it;
* the sandbox's fallback schema (subset.graphql) is a faithful subset of the saved one;
* the default API version and the batch size are the ones the notes give.
"""

from __future__ import annotations

import pytest
from graphql import GraphQLSchema, get_named_type, parse
from graphql.execution.values import get_variable_values
from graphql.language import OperationDefinitionNode

from connectors.shopify import documents, schema, settings, translate

pytestmark = pytest.mark.usefixtures("shopify_specs")


def saved(version: str) -> GraphQLSchema:
    return schema.schema_for(version, "saved")[0]


@pytest.mark.parametrize("document", documents.ALL, ids=lambda d: f"{d.name}-{d.schema}")
def test_every_document_validates_against_its_contract(document: documents.Document) -> None:
    """2025-01 documents against the saved schema; the 2026 shape against the derived one."""
    assert schema.problems(document.text, document.schema, "saved") == []
    if document.schema == "2026-04":
        assert schema.problems(document.text, "2025-01", "saved") == [
            "Unknown directive '@idempotent'."
        ]


def test_documents_are_checked_for_every_version_the_setting_allows() -> None:
    """Whatever api_version is configured, the push document it picks validates there."""
    for version in ("2025-01", "2025-10", "2026-01", "2026-04", settings.DEFAULT_API_VERSION):
        document = documents.set_available(version)
        assert schema.problems(document.text, version, "saved") == [], version
        for other in documents.ALL:
            if other.schema == "2025-01":
                assert schema.problems(other.text, version, "saved") == [], (version, other.name)


def coerce(version: str, variables: dict) -> list[str]:
    """Errors coercing push variables into the mutation's input types for ``version``."""
    document = parse(documents.set_available(version).text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    result = get_variable_values(saved(version), operation.variable_definitions, variables)
    return [] if isinstance(result, dict) else [e.message for e in result]


def push_variables(version: str, expected: int | None) -> dict:
    change_from = settings.uses_change_from(version)
    quantity = translate.quantity_input(
        "gid://shopify/InventoryItem/1", "gid://shopify/Location/2", 5, expected, change_from
    )
    body = translate.set_quantities_input([quantity], "stockhub://push/x/k", change_from)
    return {"input": body, **({"idempotencyKey": "k"} if change_from else {})}


@pytest.mark.parametrize("version", ["2025-01", "2026-01", "2026-04", "2026-07"])
@pytest.mark.parametrize("expected", [None, 4])
def test_push_variables_fit_their_version(version: str, expected: int | None) -> None:
    assert coerce(version, push_variables(version, expected)) == []


def test_removed_and_new_fields_are_refused_where_the_contract_says() -> None:
    """changeFromQuantity does not exist in 2025-01; compareQuantity is gone from 2026-04."""
    new_shape = push_variables("2026-07", 4)["input"]
    assert any("changeFromQuantity" in e for e in coerce("2025-01", {"input": new_shape}))
    old_shape = push_variables("2025-01", 4)
    errors = coerce("2026-07", {**old_shape, "idempotencyKey": "k"})
    assert any("compareQuantity" in e for e in errors)
    legacy_opt_out = {"input": push_variables("2025-01", None)["input"], "idempotencyKey": "k"}
    assert any("ignoreCompareQuantity" in e for e in coerce("2026-04", legacy_opt_out))


def test_subset_schema_is_a_faithful_part_of_the_saved_one() -> None:
    """Every type, field, argument and enum value of subset.graphql exists alike in 2025-01."""
    subset, _ = schema.schema_for("2025-01", "subset")
    full = saved("2025-01")
    for name, kind in subset.type_map.items():
        if name.startswith("__"):
            continue
        other = full.get_type(name)
        assert other is not None and type(other) is type(kind), name
        for field_name, field in getattr(kind, "fields", {}).items():
            theirs = other.fields.get(field_name)
            assert theirs is not None, f"{name}.{field_name}"
            assert str(theirs.type) == str(field.type), f"{name}.{field_name}"
            for arg, value in getattr(field, "args", {}).items():
                assert str(theirs.args[arg].type) == str(value.type), f"{name}.{field_name}({arg})"
        for value in getattr(kind, "values", {}):
            assert value in other.values, f"{name}.{value}"
        for interface in getattr(kind, "interfaces", ()):
            assert interface.name in {i.name for i in other.interfaces}, name


def test_the_derived_2026_schema_applies_exactly_the_documented_changes() -> None:
    before, jan, april = saved("2025-01"), saved("2026-01"), saved("2026-04")
    field = lambda s, t: set(get_named_type(s.get_type(t)).fields)  # noqa: E731
    assert field(jan, "InventoryQuantityInput") - field(before, "InventoryQuantityInput") == {
        "changeFromQuantity"
    }
    assert "compareQuantity" in field(jan, "InventoryQuantityInput")
    assert "compareQuantity" not in field(april, "InventoryQuantityInput")
    assert "ignoreCompareQuantity" not in field(april, "InventorySetQuantitiesInput")
    assert before.get_directive("idempotent") is None
    assert str(april.get_directive("idempotent").args["key"].type) == "String!"


def test_settings_follow_the_contract_notes(contract_notes: dict) -> None:
    """Default version: the newest the notes describe; batch: the input-array limit; plans."""
    described = {
        entry["version"].split()[0]
        for entry in contract_notes["compare_and_swap"] + contract_notes["idempotency"]
        if entry["version"][:4].isdigit()
    }
    assert settings.DEFAULT_API_VERSION == max(described)
    assert "250" in contract_notes["limits"]["input_arrays"]
    assert settings.MAX_BATCH_SIZE == 250
    rates = contract_notes["limits"]["graphql_admin_rate_limit"]["restore_rate_points_per_second"]
    assert sorted(settings.PLAN_RESTORE_RATES.values()) == sorted(rates.values())
    enum = {t.lower() for t in contract_notes["webhook_topics_in_2025_01_schema"]}
    ours = translate.ORDER_TOPICS | {translate.REFUND_TOPIC, translate.LEVEL_TOPIC}
    assert {t.replace("/", "_") for t in ours} <= enum  # orders/create is ORDERS_CREATE


def test_every_document_sent_is_a_declared_one(handle, context) -> None:
    """Push (both version families, variants, a stale compare) and every pull, long orders
    included, against the sandbox: each text sent is one of documents.ALL, and all are used."""
    from connectors.shopify.sandbox import ShopifySandbox
    from connectors.shopify.sandbox_seed import DC
    from hub.connector import StockUpdate

    sandbox = ShopifySandbox.seeded(schema_source="saved")
    variant = next(iter(sandbox.shop.variants))
    order = sandbox.act(lambda shop: shop.create_order([(variant, 1)] * 40, DC))
    sandbox.act(lambda shop: [shop.fulfill(order) for _ in range(4)][-1])  # > 3 fulfillments
    returned = [(line.id, 1) for line in sandbox.shop.orders[order].lines[:25]]  # > 20 lines
    sandbox.act(lambda shop: shop.refund(order, returned, "return", DC))
    for version in ("2025-01", "2026-07"):
        ctx = context(sandbox.transport(), api_version=version)
        handle.push_stock(ctx, [StockUpdate("a", "dc", 3, variant, DC, 999)])
        for resource in ("orders", "returns", "stock"):
            handle.pull(ctx, resource, None, limit=1000)
    declared = {d.text for d in documents.ALL}
    assert set(sandbox.documents) <= declared
    assert declared - set(sandbox.documents) == set()

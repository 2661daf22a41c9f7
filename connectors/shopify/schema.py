"""The Admin GraphQL schema documents are checked against: Shopify's saved one, or our subset.

Shopify's 2025-01 schema (introspection JSON, ``admin-graphql/admin_schema_2025-01.json.gz``)
lives beside the project in the api-specs folder, never in the repository. Its path is the
``STOCKHUB_API_SPECS`` environment variable, default ``../shared/api-specs`` next to the
project. Where it is absent (a fresh clone), the sandbox falls back to ``subset.graphql``:
the few types the connector uses, hand-written from the saved schema and checked against it
by a contract test.

Newer versions are derived by applying the changes ``contract-notes-2026.json`` documents:
2026-01 adds ``InventoryQuantityInput.changeFromQuantity``, the ``@idempotent(key:)``
directive and the ``CHANGE_FROM_QUANTITY_STALE`` error code; 2026-04 removes
``compareQuantity`` and ``ignoreCompareQuantity``.
"""

from __future__ import annotations

import copy
import gzip
import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLSchema,
    build_ast_schema,
    build_client_schema,
    introspection_from_schema,
    parse,
    validate,
)

from connectors.shopify.settings import version_key
from hub.specs import API_SPECS_ENV, vendor_dir

SCHEMA_FILE = Path("admin-graphql/admin_schema_2025-01.json.gz")  # in the shopify folder
SUBSET_FILE = Path(__file__).with_name("subset.graphql")
_LOCK = threading.Lock()


def saved_schema_path() -> Path | None:
    """The saved 2025-01 introspection file, or None where the api-specs are absent."""
    path = vendor_dir("shopify") / SCHEMA_FILE
    return path if path.is_file() else None


def contract_variant(api_version: str) -> str:
    """Which contract a version speaks: "2025-01", "2026-01" or "2026-04"."""
    key = version_key(api_version)
    if key >= (2026, 4):
        return "2026-04"
    return "2026-01" if key >= (2026, 1) else "2025-01"


def schema_for(api_version: str, source: str = "auto") -> tuple[GraphQLSchema, str]:
    """The schema for ``api_version`` and what it was built from ("saved" or "subset").

    :param source: "saved" (fail without the api-specs), "subset", or "auto" (saved if found).
    """
    if source == "auto":
        source = "saved" if saved_schema_path() is not None else "subset"
    with _LOCK:  # server threads may ask at once; building the saved schema takes ~0.5 s
        return _schema(source, contract_variant(api_version)), source


@lru_cache(maxsize=8)
def _schema(source: str, variant: str) -> GraphQLSchema:
    return build_client_schema(_derived(_introspection(source), variant))


@lru_cache(maxsize=2)
def _introspection(source: str) -> dict[str, Any]:
    if source == "saved":
        path = saved_schema_path()
        if path is None:
            raise FileNotFoundError(
                f"the saved Shopify schema is not at {vendor_dir('shopify') / SCHEMA_FILE}; "
                f"set {API_SPECS_ENV} to the api-specs folder"
            )
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            raw = json.load(handle)
        return raw.get("data", raw)
    return dict(introspection_from_schema(build_ast_schema(parse(SUBSET_FILE.read_text()))))


def _derived(introspection: dict[str, Any], variant: str) -> dict[str, Any]:
    """The 2025-01 introspection with the documented 2026 changes applied."""
    if variant == "2025-01":
        return introspection
    schema = copy.deepcopy(introspection)
    types = {t["name"]: t for t in schema["__schema"]["types"]}
    quantity = types["InventoryQuantityInput"]
    quantity["inputFields"].append(
        _input_field("changeFromQuantity", {"kind": "SCALAR", "name": "Int", "ofType": None})
    )
    codes = types["InventorySetQuantitiesUserErrorCode"]["enumValues"]
    codes.append(
        {
            "name": "CHANGE_FROM_QUANTITY_STALE",
            "description": "The changeFromQuantity value does not match the persisted value.",
            "isDeprecated": False,
            "deprecationReason": None,
        }
    )
    schema["__schema"]["directives"].append(
        {
            "name": "idempotent",
            "description": "Makes a retried mutation return the first call's result.",
            "locations": ["FIELD"],
            "isRepeatable": False,
            "args": [
                _input_field(
                    "key",
                    {
                        "kind": "NON_NULL",
                        "name": None,
                        "ofType": {"kind": "SCALAR", "name": "String", "ofType": None},
                    },
                )
            ],
        }
    )
    if variant == "2026-04":
        quantity["inputFields"] = [
            f for f in quantity["inputFields"] if f["name"] != "compareQuantity"
        ]
        setter = types["InventorySetQuantitiesInput"]
        setter["inputFields"] = [
            f for f in setter["inputFields"] if f["name"] != "ignoreCompareQuantity"
        ]
    return schema


def _input_field(name: str, type_ref: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "description": None,
        "type": type_ref,
        "defaultValue": None,
        "isDeprecated": False,
        "deprecationReason": None,
    }


def problems(text: str, api_version: str, source: str = "auto") -> list[str]:
    """Validation errors of a document against the schema of ``api_version`` (empty: valid)."""
    schema, _ = schema_for(api_version, source)
    return list(_problems(schema, text))


@lru_cache(maxsize=512)
def _problems(schema: GraphQLSchema, text: str) -> tuple[str, ...]:
    try:
        document = parse(text)
    except Exception as exc:  # graphql.GraphQLSyntaxError
        return (str(exc).splitlines()[0],)
    return tuple(error.message for error in validate(schema, document))

"""ShipBob's saved OpenAPI: find it, match requests to its operations, validate against it.

The documents (``shipbob/openapi/openapi-<version>.json``) live beside the project in the
api-specs folder, never in the repository: ``STOCKHUB_API_SPECS``, default ``../shared/api-specs``
next to the project. The sandbox checks every request it receives with :func:`request_problems`
(known path and method, declared query parameters with values of the declared type and range,
the bearer token) and tests check payloads with :func:`validator`. Where the api-specs are
absent the sandbox falls back to the operations this connector uses (:data:`KNOWN_OPERATIONS`),
checking paths and methods only, and says so in :func:`source`.

OpenAPI 3.0 schemas become JSON Schema by two rewrites: ``nullable: true`` adds ``null`` to the
type, and a ``$ref``'s siblings are dropped (OpenAPI ignores them; ShipBob's documents put
``additionalProperties: false`` beside every ``$ref``, which JSON Schema would apply).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

from connectors.shipbob.settings import API_VERSIONS
from hub.specs import API_SPECS_ENV, vendor_dir

#: (method, path template without the version) of every call the connector makes
KNOWN_OPERATIONS = (
    ("GET", "/inventory-level"),
    ("GET", "/inventory-level/locations"),
    ("GET", "/order"),
    ("GET", "/return"),
    ("GET", "/return/{id}"),
    ("GET", "/location"),
    ("POST", "/webhook"),
    ("GET", "/webhook"),
)
_LOCK = threading.Lock()


def spec_path(version: str) -> Path | None:
    path = vendor_dir("shipbob") / "openapi" / f"openapi-{version}.json"
    return path if path.is_file() else None


def source() -> str:
    """ "saved" when ShipBob's documents are found, else "builtin" (paths and methods only)."""
    return "saved" if all(spec_path(v) for v in API_VERSIONS) else "builtin"


@lru_cache(maxsize=4)
def document(version: str) -> dict[str, Any]:
    path = spec_path(version)
    if path is None:
        raise FileNotFoundError(
            f"ShipBob OpenAPI {version} not at {vendor_dir('shipbob') / 'openapi'}; "
            f"set {API_SPECS_ENV} to the api-specs folder"
        )
    with _LOCK:
        return json.loads(path.read_text())


def operation(version: str, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """(path template, operation object) for a request, or None when the API has no such call."""
    if source() == "builtin":
        for verb, template in KNOWN_OPERATIONS:
            if verb == method.upper() and _pattern(f"/{version}{template}").match(path):
                return f"/{version}{template}", {"parameters": []}
        return None
    paths = document(version)["paths"]
    for template, item in sorted(paths.items(), key=lambda kv: kv[0].count("{")):  # literal first
        if _pattern(template).match(path) and method.lower() in item:
            return template, item[method.lower()]
    return None


@lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    escaped = re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
    return re.compile("^" + re.sub(r"{[^/]+?}", r"[^/:]+", escaped) + "$")


def request_problems(
    version: str, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
) -> list[str]:
    """Everything wrong with a request against the saved operation (empty: valid)."""
    found = operation(version, method, path)
    if found is None:
        return [f"{method} {path}: no such operation in ShipBob API {version}"]
    _, op = found
    declared = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
    problems = []
    for name, value in query.items():
        if source() == "saved" and name not in declared:
            problems.append(f"query parameter {name!r} is not declared for {method} {path}")
        elif name in declared:
            problems.extend(_value_problems(name, value, declared[name].get("schema", {})))
    lowered = {k.lower(): v for k, v in headers.items()}
    for p in op.get("parameters", []):
        if p.get("in") == "header" and p["name"].lower() in lowered:
            problems.extend(_value_problems(p["name"], lowered[p["name"].lower()], p["schema"]))
        if p.get("required") and p.get("in") == "query" and p["name"] not in query:
            problems.append(f"query parameter {p['name']!r} is required")
    return problems


def _value_problems(name: str, value: str, schema: Mapping[str, Any]) -> list[str]:
    kind, fmt = schema.get("type"), schema.get("format")
    if kind in ("number", "integer") or fmt in ("int32", "int64"):
        try:
            number = float(value)
        except ValueError:
            return [f"{name}={value!r} is not a number"]
        if fmt in ("int32", "int64") and number != int(number):
            return [f"{name}={value!r} is not an integer"]
        if "minimum" in schema and number < schema["minimum"]:
            return [f"{name}={value!r} is below the minimum {schema['minimum']:g}"]
        if "maximum" in schema and number > schema["maximum"]:
            return [f"{name}={value!r} is above the maximum {schema['maximum']:g}"]
    if kind == "boolean" and value not in ("true", "false"):
        return [f"{name}={value!r} is not true or false"]
    if fmt == "date-time":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return [f"{name}={value!r} is not an ISO 8601 date-time"]
    if schema.get("enum") and value not in schema["enum"]:
        return [f"{name}={value!r} is not one of {schema['enum']}"]
    if "items" in schema and kind == "string":  # comma-separated list of typed items
        item = schema["items"]
        return [p for v in value.split(",") for p in _value_problems(name, v, item)]
    return []


def validator(version: str, schema_name: str) -> Draft4Validator:
    """A JSON Schema validator for ``components.schemas[schema_name]`` of ``version``."""
    return _validator(version, schema_name)


@lru_cache(maxsize=64)
def _validator(version: str, schema_name: str) -> Draft4Validator:
    components = _json_schema(document(version)["components"]["schemas"])
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": components}}
    return Draft4Validator(root, format_checker=FormatChecker())


def response_schema(version: str, method: str, path: str, status: int = 200) -> str | None:
    """The name of the schema an operation's answer follows, when it names one."""
    found = operation(version, method, path)
    if found is None or source() == "builtin":
        return None
    content = found[1].get("responses", {}).get(str(status), {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] or None


def request_schema(version: str, method: str, path: str) -> str | None:
    found = operation(version, method, path)
    if found is None or source() == "builtin":
        return None
    content = found[1].get("requestBody", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref.rsplit("/", 1)[-1] or None


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 → JSON Schema (see the module docstring)."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = {"$ref": node["$ref"]}
        return {"anyOf": [ref, {"type": "null"}]} if node.get("nullable") else ref
    out = {
        k: (v if k in ("enum", "example", "required") else _json_schema(v))
        for k, v in node.items()
        if k not in ("nullable", "example", "x-name")
    }
    if "properties" in node and isinstance(node["properties"], dict):
        out["properties"] = {k: _json_schema(v) for k, v in node["properties"].items()}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if out.get("type") != "object" and out.get("additionalProperties") is False:
        out.pop("additionalProperties")  # on scalars it is noise; on $ref'd objects, see above
    return out

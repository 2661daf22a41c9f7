"""Square's saved OpenAPI (``api.json``) and request validation against its schemas.

The file is the vendor's, kept beside the project (``STOCKHUB_API_SPECS``, default
``../shared/api-specs``), never copied here. Where it is absent the sandbox accepts what the
connector sends unchecked (``available()`` says so) and the contract tests skip — or fail
under ``CI=true``. *Strict* validation also refuses properties a schema does not declare, so a
misspelt field is caught, not ignored as Square would.
"""

from __future__ import annotations

import copy
import json
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from hub.specs import API_SPECS_ENV, vendor_dir

_URI = "https://stockhub.invalid/square/api.json"
_LOCK = threading.Lock()


def spec_path() -> Path | None:
    path = vendor_dir("square") / "api.json"
    return path if path.is_file() else None


def available() -> bool:
    return spec_path() is not None


def document() -> dict[str, Any]:
    """The saved api.json (FileNotFoundError naming the setting where it is absent)."""
    with _LOCK:
        return _document(str(spec_path() or ""))


@lru_cache(maxsize=2)
def _document(path: str) -> dict[str, Any]:
    if not path:
        raise FileNotFoundError(
            f"Square's api.json is not at {vendor_dir('square') / 'api.json'}; "
            f"set {API_SPECS_ENV} to the api-specs folder"
        )
    return json.loads(Path(path).read_text())


def problems(name: str, instance: Any, *, strict: bool = True) -> list[str]:
    """Every way ``instance`` breaks ``components.schemas[name]`` ("path: message")."""
    validator = _validator(name, strict)
    found = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        found.append(f"{name}{where}: {error.message}")
    return found


def _validator(name: str, strict: bool) -> Draft7Validator:
    with _LOCK:
        return _build(str(spec_path() or ""), name, strict)


@lru_cache(maxsize=64)
def _build(path: str, name: str, strict: bool) -> Draft7Validator:
    doc = _document(path)
    if name not in doc["components"]["schemas"]:
        raise KeyError(f"api.json has no schema {name!r}")
    if strict:
        doc = _strict(doc)
    registry = Registry().with_resource(_URI, Resource(contents=doc, specification=DRAFT7))
    return Draft7Validator({"$ref": f"{_URI}#/components/schemas/{name}"}, registry=registry)


@lru_cache(maxsize=2)
def _strict_cached(path: str) -> dict[str, Any]:
    doc = copy.deepcopy(_document(path))
    for schema in doc["components"]["schemas"].values():
        _close(schema)
    return doc


def _strict(doc: dict[str, Any]) -> dict[str, Any]:
    return _strict_cached(str(spec_path() or ""))


def _close(schema: Any) -> None:
    """Refuse undeclared properties in every object schema that lists its properties."""
    if not isinstance(schema, dict):
        return
    if "properties" in schema and "additionalProperties" not in schema:
        schema["additionalProperties"] = False
    for value in schema.get("properties", {}).values():
        _close(value)
    if isinstance(schema.get("items"), dict):
        _close(schema["items"])

"""Reading vendor records: typed accessors whose ``ValidationError`` names the JSON path.

Connectors read webhook bodies and pulled records they do not control. Reading a field through
these, instead of ``record["key"]`` or ``record.get("key")``, turns every wrong shape — a list
where an object belongs, text where a count belongs, nesting past the recursion limit — into a
:class:`hub.errors.ValidationError` whose ``field`` is the path into the record
(``shipments[0].products[1].inventory_items[0].quantity``), so the inbox dead-letters it with a
message a person can act on, and :data:`hub.dispatch.UNREADABLE` is never needed.

``where`` is the path of the record being read (``""`` at the root); paths are written the way
the hub writes them everywhere: ``a.b``, ``a[0]``. An absent field and ``null`` are the same.
Messages describe a wrong value by its JSON type, never by its ``repr`` (which can be huge, or
nest too deeply to print).
"""

from __future__ import annotations

import json
from typing import Any

from hub.errors import ValidationError

__all__ = [
    "MAX_DEPTH",
    "an_object",
    "count",
    "count_at",
    "document",
    "id_at",
    "identifier",
    "list_at",
    "object_at",
    "objects",
    "objects_at",
    "path",
    "shown",
    "text",
    "text_at",
]

#: The deepest nesting a vendor document may have. Real payloads nest a dozen levels at most;
#: anything near the interpreter's recursion limit cannot be printed, compared or validated.
MAX_DEPTH = 64


def path(where: str, key: str | int) -> str:
    """``where`` and one step into it: ``path("a", "b") == "a.b"``, ``path("a", 0) == "a[0]"``."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def shown(value: Any) -> str:
    """A short description of a JSON value for a message: scalars as written, cut to 40
    characters; arrays and objects by their type."""
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, list):
        return "a JSON array"
    try:
        written = repr(value)
    except ValueError:  # an int with more digits than Python will print
        return "a number too long to print"
    return written if len(written) <= 40 else written[:37] + "..."


def document(raw: bytes | str, what: str = "webhook body", field: str = "body") -> Any:
    """``raw`` parsed as JSON, nested at most :data:`MAX_DEPTH` deep; a ValidationError naming
    ``field`` when it is not JSON (bad UTF-8, a number Python refuses, nesting past the parser's
    limit) or nests deeper than that."""
    try:
        value = json.loads(raw)
    except RecursionError:  # nested past the parser's limit
        raise ValidationError(f"{what} nests too deeply", field=field) from None
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError included
        raise ValidationError(f"{what} is not JSON: {exc}", field=field) from exc
    if _depth_exceeds(value, MAX_DEPTH):
        raise ValidationError(f"{what} nests deeper than {MAX_DEPTH} levels", field=field)
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True when ``value`` nests more than ``limit`` arrays or objects deep (no recursion)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth >= limit:
                return True
            stack.extend(
                (v, depth + 1) for v in (node.values() if isinstance(node, dict) else node)
            )
    return False


def an_object(value: Any, where: str) -> dict[str, Any]:
    """``value`` itself when it is a JSON object; otherwise a ValidationError naming ``where``."""
    if not isinstance(value, dict):
        raise ValidationError(
            f"{where or 'the record'} must be a JSON object, got {shown(value)}",
            field=where or None,
        )
    return value


def object_at(
    record: dict[str, Any], key: str, where: str = "", *, required: bool = False
) -> dict[str, Any]:
    """The object at ``key`` (``{}`` when absent, unless ``required``)."""
    value = record.get(key)
    if value is None:
        if required:
            raise ValidationError(f"{key} is missing", field=path(where, key))
        return {}
    return an_object(value, path(where, key))


def list_at(record: dict[str, Any], key: str, where: str = "") -> list[Any]:
    """The array at ``key`` (``[]`` when absent)."""
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(
            f"{key} must be a JSON array, got {shown(value)}", field=path(where, key)
        )
    return value


def objects_at(
    record: dict[str, Any], key: str, where: str = ""
) -> list[tuple[str, dict[str, Any]]]:
    """:func:`objects` of the array at ``key`` (none when absent)."""
    return objects(list_at(record, key, where), path(where, key))


def text_at(
    record: dict[str, Any], key: str, where: str = "", *, required: bool = True
) -> str | None:
    """:func:`text` of the field ``key``."""
    return text(record.get(key), path(where, key), required=required)


def id_at(
    record: dict[str, Any], key: str, where: str = "", *, required: bool = True
) -> str | None:
    """:func:`identifier` of the field ``key``."""
    return identifier(record.get(key), path(where, key), required=required)


def count_at(
    record: dict[str, Any], key: str, where: str = "", *, default: int | None = None
) -> int:
    """:func:`count` of the field ``key``."""
    return count(record.get(key), path(where, key), default=default)


# --- values, where the caller already holds one ------------------------------------------------


def text(value: Any, where: str, *, required: bool = True) -> str | None:
    """A string, as sent. Required: present and not blank. Optional: None when absent; a value
    that is there must still be a string."""
    if value is None or (required and isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"{where} is missing", field=where)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{where} must be text, got {shown(value)}", field=where)
    return value


def identifier(value: Any, where: str, *, required: bool = True) -> str | None:
    """An identifier (a JSON string or integer) as stripped text; a blank string is absent, and
    absent is a ValidationError unless not ``required`` (then None)."""
    if isinstance(value, str):
        value = value.strip() or None
    if value is None:
        if required:
            raise ValidationError(f"{where} is missing", field=where)
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError(
            f"{where} must be a string or an integer, got {shown(value)}", field=where
        )
    try:
        return str(value)
    except ValueError:  # more digits than Python will print: no vendor's id
        raise ValidationError(f"{where} is too long to be an id", field=where) from None


def objects(value: Any, where: str) -> list[tuple[str, dict[str, Any]]]:
    """(path, object) for each entry of the array ``value``; an entry that is not an object is
    a ValidationError naming it (``items[2]``)."""
    if not isinstance(value, list):
        raise ValidationError(f"{where} must be a JSON array, got {shown(value)}", field=where)
    return [(path(where, i), an_object(entry, path(where, i))) for i, entry in enumerate(value)]


def count(value: Any, where: str, *, default: int | None = None) -> int:
    """A JSON integer >= 0 (not a boolean, not a float); ``default`` when absent, if given."""
    if value is None and default is not None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError(
            f"{where} must be a whole number >= 0, got {shown(value)}", field=where
        )
    return value

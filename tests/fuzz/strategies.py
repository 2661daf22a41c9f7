"""Hypothesis strategies for hostile input: JSON of every shape, mutated samples, raw bodies.

``FUZZ`` is the settings every fuzz test runs under: ``STOCKHUB_FUZZ_EXAMPLES`` examples per
test (default 100, so the default suite stays quick; ``STOCKHUB_FUZZ_EXAMPLES=5000`` goes
deep on demand), no deadline (the first call of a connector warms caches).
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("STOCKHUB_FUZZ_EXAMPLES", "100"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],  # fmt: skip
)

#: Strings that have broken parsers somewhere: control characters, lone surrogates (what
#: ``json.loads`` makes of ``"\ud800"``), huge and odd numbers as text, bidi overrides, paths,
#: SQL, template syntax, times that are not times.
NASTY_TEXT = (
    "", " ", "\x00", "\ud800", "\udfff", "\u202e", "\ufeff", "💥", "ﬁ", "ǅ", "İ",
    "a" * 5_000, "9" * 5_000, "1e999", "-1", "0", "NaN", "Infinity", "0x10", "²", "٣",
    "../../etc/passwd", "' OR 1=1 --", "${STOCKHUB_OPS_TOKEN}", "{{7*7}}", "%s%n",
    "2026-13-45T99:99:99Z", "2026-11-22T10:00:00", "2026-11-22T10:00:00.123456789+14:00",
    "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "gid://shopify/Order/", "gid://",
    "null", "true", "[]", "{}",
)  # fmt: skip
NASTY_NUMBERS = (
    0, -1, 1, 2**31, 2**63, -(2**63), 2**64 + 1, 10**30, -(10**30), 10**4000,
    0.5, -0.0, 1e308, float("inf"), float("-inf"), float("nan"),
)  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(NASTY_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(NASTY_TEXT),
)


@cache
def json_values(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """Any value ``json.loads`` can return (NaN, infinities and huge integers included)."""
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=5),
            st.dictionaries(
                st.one_of(st.text(max_size=12), st.sampled_from(NASTY_TEXT)), inner, max_size=5
            ),  # fmt: skip
        ),
        max_leaves=max_leaves,
    )


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON tree, the root included."""
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*prefix, index))
    return found


def _replace(tree: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return tree


def _delete(tree: Any, path: tuple) -> Any:
    if not path:
        return tree
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return tree


def deep(depth: int, leaf: Any = 1) -> Any:
    """A value nested ``depth`` levels deep (alternating lists and objects)."""
    return copy.deepcopy(_deep(depth, leaf))


@cache
def _deep(depth: int, leaf: Any) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"x": value}
    return value


@st.composite
def mutated(draw: st.DrawFn, sample: Any, max_mutations: int = 4) -> Any:
    """``sample`` with a few random changes: a value replaced (wrong type, huge number, nasty
    text, deep nesting), a key or item dropped, an unknown key added, an item duplicated."""
    tree = copy.deepcopy(sample)
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = _paths(tree)
        path = draw(st.sampled_from(paths))
        operation = draw(st.sampled_from(["replace", "replace", "delete", "add", "dup", "deep"]))
        target = tree
        for step in path:
            target = target[step]
        if operation == "replace":
            tree = _replace(tree, path, draw(json_values(10)))
        elif operation == "delete":
            tree = _delete(tree, path)
        elif operation == "add" and isinstance(target, dict):
            target[draw(st.sampled_from(NASTY_TEXT))] = draw(json_values(5))
        elif operation == "dup" and isinstance(target, list) and target:
            target.append(copy.deepcopy(target[draw(st.integers(0, len(target) - 1))]))
        elif operation == "deep":
            tree = _replace(tree, path, deep(draw(st.sampled_from([50, 200, 500]))))
    return tree


def raw_bodies(sample: Any) -> st.SearchStrategy[bytes]:
    """Request bodies as bytes: a sample truncated anywhere, JSON of any shape, nesting deeper
    than the parser's recursion limit, number literals Python cannot hold, random bytes."""
    text = json.dumps(sample).encode()
    truncated = st.integers(0, max(len(text) - 1, 0)).map(lambda n: text[:n])
    encoded = mutated(sample).map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass"))
    any_json = json_values().map(lambda v: json.dumps(v).encode("utf-8", "surrogatepass"))
    special = st.sampled_from(ADVERSARIAL_BODIES)
    return st.one_of(truncated, encoded, any_json, special, st.binary(max_size=300))


#: Bodies every parser is tried with, always (not left to chance).
ADVERSARIAL_BODIES = (
    b"", b" ", b"null", b"[]", b"{}", b'""', b"0", b"\xef\xbb\xbf{}", b"\xff\xfe{",
    b"[" * 100_000, b'{"a":' * 50_000, b"[" * 5_000 + b"]" * 5_000, b"1" * 5_000,
    b"[1e999, -1e999, NaN]", b'{"a": 1, "a": 2}', b'"\\ud800"', b'{"\\ud800": "\\udfff"}',
    b"\x00" * 64, b'{"data": ' * 400 + b"1" + b"}" * 400,
)  # fmt: skip


#: Header values as an ASGI server hands them over (latin-1 decoded bytes).
header_values = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60),
    st.sampled_from([t for t in NASTY_TEXT if all(ord(c) <= 0xFF for c in t)]),
    st.sampled_from(["sha256=", "v1,", "v1,abc v2,def", "v1," + "A" * 44, "²", "9" * 5_000,
                     "-1", "1e9", " 1700000000 ", "sha256=" + "0" * 64]),
)  # fmt: skip


def headers_for(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """Headers a connector reads (each present or not, any value) plus random others."""
    known = st.fixed_dictionaries({}, optional={name: header_values for name in names})
    other = st.dictionaries(st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20),
                            header_values, max_size=3)  # fmt: skip
    return st.builds(lambda a, b: {**b, **a}, known, other)

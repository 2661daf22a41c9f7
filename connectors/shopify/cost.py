"""Calculated query cost: what a GraphQL document asks for, and what an answer actually cost.

Shopify charges each request against a leaky bucket in points: the *requested* cost is
reserved before the query runs and the difference to the *actual* cost is refunded after
(``extensions.cost``; rate-limits page in the contract notes). The model here is the one the
sandbox charges and the connector uses to estimate before it has seen an answer — an
approximation of Shopify's published rules, not a copy of their calculator:

* a scalar or enum field costs 0, an object 1 plus its selection;
* a mutation field costs 10 plus its selection;
* a field sized by ``first``/``last`` (or an ``ids`` list) multiplies its object cost by that
  size; as a connection (``nodes``/``edges`` selected) it costs 2, plus each node;
* the actual cost counts the objects the answer holds instead of the requested sizes.

The connector learns each operation's real requested and actual cost from Shopify's answers
(:mod:`connectors.shopify.pacing`), so the model only has to be close for the first call.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    value_from_ast_untyped,
)

MUTATION_COST = 10
CONNECTION_COST = 2
_ABSENT = object()


@lru_cache(maxsize=256)
def parsed(text: str) -> DocumentNode:
    """The parsed document (cached: the connector sends the same few texts again and again)."""
    return parse(text)


def requested_cost(text: str, variables: Mapping[str, Any] | None = None) -> int:
    """What Shopify would reserve for this document before running it."""
    return _operation_cost(parsed(text), dict(variables or {}), None)


def actual_cost(text: str, variables: Mapping[str, Any] | None, data: Any) -> int:
    """What an answer's ``data`` cost: the objects it holds, sized by what came back."""
    return _operation_cost(parsed(text), dict(variables or {}), data if data is not None else {})


class _Walk:
    def __init__(self, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def fields(self, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        found: list[FieldNode] = []
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                found.extend(self.fields(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                found.extend(self.fields(self.fragments[selection.name.value].selection_set))
        return found

    def size(self, field: FieldNode) -> int | None:
        for argument in field.arguments:
            value = value_from_ast_untyped(argument.value, self.variables)
            if argument.name.value in ("first", "last") and isinstance(value, int):
                return value
            if argument.name.value == "ids" and isinstance(value, list):
                return len(value)
        return None

    def cost(self, selection_set: SelectionSetNode | None, value: Any) -> int:
        total = 0
        for field in self.fields(selection_set):
            if value is None:
                total += self.field(field, _ABSENT)
            elif isinstance(value, Mapping):
                key = field.alias.value if field.alias else field.name.value
                if key in value:
                    total += self.field(field, value[key])
        return total

    def field(self, field: FieldNode, value: Any, own: int = 1) -> int:
        if field.selection_set is None or value is None:
            return 0
        requested = value is _ABSENT
        children = self.fields(field.selection_set)
        nodes = [f for f in children if f.name.value in ("nodes", "edges")]
        if nodes:
            others = [f for f in children if f not in nodes]
            total = CONNECTION_COST + sum(
                self.field(f, _ABSENT if requested else value.get(_key(f))) for f in others
            )
            for conn in nodes:
                total += self.connection(conn, field, value)
            return total
        if requested:
            return (self.size(field) or 1) * (own + self.cost(field.selection_set, None))
        items = value if isinstance(value, list) else [value]
        return sum(own + self.cost(field.selection_set, item) for item in items if item is not None)

    def connection(self, conn: FieldNode, parent: FieldNode, value: Any) -> int:
        inner = conn.selection_set
        if conn.name.value == "edges":  # edge { cursor node { ... } }: the node is the object
            node = next((f for f in self.fields(inner) if f.name.value == "node"), None)
            inner = node.selection_set if node else None
        if value is _ABSENT:
            return (self.size(parent) or 1) * (1 + self.cost(inner, None))
        items = value.get(_key(conn)) or []
        if conn.name.value == "edges":
            items = [edge.get("node") for edge in items if isinstance(edge, Mapping)]
        return sum(1 + self.cost(inner, item) for item in items if item is not None)


def _key(field: FieldNode) -> str:
    return field.alias.value if field.alias else field.name.value


def _operation_cost(document: DocumentNode, variables: dict[str, Any], data: Any) -> int:
    walk = _Walk(document, variables)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    own = MUTATION_COST if operation.operation is OperationType.MUTATION else 1
    total = 0
    for field in walk.fields(operation.selection_set):
        if data is None:
            total += walk.field(field, _ABSENT, own)
        elif _key(field) in data:
            total += walk.field(field, data[_key(field)], own)
    return total

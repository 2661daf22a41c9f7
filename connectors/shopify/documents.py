"""Every GraphQL document the connector sends, in one place so a test can validate them all.

Documents are constants (their text is part of the contract); only the push mutation has two
shapes, chosen by API version (:func:`set_available`). Selections are kept small: Shopify
charges calculated cost per object requested, so each document asks for what the connector
reads and nothing else. ``tests/connectors/shopify/test_contract.py`` validates each against
the saved 2025-01 schema, and the 2026 shape against the documented 2026 changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.shopify.settings import uses_change_from


@dataclass(frozen=True)
class Document:
    """A named GraphQL operation; ``schema`` says which contract it is written against."""

    name: str
    text: str
    schema: str = "2025-01"  # or "2026-04": the documented changes applied to 2025-01


_PAYLOAD = """
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
"""

SET_AVAILABLE_COMPARE = Document(
    "StockhubSetAvailable",
    """
mutation StockhubSetAvailable($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {"""
    + _PAYLOAD
    + """  }
}
""",
)

SET_AVAILABLE_CHANGE_FROM = Document(
    "StockhubSetAvailable",
    """
mutation StockhubSetAvailable($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {"""
    + _PAYLOAD
    + """  }
}
""",
    schema="2026-04",
)

AVAILABLE_AT = Document(
    "StockhubAvailable",
    """
query StockhubAvailable($ids: [ID!]!, $locationId: ID!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id
      inventoryLevel(locationId: $locationId) { quantities(names: ["available"]) { name quantity } }
    }
  }
}
""",
)

VARIANT_ITEMS = Document(
    "StockhubVariantItems",
    """
query StockhubVariantItems($ids: [ID!]!) {
  nodes(ids: $ids) { ... on ProductVariant { id inventoryItem { id } } }
}
""",
)

LOCATIONS = Document(
    "StockhubLocations",
    """
query StockhubLocations($first: Int!, $after: String) {
  locations(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id name isActive }
  }
}
""",
)

LEVELS = Document(
    "StockhubLevels",
    """
query StockhubLevels(
  $locationId: ID!, $first: Int!, $after: String, $query: String, $names: [String!]!
) {
  location(id: $locationId) {
    id
    inventoryLevels(first: $first, after: $after, query: $query) {
      pageInfo { hasNextPage endCursor }
      nodes { id updatedAt item { id variant { id } } quantities(names: $names) { name quantity } }
    }
  }
}
""",
)

_LINE = "id quantity variant { id }"
_FULFILLMENT_LINE = "quantity lineItem { id }"
_REFUND_LINE = "quantity restockType location { id } lineItem { id }"
_PAGE = "pageInfo { hasNextPage endCursor }"

#: Nested page sizes of ORDERS: about 785 cost points for two orders (cost.requested_cost).
ORDER_PAGE_SIZE = 2
LINES_FIRST, CHILDREN_FIRST, CHILD_LINES_FIRST = 30, 3, 20

ORDERS = Document(
    "StockhubOrders",
    f"""
query StockhubOrders($first: Int!, $after: String) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT) {{
    {_PAGE}
    edges {{ cursor node {{ ...StockhubOrder }} }}
  }}
}}

fragment StockhubOrder on Order {{
  id name createdAt updatedAt cancelledAt
  lineItems(first: {LINES_FIRST}) {{ {_PAGE} nodes {{ {_LINE} }} }}
  fulfillments(first: {CHILDREN_FIRST}) {{
    id createdAt status location {{ id }}
    fulfillmentLineItems(first: {CHILD_LINES_FIRST}) {{ {_PAGE} nodes {{ {_FULFILLMENT_LINE} }} }}
  }}
  refunds(first: {CHILDREN_FIRST}) {{
    id createdAt
    refundLineItems(first: {CHILD_LINES_FIRST}) {{ {_PAGE} nodes {{ {_REFUND_LINE} }} }}
  }}
}}
""",
)

ORDER_LINES = Document(
    "StockhubOrderLines",
    f"""
query StockhubOrderLines($id: ID!, $after: String) {{
  order(id: $id) {{ lineItems(first: 250, after: $after) {{ {_PAGE} nodes {{ {_LINE} }} }} }}
}}
""",
)

ORDER_CHILDREN = Document(
    "StockhubOrderChildren",
    """
query StockhubOrderChildren($id: ID!) {
  order(id: $id) {
    fulfillments(first: 100) { id createdAt status location { id } }
    refunds(first: 100) { id createdAt }
  }
}
""",
)

FULFILLMENT_LINES = Document(
    "StockhubFulfillmentLines",
    f"""
query StockhubFulfillmentLines($id: ID!, $after: String) {{
  node(id: $id) {{
    ... on Fulfillment {{
      fulfillmentLineItems(first: 250, after: $after) {{ {_PAGE} nodes {{ {_FULFILLMENT_LINE} }} }}
    }}
  }}
}}
""",
)

REFUND_LINES = Document(
    "StockhubRefundLines",
    f"""
query StockhubRefundLines($id: ID!, $after: String) {{
  node(id: $id) {{
    ... on Refund {{
      refundLineItems(first: 200, after: $after) {{ {_PAGE} nodes {{ {_REFUND_LINE} }} }}
    }}
  }}
}}
""",
)

ALL: tuple[Document, ...] = (
    SET_AVAILABLE_COMPARE,
    SET_AVAILABLE_CHANGE_FROM,
    AVAILABLE_AT,
    VARIANT_ITEMS,
    LOCATIONS,
    LEVELS,
    ORDERS,
    ORDER_LINES,
    ORDER_CHILDREN,
    FULFILLMENT_LINES,
    REFUND_LINES,
)


def set_available(api_version: str) -> Document:
    """The push mutation in the shape ``api_version`` requires."""
    if uses_change_from(api_version):
        return SET_AVAILABLE_CHANGE_FROM
    return SET_AVAILABLE_COMPARE

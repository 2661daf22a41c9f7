"""Pull cursors as connectors write them: a JSON object of the connector's own state, in
URL-safe base64 (optionally zlib-compressed when the state can grow, e.g. per-record marks).

The hub stores a cursor verbatim and never reads it; :func:`decode` turns one that is not a
cursor of this connector (edited by hand, from another connector) into a ``ValidationError``
naming ``cursor``.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping
from typing import Any

from hub.errors import ValidationError

__all__ = ["decode", "encode"]


def encode(state: Mapping[str, Any], *, compress: bool = False) -> str:
    """``state`` as a cursor (keys sorted, so the same state is the same text)."""
    raw = json.dumps(dict(state), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9) if compress else raw).decode()


def decode(cursor: str | None, vendor: str, *, compressed: bool = False) -> dict[str, Any]:
    """The state in ``cursor`` (empty for none); ``vendor`` names the cursor in the error."""
    if not cursor:
        return {}
    try:
        raw = base64.urlsafe_b64decode(cursor.encode())
        state = json.loads(zlib.decompress(raw) if compressed else raw)
    except (ValueError, zlib.error) as exc:
        raise ValidationError(
            f"not a {vendor} pull cursor: {cursor[:40]!r}", field="cursor"
        ) from exc
    if not isinstance(state, dict):
        raise ValidationError(f"not a {vendor} pull cursor", field="cursor")
    return state

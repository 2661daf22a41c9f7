"""Keep credentials out of error messages built from vendor responses and request details.

The HTTP edge masks the channel's own secret values, then hands the text to
``hub.logs.scrub_text`` (the hub's one masking routine, shared with the log redaction processor).
This protects exception text, which ends up in the dead-letter queue and the exception log.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.logs import MASK, scrub_text

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-shopify-access-token",
        "x-amz-access-token",
        "x-access-token",
    }
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with this call's secret values, every registered secret and credential-looking
    fields (headers, bearer tokens, ``token=`` parameters, vendor token shapes) masked."""
    for value in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return scrub_text(text)


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers safe to keep with an error record."""
    return {k: (MASK if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers}

"""Keep credentials out of error messages built from vendor responses and request details.

A small local filter for the HTTP edge: known secret values (the channel's secret settings),
``Authorization``-style headers, bearer tokens and ``token=``/``key=`` style parameters.
``hub.logs`` adds a redaction processor for log records; this one protects exception text,
which ends up in the dead-letter queue and the exception log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

_PATTERNS = (
    # header lines / JSON keys: Authorization: Bearer abc, "x-api-key": "abc"
    re.compile(
        r"(?i)((?:authorization|proxy-authorization|x-api-key|api-key|x-access-token|"
        r"x-shopify-access-token|x-amz-access-token|cookie|set-cookie)\"?\s*[:=]\s*\"?"
        r"(?:(?:bearer|basic|token|digest)\s+)?)"
        r"([^\s\"',}&]+)"
    ),
    re.compile(r"(?i)(\bbearer\s+)([A-Za-z0-9._~+/=-]+)"),
    re.compile(r"(?i)(\bbasic\s+)([A-Za-z0-9+/=]{8,})"),
    # query strings and form/JSON fields: access_token=abc, "client_secret": "abc"
    re.compile(
        r"(?i)(\"?\b(?:access_token|refresh_token|id_token|client_secret|api_key|apikey|"
        r"password|secret|token|signature|sig)\"?\s*[=:]\s*\"?)([^\"&\s,}]+)"
    ),
)

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
    """``text`` with secret values and credential-looking fields replaced by ``***``."""
    for value in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers safe to keep with an error record."""
    return {k: (MASK if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers}

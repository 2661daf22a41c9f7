"""Reading how long a vendor wants us to wait: ``Retry-After`` and vendor throttle headers.

Checked in order; the first header present wins:

* ``Retry-After`` — seconds, or an HTTP date (RFC 9110);
* ``RateLimit-Reset`` — seconds until the window resets (IETF RateLimit fields draft);
* ``X-RateLimit-Reset`` / ``X-Rate-Limit-Reset`` — seconds, or a Unix time when the value is
  large enough to be one (vendors use both), only when the remaining count is 0 or absent.

Connectors whose vendor signals throttling differently add a reader to ``THROTTLE_READERS``
of their client (see :class:`hub.http.client.ConnectorClient`), e.g. Shopify's GraphQL cost
or ``X-Shopify-Shop-Api-Call-Limit``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from email.utils import parsedate_to_datetime

import httpx

ThrottleReader = Callable[[httpx.Response, float], "float | None"]

_EPOCH_THRESHOLD = 1_000_000_000  # a "reset" value above this is a Unix time, not a delta


def retry_after(response: httpx.Response, now: float) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return None


def ratelimit_reset(response: httpx.Response, now: float) -> float | None:
    for name, remaining_name in (
        ("RateLimit-Reset", "RateLimit-Remaining"),
        ("X-RateLimit-Reset", "X-RateLimit-Remaining"),
        ("X-Rate-Limit-Reset", "X-Rate-Limit-Remaining"),
    ):
        value = response.headers.get(name)
        if value is None:
            continue
        remaining = response.headers.get(remaining_name)
        if remaining is not None and remaining.strip() not in ("0", "0.0"):
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        return max(0.0, number - now if number > _EPOCH_THRESHOLD else number)
    return None


THROTTLE_READERS: tuple[ThrottleReader, ...] = (retry_after, ratelimit_reset)


def requested_wait(
    response: httpx.Response,
    readers: Sequence[ThrottleReader] = THROTTLE_READERS,
    now: float | None = None,
) -> float | None:
    """Seconds the vendor asked us to wait before the next call, or ``None`` if it did not say."""
    moment = time.time() if now is None else now
    for reader in readers:
        wait = reader(response, moment)
        if wait is not None:
            return wait
    return None

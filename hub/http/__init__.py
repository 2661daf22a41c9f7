"""The HTTP toolkit every connector gets from the hub; connectors never build their own clients.

Usually reached through :meth:`hub.connector.ChannelContext.http_client`. The pieces:

* :class:`ConnectorClient` — httpx client with timeouts, retries (tenacity), rate limit,
  error translation at the edge and secret filtering;
* :class:`ErrorPolicy` / :class:`Rule` / :class:`Action` — the declarative error table;
  :data:`DEFAULT_POLICY` is what every client starts from;
* :class:`RetrySettings` — attempts, backoff, jitter and the stops;
* :class:`ChannelRateLimiter` — per-channel limits shared across threads and processes;
* :func:`requested_wait` — ``Retry-After`` and vendor throttle headers;
* :func:`redact` — secrets out of error text.
"""

from hub.http.client import ConnectorClient
from hub.http.policy import DEFAULT_POLICY, Action, ErrorPolicy, RetrySettings, Rule, statuses
from hub.http.ratelimit import ChannelRateLimiter, SQLiteMovingWindowStorage, default_storage_url
from hub.http.redact import redact, redact_headers
from hub.http.throttle import THROTTLE_READERS, requested_wait

__all__ = [
    "DEFAULT_POLICY",
    "THROTTLE_READERS",
    "Action",
    "ChannelRateLimiter",
    "ConnectorClient",
    "ErrorPolicy",
    "RetrySettings",
    "Rule",
    "SQLiteMovingWindowStorage",
    "default_storage_url",
    "redact",
    "redact_headers",
    "requested_wait",
    "statuses",
]

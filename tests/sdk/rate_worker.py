"""A worker process for the rate-limit test: makes N calls through a ConnectorClient.

Usage: python rate_worker.py URL STORAGE_URL CHANNEL LIMIT CALLS START_AT
"""

from __future__ import annotations

import sys
import time

from hub.connector import RateLimit
from hub.http import ChannelRateLimiter, ConnectorClient


def main() -> None:
    url, storage, channel, limit, calls, start_at = sys.argv[1:7]
    limiter = ChannelRateLimiter(storage, max_wait_s=30)
    client = ConnectorClient(
        connector="counting",
        channel=channel,
        base_url=url,
        limiter=limiter,
        rate_limits=(RateLimit(int(limit), 1),),
    )
    time.sleep(max(0.0, float(start_at) - time.time()))  # start together with the other worker
    for _ in range(int(calls)):
        client.get("/call")
    client.close()


if __name__ == "__main__":
    main()

"""A worker process for the cross-process rate-limit test: N calls through the ShipBob client.

Usage: python rate_worker.py BASE_URL STORAGE_URL CHANNEL CALLS START_AT; prints a JSON line
{"ok": calls answered 200, "limited": calls refused by the hub's limiter or by ShipBob}.
"""

from __future__ import annotations

import json
import sys
import time

from connectors.shipbob import plugin
from connectors.shipbob.client import ShipBobClient
from connectors.shipbob.sandbox import SANDBOX_TOKEN
from hub.dispatch import get_connector
from hub.errors import RateLimitedError
from hub.http import ChannelRateLimiter, RetrySettings
from hub.plugins import make_plugin_manager


def main() -> None:
    base_url, storage, channel, calls, start_at = sys.argv[1:6]
    pm = make_plugin_manager(plugins={"shipbob": plugin}, load_entry_points=False)
    handle = get_connector("shipbob", pm)
    context = handle.context(
        channel,
        {"access_token": SANDBOX_TOKEN, "base_url": base_url},
        limiter=ChannelRateLimiter(storage, max_wait_s=0.05),  # refuse rather than wait 60 s
        retry=RetrySettings(max_attempts=1, max_wait_s=0.05),
    )
    ok = limited = 0
    time.sleep(max(0.0, float(start_at) - time.time()))  # start together with the other worker
    with ShipBobClient(context) as client:
        for _ in range(int(calls)):
            try:
                client.get("location")
                ok += 1
            except RateLimitedError:
                limited += 1
    print(json.dumps({"ok": ok, "limited": limited}), flush=True)


if __name__ == "__main__":
    main()

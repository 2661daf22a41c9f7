"""A channel on the ``custom`` connector: canonical events as signed JSON, its own sandbox.

The in-house systems (warehouse, 3PL, dark stores, the marketplace stand-in) speak the custom
protocol: a webhook body is the canonical event itself. The sandbox brings its own seeded
faults (500, 429, timeouts, per-SKU rejections, a token to revoke); only its clock is changed.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, timedelta
from typing import Any

from connectors.custom.protocol import DELIVERY_HEADER, SIGNATURE_HEADER, signature
from connectors.custom.sandbox import CustomSandbox
from tests.simulation.clock import VirtualClock
from tests.simulation.vendor import Delivery, References, VendorAdapter

TOKEN = "sim-token-4f1d"
SECRET = "sim-webhook-secret-9a7c"


class SimSandbox(CustomSandbox):
    """The custom connector's sandbox, its level timestamps taken from the virtual clock
    (shifted by the vendor's clock skew), rate limit off (the hub's limiter is off too)."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(TOKEN, rate_limit=None, timeout_s=0.0, clock=clock.monotonic)
        self.vclock = clock
        self.skew_s = 0.0

    def _write(self, sku: str, location: str, quantity: int) -> str:  # stamped in virtual time
        from connectors.custom.sandbox import _Level

        self._seq += 1
        moment = self.vclock.now() + timedelta(seconds=self.skew_s)
        stamp = max(moment, self._last_stamp + timedelta(microseconds=1))
        self._last_stamp = stamp
        updated_at = stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        self._levels[(sku, location)] = _Level(quantity, self._seq, updated_at)
        return updated_at


class CustomAdapter(VendorAdapter):
    """An in-house system on the custom protocol; SKUs and locations are hub codes."""

    connector = "custom"

    def __init__(self, channel: str, clock: VirtualClock, push_location: str) -> None:
        self.sandbox = SimSandbox(clock)  # first: the base class sets the skew on it
        super().__init__(channel)
        self.push_location = push_location

    @property
    def skew_s(self) -> float:  # the sandbox stamps its levels with it
        return self.sandbox.skew_s

    @skew_s.setter
    def skew_s(self, seconds: float) -> None:
        self.sandbox.skew_s = seconds

    def settings(self) -> dict[str, Any]:
        return {
            "base_url": "http://sim.invalid/api",
            "api_token": "${SIM_API_TOKEN}",
            "webhook_secret": "${SIM_WEBHOOK_SECRET}",
        }

    def environment(self) -> dict[str, str]:
        return {"SIM_API_TOKEN": TOKEN, "SIM_WEBHOOK_SECRET": SECRET}

    def parts(self) -> dict[str, Any]:
        return {"transport": self.sandbox.transport()}

    def send(self, event: dict[str, Any], refs: References) -> tuple[list[Delivery], list[str]]:
        event = refs.rewrite(event)  # it names other channels' orders as the hub knows them
        body = json.dumps(event, separators=(",", ":")).encode()
        delivery_id = f"{self.channel}/d/{event['id']}"
        headers = {SIGNATURE_HEADER: signature(body, SECRET), DELIVERY_HEADER: delivery_id}
        return [Delivery(self.channel, delivery_id, body, [event["id"]], headers)], [event["id"]]

    def shown(self, external: str) -> int:
        return self.sandbox.stock_levels().get((external, self.push_location), 0)

    def set_level(self, sku: str, location: str, quantity: int) -> None:
        self.sandbox.set_level(sku, location, quantity)

    @property
    def faults_injected(self) -> Counter[str]:
        return self.sandbox.faults_injected

    def set_faults(self, rate: float, kinds: list[str], seed: int) -> None:
        self.sandbox.set_faults(rate=rate, kinds=kinds, seed=seed)

    def clear_faults(self) -> None:
        self.sandbox.clear_faults()

    def reject(self, skus: list[str]) -> None:
        self.sandbox.reject_skus = skus

    def revoke(self) -> None:
        self.sandbox.token = "revoked"

    def restore(self) -> None:
        self.sandbox.token = TOKEN

    def edit(self, sku: str, quantity: int) -> None:
        self.sandbox.set_level(sku, self.push_location, quantity)

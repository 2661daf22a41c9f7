"""The simulated company: its locations, channels, SKUs, vendor systems and physical stock.

Every channel runs the ``custom`` connector against an in-process :class:`SimSandbox` (the
connector's own sandbox, stamped with the virtual clock). Roles:

=========  ==============================  ==============================================
channel    stands for                      sells from (push location)
=========  ==============================  ==============================================
shop       the web shop                    dc, store (dc); buffer 1
market     a marketplace                   tpl, dc (tpl); buffer 2, mugs at 50 % cap 40
pos        store POS, owns ``store``       store, store-web (store-web)
dark       quick commerce, owns ``dark``   dark, dark-app (dark-app)
wms        the warehouse system, owns dc   nothing (shown: 0 everywhere)
tpl        the 3PL, owns ``tpl``           nothing
=========  ==============================  ==============================================

The Amazon and ShipBob connectors are not used: the marketplace and 3PL roles are played by
custom channels (see docs/simulation.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

import sqlalchemy as sa

from connectors.custom.sandbox import CustomSandbox
from hub.app import Hub
from hub.http.policy import RetrySettings
from tests.simulation.clock import VirtualClock

TOKEN = "sim-token-4f1d"
SECRET = "sim-webhook-secret-9a7c"
FAST = RetrySettings(max_attempts=3, initial_backoff_s=0.0, jitter_s=0.0, max_elapsed_s=60)

LOCATIONS = [
    ("dc", "warehouse", "wms"),
    ("store", "store", "pos"),
    ("store-web", "store", "pos"),
    ("tpl", "3pl", "tpl"),
    ("dark", "dark_store", "dark"),
    ("dark-app", "dark_store", "dark"),
]
#: channel → (locations, push_location, buffer, safety_stock)
CHANNELS: dict[str, tuple[list[str], str | None, int, int]] = {
    "shop": (["dc", "store"], "dc", 1, 0),
    "market": (["tpl", "dc"], "tpl", 2, 0),
    "pos": (["store", "store-web"], "store-web", 0, 0),
    "dark": (["dark", "dark-app"], "dark-app", 0, 0),
    "wms": ([], "wms-feed", 0, 0),
    "tpl": ([], "tpl-feed", 0, 0),
}
SALES_CHANNELS = ("shop", "market", "pos", "dark")
#: location → the system that owns its physical counts (a channel here)
OWNER = {code: owner for code, _, owner in LOCATIONS}
PHYSICAL = ("dc", "store", "tpl", "dark")
SKUS = ["TEE-RED-M", "TEE-RED-L", "TEE-BLU-M", "MUG-WHT"]
BUNDLE = "GIFT-SET"
COMPONENTS = {BUNDLE: {"TEE-RED-M": 1, "MUG-WHT": 2}}
#: a product that appears on the shop before the item master and crosswalk know it
LATE_SKU, LATE_EXTERNAL = "CAP-GRN", "ext-cap-1"
SYNC = {
    "max_retries": 3,
    "backoff_s": 2,
    "backoff_max_s": 60,
    "jitter_s": 0,
    "pause_after": 3,
    "lease_s": 30,
    "sweep_every_s": 5,
    "stale_after_s": 15,
}


def settings(buffers: bool = True):
    from hub.config import Settings

    channel_settings = {
        "base_url": "http://sim.invalid/api",
        "api_token": "${SIM_API_TOKEN}",
        "webhook_secret": "${SIM_WEBHOOK_SECRET}",
    }
    channels = []
    for code, (locations, push_at, buffer, safety) in CHANNELS.items():
        channels.append(
            {
                "code": code,
                "connector": "custom",
                "locations": locations,
                "push_location": push_at,
                "buffer": buffer if buffers else 0,
                "safety_stock": safety if buffers else 0,
                "settings": channel_settings,
            }
        )
    return Settings(
        hub={"database_url": "sqlite:///unused.db", "operators": ["ops"]},
        sync=SYNC,
        locations=[{"code": c, "kind": k, "owner": o} for c, k, o in LOCATIONS],
        channels=channels,
        rules=[{"channel": "market", "skus": "MUG-*", "share_percent": 50, "cap": 40}],
    )


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


@dataclass
class Delivery:
    """A webhook the vendor owes the hub (sent again until acknowledged)."""

    channel: str
    delivery_id: str
    body: bytes
    event_ids: list[str]


@dataclass
class World:
    """The vendors' side: sandboxes, physical stock, webhooks not yet acknowledged."""

    clock: VirtualClock
    sandboxes: dict[str, SimSandbox] = field(default_factory=dict)
    physical: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    outbound: list[Delivery] = field(default_factory=list)
    emitted: dict[str, str] = field(default_factory=dict)  # event id → sending channel
    delivered: set[tuple[str, str]] = field(default_factory=set)  # (channel, delivery id) acked
    revoked: set[str] = field(default_factory=set)
    mapped: set[str] = field(default_factory=set)  # external SKU ids mapped so far
    resolvable: set[str] = field(default_factory=set)  # "system|sku|id" the hub can resolve
    sequence: int = 0

    @classmethod
    def create(cls, clock: VirtualClock) -> World:
        world = cls(clock)
        world.sandboxes = {code: SimSandbox(clock) for code in CHANNELS}
        return world

    def next_id(self, prefix: str) -> str:
        self.sequence += 1
        return f"{prefix}-{self.sequence}"

    def vendor_time(self, system: str) -> str:
        box = self.sandboxes.get(system)
        skew = box.skew_s if box else 0.0
        moment = self.clock.now() + timedelta(seconds=skew)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def move_physical(self, sku: str, location: str, delta: int) -> None:
        """Units really moved at ``location``; its owner's system sees the new level."""
        for part, per in COMPONENTS.get(sku, {sku: 1}).items():
            key = (part, location)
            self.physical[key] = max(0, self.physical[key] + delta * per)
            owner = OWNER.get(location)
            if owner in self.sandboxes and location in PHYSICAL:
                self.sandboxes[owner].set_level(part, location, self.physical[key])

    def shown(self, channel: str, external_sku: str) -> int:
        where = CHANNELS[channel][1] or channel
        return self.sandboxes[channel].stock_levels().get((external_sku, where), 0)


def build_hub(engine: sa.Engine, world: World, publisher: Any, buffers: bool = True) -> Hub:
    """The hub under test on ``engine``: topology, item master, every channel on its sandbox."""
    from hub.events import parse_event
    from hub.ledger.items import upsert_item

    parts = {
        code: {"transport": box.transport(), "retry": FAST, "sleep": _no_sleep, "limiter": None}
        for code, box in world.sandboxes.items()
    }
    hub = Hub(settings(buffers), engine, channel_parts=parts, publisher=publisher)
    hub.sync_topology()
    with hub.session() as session:
        for code in [*SKUS, BUNDLE]:
            components = [{"sku": c, "quantity": q} for c, q in COMPONENTS.get(code, {}).items()]
            data = {"sku": code, "title": code, "status": "active", "components": components}
            upsert_item(session, parse_event(_item_event(code, data)).data)
    return hub


def item_event(code: str, at: str) -> dict[str, Any]:
    data = {"sku": code, "title": code, "status": "active"}
    return {**_item_event(code, data), "occurred_at": at, "id": f"item/{code}/{at}"}


def _item_event(code: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"item/{code}",
        "type": "item.upserted",
        "source": "ops",
        "occurred_at": "2026-11-22T05:00:00Z",
        "data": data,
    }


def _no_sleep(_: float) -> None:
    return None

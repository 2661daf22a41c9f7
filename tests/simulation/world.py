"""The simulated company: its locations, channels, SKUs, the vendors playing each channel,
and physical stock.

Each channel's vendor is a :class:`~tests.simulation.vendor.VendorAdapter` over an in-process
sandbox on the virtual clock: the shop runs the real Shopify connector
(:mod:`tests.simulation.vendor_shopify`), the marketplace the real Amazon connector
(:mod:`tests.simulation.vendor_amazon`: MFN orders as ORDER_CHANGE notifications, pushes as
``patchListingsItem``), every other channel the ``custom`` connector
(:mod:`tests.simulation.vendor_custom`). :data:`VENDORS` says which channels leave custom;
``World.create(clock, CUSTOM_ONLY)`` is the all-custom company. Roles:

=========  =========  ==============================  =========================================
channel    connector  stands for                      sells from (push location)
=========  =========  ==============================  =========================================
shop       shopify    the web shop                    dc, store (dc); buffer 1
market     amazon     a marketplace                   tpl, dc (tpl); buffer 2, mugs 50 % cap 40
pos        custom     store POS, owns ``store``       store, store-web (store-web)
dark       custom     quick commerce, owns ``dark``   dark, dark-app (dark-app)
wms        custom     the warehouse system, owns dc   nothing (shown: 0 everywhere)
tpl        custom     the 3PL, owns ``tpl``           nothing
=========  =========  ==============================  =========================================

The ShipBob and Square connectors are not used: the 3PL and POS roles are played by custom
channels (see docs/simulation.md).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any

import sqlalchemy as sa

from hub.app import Hub
from hub.http.policy import RetrySettings
from tests.simulation.clock import VirtualClock
from tests.simulation.vendor import Delivery, References, VendorAdapter
from tests.simulation.vendor_custom import CustomAdapter

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


def settings(world: World, buffers: bool = True):
    from hub.config import Settings

    channels = []
    for code, (locations, push_at, buffer, safety) in CHANNELS.items():
        vendor = world.vendors[code]
        channels.append(
            {
                "code": code,
                "connector": vendor.connector,
                "locations": locations,
                "push_location": push_at,
                "buffer": buffer if buffers else 0,
                "safety_stock": safety if buffers else 0,
                "settings": vendor.settings(),
            }
        )
    return Settings(
        hub={"database_url": "sqlite:///unused.db", "operators": ["ops"]},
        sync=SYNC,
        locations=[{"code": c, "kind": k, "owner": o} for c, k, o in LOCATIONS],
        channels=channels,
        rules=[{"channel": "market", "skus": "MUG-*", "share_percent": 50, "cap": 40}],
    )


#: channel → the connector its vendor runs; every other channel stays on ``custom``
VENDORS: dict[str, str] = {"shop": "shopify", "market": "amazon"}
#: the world before real vendor connectors: every channel on ``custom``
CUSTOM_ONLY: dict[str, str] = {}


def make_vendor(channel: str, connector: str, clock: VirtualClock) -> VendorAdapter:
    """The adapter that plays ``channel``'s vendor on ``connector``."""
    if connector == "shopify":
        from tests.simulation.vendor_shopify import ShopifyAdapter

        return ShopifyAdapter(channel, clock, [*SKUS, BUNDLE, LATE_SKU], {LATE_EXTERNAL: LATE_SKU})
    if connector == "amazon":
        from tests.simulation.vendor_amazon import AmazonAdapter

        return AmazonAdapter(channel, clock, [*SKUS, BUNDLE], [LATE_SKU])
    assert connector == "custom", connector
    return CustomAdapter(channel, clock, CHANNELS[channel][1] or channel)


@dataclass
class World:
    """The vendors' side: their adapters, physical stock, webhooks not yet acknowledged."""

    clock: VirtualClock
    vendors: dict[str, VendorAdapter] = field(default_factory=dict)
    physical: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    outbound: list[Delivery] = field(default_factory=list)
    emitted: dict[str, str] = field(default_factory=dict)  # event id → sending channel
    delivered: set[tuple[str, str]] = field(default_factory=set)  # (channel, delivery id) acked
    revoked: set[str] = field(default_factory=set)
    mapped: set[str] = field(default_factory=set)  # external SKU ids mapped so far
    resolvable: set[str] = field(default_factory=set)  # "system|sku|id" the hub can resolve
    refs: References = field(default_factory=References)
    sequence: int = 0

    @classmethod
    def create(cls, clock: VirtualClock, vendors: dict[str, str] | None = None) -> World:
        """:param vendors: channel → connector for the channels not on custom (default
        :data:`VENDORS`; :data:`CUSTOM_ONLY` for the all-custom world)."""
        chosen = VENDORS if vendors is None else vendors
        world = cls(clock)
        world.vendors = {
            code: make_vendor(code, chosen.get(code, "custom"), clock) for code in CHANNELS
        }
        return world

    def next_id(self, prefix: str) -> str:
        self.sequence += 1
        return f"{prefix}-{self.sequence}"

    def vendor_time(self, system: str) -> str:
        vendor = self.vendors.get(system)
        skew = vendor.skew_s if vendor else 0.0
        moment = self.clock.now() + timedelta(seconds=skew)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def send(self, channel: str, event: dict[str, Any]) -> None:
        """``channel``'s vendor does what ``event`` says; its webhooks wait to be delivered."""
        deliveries, ids = self.vendors[channel].send(event, self.refs)
        self.emitted.update(dict.fromkeys(ids, channel))
        self.outbound.extend(deliveries)

    def move_physical(self, sku: str, location: str, delta: int) -> None:
        """Units really moved at ``location``; its owner's system sees the new level."""
        for part, per in COMPONENTS.get(sku, {sku: 1}).items():
            key = (part, location)
            self.physical[key] = max(0, self.physical[key] + delta * per)
            owner = OWNER.get(location)
            if owner in self.vendors and location in PHYSICAL:
                self.vendors[owner].set_level(part, location, self.physical[key])

    def shown(self, channel: str, code: str) -> int:
        """What ``channel`` shows for sale of ``code`` (a hub code or the generator's alias)."""
        vendor = self.vendors[channel]
        return vendor.shown(vendor.external_sku(code))


def build_hub(engine: sa.Engine, world: World, publisher: Any, buffers: bool = True) -> Hub:
    """The hub under test on ``engine``: topology, crosswalk, item master, every channel on its
    vendor's sandbox."""
    from hub.events import parse_event
    from hub.ledger.items import upsert_item
    from hub.mappings.sync import import_crosswalk

    parts = {
        code: {**vendor.parts(), "retry": FAST, "sleep": _no_sleep, "limiter": None}
        for code, vendor in world.vendors.items()
    }
    hub = Hub(settings(world, buffers), engine, channel_parts=parts, publisher=publisher)
    hub.sync_topology()
    with hub.session() as session:
        import_crosswalk(session, [row for v in world.vendors.values() for row in v.crosswalk()])
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

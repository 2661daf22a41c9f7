"""A day as a list of steps, and the seeded generator that writes it.

A :class:`Step` is plain data (a kind and a dict of JSON values) that says everything needed
to run it again: the event a vendor sends, which pending delivery or queued message is taken
next (``pick`` in [0, 1) of what is pending then), where a fault strikes. The generator looks
at the world while it writes (customers buy what a channel shows; a warehouse ships what it
has), but a recorded list replays without it, and any sub-list is still a valid day — which
is what lets :mod:`tests.simulation.shrink` remove steps freely.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tests.simulation import world as w
from tests.simulation.faults import SKEW_TOLERANCE_S


@dataclass(frozen=True)
class Step:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Step({self.kind!r}, {self.data!r})"


@dataclass
class _Order:
    channel: str
    code: str
    lines: list[dict[str, Any]]
    open: bool = True
    shipped_from: str | None = None


class DayGenerator:
    """Writes the next step from the seed and what the world looks like now."""

    def __init__(self, rng: random.Random, sim: Any) -> None:
        self.rng, self.sim = rng, sim
        self.orders: list[_Order] = []
        self.shipped: list[_Order] = []
        self.transfers: list[tuple[str, str, str, list[dict[str, Any]]]] = []  # code, from, to
        self.returns: list[dict[str, Any]] = []  # {code, location, source, lines, stage}
        self.started = False

    # --- the opening: every owner counts its stock -------------------------------------------

    def opening(self) -> list[Step]:
        steps = []
        for location in w.PHYSICAL:
            owner = w.OWNER[location]
            for sku in w.SKUS:
                qty = self.rng.randint(0, 40)
                steps.append(Step("stock", {"location": location, "sku": sku, "quantity": qty}))
                steps.append(self._count(owner, location, sku, qty))
        return steps

    # --- the day ------------------------------------------------------------------------------

    def next(self) -> Step:
        choices = [
            (self._order, 14),
            (self._fulfil, 8),
            (self._cancel, 3),
            (self._store_sale, 6),
            (self._receipt, 3),
            (self._count_step, 3),
            (self._transfer, 2),
            (self._receive, 2),
            (self._return_step, 4),
            (self._late_sku, 1),
            (self._mapping, 1),
            (self._shrink, 1),
            (self._deliver, 30),
            (self._work, 34),
            (self._sweep, 4),
            (self._pull, 3),
            (self._reconcile, 1),
            (self._advance, 6),
            (self._vendor_faults, 2),
            (self._clear_faults, 2),
            (self._reject, 1),
            (self._revoke, 1),
            (self._restore, 1),
            (self._replay, 1),
            (self._skew, 1),
            (self._edit, 1),
            (self._drop, 1),
        ]
        makers = [maker for maker, _ in choices]
        weights = [weight for _, weight in choices]
        for _ in range(20):
            step = self.rng.choices(makers, weights)[0]()
            if step is not None:
                return step
        return Step("advance", {"seconds": 1.0})

    # --- business ------------------------------------------------------------------------------

    def _event(self, source: str, type_: str, data: dict[str, Any], prefix: str) -> Step:
        event_id = f"{source}/{self.sim.world.next_id(prefix)}"
        event = {
            "id": event_id,
            "type": type_,
            "source": source,
            "occurred_at": self.sim.world.vendor_time(source),
            "data": data,
        }
        return Step("emit", {"channel": source, "event": event})

    def _count(self, owner: str, location: str, sku: str, qty: int) -> Step:
        at = self.sim.world.vendor_time(owner)
        data = {"sku": sku, "location": location, "as_of": at, "quantities": {"on_hand": qty}}
        return self._event(owner, "stock.counted", data, "count")

    def _order(self) -> Step | None:
        channel = self.rng.choice(w.SALES_CHANNELS)
        lines = []
        for n, sku in enumerate(self.rng.sample([*w.SKUS, w.BUNDLE], self.rng.randint(1, 2))):
            external = sku
            shown = self.sim.world.shown(channel, external)
            if shown <= 0:
                continue
            lines.append(
                {
                    "line": str(n + 1),
                    "sku": external,
                    "quantity": self.rng.randint(1, min(3, shown)),
                }
            )
        if not lines:
            return None
        code = self.sim.world.next_id(f"{channel}-order")
        self.orders.append(_Order(channel, code, lines))
        return self._event(
            channel, "order.placed", {"channel": channel, "order": code, "lines": lines}, "placed"
        )

    def _late_sku(self) -> Step | None:
        if w.LATE_EXTERNAL in self.sim.world.mapped and self.rng.random() < 0.5:
            return self._event(
                "wms",
                "stock.adjusted",
                {
                    "sku": w.LATE_SKU,
                    "location": "dc",
                    "delta": self.rng.randint(1, 5),
                    "reason": "receipt",
                },
                "receipt",
            )
        shop = self.sim.world.vendors["shop"]
        mapped = w.LATE_EXTERNAL in self.sim.world.mapped
        if (mapped or shop.lists_unmapped) and self.sim.world.shown("shop", w.LATE_EXTERNAL) < 1:
            return None  # customers buy at most what the shop shows (Shopify: never below 0)
        code = self.sim.world.next_id("shop-order")
        lines = [{"line": "1", "sku": w.LATE_EXTERNAL, "quantity": 1}]
        self.orders.append(_Order("shop", code, lines))
        return self._event(
            "shop", "order.placed", {"channel": "shop", "order": code, "lines": lines}, "placed"
        )

    def _fulfil(self) -> Step | None:
        if not self.orders:
            return None
        order = self.rng.choice(self.orders)
        locations = w.CHANNELS[order.channel][0]
        where = self.rng.choice([loc for loc in locations if loc in w.PHYSICAL])
        for line in order.lines:
            sku = w.LATE_SKU if line["sku"] == w.LATE_EXTERNAL else line["sku"]
            for part, per in w.COMPONENTS.get(sku, {sku: 1}).items():
                if self.sim.world.physical[(part, where)] < per * line["quantity"]:
                    return None
        self.orders.remove(order)
        order.open, order.shipped_from = False, where
        self.shipped.append(order)
        source = self.rng.choice([order.channel, w.OWNER[where]])
        data = {
            "channel": order.channel,
            "order": order.code,
            "location": where,
            "lines": order.lines,
        }
        return self._event(source, "order.fulfilled", data, "shipped")

    def _cancel(self) -> Step | None:
        if not self.orders:
            return None
        order = self.rng.choice(self.orders)
        data: dict[str, Any] = {"channel": order.channel, "order": order.code}
        if len(order.lines) > 1 and self.rng.random() < 0.5:
            line = self.rng.choice(order.lines)
            order.lines = [x for x in order.lines if x is not line]
            data["lines"] = [line["line"]]
        else:
            self.orders.remove(order)
        return self._event(order.channel, "order.cancelled", data, "cancelled")

    def _store_sale(self) -> Step | None:
        sku = self.rng.choice(w.SKUS)
        qty = self.rng.randint(1, 2)
        if self.sim.world.physical[(sku, "store")] < qty:
            return None
        data = {"sku": sku, "location": "store", "delta": -qty, "reason": "sale"}
        return self._event("pos", "stock.adjusted", data, "sale")

    def _receipt(self) -> Step:
        location = self.rng.choice(["dc", "tpl"])
        data = {
            "sku": self.rng.choice(w.SKUS),
            "location": location,
            "delta": self.rng.randint(5, 20),
            "reason": "receipt",
        }
        return self._event(w.OWNER[location], "stock.adjusted", data, "receipt")

    def _count_step(self) -> Step:
        location = self.rng.choice(w.PHYSICAL)
        sku = self.rng.choice(w.SKUS)
        return self._count(
            w.OWNER[location], location, sku, self.sim.world.physical[(sku, location)]
        )

    def _transfer(self) -> Step | None:
        source, target = self.rng.choice([("dc", "dark"), ("dc", "store"), ("tpl", "dc")])
        sku = self.rng.choice(w.SKUS)
        qty = self.rng.randint(1, 5)
        if self.sim.world.physical[(sku, source)] < qty:
            return None
        code = self.sim.world.next_id("transfer")
        lines = [{"sku": sku, "quantity": qty}]
        self.transfers.append((code, source, target, lines))
        data = {"transfer": code, "from_location": source, "to_location": target, "lines": lines}
        return self._event(w.OWNER[source], "transfer.shipped", data, "shipped")

    def _receive(self) -> Step | None:
        if not self.transfers:
            return None
        code, _, target, lines = self.transfers.pop(self.rng.randrange(len(self.transfers)))
        data = {"transfer": code, "to_location": target, "lines": lines}
        return self._event(w.OWNER[target], "transfer.received", data, "received")

    def _return_step(self) -> Step | None:
        waiting = [r for r in self.returns if r["stage"] != "closed"]
        if waiting and self.rng.random() < 0.7:
            return self._advance_return(self.rng.choice(waiting))
        if not self.shipped:
            return None
        order = self.rng.choice(self.shipped)
        line = self.rng.choice(order.lines)
        if line["sku"] in (w.BUNDLE, w.LATE_EXTERNAL):
            return None
        location = "store" if order.channel in ("shop", "pos") else "tpl"
        source = w.OWNER[location]  # it inspects and dispositions the return
        # a vendor that reports returns of its own orders (Shopify's refunds) sends the receipt
        sender = order.channel if self.sim.world.vendors[order.channel].reports_returns else source
        code = self.sim.world.next_id("return")
        lines = [{"sku": line["sku"], "quantity": line["quantity"]}]
        self.returns.append(
            {
                "code": code,
                "location": location,
                "source": source,
                "lines": lines,
                "stage": "received",
            }
        )
        data = {
            "return": code,
            "channel": order.channel,
            "order": order.code,
            "location": location,
            "lines": lines,
        }
        return self._event(sender, "return.received", data, "return")

    def _advance_return(self, ret: dict[str, Any]) -> Step:
        line = ret["lines"][0]
        if ret["stage"] == "received":
            conditions = ["sellable", "damaged", "defective", "wrong_item"]
            condition = self.rng.choice(conditions)
            ret["stage"], ret["condition"] = "inspected", condition
            data = {"return": ret["code"], "lines": [{**line, "condition": condition}]}
            return self._event(ret["source"], "return.inspected", data, "inspected")
        options = ["quarantine", "transfer", "write_off"]
        if ret["condition"] == "sellable":
            options.append("restock")
        disposition = self.rng.choice(options)
        out = {**line, "disposition": disposition}
        if disposition == "transfer":
            out["to_location"] = "dc"
            self.transfers.append((f"return:{ret['code']}", ret["location"], "dc", [line]))
        ret["stage"] = "closed"
        data = {"return": ret["code"], "lines": [out]}
        return self._event(ret["source"], "return.dispositioned", data, "disposed")

    def _mapping(self) -> Step | None:
        if w.LATE_EXTERNAL in self.sim.world.mapped:
            return None
        return Step(
            "mapping", {"system": "shop", "external_id": w.LATE_EXTERNAL, "sku": w.LATE_SKU}
        )

    def _shrink(self) -> Step | None:
        location, sku = self.rng.choice(w.PHYSICAL), self.rng.choice(w.SKUS)
        if self.sim.world.physical[(sku, location)] < 1:
            return None
        return Step(
            "stock",
            {
                "location": location,
                "sku": sku,
                "quantity": self.sim.world.physical[(sku, location)] - 1,
            },
        )

    # --- infrastructure ------------------------------------------------------------------------

    def _pick(self) -> float:
        # mostly the oldest (FIFO), sometimes anything (reordering)
        return 0.0 if self.rng.random() < 0.6 else round(self.rng.random(), 4)

    def _deliver(self) -> Step | None:
        if not self.sim.world.outbound:
            return None
        data: dict[str, Any] = {"pick": self._pick()}
        roll = self.rng.random()
        if roll < 0.12:
            data["dup"] = True
        elif roll < 0.18:
            data["lose_publish"] = True
        elif roll < 0.24:
            data["db"] = self.rng.choice(["db_before", "db_after"])
        return Step("deliver", data)

    def _work(self) -> Step | None:
        if not self.sim.broker.queue:
            return None
        data: dict[str, Any] = {"pick": self._pick()}
        roll = self.rng.random()
        if roll < 0.08:
            data["fault"] = self.rng.choice(["crash_before", "crash_after"])
            data["nth"] = self.rng.randint(1, 6)
            data["redeliver"] = self.rng.random() < 0.5
        elif roll < 0.18:
            data["fault"] = self.rng.choice(["db_before", "db_after"])
            data["nth"] = self.rng.randint(1, 6)
        return Step("work", data)

    def _sweep(self) -> Step:
        return Step("sweep")

    def _pull(self) -> Step:
        return Step("pull", {"channel": self.rng.choice(["wms", "tpl", "pos", "dark"])})

    def _reconcile(self) -> Step:
        return Step("reconcile", {"channel": self.rng.choice(list(w.CHANNELS))})

    def _advance(self) -> Step:
        return Step("advance", {"seconds": self.rng.choice([1, 2, 5, 10, 20, 40])})

    def _vendor_faults(self) -> Step:
        kinds = self.rng.sample(["500", "429", "timeout"], self.rng.randint(1, 3))
        return Step(
            "vendor_faults",
            {
                "channel": self.rng.choice(list(w.CHANNELS)),
                "rate": self.rng.choice([0.2, 0.4, 0.7]),
                "kinds": sorted(kinds),
                "seed": self.rng.randrange(10_000),
            },
        )

    def _clear_faults(self) -> Step:
        return Step("vendor_faults", {"channel": self.rng.choice(list(w.CHANNELS)), "rate": 0.0})

    def _reject(self) -> Step:
        skus = self.rng.sample(w.SKUS, self.rng.randint(0, 1))
        return Step("reject", {"channel": self.rng.choice(w.SALES_CHANNELS), "skus": skus})

    def _revoke(self) -> Step:
        return Step("revoke", {"channel": self.rng.choice(list(w.CHANNELS))})

    def _restore(self) -> Step | None:
        if not self.sim.world.revoked:
            return None
        return Step("restore", {"channel": self.rng.choice(sorted(self.sim.world.revoked))})

    def _replay(self) -> Step:
        return Step("replay")

    def _skew(self) -> Step:
        return Step(
            "skew",
            {
                "system": self.rng.choice(list(w.CHANNELS)),
                "seconds": round(self.rng.uniform(-SKEW_TOLERANCE_S, SKEW_TOLERANCE_S), 3),
            },
        )

    def _edit(self) -> Step:
        return Step(
            "edit",
            {
                "channel": self.rng.choice(w.SALES_CHANNELS),
                "sku": self.rng.choice(w.SKUS),
                "quantity": self.rng.randint(0, 50),
            },
        )

    def _drop(self) -> Step | None:
        if not self.sim.broker.queue:
            return None
        return Step("drop", {"pick": round(self.rng.random(), 4)})

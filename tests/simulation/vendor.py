"""The vendor side of one channel, as the simulation drives it: a small adapter per connector.

The day is written in the generator's terms (canonical events naming its own order, line and
return codes and hub SKUs). An adapter turns each into what its vendor really sends — the
custom protocol's JSON, Shopify's signed webhooks, Amazon's relayed notifications — and
answers what the rest of the simulation asks of a vendor: what the channel shows, what the hub
must be configured with (settings, transport, crosswalk), and how each vendor-side fault is
made. Steps, the runner and
the invariants only talk to this interface, so a new vendor is one more adapter module.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hub.mappings.files import CrosswalkRow


@dataclass
class Delivery:
    """A webhook the vendor owes the hub (sent again, same headers, until acknowledged)."""

    channel: str
    delivery_id: str
    body: bytes
    event_ids: list[str]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class References:
    """What the hub calls the generator's orders, lines and returns, once a vendor said so.

    A custom vendor keeps the generator's codes; Shopify names an order by its GID. Events
    another system sends about that order (a warehouse shipping a shop order, the store
    inspecting a shop return) are rewritten with these before they leave, as the real
    systems learn the ids from the order feed.
    """

    orders: dict[str, str] = field(default_factory=dict)  # generator order code → hub order ref
    lines: dict[tuple[str, str], str] = field(default_factory=dict)  # (order, line no) → line
    returns: dict[str, str] = field(default_factory=dict)  # generator return code → hub ref

    def rewrite(self, event: dict[str, Any]) -> dict[str, Any]:
        """``event`` with every known generator code replaced by the hub's reference."""
        data = dict(event["data"])
        code = data.get("order")
        if code in self.orders:
            data["order"] = self.orders[code]
            if isinstance(data.get("lines"), list):
                data["lines"] = [self._line(code, line) for line in data["lines"]]
        if data.get("return") in self.returns:
            data["return"] = self.returns[data["return"]]
        return {**event, "data": data}

    def _line(self, order: str, line: Any) -> Any:
        if isinstance(line, dict) and "line" in line:
            return {**line, "line": self.lines.get((order, line["line"]), line["line"])}
        return self.lines.get((order, line), line) if isinstance(line, str) else line


class VendorAdapter:
    """One channel's vendor: its sandbox, its deliveries, its faults (see the module docstring).

    :attr faults_injected: vendor faults by kind, ``"500"``, ``"429"``, ``"timeout"``.
    :attr skew_s: how far the vendor's clock is off (its timestamps).
    """

    connector = ""
    #: sends ``return.received`` for its own orders (else the receiving location's owner does)
    reports_returns = False
    #: lists a product the hub does not know yet with stock of its own (the late SKU), so
    #: customers are held to what it shows then too; else it shows nothing the hub never pushed
    lists_unmapped = False

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.skew_s = 0.0

    # --- the hub's side of the set-up -------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """The channel's ``[channels.settings]`` (secrets by environment reference)."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        """The environment variables those settings refer to."""
        return {}

    def parts(self) -> dict[str, Any]:
        """``Hub(channel_parts=…)`` for this channel: the sandbox's transport, no waits."""
        raise NotImplementedError

    def crosswalk(self) -> list[CrosswalkRow]:
        """The rows the data steward imports before the day starts."""
        return []

    def crosswalk_rows(self, rows: list[tuple[str, str, str]]) -> list[CrosswalkRow]:
        """(kind, external id, hub code) as this channel's crosswalk rows, numbered."""
        return [
            CrosswalkRow(
                system=self.channel, kind=kind, external_id=ext, hub_id=hub, file="sim", line=n
            )
            for n, (kind, ext, hub) in enumerate(rows, start=1)
        ]

    # --- the day ----------------------------------------------------------------------------

    def send(self, event: dict[str, Any], refs: References) -> tuple[list[Delivery], list[str]]:
        """Make the vendor do what ``event`` says; its deliveries and the event ids they carry."""
        raise NotImplementedError

    def external_sku(self, code: str) -> str:
        """The id the channel's crosswalk row uses for ``code`` (the late SKU's, too)."""
        return code

    def shown(self, external: str) -> int:
        """What the channel shows for sale of ``external`` (a crosswalk id) at its push location."""
        raise NotImplementedError

    def set_level(self, sku: str, location: str, quantity: int) -> None:
        """Physical stock the vendor's system records (owners only)."""

    # --- faults -----------------------------------------------------------------------------

    @property
    def faults_injected(self) -> Counter[str]:
        raise NotImplementedError

    def set_faults(self, rate: float, kinds: list[str], seed: int) -> None:
        raise NotImplementedError

    def clear_faults(self) -> None:
        raise NotImplementedError

    def reject(self, skus: list[str]) -> None:
        """Refuse pushes of these hub SKUs, per item (a partial batch); [] stops it."""
        raise NotImplementedError

    def revoke(self) -> None:
        raise NotImplementedError

    def restore(self) -> None:
        raise NotImplementedError

    def edit(self, sku: str, quantity: int) -> None:
        """Someone changes the shown quantity of the hub SKU on the channel."""
        raise NotImplementedError

    def clear(self) -> None:
        """Quiescence: every fault off, credentials back, the clock right."""
        self.clear_faults()
        self.reject([])
        self.restore()
        self.skew_s = 0.0

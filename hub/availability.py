"""Available-to-promise (ATP): how many units a channel may offer. Pure arithmetic, no I/O.

A channel's pool is the sum over its visible locations of ``on_hand - reserved - safety_stock``
(each location floored at 0), minus the channel's ``buffer``. An allocation then offers a
percentage share of the pool, raised to a floor while stock allows, limited by a cap. A bundle
offers as many kits as its scarcest component allows. Source systems send wrong numbers (negative
on-hand, reservations above stock), so every result is clamped: ATP is never negative and never
above the physical stock of the same locations. Overselling is worse than underselling.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from fractions import Fraction

__all__ = [
    "Allocation",
    "AllocationRule",
    "LocationStock",
    "bundle_atp",
    "channel_atp",
    "location_free",
    "physical_available",
    "pick_allocation",
]


def _not_negative(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")


@dataclass(frozen=True)
class LocationStock:
    """One SKU's sellable and committed units at one location."""

    on_hand: int
    reserved: int = 0


@dataclass(frozen=True)
class Allocation:
    """A channel's share of the pool: percentage share, then floor, then cap.

    Checked on construction so a bad rule fails when it is loaded, not at push time. The cap is
    applied last, so when ``floor`` exceeds ``cap`` the cap wins.
    """

    share_percent: float | None = None  # 0..100; None = 100
    floor: int | None = None  # minimum units offered while physical stock allows
    cap: int | None = None  # maximum units offered

    def __post_init__(self) -> None:
        share = self.share_percent
        if share is not None and not 0 <= share <= 100:  # also rejects NaN
            raise ValueError(f"share_percent must be between 0 and 100, got {share!r}")
        _not_negative("floor", self.floor)
        _not_negative("cap", self.cap)

    def offer(self, pool: int) -> int:
        """Units offered out of ``pool`` (pool >= 0), always within [0, pool]."""
        offered = pool
        if self.share_percent is not None:
            # Fraction(str(...)) keeps the percent as written: 29 % of 100 is 29, not 28.999….
            share = Fraction(str(self.share_percent))
            offered = int(pool * share / 100)  # int() of a non-negative Fraction floors
        if self.floor is not None:
            offered = max(offered, min(self.floor, pool))
        if self.cap is not None:
            offered = min(offered, self.cap)
        return max(0, min(offered, pool))


@dataclass(frozen=True)
class AllocationRule:
    """Which allocation a channel applies to SKUs matching ``skus`` (exact code or glob)."""

    channel: str
    skus: str = "*"  # exact hub SKU code or an fnmatch glob
    allocation: Allocation = Allocation()


def location_free(stock: LocationStock, safety_stock: int = 0) -> int:
    """Units at one location free to promise after reservations and the safety stock."""
    _not_negative("safety_stock", safety_stock)
    return max(0, stock.on_hand - stock.reserved - safety_stock)


def physical_available(stocks: Mapping[str, LocationStock], visible: Iterable[str]) -> int:
    """Unreserved units at the visible locations: the ceiling no channel's ATP may exceed."""
    return sum(location_free(stocks[loc]) for loc in _unique(visible) if loc in stocks)


def channel_atp(
    stocks: Mapping[str, LocationStock],
    visible: Iterable[str],
    *,
    safety_stock: int = 0,
    buffer: int = 0,
    allocation: Allocation | None = None,
) -> int:
    """Units one channel may offer from the locations it sees, after holdbacks and allocation."""
    _not_negative("safety_stock", safety_stock)
    _not_negative("buffer", buffer)
    free = sum(
        location_free(stocks[loc], safety_stock) for loc in _unique(visible) if loc in stocks
    )
    pool = max(0, free - buffer)
    return pool if allocation is None else allocation.offer(pool)


def bundle_atp(component_atp: Mapping[str, int], components: Mapping[str, int]) -> int:
    """Whole kits the components allow: the scarcest component, in kit quantities, decides."""
    for sku, qty in components.items():
        if qty <= 0:
            raise ValueError(f"components[{sku!r}] quantity must be positive, got {qty!r}")
    if not components:
        return 0  # a bundle with no components is a data error; offer nothing rather than ∞
    return min(max(0, component_atp.get(sku, 0)) // qty for sku, qty in components.items())


def pick_allocation(sku: str, channel: str, rules: Sequence[AllocationRule]) -> Allocation | None:
    """The allocation ``channel`` applies to ``sku``: an exact code beats any glob, then order."""
    mine = [rule for rule in rules if rule.channel == channel]
    for rule in mine:
        if rule.skus == sku:
            return rule.allocation
    for rule in mine:
        if fnmatchcase(sku, rule.skus):  # case-sensitive on every OS, like SKU codes
            return rule.allocation
    return None


def _unique(visible: Iterable[str]) -> list[str]:
    """Visible locations once each, in order; a location listed twice is not twice the stock."""
    if isinstance(visible, str):
        raise TypeError("visible must be an iterable of location codes, not one string")
    return list(dict.fromkeys(visible))

"""Available-to-promise arithmetic: examples for each rule, hypothesis for the invariants."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hub.availability as availability
from hub.availability import (
    Allocation,
    AllocationRule,
    LocationStock,
    bundle_atp,
    channel_atp,
    location_free,
    physical_available,
    pick_allocation,
)

# -- strategies -------------------------------------------------------------------------------

STOCKED = ["dc-east", "store-12", "dark-1"]
LOCATIONS = STOCKED + ["no-record"]  # a visible location with no stock record at all

quantities = st.integers(min_value=-50, max_value=500)  # negative: source systems can be wrong
stock_records = st.builds(LocationStock, on_hand=quantities, reserved=quantities)
stock_maps = st.dictionaries(st.sampled_from(STOCKED), stock_records)
visible_lists = st.lists(st.sampled_from(LOCATIONS), max_size=6)  # repeats included
holdbacks = st.integers(min_value=0, max_value=200)
increments = st.integers(min_value=0, max_value=300)
shares = st.none() | st.integers(0, 100) | st.floats(0, 100, allow_nan=False)
limits = st.none() | st.integers(min_value=0, max_value=1000)
allocations = st.none() | st.builds(Allocation, share_percent=shares, floor=limits, cap=limits)


def with_extra(stocks, location, *, on_hand=0, reserved=0):
    """A copy of ``stocks`` with units added at ``location`` (a missing record counts as zero)."""
    old = stocks.get(location, LocationStock(0, 0))
    bumped = LocationStock(old.on_hand + on_hand, old.reserved + reserved)
    return {**stocks, location: bumped}


def stock(**on_hand):
    """Stock records with only on-hand units, keyed by location code."""
    return {code.replace("_", "-"): LocationStock(qty) for code, qty in on_hand.items()}


# -- examples ---------------------------------------------------------------------------------


class TestModule:
    def test_public_names(self):
        """The module exports exactly the documented ATP API."""
        assert sorted(availability.__all__) == [
            "Allocation",
            "AllocationRule",
            "LocationStock",
            "bundle_atp",
            "channel_atp",
            "location_free",
            "physical_available",
            "pick_allocation",
        ]


class TestLocationFree:
    def test_subtracts_reserved_and_safety_stock(self):
        """Free units are on hand minus reserved minus the safety stock."""
        assert location_free(LocationStock(on_hand=10, reserved=2), safety_stock=3) == 5

    def test_defaults_to_no_reservation_and_no_safety_stock(self):
        """Without reservations or safety stock every on-hand unit is free."""
        assert location_free(LocationStock(on_hand=7)) == 7

    def test_never_negative_when_reserved_exceeds_on_hand(self):
        """Reservations above stock leave nothing free rather than a negative number."""
        assert location_free(LocationStock(on_hand=3, reserved=5)) == 0

    def test_never_negative_for_negative_on_hand(self):
        """A negative count from a confused system gives zero free units."""
        assert location_free(LocationStock(on_hand=-4), safety_stock=1) == 0

    def test_rejects_negative_safety_stock(self):
        """A negative safety stock is refused with an error naming it."""
        with pytest.raises(ValueError, match="safety_stock"):
            location_free(LocationStock(on_hand=5), safety_stock=-1)


class TestPhysicalAvailable:
    def test_sums_unreserved_units_of_visible_locations(self):
        """Only visible locations count, each as on hand minus reserved."""
        stocks = {"a": LocationStock(10, 2), "b": LocationStock(5, 0), "c": LocationStock(100)}
        assert physical_available(stocks, ["a", "b"]) == 13

    def test_missing_location_counts_zero(self):
        """A visible location without a stock record contributes nothing."""
        assert physical_available(stock(a=4), ["a", "nowhere"]) == 4

    def test_negative_location_does_not_eat_others(self):
        """A negative location is floored at zero before summing."""
        stocks = {"a": LocationStock(-5), "b": LocationStock(2, 9), "c": LocationStock(10)}
        assert physical_available(stocks, ["a", "b", "c"]) == 10

    def test_repeated_location_counted_once(self):
        """Listing a location twice does not double its stock."""
        assert physical_available(stock(a=4), ["a", "a"]) == 4

    def test_no_visible_locations(self):
        """A channel that sees no location has nothing available."""
        assert physical_available(stock(a=4), []) == 0

    def test_rejects_a_single_string(self):
        """One location code passed as a string is refused, not split into characters."""
        with pytest.raises(TypeError, match="visible"):
            physical_available(stock(a=4), "a")


class TestChannelAtp:
    def test_hero_scenario(self):
        """DESIGN.md's hero SKU: 399 left in truth, and no channel is offered more."""
        # 847 units; 124 moved to dark stores; Shopify sells 312, Amazon 89, the dark stores 47.
        stocks = {
            "dc-east": LocationStock(on_hand=847 - 124 - 312 - 89),
            "dark-1": LocationStock(on_hand=124 - 47),
        }
        assert channel_atp(stocks, ["dc-east", "dark-1"]) == 399
        assert channel_atp(stocks, ["dc-east"]) == 322  # Shopify sells from the DC only
        assert channel_atp(stocks, ["dark-1"]) == 77

    def test_stock_view_example(self):
        """The DESIGN.md stock view: 10 on hand, 2 reserved, safety stock 1 gives 7."""
        assert channel_atp({"store-12": LocationStock(10, 2)}, ["store-12"], safety_stock=1) == 7

    def test_safety_stock_is_per_location(self):
        """Safety stock is held back at every visible location, not once per channel."""
        assert channel_atp(stock(a=10, b=10), ["a", "b"], safety_stock=3) == 14

    def test_safety_stock_above_a_location_does_not_eat_others(self):
        """A location below its safety stock gives zero, not a negative share of the others."""
        assert channel_atp(stock(a=2, b=10), ["a", "b"], safety_stock=3) == 7

    def test_buffer_is_per_channel(self):
        """The buffer is held back once from the channel's total."""
        assert channel_atp(stock(a=10, b=10), ["a", "b"], buffer=5) == 15

    def test_buffer_above_pool_gives_zero(self):
        """A buffer larger than the pool leaves nothing, never a negative ATP."""
        assert channel_atp(stock(a=3), ["a"], buffer=10) == 0

    def test_only_visible_locations_count(self):
        """Stock at a location the channel may not sell from is not offered."""
        assert channel_atp(stock(a=3, b=100), ["a", "missing"]) == 3

    def test_repeated_location_counted_once(self):
        """A location listed twice in a channel's config is not double-sold."""
        assert channel_atp(stock(a=6), ["a", "a"]) == 6

    def test_accepts_any_iterable_of_locations(self):
        """Visible locations may be a generator, consumed once."""
        assert channel_atp(stock(a=6, b=1), (code for code in ["a", "b"])) == 7

    def test_rejects_a_single_string(self):
        """One location code passed as a string is refused, not split into characters."""
        with pytest.raises(TypeError, match="visible"):
            channel_atp(stock(a=6), "a")

    @pytest.mark.parametrize("argument", ["safety_stock", "buffer"])
    def test_rejects_negative_holdbacks(self, argument):
        """A negative safety stock or buffer is refused with an error naming it."""
        with pytest.raises(ValueError, match=argument):
            channel_atp(stock(a=6), ["a"], **{argument: -1})

    def test_share_of_pool_rounds_down(self):
        """A share offers the floor of its percentage of the pool."""
        assert channel_atp(stock(a=7), ["a"], allocation=Allocation(share_percent=50)) == 3

    def test_share_is_taken_after_holdbacks(self):
        """The share applies to the pool left after safety stock and buffer."""
        allocation = Allocation(share_percent=50)
        atp = channel_atp(stock(a=110), ["a"], safety_stock=5, buffer=5, allocation=allocation)
        assert atp == 50

    @pytest.mark.parametrize(
        ("pool", "share", "offered"),
        [(100, 29, 29), (100, 29.0, 29), (1000, 14.3, 143), (10, 0.1, 0), (3, 33.4, 1)],
    )
    def test_share_is_exact_decimal_arithmetic(self, pool, share, offered):
        """29 % of 100 is 29, not the 28 that float arithmetic (100 * 0.29) would give."""
        allocation = Allocation(share_percent=share)
        assert channel_atp(stock(a=pool), ["a"], allocation=allocation) == offered

    def test_zero_share_offers_nothing(self):
        """A 0 % share takes the channel out of the pool."""
        assert channel_atp(stock(a=50), ["a"], allocation=Allocation(share_percent=0)) == 0

    def test_floor_raises_a_small_share(self):
        """A floor lifts the offer above a share that would give fewer units."""
        allocation = Allocation(share_percent=10, floor=30)
        assert channel_atp(stock(a=100), ["a"], allocation=allocation) == 30

    def test_floor_limited_by_pool(self):
        """A floor never offers more than the pool holds."""
        allocation = Allocation(share_percent=10, floor=30)
        assert channel_atp(stock(a=20), ["a"], allocation=allocation) == 20

    def test_floor_does_not_lower_a_larger_share(self):
        """A floor below the share's offer changes nothing."""
        allocation = Allocation(share_percent=50, floor=10)
        assert channel_atp(stock(a=100), ["a"], allocation=allocation) == 50

    def test_cap_limits_the_offer(self):
        """A cap is the most the channel is ever offered."""
        assert channel_atp(stock(a=100), ["a"], allocation=Allocation(cap=5)) == 5

    def test_cap_wins_over_floor(self):
        """When the floor is above the cap, the cap is applied last and wins."""
        allocation = Allocation(floor=30, cap=5)
        assert channel_atp(stock(a=100), ["a"], allocation=allocation) == 5

    def test_allocation_with_empty_pool_offers_nothing(self):
        """A floor cannot conjure units when the pool is empty."""
        allocation = Allocation(floor=30)
        assert channel_atp(stock(a=1, b=-9), ["a", "b"], buffer=1, allocation=allocation) == 0


class TestAllocation:
    @pytest.mark.parametrize("share", [-0.01, 100.5, math.nan, math.inf])
    def test_rejects_share_outside_0_to_100(self, share):
        """A share outside 0..100 (or not a number) is refused with an error naming it."""
        with pytest.raises(ValueError, match="share_percent"):
            Allocation(share_percent=share)

    @pytest.mark.parametrize("argument", ["floor", "cap"])
    def test_rejects_negative_floor_or_cap(self, argument):
        """A negative floor or cap is refused with an error naming it."""
        with pytest.raises(ValueError, match=argument):
            Allocation(**{argument: -1})

    @pytest.mark.parametrize("share", [0, 100, 0.0, 100.0])
    def test_accepts_the_bounds(self, share):
        """0 % and 100 % are valid shares."""
        assert Allocation(share_percent=share, floor=0, cap=0).share_percent == share


class TestBundleAtp:
    def test_scarcest_component_decides(self):
        """A kit of 2 shirts and 1 cap, with 9 shirts and 7 caps, offers 4 kits."""
        assert bundle_atp({"shirt": 9, "cap": 7}, {"shirt": 2, "cap": 1}) == 4

    def test_ignores_components_not_in_the_bundle(self):
        """ATP of SKUs outside the bundle does not matter."""
        assert bundle_atp({"shirt": 9, "other": 0}, {"shirt": 3}) == 3

    def test_missing_component_gives_zero(self):
        """A component with no known ATP makes the bundle unavailable."""
        assert bundle_atp({"shirt": 9}, {"shirt": 1, "cap": 1}) == 0

    def test_no_components_gives_zero(self):
        """A bundle with no components offers nothing rather than infinity."""
        assert bundle_atp({"shirt": 9}, {}) == 0

    def test_negative_component_atp_gives_zero(self):
        """A negative component ATP from a caller does not give a negative bundle ATP."""
        assert bundle_atp({"shirt": -3, "cap": 5}, {"shirt": 2, "cap": 1}) == 0

    @pytest.mark.parametrize("qty", [0, -1])
    def test_rejects_non_positive_quantity(self, qty):
        """A component quantity of zero or less is refused with an error naming the component."""
        with pytest.raises(ValueError, match=r"components\['cap'\]"):
            bundle_atp({"shirt": 9, "cap": 7}, {"shirt": 1, "cap": qty})


class TestPickAllocation:
    ten = Allocation(share_percent=10)
    twenty = Allocation(share_percent=20)
    thirty = Allocation(share_percent=30)

    def test_exact_code_beats_an_earlier_glob(self):
        """An exact SKU rule wins even when a glob rule comes first."""
        rules = [
            AllocationRule("amazon", "TEE-*", self.ten),
            AllocationRule("amazon", "TEE-RED-M", self.twenty),
        ]
        assert pick_allocation("TEE-RED-M", "amazon", rules) is self.twenty

    def test_first_matching_glob_wins(self):
        """Among globs, the first matching rule in order applies."""
        rules = [
            AllocationRule("amazon", "HAT-*", self.ten),
            AllocationRule("amazon", "TEE-*-M", self.twenty),
            AllocationRule("amazon", "*", self.thirty),
        ]
        assert pick_allocation("TEE-RED-M", "amazon", rules) is self.twenty
        assert pick_allocation("MUG-1", "amazon", rules) is self.thirty

    def test_only_the_channels_rules_apply(self):
        """Rules for other channels are ignored, even exact ones."""
        rules = [
            AllocationRule("shopify-us", "TEE-RED-M", self.ten),
            AllocationRule("amazon", "*", self.twenty),
        ]
        assert pick_allocation("TEE-RED-M", "amazon", rules) is self.twenty

    def test_no_match_gives_none(self):
        """Without a matching rule the channel has no allocation."""
        rules = [AllocationRule("amazon", "HAT-*", self.ten), AllocationRule("shopify-us")]
        assert pick_allocation("TEE-RED-M", "amazon", rules) is None
        assert pick_allocation("TEE-RED-M", "amazon", []) is None

    def test_glob_is_case_sensitive(self):
        """SKU codes are case-sensitive on every platform."""
        rules = [AllocationRule("amazon", "tee-*", self.ten)]
        assert pick_allocation("TEE-RED-M", "amazon", rules) is None

    def test_default_rule_is_whole_catalogue_without_limits(self):
        """A rule with defaults matches every SKU and allocates all of the pool."""
        assert pick_allocation("ANY", "amazon", [AllocationRule("amazon")]) == Allocation()


# -- invariants -------------------------------------------------------------------------------


class TestChannelAtpProperties:
    @given(stock_maps, visible_lists, holdbacks, holdbacks, allocations)
    def test_between_zero_and_physical(self, stocks, visible, safety, buffer, allocation):
        """ATP is never negative and never above the physical stock of the same locations."""
        kw = dict(safety_stock=safety, buffer=buffer, allocation=allocation)
        atp = channel_atp(stocks, visible, **kw)
        assert 0 <= atp <= physical_available(stocks, visible)

    @given(
        stock_maps,
        visible_lists,
        st.sampled_from(LOCATIONS),
        increments,
        holdbacks,
        holdbacks,
        allocations,
    )
    def test_monotone_in_on_hand(self, stocks, visible, where, more, safety, buffer, allocation):
        """More units on hand anywhere never lower the ATP."""
        kw = dict(safety_stock=safety, buffer=buffer, allocation=allocation)
        before = channel_atp(stocks, visible, **kw)
        after = channel_atp(with_extra(stocks, where, on_hand=more), visible, **kw)
        assert after >= before

    @given(
        stock_maps,
        visible_lists,
        st.sampled_from(LOCATIONS),
        increments,
        holdbacks,
        holdbacks,
        allocations,
    )
    def test_non_increasing_in_reserved(
        self, stocks, visible, where, more, safety, buffer, allocation
    ):
        """More units reserved anywhere never raise the ATP."""
        kw = dict(safety_stock=safety, buffer=buffer, allocation=allocation)
        before = channel_atp(stocks, visible, **kw)
        after = channel_atp(with_extra(stocks, where, reserved=more), visible, **kw)
        assert after <= before

    @given(stock_maps, visible_lists, holdbacks, increments, holdbacks, allocations)
    def test_non_increasing_in_buffer(self, stocks, visible, buffer, more, safety, allocation):
        """A larger buffer never raises the ATP."""
        kw = dict(safety_stock=safety, allocation=allocation)
        before = channel_atp(stocks, visible, buffer=buffer, **kw)
        assert channel_atp(stocks, visible, buffer=buffer + more, **kw) <= before

    @given(stock_maps, visible_lists, holdbacks, increments, holdbacks, allocations)
    def test_non_increasing_in_safety_stock(
        self, stocks, visible, safety, more, buffer, allocation
    ):
        """A larger safety stock never raises the ATP."""
        kw = dict(buffer=buffer, allocation=allocation)
        before = channel_atp(stocks, visible, safety_stock=safety, **kw)
        assert channel_atp(stocks, visible, safety_stock=safety + more, **kw) <= before

    @given(stock_maps, visible_lists, holdbacks, holdbacks, st.sampled_from([100, 100.0, None]))
    def test_full_share_equals_no_allocation(self, stocks, visible, safety, buffer, share):
        """A 100 % share (or an empty allocation) with no floor or cap changes nothing."""
        kw = dict(safety_stock=safety, buffer=buffer)
        plain = channel_atp(stocks, visible, **kw)
        assert channel_atp(stocks, visible, allocation=Allocation(share), **kw) == plain

    @given(stock_maps, visible_lists, holdbacks, holdbacks, shares, limits, st.integers(0, 1000))
    def test_cap_respected(self, stocks, visible, safety, buffer, share, floor, cap):
        """ATP never exceeds the allocation's cap, whatever the share or floor."""
        allocation = Allocation(share, floor, cap)
        kw = dict(safety_stock=safety, buffer=buffer, allocation=allocation)
        atp = channel_atp(stocks, visible, **kw)
        assert atp <= cap

    @given(stock_maps, visible_lists, holdbacks, holdbacks, shares, st.integers(0, 1000))
    def test_floor_respected_while_stock_allows(
        self, stocks, visible, safety, buffer, share, floor
    ):
        """Without a cap, ATP is at least the floor, or the whole pool when that is smaller."""
        kw = dict(safety_stock=safety, buffer=buffer)
        pool = channel_atp(stocks, visible, **kw)
        atp = channel_atp(stocks, visible, allocation=Allocation(share, floor), **kw)
        assert atp >= min(floor, pool)

    @given(stock_maps, visible_lists, holdbacks, holdbacks, shares)
    def test_share_is_floor_of_exact_percentage(self, stocks, visible, safety, buffer, share):
        """With only a share, ATP is the exact percentage of the pool, rounded down."""
        kw = dict(safety_stock=safety, buffer=buffer)
        pool = channel_atp(stocks, visible, **kw)
        atp = channel_atp(stocks, visible, allocation=Allocation(share), **kw)
        expected = pool if share is None else math.floor(pool * Fraction(str(share)) / 100)
        assert atp == expected


class TestBundleAtpProperties:
    skus = st.sampled_from(["shirt", "cap", "mug", "sock"])
    component_atps = st.dictionaries(skus, st.integers(min_value=-20, max_value=500))
    component_sets = st.dictionaries(skus, st.integers(min_value=1, max_value=12), min_size=1)

    @given(component_atps, component_sets)
    def test_kits_fit_in_every_component(self, atps, components):
        """Bundle ATP times each quantity never exceeds that component's ATP (missing is 0)."""
        kits = bundle_atp(atps, components)
        assert kits >= 0
        for sku, qty in components.items():
            assert kits * qty <= max(0, atps.get(sku, 0))

    @given(component_atps, component_sets)
    def test_is_the_largest_that_fits(self, atps, components):
        """One more kit would overdraw at least one component."""
        kits = bundle_atp(atps, components)
        assert any((kits + 1) * qty > atps.get(sku, 0) for sku, qty in components.items())

"""A realistic omnichannel day through `stockhub events post`, checked bucket by bucket.

DESIGN.md's hero scenario: 847 units of TEE-RED-M; 124 moved by hand to a dark store; a flash
sale sells 312 on Shopify, 89 on Amazon and 47 in the dark store (399 left); plus a store sale,
shipments, a cancellation, two returns, an oversold order and the 3PL's afternoon count.
"""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import run
from tests.conftest import DATA

ZERO = dict.fromkeys(
    ["on_hand", "reserved", "damaged", "quarantined", "returned_pending", "in_transit", "incoming"],
    0,
)


def buckets(**values: int) -> dict[str, int]:
    return {**ZERO, **values}


EXPECTED = {
    "TEE-RED-M": {
        "locations": {
            # 847 - 124 moved - 150 shipped (S-1) - 50 shipped (A-1) + 1 restocked return
            # reserved: 312 + 89 - 150 - 50 shipped - 62 cancelled (S-3)
            "dc-east": buckets(on_hand=524, reserved=139, quarantined=1),
            "dark-store-1": buckets(on_hand=77),  # 124 - 47
            "store-12": buckets(on_hand=4),
        },
        # shopify: (524-139-1) + (4-0-1); amazon: 0 + (524-139) - buffer 2
        "atp": {"shopify-us": 387, "amazon-us": 383, "square-store-12": 4, "quick-commerce": 77},
        "oversold": 0,
    },
    "MUG-WHT": {
        "locations": {
            "dc-east": buckets(on_hand=30),
            "3pl-shipbob": buckets(on_hand=48, returned_pending=1),  # counted 58, shipped 10
        },
        # amazon: (48 + 30 - 2 buffer) at a 50% share = 38 (cap 40)
        "atp": {"shopify-us": 29, "amazon-us": 38, "square-store-12": 0, "quick-commerce": 0},
        "oversold": 0,
    },
    "TEE-RED-L": {
        "locations": {"dc-east": buckets(on_hand=3, reserved=3)},
        "atp": {"shopify-us": 0, "amazon-us": 0, "square-store-12": 0, "quick-commerce": 0},
        "oversold": 2,  # A-4 ordered 5 of 3
    },
    "GIFT-SET": {  # one TEE-RED-M and two MUG-WHT
        "locations": {},
        "atp": {"shopify-us": 14, "amazon-us": 19, "square-store-12": 0, "quick-commerce": 0},
        "oversold": 0,
    },
}


def check_day(workdir) -> None:
    for sku, expected in EXPECTED.items():
        view = json.loads(run(workdir, "stock", "show", sku, "--json").stdout)
        assert view["sku"] == sku
        assert view["locations"] == expected["locations"], sku
        assert {c: s["atp"] for c, s in view["channels"].items()} == expected["atp"], sku
        assert view["oversold"] == expected["oversold"], sku
        assert all(s["last_pushed"] is None for s in view["channels"].values())


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_day_replayed_twice_lands_exactly(backend, hub_dir):
    """Every bucket and every channel's ATP is exact, and replaying the file changes nothing."""
    workdir = hub_dir(backend)
    first = run(workdir, "events", "post", str(DATA / "day.jsonl"), "--json")
    summary = json.loads(first.stdout)["summary"]
    assert summary == {"applied": 26, "duplicate": 0, "parked": 0, "rejected": 0}
    check_day(workdir)
    second = run(workdir, "events", "post", str(DATA / "day.jsonl"), "--json")
    assert json.loads(second.stdout)["summary"] == {
        "applied": 0,
        "duplicate": 26,
        "parked": 0,
        "rejected": 0,
    }
    check_day(workdir)

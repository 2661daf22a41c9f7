"""`make run` tells the story: the demo starts every sandbox and a real hub, plays the day and
ends with every channel showing its ATP; the injected outage really hit the hub."""

from __future__ import annotations

from hub.demo.run import run_demo
from hub.demo.vendors import all_vendors
from tests.api.server import free_port


def test_the_day_ends_with_every_channel_in_step(tmp_path):
    vendors = all_vendors()
    said: list[str] = []
    gaps = run_demo(tmp_path / "demo", free_port(), pause_s=0.2, seed=3, stay=False,
                    say=said.append, vendors=vendors)  # fmt: skip
    assert gaps and not any(gaps.values()), gaps
    assert any(line.startswith("dashboard: http://127.0.0.1:") for line in said)
    assert said[-1].startswith("stopped")
    quick = next(v for v in vendors if v.channel == "quick-commerce")
    assert quick.sandbox.faults_injected, "the outage never met a push"
    shop = next(v for v in vendors if v.channel == "shopify-us")
    assert len(shop.orders) == 25 and shop.sandbox.throttled == 0
    amazon = next(v for v in vendors if v.channel == "amazon-us")
    assert len(amazon.orders) == 8 and amazon.sandbox.throttled == 0 and not amazon.sandbox.invalid
    shipbob = next(v for v in vendors if v.channel == "shipbob")
    assert len(shipbob.shipped) == 5
    token = (tmp_path / "demo" / "ops-token.txt").read_text().strip()
    assert token in next(line for line in said if line.startswith("dashboard"))

"""Run the demo: start everything, play the day, report, serve until Ctrl-C."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.demo.day import beats
from hub.demo.vendors import all_vendors
from hub.demo.world import World


def run_demo(folder: Path, port: int, pause_s: float, seed: int, stay: bool,
             say: Callable[[str], None] = print,
             vendors: list[Any] | None = None) -> dict[str, dict[str, int]]:  # fmt: skip
    """Play the day; returns, per channel, the SKUs whose shown quantity differs from ATP."""
    world = World(folder, vendors if vendors is not None else all_vendors(), port)
    rng = random.Random(seed)  # noqa: S311  (a reproducible demo day)
    try:
        say("starting the sandboxes and the hub (stockhub run) ...")
        world.start()
        say(f"dashboard: {world.origin}/  (token: {world.token})")
        say(f"API: {world.origin}/docs   metrics: {world.origin}/metrics   log: {world.log}")
        (world.folder / "ops-token.txt").write_text(world.token + "\n")
        channels = {v.channel for v in world.vendors}
        for beat in beats(channels):
            say(f"[{beat.clock}] {beat.story}: {beat.act(world, rng)}")
            time.sleep(pause_s)
        say("end of day: waiting for every channel to show its ATP ...")
        gaps = settle(world, timeout_s=120)
        for channel, gap in gaps.items():
            state = "in step" if not gap else f"{len(gap)} SKU(s) still differ: {gap}"
            say(f"  {channel}: {state}")
        if stay:
            say("the hub keeps running; Ctrl-C stops everything")
            while world.process is not None and world.process.poll() is None:
                time.sleep(1)
        return gaps
    finally:
        world.stop()
        say("stopped: hub, worker, scheduler and sandboxes")


def settle(world: World, timeout_s: float) -> dict[str, dict[str, int]]:
    """Wait until each channel shows what the hub says it should (or time runs out)."""
    shown_by = [v for v in world.vendors if v.shown() is not None]  # a 3PL is told nothing
    refs = {v.channel: _external_ids(world, v.channel) for v in shown_by}  # fixed for the day
    deadline = time.monotonic() + timeout_s
    while True:
        gaps = {v.channel: _gap(world, v, refs[v.channel]) for v in shown_by}
        if (not any(gaps.values()) and _drained(world)) or time.monotonic() > deadline:
            return gaps
        time.sleep(1)


def _drained(world: World) -> bool:
    """Nothing stored and unprocessed, nothing owed to a channel."""
    from prometheus_client.parser import text_string_to_metric_families

    text = world.api("GET", "/metrics").text
    waiting = 0.0
    for family in text_string_to_metric_families(text):
        if family.name in ("stockhub_inbox_pending", "stockhub_queue_depth"):
            waiting += sum(sample.value for sample in family.samples)
    return waiting == 0


def _gap(world: World, vendor, refs: dict[str, str]) -> dict[str, int]:
    """SKUs whose quantity at the vendor differs from the channel's ATP (shown − ATP)."""
    page = world.api("GET", f"/api/v1/channels/{vendor.channel}/stock").json()
    shown = vendor.shown()
    gap = {}
    for item in page["items"]:
        sku = item["sku"]
        listed = refs.get(sku, sku)
        if vendor.connector != "custom" and listed not in shown:
            continue  # the vendor does not list it (the hub records the rejection)
        have = shown.get(listed, 0)
        if have != item["atp"]:
            gap[sku] = have - item["atp"]
    return gap


def _external_ids(world: World, channel: str) -> dict[str, str]:
    from sqlmodel import select

    from hub.app import open_hub
    from hub.models import ExternalRef

    hub = open_hub(world.folder / "stockhub.toml", check_schema=False)
    try:
        with hub.session() as session:
            rows = session.exec(select(ExternalRef).where(ExternalRef.system == channel,
                                                          ExternalRef.kind == "sku"))  # fmt: skip
            return {row.hub_code: row.external_id for row in rows}
    finally:
        hub.engine.dispose()

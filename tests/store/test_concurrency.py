"""First reserve wins under real concurrency on PostgreSQL: never more allocated than on hand."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from hub.ledger import LedgerPolicy, apply_event
from hub.stockview import stock_view
from hub.store import make_engine
from tests.conftest import make_hub
from tests.helpers import count, event

CHANNELS = ("shopify-us", "amazon-us")  # both sell from dc-east


def order_event(n: int, quantity: int):
    channel = CHANNELS[n % 2]
    return event(
        f"{channel}/race/{n}",
        "order.placed",
        channel,
        "10:00",
        channel=channel,
        order=f"race-{n}",
        lines=[{"line": "1", "sku": "MUG-WHT", "quantity": quantity, "location": "dc-east"}],
    )


def _place_in_process(url: str, n: int, quantity: int) -> str:
    engine = make_engine(url)
    try:
        return apply_event(engine, order_event(n, quantity), LedgerPolicy()).status
    finally:
        engine.dispose()


@pytest.fixture
def pg_hub(settings, pg_engine):
    hub = make_hub(settings, pg_engine)
    count(hub, "MUG-WHT", "dc-east", 25, "06:00", "wms")
    return hub


def check_allocation(hub, orders: int, quantity: int) -> None:
    with hub.session() as session:
        view = stock_view(session, "MUG-WHT")
    dc = view["locations"]["dc-east"]
    assert dc["on_hand"] == 25
    assert dc["reserved"] == 25  # every unit allocated, none twice
    assert view["oversold"] == orders * quantity - 25  # the excess, exactly


@pytest.mark.postgres
class TestLastUnitsRace:
    def test_threads_never_allocate_more_than_on_hand(self, pg_hub):
        """40 threads, two channels, 3 units each against 25 on hand: 25 reserved, 95 oversold."""
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(
                pool.map(
                    lambda n: apply_event(pg_hub.engine, order_event(n, 3), pg_hub.policy).status,
                    range(40),
                )
            )
        assert results == ["applied"] * 40
        check_allocation(pg_hub, 40, 3)

    def test_processes_never_allocate_more_than_on_hand(self, pg_hub):
        """Separate processes with their own connections obey the same limit."""
        url = pg_hub.engine.url.render_as_string(hide_password=False)
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=6, mp_context=ctx) as pool:
            results = list(pool.map(_place_in_process, [url] * 30, range(30), [2] * 30))
        assert results == ["applied"] * 30
        check_allocation(pg_hub, 30, 2)

    def test_duplicate_deliveries_racing_apply_once(self, pg_hub):
        """The same event delivered by 12 threads at once is applied exactly once."""
        twin = order_event(7, 2)
        with ThreadPoolExecutor(max_workers=12) as pool:
            results = list(pool.map(lambda _: apply_event(pg_hub.engine, twin).status, range(12)))
        assert sorted(results) == ["applied"] + ["duplicate"] * 11
        with pg_hub.session() as session:
            assert stock_view(session, "MUG-WHT")["locations"]["dc-east"]["reserved"] == 2


class TestEmbeddedRace:
    def test_threads_on_either_database_never_over_allocate(self, settings, engine):
        """The same race on SQLite (BEGIN IMMEDIATE) and PostgreSQL (row locks)."""
        hub = make_hub(settings, engine)
        count(hub, "MUG-WHT", "dc-east", 25, "06:00", "wms")
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(
                pool.map(
                    lambda n: apply_event(hub.engine, order_event(n, 3), hub.policy).status,
                    range(20),
                )
            )
        assert results == ["applied"] * 20
        check_allocation(hub, 20, 3)

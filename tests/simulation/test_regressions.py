"""Bugs the simulator found, each pinned by the shortest day that showed it (an open one is
marked ``xfail(strict=True)``, so fixing it fails here until the mark goes)."""

from __future__ import annotations

from sqlmodel import select

from hub.models import DeadLetter
from tests.simulation.runner import Simulation, run_steps
from tests.simulation.steps import Step


def test_a_replayed_pull_dead_letter_closes_when_the_pull_succeeds(sim_engine):
    """Found by seeds 10 and 11: with a worker (a publisher), `dlq replay` queues the pull,
    the pull succeeds, and the letter used to stay ``replayed`` for ever (hub/sync/pull.py
    now resolves the moot pull letters of that channel and resource on success)."""
    sim = Simulation(sim_engine)
    with sim.running():
        for step in [
            Step("revoke", {"channel": "tpl"}),
            Step("pull", {"channel": "tpl"}),
            Step("work", {"pick": 0.0}),  # 401: the pull gives up, a dead letter
            Step("restore", {"channel": "tpl"}),
            Step("replay"),  # queued, as the API's replay does with a worker running
            Step("work", {"pick": 0.0}),  # the pull runs and succeeds
        ]:
            assert sim.execute(step), sim.violations
        with sim.hub.session() as session:
            (letter,) = session.exec(select(DeadLetter)).all()
        assert (letter.task, letter.status) == ("pull", "resolved")
        assert sim.quiesce(), sim.violations


def test_an_edited_amazon_listing_quantity_is_reconciled(sim_engine):
    """Found aiming ``channel_edit`` at the marketplace on Amazon: a merchant-fulfilled
    quantity changed in Seller Central was never seen by reconciliation (it pulled
    ``getInventorySummaries``, FBA only), so the listing kept the edited number until the
    SKU's ATP changed. Fixed: a full stock read also pages through ``searchListingsItems``, so
    reconciliation sees the listing's quantity as channel drift and re-pushes ATP."""
    at = "2026-11-22T06:00:00.000000Z"
    count = {"sku": "MUG-WHT", "location": "tpl", "as_of": at, "quantities": {"on_hand": 20}}
    event = {"id": "tpl/count-1", "type": "stock.counted", "source": "tpl", "occurred_at": at}
    steps = [
        Step("stock", {"location": "tpl", "sku": "MUG-WHT", "quantity": 20}),
        Step("emit", {"channel": "tpl", "event": {**event, "data": count}}),
        *[Step("deliver", {"pick": 0.0}), Step("work", {"pick": 0.0})] * 3,
        Step("edit", {"channel": "market", "sku": "MUG-WHT", "quantity": 50}),
    ]
    result = run_steps(steps, sim_engine)
    assert result.ok, "\n".join(map(str, result.violations))

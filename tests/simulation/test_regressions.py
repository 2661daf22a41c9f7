"""Bugs the simulator found in the hub, each pinned by the shortest day that showed it."""

from __future__ import annotations

from sqlmodel import select

from hub.models import DeadLetter
from tests.simulation.runner import Simulation
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

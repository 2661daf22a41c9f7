"""The SDK's conformance kit against the ShipBob connector, and its registration."""

from __future__ import annotations

import pytest

from connectors.shipbob import plugin
from hub.conformance import ConformanceSuite
from hub.dispatch import installed_connectors
from hub.plugins import make_plugin_manager


class TestShipBobConformance(ConformanceSuite):
    """The shared contract tests, run against the ShipBob plugin and its sandbox."""

    connector = "shipbob"

    @pytest.fixture
    def stockhub_plugin_manager(self):
        return make_plugin_manager(plugins={"shipbob": plugin}, load_entry_points=False)


def test_installed_through_the_entry_point() -> None:
    """`shipbob` is found through stockhub.connectors like any third-party plugin."""
    handles = {h.name: h for h in installed_connectors(make_plugin_manager(environ={}))}
    assert handles["shipbob"].plugin.__name__ == "connectors.shipbob.plugin"

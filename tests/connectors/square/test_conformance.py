"""The SDK's conformance kit against the Square connector, and its registration."""

from __future__ import annotations

import pytest

from connectors.square import plugin
from hub.conformance import ConformanceSuite
from hub.dispatch import installed_connectors
from hub.plugins import make_plugin_manager


class TestSquareConformance(ConformanceSuite):
    """The shared contract tests, run against the Square plugin and its sandbox."""

    connector = "square"

    @pytest.fixture
    def stockhub_plugin_manager(self):
        return make_plugin_manager(plugins={"square": plugin}, load_entry_points=False)


def test_installed_through_the_entry_point() -> None:
    """`square` is found through stockhub.connectors like any third-party plugin."""
    handles = {h.name: h for h in installed_connectors(make_plugin_manager(environ={}))}
    assert handles["square"].plugin.__name__ == "connectors.square.plugin"

"""The SDK's conformance kit against the Amazon connector, and its registration."""

from __future__ import annotations

import pytest

from connectors.amazon import plugin
from hub.conformance import ConformanceSuite
from hub.dispatch import installed_connectors
from hub.plugins import make_plugin_manager


class TestAmazonConformance(ConformanceSuite):
    """The shared contract tests, run against the Amazon plugin and its sandbox."""

    connector = "amazon"

    @pytest.fixture
    def stockhub_plugin_manager(self):
        return make_plugin_manager(plugins={"amazon": plugin}, load_entry_points=False)


def test_installed_through_the_entry_point() -> None:
    """`amazon` is found through stockhub.connectors like any third-party plugin."""
    handles = {h.name: h for h in installed_connectors(make_plugin_manager(environ={}))}
    assert handles["amazon"].plugin.__name__ == "connectors.amazon.plugin"

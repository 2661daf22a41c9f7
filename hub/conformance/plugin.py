"""The conformance kit's pytest plugin (entry point ``pytest11: stockhub``).

Loaded automatically wherever stockhub is installed. It adds:

* ``--stockhub-connector NAME`` — the connector a :class:`ConformanceSuite` subclass without
  a ``connector`` attribute tests (``stockhub connectors check NAME`` passes it);
* fixture ``stockhub_plugin_manager`` — a freshly built, checked plugin manager with every
  installed plugin; override it to test a plugin module that is not installed::

      @pytest.fixture
      def stockhub_plugin_manager():
          return make_plugin_manager(plugins={"acme": acme.plugin}, load_entry_points=False)

* fixture ``stockhub_connector_name`` — the value of ``--stockhub-connector``.

It imports nothing from the hub until a fixture is used, so it costs nothing elsewhere.
"""

from __future__ import annotations

from typing import Any

import pytest

# the suite lives in the hub package; rewrite its asserts so failures explain themselves
pytest.register_assert_rewrite("hub.conformance.suite")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stockhub", "stockhub connector conformance kit")
    group.addoption(
        "--stockhub-connector",
        dest="stockhub_connector",
        default=None,
        metavar="NAME",
        help="connector plugin the conformance suite tests",
    )


@pytest.fixture
def stockhub_connector_name(request: pytest.FixtureRequest) -> str | None:
    """The connector named by --stockhub-connector, if any."""
    return request.config.getoption("stockhub_connector")


@pytest.fixture
def stockhub_plugin_manager() -> Any:
    """A plugin manager with every installed plugin, built and checked for this test."""
    from hub.plugins import make_plugin_manager

    return make_plugin_manager()

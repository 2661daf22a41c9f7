"""The suite run by ``stockhub connectors check NAME`` against an installed connector.

``pytest --pyargs hub.conformance.check_installed --stockhub-connector NAME`` is the same.
"""

from hub.conformance.suite import ConformanceSuite


class TestInstalledConnector(ConformanceSuite):
    """The conformance suite for the connector named by --stockhub-connector."""

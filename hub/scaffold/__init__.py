"""``stockhub connectors new NAME``: write a working connector plugin package.

The package has its own ``pyproject.toml`` with the ``stockhub.connectors`` entry point, the
five-file shape of a connector (plugin, client, translate, webhooks, sandbox) plus its
settings schema, sample payloads and a test module that runs the conformance kit — and it
passes that kit as generated, against its own sandbox.
"""

from hub.scaffold.writer import ConnectorNames, write_connector

__all__ = ["ConnectorNames", "write_connector"]

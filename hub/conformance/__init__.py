"""The connector conformance kit: contract tests any connector runs with one command.

* :class:`ConformanceSuite` — subclass it in a connector's tests (``connector = "acme"``);
* :class:`ConformanceKit` — what the connector's ``stockhub_conformance_kit`` hook returns;
* :class:`Sandbox` — the protocol its vendor emulator implements;
* ``stockhub connectors check NAME`` — runs the suite against an installed connector.

``ConformanceSuite`` is imported lazily: it needs pytest, which a production hub that merely
loads a plugin's ``stockhub_conformance_kit`` should not have to import.
"""

from typing import Any

from hub.conformance.kit import ConformanceKit, Sample, Sandbox

__all__ = ["ConformanceKit", "ConformanceSuite", "Sample", "Sandbox"]


def __getattr__(name: str) -> Any:
    if name == "ConformanceSuite":
        from hub.conformance.suite import ConformanceSuite

        return ConformanceSuite
    raise AttributeError(name)

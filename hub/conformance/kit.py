"""What a connector hands the conformance kit: settings, samples, a sandbox, a webhook signer.

A connector plugin implements the ``stockhub_conformance_kit`` hook and returns a
:class:`ConformanceKit`. The kit then needs neither the vendor nor the network:

* ``samples_dir`` — the connector's own sample payloads, one JSON file per vendor record::

      {"topic": "inventory_levels/update",          # the vendor's name for the record
       "headers": {"X-Acme-Topic": "inventory_levels/update"},   # extra webhook headers
       "body": {...}}                                # the vendor payload as it arrives

* ``sandbox`` — a factory for a fresh in-process emulator of the vendor API (the connector's
  ``sandbox.py``) implementing :class:`Sandbox`: an httpx transport, the stock levels it
  holds and the size of every push request it received; seeded with records to pull;
* ``sign_webhook`` — signs a body the way the vendor does, given the channel settings, so the
  kit can check that genuine deliveries pass and forged ones fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import httpx

from hub.connector import ChannelContext, InboundMessage, WebhookRequest
from hub.errors import ValidationError


@runtime_checkable
class Sandbox(Protocol):
    """An in-process emulator of a vendor API, as the conformance kit drives it."""

    #: number of items in every stock push request received, in order
    push_batch_sizes: list[int]

    def transport(self) -> httpx.BaseTransport:
        """The transport that routes the connector's HTTP calls to this emulator."""

    def stock_levels(self) -> Mapping[tuple[str, str], int]:
        """Current quantities by (vendor item id, vendor location id)."""


@dataclass(frozen=True)
class Sample:
    """One sample vendor record from ``samples_dir``."""

    name: str
    topic: str
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    def raw_body(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":")).encode()

    def message(self) -> InboundMessage:
        return InboundMessage(topic=self.topic, body=self.body, delivery_id=f"sample-{self.name}")

    def webhook(
        self, signature_headers: Mapping[str, str], body: bytes | None = None
    ) -> WebhookRequest:
        return WebhookRequest(
            body=self.raw_body() if body is None else body,
            headers={**self.headers, **signature_headers},
        )


@dataclass(frozen=True)
class ConformanceKit:
    """Everything the kit needs from a connector (see the module docstring)."""

    settings: dict[str, Any]
    samples_dir: Path
    sandbox: Callable[[], Sandbox]
    sign_webhook: Callable[[bytes, Mapping[str, Any]], dict[str, str]] | None = None
    channel: str = "conformance"

    def samples(self) -> list[Sample]:
        """Every ``*.json`` sample, sorted by name; a malformed file names itself."""
        found = []
        for path in sorted(Path(self.samples_dir).glob("*.json")):
            try:
                raw = json.loads(path.read_text())
                found.append(
                    Sample(
                        name=path.stem,
                        topic=raw["topic"],
                        body=raw["body"],
                        headers=raw.get("headers", {}),
                    )
                )
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValidationError(
                    f"sample {path} is not {{topic, body, headers?}}: {exc}", field=str(path)
                ) from exc
        return found

    def context(self, connector: Any, **hub_parts: Any) -> ChannelContext:
        """A ChannelContext for the kit's channel of ``connector`` (a ConnectorHandle)."""
        return connector.context(self.channel, dict(self.settings), **hub_parts)

"""Small plugins the SDK tests register: a tidy connector, a second one, and broken ones."""

from __future__ import annotations

from hub.connector import (
    Capability,
    ConnectorInfo,
    PullResult,
    PushResult,
    PushStatus,
    RateLimit,
    SettingsField,
)
from hub.hookspecs import hookimpl

EVENT = {
    "id": "e1",
    "type": "stock.adjusted",
    "source": "tidy-1",
    "occurred_at": "2026-11-22T10:00:00Z",
    "data": {"sku": "TEE", "location": "WH1", "delta": -1, "reason": "sale"},
}


class TidyConnector:
    """A well-formed connector; records the calls it receives."""

    def __init__(self, name: str = "tidy") -> None:
        self.name = name
        self.calls: list[str] = []

    @hookimpl
    def stockhub_describe_connector(self) -> ConnectorInfo:
        return ConnectorInfo(
            name=self.name,
            title=self.name.title(),
            capabilities=frozenset({Capability.PUSH_STOCK, Capability.PULL_STOCK}),
            max_batch_size=2,
            rate_limits=(RateLimit(5),),
            settings=(SettingsField("api_token", "Token from the admin page.", secret=True),),
        )

    @hookimpl
    def stockhub_translate(self, message) -> list[dict]:
        self.calls.append(f"translate:{message.topic}")
        return [dict(EVENT)] if message.topic == "ok" else [{**EVENT, "data": {"sku": "TEE"}}]

    @hookimpl
    def stockhub_pull(self, channel, cursor) -> PullResult:
        self.calls.append(f"pull:{cursor}")
        return PullResult(events=[dict(EVENT)], cursor="c2")

    @hookimpl
    def stockhub_push_stock(self, updates) -> list[PushResult]:
        self.calls.append(f"push:{len(updates)}")
        return [PushResult(u.sku, u.location, PushStatus.ACCEPTED) for u in updates]


class MisspelledHook:
    @hookimpl
    def stockhub_push_stocks(self, channel, updates):  # one letter too many
        return []


class WrongArgument:
    @hookimpl
    def stockhub_translate(self, channel, payload):  # the spec says `message`
        return []


class UnmarkedHook:
    def stockhub_alert_raised(self, alert):  # forgot @hookimpl
        pass

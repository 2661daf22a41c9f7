"""Small pure pieces: redaction, throttle headers, settings schema checks, result contracts."""

from __future__ import annotations

import httpx
import pytest

from hub.connector import ConnectorInfo, ContractError, PushResult, SettingsField, StockUpdate
from hub.http import redact, redact_headers, requested_wait


class TestRedact:
    def test_known_secret_values_and_credential_fields_are_masked(self) -> None:
        """Registered values, bearer tokens, auth headers and token params become ***."""
        text = (
            "Authorization: Bearer abc.def-123 url=/x?access_token=qq11&x=1 "
            '{"client_secret": "zz99"} raw sh-9f8e7d6c'
        )
        out = redact(text, secrets=["sh-9f8e7d6c"])
        for secret in ("abc.def-123", "qq11", "zz99", "sh-9f8e7d6c"):
            assert secret not in out
        assert "x=1" in out

    def test_sensitive_headers_are_masked(self) -> None:
        """Headers kept with an error record never hold credentials."""
        assert redact_headers([("Authorization", "Bearer x"), ("X-Request-Id", "r1")]) == {
            "Authorization": "***",
            "X-Request-Id": "r1",
        }


class TestThrottleHeaders:
    @pytest.mark.parametrize(
        "headers, expected",
        [
            ({"Retry-After": "3"}, 3.0),
            ({"RateLimit-Reset": "4"}, 4.0),
            ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "5"}, 5.0),
            ({"X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "5"}, None),
            ({"Retry-After": "soon"}, None),
            ({}, None),
        ],
    )
    def test_requested_wait(self, headers, expected) -> None:
        """Each header family yields the vendor's requested wait, or None when it asked nothing."""
        assert requested_wait(httpx.Response(429, headers=headers), now=1000.0) == expected


class TestSettingsSchema:
    def test_unmarked_credentials_and_missing_descriptions_are_reported(self) -> None:
        """A token not marked secret, a vague description and a secret default are each named."""
        info = ConnectorInfo(
            name="x",
            title="X",
            capabilities=frozenset({"webhooks"}),
            settings=(
                SettingsField("api_token", "The token for the API."),
                SettingsField("shop", "?"),
                SettingsField("password", "Admin password for login.", secret=True, default="pw"),
                SettingsField("page_size", "Records per page.", type="integer", default="50"),
            ),
        )
        problems = "\n".join(info.settings_problems())
        assert "'api_token': looks like a credential" in problems
        assert "'shop': needs a description" in problems
        assert "'password': a secret must not have a default" in problems
        assert "'page_size': default '50' is not a integer" in problems

    def test_channel_settings_are_checked_against_the_schema(self) -> None:
        """Missing, unknown and mistyped settings are named by key."""
        info = ConnectorInfo(
            name="x",
            title="X",
            capabilities=frozenset({"webhooks"}),
            settings=(
                SettingsField("shop", "Shop subdomain, e.g. example."),
                SettingsField(
                    "page_size", "Records per page.", type="integer", required=False, default=5
                ),
            ),
        )
        assert info.check_settings({"page_size": "5", "shp": "a"}) == [
            "settings.shp: unknown setting for x",
            "settings.shop: required (Shop subdomain, e.g. example.)",
            "settings.page_size: expected integer",
        ]


class TestContracts:
    def test_a_refusal_needs_a_reason(self) -> None:
        """rejected and stale_compare results must say why."""
        with pytest.raises(ContractError, match="needs a reason"):
            PushResult("S", "L", "rejected")

    def test_quantities_are_never_negative(self) -> None:
        """A push of a negative quantity is refused before it reaches a connector."""
        with pytest.raises(ContractError):
            StockUpdate("S", "L", -1, "x", "l")

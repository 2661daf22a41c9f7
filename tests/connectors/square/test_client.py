"""Auth: personal tokens and OAuth refresh; Square's errors at the edge."""

from __future__ import annotations

import pytest

from connectors.square.sandbox import (
    SANDBOX_APPLICATION,
    SANDBOX_REFRESH_TOKEN,
    SquareSandbox,
)
from connectors.square.sandbox_seed import ONLINE, PRODUCTS
from hub.connector import PushStatus, StockUpdate
from hub.errors import ConfigError

UPDATE = [StockUpdate("TEE-RED-M", "online", 9, PRODUCTS[0][1], ONLINE)]
OAUTH = {
    "auth": "oauth",
    "refresh_token": SANDBOX_REFRESH_TOKEN,
    "application_id": SANDBOX_APPLICATION[0],
    "application_secret": SANDBOX_APPLICATION[1],
}


def test_oauth_token_is_refreshed_once_and_reused(handle, context) -> None:
    """Expired access token: one ObtainToken (refresh_token grant), the call retried and the
    new token used by the next client too; it never appears in the settings."""
    sandbox = SquareSandbox.seeded()
    sandbox.expire_tokens()
    ctx = context(sandbox.transport(), **OAUTH)
    assert handle.push_stock(ctx, UPDATE)[0].status is PushStatus.ACCEPTED
    assert handle.push_stock(ctx, UPDATE)[0].status is PushStatus.ACCEPTED
    operations = [op for op, _ in sandbox.requests]
    assert operations == ["BatchChangeInventory", "ObtainToken", "BatchChangeInventory",
                          "BatchChangeInventory"]  # fmt: skip
    tokens = {auth for op, auth in sandbox.requests if op == "BatchChangeInventory"}
    assert len(tokens) == 2  # the expired one once, then the refreshed one


def test_refused_refresh_is_a_config_error_naming_the_setting(handle, context) -> None:
    """A revoked refresh token: ConfigError on settings.refresh_token, no secret in the text."""
    sandbox = SquareSandbox.seeded()
    sandbox.expire_tokens()
    sandbox.refresh_tokens.clear()
    with pytest.raises(ConfigError) as caught:
        handle.push_stock(context(sandbox.transport(), **OAUTH), UPDATE)
    assert caught.value.field == "settings.refresh_token"
    assert SANDBOX_REFRESH_TOKEN not in str(caught.value)


def test_personal_token_rejected_is_a_config_error(handle, context) -> None:
    """A personal token is never refreshed: 401 is a ConfigError at once (status in context)."""
    sandbox = SquareSandbox.seeded()
    sandbox.expire_tokens()
    with pytest.raises(ConfigError) as caught:
        handle.push_stock(context(sandbox.transport()), UPDATE)
    assert caught.value.context["status"] == 401
    assert [op for op, _ in sandbox.requests] == ["BatchChangeInventory"]


def test_oauth_needs_its_credentials(handle, context) -> None:
    """auth = oauth without application_secret names the missing key."""
    settings = {**OAUTH, "application_secret": ""}
    with pytest.raises(ConfigError) as caught:
        handle.push_stock(context(SquareSandbox.seeded().transport(), **settings), UPDATE)
    assert caught.value.field == "settings.application_secret"

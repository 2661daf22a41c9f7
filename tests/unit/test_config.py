"""stockhub.toml: the documented shape loads, and every mistake names its key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import Settings, get_settings, load_settings, override_settings
from hub.errors import ConfigError
from tests.conftest import SAMPLE

MINIMAL = """
[hub]
database_url = "sqlite:///data/hub.db"

[[locations]]
code = "store-12"
kind = "store"
owner = "square-store-12"

[[channels]]
code = "shopify-us"
connector = "shopify"
locations = ["store-12"]
[channels.settings]
shop = "example"
access_token = "${SHOPIFY_ACCESS_TOKEN}"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stockhub.toml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    return str(caught.value)


class TestLoading:
    def test_sample_config_loads(self):
        """The file `stockhub init` writes is valid."""
        settings = load_settings(SAMPLE / "stockhub.toml")
        assert [loc.code for loc in settings.locations][:2] == ["dc-east", "store-12"]
        assert settings.channel("amazon-us").buffer == 2
        assert settings.rules[0].share_percent == 50

    def test_relative_paths_are_relative_to_the_config_file(self, tmp_path, monkeypatch):
        """SQLite and mappings paths resolve against the file's folder, not the cwd."""
        monkeypatch.delenv("STOCKHUB_DATABASE_URL", raising=False)
        monkeypatch.chdir("/")
        settings = load_settings(write(tmp_path, MINIMAL))
        assert settings.database_url == f"sqlite:///{tmp_path.resolve()}/data/hub.db"
        assert settings.mappings_path == tmp_path.resolve() / "mappings"

    def test_environment_overrides_the_database_and_broker(self, tmp_path, monkeypatch):
        """STOCKHUB_DATABASE_URL and STOCKHUB_BROKER_URL beat the file."""
        monkeypatch.setenv("STOCKHUB_DATABASE_URL", "postgresql+psycopg://u@db/stock")
        monkeypatch.setenv("STOCKHUB_BROKER_URL", "redis://cache:6379/0")
        settings = load_settings(write(tmp_path, MINIMAL))
        assert settings.database_url == "postgresql+psycopg://u@db/stock"
        assert settings.broker_url == "redis://cache:6379/0"

    def test_default_path_is_the_current_directory(self, tmp_path, monkeypatch):
        """With no path, ./stockhub.toml is read (or $STOCKHUB_CONFIG)."""
        write(tmp_path, MINIMAL)
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("STOCKHUB_CONFIG", raising=False)
        assert load_settings().config_path == tmp_path.resolve() / "stockhub.toml"

    def test_missing_file_names_the_path_and_the_fix(self, tmp_path):
        """No file: say where we looked and how to create one."""
        with pytest.raises(ConfigError, match="stockhub init"):
            load_settings(tmp_path / "nope.toml")

    def test_syntax_error_names_the_line(self, tmp_path):
        """A TOML syntax error reports its position."""
        assert "line 2" in problems(tmp_path, "[hub]\ndatabase_url = \n")

    def test_override_settings_for_tests(self):
        """`override_settings` swaps what get_settings returns, then restores it."""
        custom = Settings()
        with override_settings(custom):
            assert get_settings() is custom


class TestValidation:
    def test_every_problem_is_reported_at_once_with_key_and_fix(self, tmp_path):
        """Bad kind, unknown key, duplicate code, unknown location and rule channel, bad share."""
        text = problems(
            tmp_path,
            """
[[locations]]
code = "a"
kind = "shop"
owner = "o"
[[locations]]
code = "a"
kind = "store"
owner = "o"
[[channels]]
code = "c"
connector = "x"
locations = ["a", "dc-west"]
colour = "red"
[[rules]]
channel = "nope"
share_percent = 150
""",
        )
        assert "locations[0].kind: 'shop' is not a location kind; use one of warehouse" in text
        assert "locations[1].code: 'a' repeats locations[0]" in text
        assert "channels[0].colour: unknown key" in text
        assert (
            "channels[0].locations[1]: unknown location 'dc-west'; add a [[locations]] entry"
            in text
        )
        assert "rules[0].channel: unknown channel 'nope'; use one of c" in text
        assert "rules[0].share_percent" in text
        assert "6 problem(s)" in text

    def test_negative_counts_are_refused(self, tmp_path):
        """Safety stock and buffers cannot be negative."""
        text = problems(
            tmp_path,
            MINIMAL.replace('locations = ["store-12"]', 'locations = ["store-12"]\nbuffer = -1'),
        )
        assert "channels[0].buffer" in text

    def test_unsupported_database_url(self, tmp_path):
        """Only SQLite and PostgreSQL URLs are accepted, with an example."""
        text = problems(tmp_path, MINIMAL.replace("sqlite:///data/hub.db", "mysql://x/y"))
        assert "hub.database_url: must start with sqlite:///" in text


class TestSecrets:
    def test_literal_secret_is_refused_with_the_reference_to_write(self, tmp_path):
        """A token written in the file is an error that shows the ${VAR} form to use."""
        text = problems(tmp_path, MINIMAL.replace('"${SHOPIFY_ACCESS_TOKEN}"', '"shpat_123"'))
        assert "channels[0].settings.access_token: secrets must not be written" in text
        assert 'access_token = "${ACCESS_TOKEN}"' in text
        assert "shpat_123" not in text

    def test_nested_secret_keys_are_checked_too(self, tmp_path):
        """Secrets inside nested tables are found."""
        text = problems(tmp_path, MINIMAL + 'oauth = {client_secret = "abc"}\n')
        assert "channels[0].settings.oauth.client_secret" in text

    def test_references_resolve_at_use_and_are_registered_for_redaction(
        self, tmp_path, monkeypatch
    ):
        """Resolution reads the environment when needed and hands the value to log redaction."""
        from hub import logs

        seen: list[str] = []
        monkeypatch.setattr(logs, "register_secret", seen.append)
        settings = load_settings(write(tmp_path, MINIMAL))
        monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", "shpat_live_value")
        assert settings.channels[0].resolved_settings()["access_token"] == "shpat_live_value"
        assert seen == ["shpat_live_value"]

    def test_unset_reference_names_key_and_variable(self, tmp_path, monkeypatch):
        """A missing variable is reported when the connector needs it, not at load."""
        monkeypatch.delenv("SHOPIFY_ACCESS_TOKEN", raising=False)
        settings = load_settings(write(tmp_path, MINIMAL))
        with pytest.raises(ConfigError) as caught:
            settings.channels[0].resolved_settings()
        assert "access_token" in str(caught.value)
        assert "export SHOPIFY_ACCESS_TOKEN" in str(caught.value)

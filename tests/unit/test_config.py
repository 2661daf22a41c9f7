"""stockhub.toml: the documented shape loads, and every mistake names its key and the fix."""

from __future__ import annotations

import sys
from pathlib import Path

import pydantic
import pytest

from hub.config import (
    ChannelConfig,
    Settings,
    get_settings,
    load_settings,
    override_settings,
)
from hub.errors import ConfigError
from hub.vocabulary import LocationKind
from tests.conftest import SAMPLE

#: Every key the format knows, extensions included.
FULL = """
[hub]
database_url = "sqlite:///stockhub.db"
broker_url = ""
mappings_dir = "mappings"
operators = ["ops", "stockhub"]
item_owner = "pim"

[returns]
sla_hours = 48

[[locations]]
code = "dc-east"
kind = "warehouse"
owner = "wms"

[[locations]]
code = "store-12"
kind = "store"
owner = "square-store-12"
name = "Store 12, Main Street"

[[channels]]
code = "shopify-us"
connector = "shopify"
locations = ["dc-east", "store-12"]
safety_stock = 1
buffer = 0
priority = 10
[channels.settings]
shop = "example"
access_token = "${SHOPIFY_ACCESS_TOKEN}"

[[channels]]
code = "amazon-us"
connector = "amazon"
locations = ["dc-east"]
buffer = 2
[channels.settings]
refresh_token = "${AMAZON_REFRESH_TOKEN}"
oauth = { client_id = "amzn1.app", client_secret = "${AMAZON_CLIENT_SECRET}" }

[[rules]]
channel = "amazon-us"
skus = "MUG-*"
share_percent = 50
floor = 0
cap = 100
"""

#: DESIGN.md "Public formats, v1", verbatim.
DESIGN_EXAMPLE = """
[hub]
database_url = "sqlite:///stockhub.db"   # or postgresql+psycopg://...
broker_url = ""                          # empty: the embedded broker; or redis://..., amqp://...

[[locations]]
code = "store-12"
kind = "store"            # warehouse | store | 3pl | dark_store | marketplace_fc
owner = "square-store-12" # the system whose physical counts are authoritative here

[[channels]]
code = "shopify-us"
connector = "shopify"
locations = ["dc-east", "store-12"]   # locations this channel may sell from
safety_stock = 0                       # units held back per location
buffer = 0                             # units held back from this channel's total
[channels.settings]
shop = "example"
access_token = "${SHOPIFY_ACCESS_TOKEN}"   # secrets only by environment reference
"""

DC_EAST = '\n[[locations]]\ncode = "dc-east"\nkind = "warehouse"\nowner = "wms"\n'


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The variables config reads start unset, whatever the machine running the tests has."""
    for name in (
        "STOCKHUB_CONFIG",
        "STOCKHUB_DATABASE_URL",
        "STOCKHUB_BROKER_URL",
        "SHOPIFY_ACCESS_TOKEN",
        "AMAZON_REFRESH_TOKEN",
        "AMAZON_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def registered(monkeypatch) -> list[str]:
    """What config hands to log redaction."""
    from hub import logs

    seen: list[str] = []
    monkeypatch.setattr(logs, "register_secret", seen.append)
    return seen


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stockhub.toml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> str:
    """The message of the ConfigError that loading ``text`` raises."""
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    return str(caught.value)


def full_with(old: str, new: str) -> str:
    assert old in FULL, old
    return FULL.replace(old, new, 1)


class TestLoadSettings:
    def test_full_file_loads(self, tmp_path):
        """Every section and extension key is read into typed models."""
        settings = load_settings(write(tmp_path, FULL))
        assert settings.hub.item_owner == "pim"
        assert settings.returns.sla_hours == 48
        assert settings.location("store-12").kind is LocationKind.STORE
        assert settings.location("store-12").name == "Store 12, Main Street"
        shopify = settings.channel("shopify-us")
        assert (shopify.locations, shopify.safety_stock, shopify.priority) == (
            ["dc-east", "store-12"],
            1,
            10,
        )
        assert shopify.settings["access_token"] == "${SHOPIFY_ACCESS_TOKEN}"
        rule = settings.rules[0]
        assert (rule.channel, rule.skus, rule.share_percent, rule.floor, rule.cap) == (
            "amazon-us",
            "MUG-*",
            50,
            0,
            100,
        )

    def test_omitted_keys_take_their_defaults(self, tmp_path):
        """An empty file is a valid hub with default sections and nothing configured."""
        settings = load_settings(write(tmp_path, ""))
        assert settings.hub.database_url == "sqlite:///stockhub.db"
        assert settings.hub.operators == ["ops", "stockhub"]
        assert settings.returns.sla_hours == 72
        assert (settings.locations, settings.channels, settings.rules) == ([], [], [])

    def test_design_example_loads_once_its_locations_exist(self, tmp_path):
        """DESIGN.md's example loads when the dc-east it names is configured."""
        settings = load_settings(write(tmp_path, DESIGN_EXAMPLE + DC_EAST))
        assert settings.channel("shopify-us").locations == ["dc-east", "store-12"]

    def test_design_example_alone_only_lacks_dc_east(self, tmp_path):
        """Verbatim, DESIGN.md's example has exactly one problem: dc-east is not configured."""
        text = problems(tmp_path, DESIGN_EXAMPLE)
        assert "1 problem(s)" in text
        assert "channels[0].locations[0]: unknown location 'dc-east'" in text

    def test_sample_config_loads(self):
        """The file `stockhub init` writes is valid."""
        settings = load_settings(SAMPLE / "stockhub.toml")
        assert [loc.code for loc in settings.locations][:2] == ["dc-east", "store-12"]
        assert settings.channel("amazon-us").buffer == 2

    def test_default_path_is_the_current_directory(self, tmp_path, monkeypatch):
        """With no path and no $STOCKHUB_CONFIG, ./stockhub.toml is read."""
        write(tmp_path, FULL)
        monkeypatch.chdir(tmp_path)
        settings = load_settings()
        assert settings.config_path == tmp_path.resolve() / "stockhub.toml"
        assert settings.base_dir == tmp_path.resolve()

    def test_stockhub_config_names_the_default_file(self, tmp_path, monkeypatch):
        """$STOCKHUB_CONFIG is used when no path is passed."""
        path = tmp_path / "elsewhere.toml"
        path.write_text(FULL)
        monkeypatch.setenv("STOCKHUB_CONFIG", str(path))
        assert load_settings().config_path == path.resolve()

    def test_missing_file_names_the_path_and_the_fix(self, tmp_path):
        """No file: say where we looked and how to create one."""
        with pytest.raises(ConfigError) as caught:
            load_settings(tmp_path / "nope.toml")
        assert str(tmp_path / "nope.toml") in str(caught.value)
        assert "run `stockhub init` to create one, pass --config" in str(caught.value)

    def test_syntax_error_names_line_and_column(self, tmp_path):
        """A TOML syntax error reports the file and its position."""
        text = problems(tmp_path, "[hub]\ndatabase_url = \n")
        assert "stockhub.toml: invalid TOML" in text
        assert "line 2, column 16" in text


class TestUrls:
    def test_relative_sqlite_and_mappings_are_relative_to_the_config_file(
        self, tmp_path, monkeypatch
    ):
        """SQLite and mappings paths resolve against the file's folder, not the cwd."""
        monkeypatch.chdir("/")
        settings = load_settings(write(tmp_path, full_with("stockhub.db", "data/hub.db")))
        assert settings.database_url == f"sqlite:////{str(tmp_path.resolve())[1:]}/data/hub.db"
        assert settings.mappings_path == tmp_path.resolve() / "mappings"

    @pytest.mark.parametrize("url", ["sqlite:///:memory:", "sqlite:////var/lib/hub.db"])
    def test_memory_and_absolute_sqlite_are_left_alone(self, tmp_path, url):
        """Only relative SQLite files are anchored."""
        settings = load_settings(write(tmp_path, full_with("sqlite:///stockhub.db", url)))
        assert settings.database_url == url

    def test_environment_overrides_database_and_broker(self, tmp_path, monkeypatch):
        """STOCKHUB_DATABASE_URL and STOCKHUB_BROKER_URL beat the file."""
        monkeypatch.setenv("STOCKHUB_DATABASE_URL", "postgresql+psycopg://u@db/stock")
        monkeypatch.setenv("STOCKHUB_BROKER_URL", "redis://cache:6379/0")
        settings = load_settings(write(tmp_path, FULL))
        assert settings.hub.database_url == "postgresql+psycopg://u@db/stock"
        assert settings.database_url == "postgresql+psycopg://u@db/stock"
        assert settings.broker_url == "redis://cache:6379/0"
        assert settings.hub.operators == ["ops", "stockhub"]  # the rest of [hub] is kept

    def test_an_invalid_override_is_reported(self, tmp_path, monkeypatch):
        """A bad URL from the environment is refused like one from the file."""
        monkeypatch.setenv("STOCKHUB_DATABASE_URL", "mysql://db/stock")
        assert "$STOCKHUB_DATABASE_URL" in problems(tmp_path, FULL)

    def test_password_reference_resolves_on_access(self, tmp_path, monkeypatch, registered):
        """A ${VAR} password is filled in when the URL is read, and registered for redaction."""
        url = "postgresql+psycopg://stock:${DB_PASSWORD}@db/stock"
        settings = load_settings(write(tmp_path, full_with("sqlite:///stockhub.db", url)))
        assert settings.hub.database_url == url
        monkeypatch.setenv("DB_PASSWORD", "pa55word")
        assert settings.database_url == "postgresql+psycopg://stock:pa55word@db/stock"
        assert registered == ["pa55word"]

    def test_unset_password_reference_names_the_variable(self, tmp_path):
        """Reading a URL whose variable is unset says which variable to export."""
        url = "postgresql+psycopg://stock:${DB_PASSWORD_UNSET}@db/stock"
        settings = load_settings(write(tmp_path, full_with("sqlite:///stockhub.db", url)))
        with pytest.raises(ConfigError, match=r"hub\.database_url.*export DB_PASSWORD_UNSET"):
            settings.database_url  # noqa: B018


class TestValidation:
    def test_every_problem_is_reported_at_once(self, tmp_path):
        """Field errors and cross-checks come in one ConfigError, one line each."""
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
        assert "6 problem(s)" in text
        assert len(text.splitlines()) == 7

    @pytest.mark.parametrize(
        ("old", "new", "expected"),
        [
            (
                'kind = "store"',
                'kind = "shop"',
                "locations[1].kind: 'shop' is not a location kind; use one of warehouse, "
                "store, 3pl, dark_store, marketplace_fc",
            ),
            ("buffer = 2", "bufer = 2", "channels[1].bufer: unknown key; did you mean 'buffer'?"),
            ("[returns]", "[returnz]", "returnz: unknown key; did you mean 'returns'?"),
            (
                'name = "Store 12, Main Street"',
                'name = ""' + DC_EAST,
                "locations[2].code: 'dc-east' repeats locations[0]; codes must be unique",
            ),
            (
                "cap = 100",
                'cap = 100\n[[channels]]\ncode = "shopify-us"\nconnector = "x"',
                "channels[2].code: 'shopify-us' repeats channels[0]; codes must be unique",
            ),
            (
                'locations = ["dc-east"]',
                'locations = ["dc-east", "dc-west"]',
                "channels[1].locations[1]: unknown location 'dc-west'; add a [[locations]] "
                'entry with code = "dc-west" or remove it',
            ),
            (
                'locations = ["dc-east"]',
                'locations = ["dc-east", "dc-east"]',
                "channels[1].locations[1]: 'dc-east' is listed twice; remove the repeat",
            ),
            (
                'channel = "amazon-us"',
                'channel = "ebay"',
                "rules[0].channel: unknown channel 'ebay'; use one of amazon-us, shopify-us",
            ),
            ("safety_stock = 1", "safety_stock = -1", "channels[0].safety_stock: -1 is not acc"),
            ("buffer = 2", "buffer = -2", "channels[1].buffer: -2 is not accepted; it should be"),
            ("floor = 0", "floor = -1", "rules[0].floor: -1 is not accepted"),
            ("cap = 100", "cap = -1", "rules[0].cap: -1 is not accepted"),
            ("floor = 0", "floor = 101", "rules[0]: floor 101 exceeds cap 100; lower floor or"),
            (
                "share_percent = 50",
                "share_percent = 101",
                "rules[0].share_percent: 101 is not accepted; it should be less than or equal",
            ),
            ("share_percent = 50", "share_percent = -1", "rules[0].share_percent: -1 is not"),
            ("safety_stock = 1", 'safety_stock = "one"', "channels[0].safety_stock: 'one' is no"),
            ("sla_hours = 48", "sla_hours = 0", "returns.sla_hours: 0 is not accepted"),
            (
                'owner = "wms"',
                'owner = "w m s"',
                "locations[0].owner: 'w m s' is not a code; use 1-200 characters without spaces",
            ),
            ('connector = "amazon"', 'connector = ""', "channels[1].connector: '' is not a code"),
            ('owner = "wms"', "", "locations[0].owner: required key is missing; add owner = "),
            (
                '"sqlite:///stockhub.db"',
                '"mysql://db/stock"',
                "hub.database_url: must start with sqlite:// or postgresql; write e.g. "
                "sqlite:///stockhub.db",
            ),
        ],
    )
    def test_each_mistake_names_its_key_and_the_fix(self, tmp_path, old, new, expected):
        """One mistake in an otherwise valid file gives exactly one line with key and fix."""
        text = problems(tmp_path, full_with(old, new))
        assert expected in text
        assert "1 problem(s)" in text

    def test_literal_database_password_is_refused(self, tmp_path):
        """A password in the file's database URL is a secret: use a reference or the env."""
        url = "postgresql+psycopg://stock:hunter22@db/stock"
        text = problems(tmp_path, full_with("sqlite:///stockhub.db", url))
        assert "hub.database_url: the password must not be written in stockhub.toml" in text
        assert "${STOCKHUB_DATABASE_PASSWORD}" in text and "STOCKHUB_DATABASE_URL" in text
        assert "hunter22" not in text

    def test_direct_construction_runs_the_cross_checks(self):
        """Settings built in code are checked like a file, e.g. for unknown locations."""
        with pytest.raises(pydantic.ValidationError, match="unknown location 'nowhere'"):
            Settings(channels=[{"code": "c", "connector": "x", "locations": ["nowhere"]}])


class TestSecrets:
    def test_literal_secret_is_refused_with_the_reference_to_write(self, tmp_path):
        """A token written in the file is an error that shows the ${VAR} form to use."""
        text = problems(tmp_path, full_with('"${SHOPIFY_ACCESS_TOKEN}"', '"shpat_123"'))
        assert (
            "channels[0].settings.access_token: secrets must not be written in stockhub.toml; "
            'write access_token = "${SHOPIFY_ACCESS_TOKEN}" and export that variable'
        ) in text
        assert "shpat_123" not in text

    @pytest.mark.parametrize(
        ("setting", "path"),
        [
            ('oauth = { client_secret = "abc123" }', "settings.oauth.client_secret"),
            ('tokens = ["abc123"]', "settings.tokens[0]"),
            ('API_KEY = "abc123"', "settings.API_KEY"),
            ('password = "abc123"', "settings.password"),
            ('credentials = "abc123"', "settings.credentials"),
            ('signing_private_key = "abc123"', "settings.signing_private_key"),
        ],
    )
    def test_secrets_are_found_at_any_depth_and_case(self, tmp_path, setting, path):
        """Nested tables, arrays and upper-case keys are scanned too."""
        text = problems(tmp_path, full_with('shop = "example"', setting))
        assert f"channels[0].{path}: secrets must not be written" in text
        assert "abc123" not in text

    def test_references_numbers_and_empty_values_are_allowed(self, tmp_path):
        """Only literal secret text is refused: references, numbers and "" pass."""
        text = full_with(
            'shop = "example"',
            'token_ttl = 3600\napi_key = ""\nrefresh_url_token = " ${X} "',
        )
        assert load_settings(write(tmp_path, text)).channel("shopify-us").settings["token_ttl"]

    def test_direct_construction_hides_the_secret(self):
        """A ValidationError from code never prints the literal secret."""
        with pytest.raises(pydantic.ValidationError) as caught:
            ChannelConfig(code="c", connector="x", settings={"password": "hunter22"})
        assert "hunter22" not in str(caught.value)


class TestResolvedSettings:
    def test_references_resolve_at_use(self, tmp_path, monkeypatch, registered):
        """Whole and embedded references are filled in from the environment when asked."""
        text = full_with('shop = "example"', 'shop = "${SHOP}"\nbase = "https://${SHOP}.test/x"')
        settings = load_settings(write(tmp_path, text))
        monkeypatch.setenv("SHOP", "acme")
        monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", "shpat_live_value")
        resolved = settings.channel("shopify-us").resolved_settings()
        assert resolved == {
            "shop": "acme",
            "base": "https://acme.test/x",
            "access_token": "shpat_live_value",
        }
        assert settings.channel("shopify-us").settings["shop"] == "${SHOP}"  # not mutated

    def test_loading_does_not_need_the_variables(self, tmp_path):
        """A machine without the tokens still loads the file."""
        assert load_settings(write(tmp_path, FULL)).channel("amazon-us")

    def test_unset_reference_names_key_and_variable(self, tmp_path):
        """A missing variable is reported when the connector needs it, naming key and variable."""
        settings = load_settings(write(tmp_path, FULL))
        with pytest.raises(ConfigError) as caught:
            settings.channel("amazon-us").resolved_settings()
        message = str(caught.value)
        assert "channels[amazon-us].settings.refresh_token: ${AMAZON_REFRESH_TOKEN} is not set" in (
            message
        )
        assert "export AMAZON_REFRESH_TOKEN" in message

    def test_empty_secret_variable_is_refused(self, tmp_path, monkeypatch):
        """An exported but empty token would only fail later at the vendor: say so now."""
        monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", "")
        settings = load_settings(write(tmp_path, FULL))
        with pytest.raises(ConfigError, match=r"\$\{SHOPIFY_ACCESS_TOKEN\} is empty"):
            settings.channel("shopify-us").resolved_settings()

    def test_only_secret_values_are_registered(self, tmp_path, monkeypatch, registered):
        """Secrets at any depth go to log redaction; ordinary references do not."""
        settings = load_settings(write(tmp_path, full_with('shop = "example"', 'shop = "${S}"')))
        monkeypatch.setenv("S", "acme-shop")
        monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", "shpat_live_value")
        monkeypatch.setenv("AMAZON_REFRESH_TOKEN", "Atzr|refresh")
        monkeypatch.setenv("AMAZON_CLIENT_SECRET", "amzn-client-secret")
        settings.channel("shopify-us").resolved_settings()
        settings.channel("amazon-us").resolved_settings()
        assert registered == ["shpat_live_value", "Atzr|refresh", "amzn-client-secret"]

    def test_resolved_secret_is_masked_in_logs(self, tmp_path, monkeypatch):
        """With the real hub.logs, a resolved token no longer appears in scrubbed text."""
        from hub.logs import scrub_text

        monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", "tok-4f9a8e7d")
        load_settings(write(tmp_path, FULL)).channel("shopify-us").resolved_settings()
        assert "tok-4f9a8e7d" not in scrub_text("sent tok-4f9a8e7d to shopify")

    def test_resolution_works_without_hub_logs(self, tmp_path, monkeypatch):
        """If hub.logs cannot be imported, secrets still resolve."""
        monkeypatch.setitem(sys.modules, "hub.logs", None)  # makes the import raise ImportError
        monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", "shpat_live_value")
        settings = load_settings(write(tmp_path, FULL))
        assert settings.channel("shopify-us").resolved_settings()["access_token"] == (
            "shpat_live_value"
        )


class TestLookups:
    def test_location_and_channel_by_code(self, tmp_path):
        """Lookups return the configured entry, or None for an unknown code."""
        settings = load_settings(write(tmp_path, FULL))
        assert settings.location("dc-east").owner == "wms"
        assert settings.channel("amazon-us").connector == "amazon"
        assert settings.location("nowhere") is None and settings.channel("nowhere") is None

    def test_operators(self, tmp_path):
        """Configured operators and ops:<person> sources are operators; channels are not."""
        settings = load_settings(write(tmp_path, FULL))
        assert settings.is_operator("ops") and settings.is_operator("ops:alice")
        assert not settings.is_operator("shopify-us")


class TestGetSettings:
    def test_reads_once_and_cache_clear_rereads(self, tmp_path, monkeypatch):
        """get_settings caches the file; cache_clear makes the next call read it again."""
        monkeypatch.setenv("STOCKHUB_CONFIG", str(write(tmp_path, FULL)))
        first = get_settings()
        assert get_settings() is first
        get_settings.cache_clear()
        assert get_settings() is not first

    def test_override_settings_swaps_then_restores(self, tmp_path, monkeypatch):
        """override_settings makes get_settings return the given settings inside the block."""
        monkeypatch.setenv("STOCKHUB_CONFIG", str(write(tmp_path, FULL)))
        loaded = get_settings()
        custom = Settings(hub={"item_owner": "pim"})
        with override_settings(custom):
            assert get_settings() is custom
        assert get_settings() is not custom
        assert get_settings().channel("amazon-us") is not None
        assert loaded.config_path == get_settings().config_path

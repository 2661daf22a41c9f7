"""hub.logs: one structlog configuration, and no secret in any rendered line."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from structlog.testing import capture_logs

from hub.logs import MASK, configure_logging, get_logger, redact_secrets, register_secret

SECRET_VALUE = "s3cr3t-from-env-7f2a"
SHOPIFY_TOKEN = "shpat_0123456789abcdef0123456789abcdef"
BEARER = "Bearer abc.DEF-123_xyz"
DSN = "postgresql+psycopg://stock:dsn-pa55word@db.internal:5432/stockhub"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXBhcnQ"

# Everything that must never appear in output, whichever way it was logged.
LEAKS = (
    SECRET_VALUE,
    "key-named-value",
    "nested-pw-value",
    "abc.DEF-123_xyz",
    "dsn-pa55word",
    SHOPIFY_TOKEN,
    "0123456789abcdef0123456789abcdef",
)


@pytest.fixture(autouse=True)
def fresh_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """structlog defaults and the root logger as they were, no env overrides, around every test."""
    monkeypatch.delenv("STOCKHUB_LOG_FORMAT", raising=False)
    monkeypatch.delenv("STOCKHUB_LOG_LEVEL", raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    structlog.reset_defaults()
    register_secret(SECRET_VALUE)
    yield
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


def log_everything_secret() -> None:
    """Log each kind of secret once, next to non-secret context that must survive."""
    log = get_logger(channel="shopify-eu")
    log.info(f"connected with {SECRET_VALUE}", sku="SKU-1")
    log.info("auth", sku="SKU-2", api_key="key-named-value")
    log.info(
        "settings", sku="SKU-3", settings={"store": "eu", "auth": [{"Password": "nested-pw-value"}]}
    )
    log.info("request", sku="SKU-4", headers=f"Authorization: {BEARER}")
    log.info("database", dsn=DSN)
    log.info(f"token rotated to {SHOPIFY_TOKEN}", sku="SKU-5")


def assert_clean(output: str) -> None:
    """No leak anywhere in ``output``; the non-secret context is all still there."""
    for leak in LEAKS:
        assert leak not in output
    for kept in (
        "shopify-eu",
        "SKU-1",
        "SKU-2",
        "SKU-3",
        "SKU-4",
        "SKU-5",
        "db.internal",
        "stock:",
    ):
        assert kept in output


class TestRegisterSecret:
    def test_registered_value_is_masked_in_the_event(self) -> None:
        """A registered value is masked inside the event message."""
        with capture_logs(processors=[redact_secrets]) as logs:
            get_logger().info(f"using {SECRET_VALUE} now")
        assert logs[0]["event"] == f"using {MASK} now"

    def test_url_encoded_form_is_masked(self) -> None:
        """A registered value is also masked in its percent-encoded form, as it appears in URLs."""
        register_secret("pa ss/word!")
        with capture_logs(processors=[redact_secrets]) as logs:
            get_logger().info("url", url="https://h/?q=pa%20ss%2Fword%21")
        assert logs[0]["url"] == f"https://h/?q={MASK}"

    def test_short_values_are_ignored(self) -> None:
        """Values under four characters are not registered, so ordinary text is not garbled."""
        register_secret("")
        register_secret("abc")
        with capture_logs(processors=[redact_secrets]) as logs:
            get_logger().info(f"abc {SECRET_VALUE}", label="abc")
        assert logs[0]["event"] == f"abc {MASK}" and logs[0]["label"] == "abc"


class TestRedactSecrets:
    @pytest.mark.parametrize(
        "key",
        [
            "token",
            "access_token",
            "refreshToken",
            "client_secret",
            "PASSWORD",
            "db_passwd",
            "api_key",
            "apiKey",
            "x-api-key",
            "Authorization",
            "cookie",
            "hmac_signature",
            "private_key",
            "credentials",
        ],
    )
    def test_secret_named_keys_are_masked(self, key: str) -> None:
        """A key whose name looks secret has its value masked, whatever its case."""
        with capture_logs(processors=[redact_secrets]) as logs:
            get_logger().info("call", **{key: "plain-looking-value"})
        assert logs[0][key] == MASK

    def test_nested_secret_keys_are_masked(self) -> None:
        """Secret-named keys inside nested dicts and lists are masked, siblings kept."""
        with capture_logs(processors=[redact_secrets]) as logs:
            get_logger().info(
                "cfg",
                cfg={
                    "channels": [{"name": "eu", "Client_Secret": "cs-1"}],
                    "db": {"password": "pw-1", "host": "db"},
                },
            )
        assert logs[0]["cfg"] == {
            "channels": [{"name": "eu", "Client_Secret": MASK}],
            "db": {"password": MASK, "host": "db"},
        }

    def test_registered_secret_in_nested_values_is_masked(self) -> None:
        """A registered value is masked inside nested strings, tuples and objects."""
        with capture_logs(processors=[redact_secrets]) as logs:
            get_logger().info(
                "x",
                body={"items": [f"id {SECRET_VALUE}"]},
                pair=("a", SECRET_VALUE),
                error=ValueError(f"bad {SECRET_VALUE}"),
            )
        entry = logs[0]
        assert SECRET_VALUE not in repr(entry)
        assert entry["body"] == {"items": [f"id {MASK}"]} and entry["pair"] == ("a", MASK)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (f"Authorization: {BEARER}", f"Authorization: {MASK}"),
            (f"sent {BEARER} upstream", f"sent Bearer {MASK} upstream"),
            ("header Basic dXNlcjpwYXNz", f"header Basic {MASK}"),
            (DSN, f"postgresql+psycopg://stock:{MASK}@db.internal:5432/stockhub"),
            ("redis://:r3dis-pw@cache:6379/0", f"redis://:{MASK}@cache:6379/0"),
            ("GET /orders?access_token=tok1&sku=A1", f"GET /orders?access_token={MASK}&sku=A1"),
            ("GET /file?sig=abc123&size=2", f"GET /file?sig={MASK}&size=2"),
            (
                '{"client_secret": "cs-9", "sku": "A1"}',
                f'{{"client_secret": "{MASK}", "sku": "A1"}}',
            ),
            (f"token {SHOPIFY_TOKEN}", f"token {MASK}"),
            ("secret shpss_1a2b3c4d5e6f", f"secret {MASK}"),
            ("shpca_99aa88bb77cc", MASK),
            ("lwa Atzr|IwEBIJ-abc_DEF.123", f"lwa {MASK}"),
            ("lwa Atza|IwEAAA-xyz", f"lwa {MASK}"),
            ("sq EAAA" + "l" * 60, f"sq {MASK}"),
            (f"jwt {JWT} ok", f"jwt {MASK} ok"),
        ],
    )
    def test_inline_credentials_are_masked(self, text: str, expected: str) -> None:
        """Credential shapes inside free text are masked, the text around them kept."""
        with capture_logs(processors=[redact_secrets]) as logs:
            get_logger().info(text, detail=text)
        assert logs[0]["event"] == expected and logs[0]["detail"] == expected

    def test_exception_text_is_masked(self) -> None:
        """A secret in an exception message is masked in the rendered traceback."""
        with capture_logs(
            processors=[structlog.processors.format_exc_info, redact_secrets]
        ) as logs:
            try:
                raise RuntimeError(f"login failed for {DSN} with {SECRET_VALUE}")
            except RuntimeError:
                get_logger().exception("sync.failed", sku="A1")
        assert "dsn-pa55word" not in logs[0]["exception"]
        assert SECRET_VALUE not in logs[0]["exception"]
        assert "RuntimeError: login failed" in logs[0]["exception"]

    def test_non_secret_values_are_untouched(self) -> None:
        """Ordinary context keeps its values and types while a secret beside it is masked."""
        with capture_logs(processors=[redact_secrets]) as logs:
            get_logger().info(
                "Basic inventory sync",
                sku="SKU-9",
                channel="shopify-eu",
                qty=3,
                ok=True,
                url="https://shop.example/admin?page=2",
                token="t-1",
            )
        entry = logs[0]
        assert entry["token"] == MASK
        assert (
            entry["event"],
            entry["sku"],
            entry["channel"],
            entry["qty"],
            entry["ok"],
            entry["url"],
        ) == (
            "Basic inventory sync",
            "SKU-9",
            "shopify-eu",
            3,
            True,
            "https://shop.example/admin?page=2",
        )


class TestGetLogger:
    def test_initial_context_is_bound(self) -> None:
        """Initial values are bound to every line and secret ones are still masked."""
        with capture_logs(processors=[redact_secrets]) as logs:
            get_logger(channel="shopify-eu", task_id="t-7", auth_token="x1").info("tick")
        assert logs[0] == {
            "event": "tick",
            "log_level": "info",
            "channel": "shopify-eu",
            "task_id": "t-7",
            "auth_token": MASK,
        }

    def test_logger_name_is_the_calling_module(self, capsys: pytest.CaptureFixture[str]) -> None:
        """In JSON output the logger is named after the module that logs, not hub.logs."""
        configure_logging("json")
        get_logger().info("named", password="pw-x")
        line = json.loads(capsys.readouterr().err)
        assert line["logger"] == __name__ and line["password"] == MASK


class TestConfigureLogging:
    def test_json_lines_are_parseable(self, capsys: pytest.CaptureFixture[str]) -> None:
        """JSON mode writes one object per line with timestamp, level, event and logger."""
        configure_logging("json")
        log_everything_secret()
        lines = capsys.readouterr().err.splitlines()
        records = [json.loads(line) for line in lines]
        assert len(records) == 6
        assert all(
            r["timestamp"].endswith("Z") and r["level"] == "info" and r["logger"] for r in records
        )
        assert records[2]["settings"]["auth"][0]["Password"] == MASK
        assert_clean("\n".join(lines))

    def test_auto_is_json_when_stderr_is_not_a_terminal(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """With stderr captured (not a tty), auto renders JSON, still redacted."""
        configure_logging()
        get_logger().info("auto", api_key="key-named-value", sku="SKU-1")
        line = json.loads(capsys.readouterr().err)
        assert line["api_key"] == MASK and line["sku"] == "SKU-1"

    def test_environment_chooses_format_and_level(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """STOCKHUB_LOG_FORMAT and STOCKHUB_LOG_LEVEL apply when the arguments are defaults."""
        monkeypatch.setenv("STOCKHUB_LOG_FORMAT", "console")
        monkeypatch.setenv("STOCKHUB_LOG_LEVEL", "warning")
        configure_logging()
        get_logger().info("hidden", sku="SKU-0")
        get_logger().warning("shown", sku="SKU-1", secret="key-named-value")
        err = capsys.readouterr().err
        assert "hidden" not in err and "sku=SKU-1" in err and "key-named-value" not in err
        assert not err.lstrip().startswith("{")

    def test_arguments_beat_environment(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An explicit format and level win over the environment variables."""
        monkeypatch.setenv("STOCKHUB_LOG_FORMAT", "console")
        monkeypatch.setenv("STOCKHUB_LOG_LEVEL", "ERROR")
        configure_logging("json", "DEBUG")
        get_logger().debug("dbg", cookie="key-named-value")
        assert json.loads(capsys.readouterr().err)["cookie"] == MASK

    def test_unknown_format_or_level_is_refused(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A misspelt format or level raises and leaves the working configuration in place."""
        configure_logging("json")
        with pytest.raises(ValueError, match="log format"):
            configure_logging("yaml")
        with pytest.raises(ValueError, match="level"):
            configure_logging("console", "LOUD")
        get_logger().info("still", client_secret="key-named-value")
        assert json.loads(capsys.readouterr().err)["client_secret"] == MASK

    def test_calling_twice_keeps_one_handler(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Reconfiguring replaces the handler, so each event is written once and still redacted."""
        configure_logging("console")
        configure_logging("json")
        get_logger().info("once", token=SHOPIFY_TOKEN)
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 1 and json.loads(lines[0])["token"] == MASK


class TestRenderedOutput:
    @pytest.mark.parametrize("fmt", ["json", "console"])
    def test_no_secret_reaches_stderr(self, fmt: str, capfd: pytest.CaptureFixture[str]) -> None:
        """Every kind of secret is absent from the real rendered stderr, context is kept."""
        configure_logging(fmt)
        log_everything_secret()
        out, err = capfd.readouterr()
        assert out == ""
        assert_clean(err)

    @pytest.mark.parametrize("fmt", ["json", "console"])
    def test_stdlib_logging_is_redacted(self, fmt: str, capfd: pytest.CaptureFixture[str]) -> None:
        """Library logs through the stdlib root logger are rendered and redacted the same way."""
        configure_logging(fmt)
        logging.getLogger("httpx").info(
            "HTTP Request: GET %s?access_token=%s sku=%s",
            "https://eu.myshopify.com/admin",
            SHOPIFY_TOKEN,
            "SKU-1",
        )
        logging.getLogger("sqlalchemy.engine").warning("connect %s as %s", DSN, SECRET_VALUE)
        err = capfd.readouterr().err
        assert SHOPIFY_TOKEN not in err and "dsn-pa55word" not in err and SECRET_VALUE not in err
        assert "SKU-1" in err and "db.internal" in err and "httpx" in err
        if fmt == "json":
            assert [json.loads(line)["logger"] for line in err.splitlines()] == [
                "httpx",
                "sqlalchemy.engine",
            ]

    @pytest.mark.parametrize("fmt", ["json", "console"])
    def test_tracebacks_are_redacted(self, fmt: str, capfd: pytest.CaptureFixture[str]) -> None:
        """Tracebacks from structlog and stdlib loggers carry no secret into the output."""
        configure_logging(fmt)
        try:
            raise ConnectionError(f"cannot reach {DSN} with {BEARER}")
        except ConnectionError:
            get_logger().exception("sync.failed", sku="SKU-1")
            logging.getLogger("celery").exception("task failed")
        err = capfd.readouterr().err
        assert "dsn-pa55word" not in err and "abc.DEF-123_xyz" not in err
        assert err.count("ConnectionError: cannot reach") == 2 and "SKU-1" in err

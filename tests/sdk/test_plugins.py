"""The plugin manager: start-up checks, entry points, allow-list, tracing, dispatch."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from hub.connector import ContractError, InboundMessage, StockUpdate
from hub.dispatch import get_connector, installed_connectors, notify
from hub.errors import ConfigError, ValidationError
from hub.notices import AlertNotice
from hub.plugins import PluginError, get_plugin_manager, make_plugin_manager, reset_plugin_manager
from hub.vocabulary import Severity
from tests.sdk.plugins_for_tests import MisspelledHook, TidyConnector, UnmarkedHook, WrongArgument


def fake_distribution(site: Path, name: str, module_source: str) -> None:
    """An installed distribution (module + dist-info with a stockhub.connectors entry point)."""
    (site / f"{name}_plugin.py").write_text(textwrap.dedent(module_source))
    info = site / f"stockhub_{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: stockhub-{name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[stockhub.connectors]\n{name} = {name}_plugin\n")


class TestStartUpChecks:
    def test_misspelled_hook_names_plugin_and_hook(self) -> None:
        """An unknown hook name fails at start-up, naming the plugin, the hook and a suggestion."""
        with pytest.raises(PluginError) as caught:
            make_plugin_manager(plugins={"acme": MisspelledHook()}, load_entry_points=False)
        message = str(caught.value)
        assert "plugin 'acme'" in message and "'stockhub_push_stocks'" in message
        assert "did you mean 'stockhub_push_stock'" in message

    def test_wrong_argument_names_plugin_hook_and_argument(self) -> None:
        """An argument the hookspec lacks fails at start-up, listing the arguments on offer."""
        with pytest.raises(PluginError) as caught:
            make_plugin_manager(plugins={"acme": WrongArgument()}, load_entry_points=False)
        message = str(caught.value)
        assert "plugin 'acme'" in message and "'stockhub_translate'" in message
        assert "unknown argument 'payload'" in message and "channel, message" in message

    def test_unmarked_hook_function_is_refused(self) -> None:
        """A stockhub_* function without @hookimpl would be silently ignored; it is refused."""
        with pytest.raises(PluginError, match="'stockhub_alert_raised' looks like a hook"):
            make_plugin_manager(plugins={"sink": UnmarkedHook()}, load_entry_points=False)

    def test_broken_installed_plugin_fails_at_start_up(self, tmp_path, monkeypatch) -> None:
        """A misspelled hook in an installed distribution stops get_plugin_manager(), named."""
        fake_distribution(
            tmp_path,
            "broken",
            """
            from hub.hookspecs import hookimpl

            @hookimpl
            def stockhub_translat(channel, message):
                return []
        """,
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        reset_plugin_manager()
        try:
            with pytest.raises(
                PluginError, match=r"plugin 'broken': unknown hook 'stockhub_translat'"
            ):
                get_plugin_manager()
        finally:
            reset_plugin_manager()

    def test_plugin_that_fails_to_import_is_named(self, tmp_path, monkeypatch) -> None:
        """An import error in a plugin is reported with the plugin's name and module."""
        fake_distribution(tmp_path, "crashy", "raise RuntimeError('no vendor SDK')\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        with pytest.raises(
            PluginError, match=r"plugin 'crashy' \(crashy_plugin\) failed to import"
        ):
            make_plugin_manager(environ={})


class TestEntryPoints:
    def test_installed_connector_is_discovered(self, tmp_path, monkeypatch) -> None:
        """A distribution with a stockhub.connectors entry point is registered under its name."""
        fake_distribution(
            tmp_path,
            "found",
            """
            from hub.connector import Capability, ConnectorInfo
            from hub.hookspecs import hookimpl

            @hookimpl
            def stockhub_describe_connector():
                return ConnectorInfo(name="found", title="Found",
                                     capabilities=frozenset({Capability.WEBHOOKS}))
        """,
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        pm = make_plugin_manager(environ={})
        assert "found" in [h.name for h in installed_connectors(pm)]
        assert get_connector("found", pm).info.title == "Found"

    def test_allow_list_restricts_loading(self, tmp_path, monkeypatch) -> None:
        """STOCKHUB_PLUGINS loads only the named plugins; an empty value loads none."""
        fake_distribution(tmp_path, "crashy", "raise RuntimeError('must not be imported')\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        pm = make_plugin_manager(environ={"STOCKHUB_PLUGINS": ""})
        assert pm.get_plugin("crashy") is None and pm.get_plugin("hub.observers") is not None

    def test_allow_list_naming_a_missing_plugin_fails(self) -> None:
        """A typo in STOCKHUB_PLUGINS is reported instead of silently loading nothing."""
        with pytest.raises(PluginError, match="not installed: shopfy"):
            make_plugin_manager(environ={"STOCKHUB_PLUGINS": "shopfy"})


class TestTracing:
    def test_trace_env_logs_hook_calls_without_values(self) -> None:
        """STOCKHUB_TRACE_PLUGINS=1 logs hook, plugins and argument names, never values."""
        pm = make_plugin_manager(
            plugins={"tidy": TidyConnector()},
            load_entry_points=False,
            environ={"STOCKHUB_TRACE_PLUGINS": "1"},
        )
        ctx = get_connector("tidy", pm).context("tidy-1", {"api_token": "sup3r-secret"})
        with capture_logs() as logs:
            get_connector("tidy", pm).pull(ctx, "stock", "c1")
        calls = [entry for entry in logs if entry["event"] == "hook.call"]
        assert {"hook": "stockhub_pull", "plugins": ["tidy"]}.items() <= calls[-1].items()
        assert calls[-1]["args"] == ["channel", "cursor", "limit", "resource"]
        assert any(e["event"] == "hook.done" and e["outcome"] == "ok" for e in logs)
        assert "sup3r-secret" not in repr(logs)

    def test_tracing_is_off_by_default(self) -> None:
        """Without the env var no hook call is logged."""
        pm = make_plugin_manager(
            plugins={"tidy": TidyConnector()}, load_entry_points=False, environ={}
        )
        with capture_logs() as logs:
            _ = get_connector("tidy", pm).info
        assert not [e for e in logs if e["event"] == "hook.call"]


class TestDispatch:
    @pytest.fixture
    def two(self):
        first, second = TidyConnector("first"), TidyConnector("second")
        pm = make_plugin_manager(
            plugins={"first": first, "second": second}, load_entry_points=False
        )
        return pm, first, second

    def test_connector_hooks_reach_only_the_named_plugin(self, two) -> None:
        """Pulling from 'second' calls second's hook and never first's."""
        pm, first, second = two
        handle = get_connector("second", pm)
        handle.pull(handle.context("second-1", {}), "stock", "c1")
        assert second.calls == ["pull:c1"] and first.calls == []

    def test_push_is_cut_to_the_declared_batch_size(self, two) -> None:
        """Five updates to a connector with max_batch_size 2 become calls of 2, 2 and 1."""
        pm, first, _ = two
        handle = get_connector("first", pm)
        updates = [StockUpdate(f"S{i}", "L", i, f"x{i}", "l") for i in range(5)]
        results = handle.push_stock(handle.context("first-1", {}), updates)
        assert [r.sku for r in results] == [u.sku for u in updates]
        assert first.calls == ["push:2", "push:2", "push:1"]

    def test_invalid_events_name_the_connector_and_field(self, two) -> None:
        """A translation that breaks the event format fails with the connector and field named."""
        pm, _, _ = two
        handle = get_connector("first", pm)
        ctx = handle.context("first-1", {})
        assert handle.translate(ctx, InboundMessage("ok", {}))[0].id == "e1"
        with pytest.raises(ValidationError) as caught:
            handle.translate(ctx, InboundMessage("bad", {}))
        assert "connector 'first'" in str(caught.value) and caught.value.field.startswith("data.")

    def test_undeclared_capability_is_refused(self, two) -> None:
        """Asking a connector for something it did not declare is a ConfigError, not a call."""
        pm, first, _ = two
        handle = get_connector("first", pm)
        with pytest.raises(ConfigError, match="does not declare 'orders'"):
            handle.pull(handle.context("first-1", {}), "orders", None)
        assert first.calls == []

    def test_describe_name_must_match_the_registration(self) -> None:
        """A plugin registered as 'alias' but describing itself as 'tidy' is a contract error."""
        pm = make_plugin_manager(plugins={"alias": TidyConnector("tidy")}, load_entry_points=False)
        with pytest.raises(ContractError, match="describes itself as 'tidy'"):
            _ = get_connector("alias", pm).info

    def test_a_failing_observer_does_not_stop_the_others(self) -> None:
        """An observer that raises is logged; the next observer still runs."""
        from hub.hookspecs import hookimpl

        seen = []

        class Broken:
            @hookimpl
            def stockhub_alert_raised(self, alert):
                raise RuntimeError("sink down")

        class Sink:
            @hookimpl
            def stockhub_alert_raised(self, alert):
                seen.append(alert)

        alert = AlertNotice(
            kind="low_stock",
            severity=Severity.WARNING,
            subject="sku:TEE",
            message="3 left",
            raised_at=datetime.now(UTC),
        )
        pm = make_plugin_manager(
            plugins={"broken": Broken(), "sink": Sink()}, load_entry_points=False
        )
        with capture_logs() as logs:
            notify("stockhub_alert_raised", pm, alert=alert)
        assert seen == [alert]
        assert [e["plugin"] for e in logs if e["event"] == "observer.failed"] == ["broken"]
        assert any(e["event"] == "alert.raised" for e in logs)  # the built-in observer ran too
        assert any(e["event"] == "observer.failed" and e["plugin"] == "broken" for e in logs)

"""The conformance kit passes a sound connector and fails broken ones on the right check."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from hub.scaffold import write_connector

KIT_TESTS = """
    import sys
    sys.path.insert(0, {src!r})

    import pytest
    from hub.conformance import ConformanceSuite
    from hub.connector import ConnectorInfo
    from hub.plugins import make_plugin_manager
    import {module}.plugin as plugin
    from {module} import settings, translate, webhooks


    @pytest.fixture
    def stockhub_plugin_manager():
        return make_plugin_manager(plugins={{"{name}": plugin}}, load_entry_points=False)


    class TestSound(ConformanceSuite):
        connector = "{name}"


    class TestAcceptsForgedWebhooks(ConformanceSuite):
        connector = "{name}"

        @pytest.fixture(autouse=True)
        def lax(self, monkeypatch):
            monkeypatch.setattr(webhooks, "verify", lambda request, secret: True)


    class TestOverstatesBatchSize(ConformanceSuite):
        connector = "{name}"

        @pytest.fixture(autouse=True)
        def bigger(self, monkeypatch):
            info = ConnectorInfo(**{{**settings.INFO.__dict__, "max_batch_size": 80}})
            monkeypatch.setattr(plugin, "INFO", info)


    class TestRandomEventIds(ConformanceSuite):
        connector = "{name}"

        @pytest.fixture(autouse=True)
        def random_ids(self, monkeypatch):
            import uuid
            real = translate.to_events
            monkeypatch.setattr(translate, "to_events", lambda *a: [
                {{**e, "id": uuid.uuid4().hex}} for e in real(*a)])


    class TestSwallowsVendorErrors(ConformanceSuite):
        connector = "{name}"

        @pytest.fixture(autouse=True)
        def swallow(self, monkeypatch):
            real = plugin.stockhub_push_stock
            def push(channel, updates):
                try:
                    return real(channel, updates)
                except Exception as exc:
                    from hub.connector import PushResult
                    return [
                        PushResult(u.sku, u.location, "rejected", reason="oops") for u in updates
                    ]
            from hub.hookspecs import hookimpl
            monkeypatch.setattr(plugin, "stockhub_push_stock", hookimpl(push))
"""


@pytest.fixture(scope="module")
def kit_run(tmp_path_factory):
    pytester_dir = tmp_path_factory.mktemp("kit")
    root = write_connector("kitcheck", pytester_dir)
    return root


def test_kit_verdicts(tmp_path, kit_run) -> None:
    """Sound connector: all pass; each breakage fails exactly the check that guards it."""
    (tmp_path / "test_kit.py").write_text(
        textwrap.dedent(KIT_TESTS).format(
            src=str(kit_run / "src"), module="stockhub_kitcheck", name="kitcheck"
        )
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfs", "test_kit.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = run.stdout.splitlines()
    failed = {
        line.split("::")[1] + "::" + line.split("::")[2].split(" ")[0]
        for line in lines
        if line.startswith("FAILED")
    }
    assert run.returncode == 1, run.stdout + run.stderr
    assert not any(name.startswith("TestSound::") for name in failed), lines
    assert not [line for line in lines if line.startswith("ERROR")], lines
    assert "TestAcceptsForgedWebhooks::test_forged_webhooks_are_rejected" in failed
    assert "TestOverstatesBatchSize::test_push_respects_the_declared_batch_size" in failed
    assert "TestRandomEventIds::test_translation_is_deterministic" in failed
    swallowed = {n for n in failed if n.startswith("TestSwallowsVendorErrors::")}
    assert {
        f"TestSwallowsVendorErrors::test_vendor_errors_map_to_hub_classes[{f}]"
        for f in (
            "500-server-error",
            "429-throttled",
            "401-credentials",
            "400-bad-request",
            "timeout",
        )
    } <= swallowed
    # the breakages do not spill into unrelated checks
    assert not any(n.startswith("TestAcceptsForgedWebhooks::test_push") for n in failed)
    assert len(failed) == 3 + len(swallowed)

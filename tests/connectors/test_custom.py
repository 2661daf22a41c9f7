"""The custom connector: push, pull and webhooks against its sandbox, in process and over HTTP."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from connectors.custom import plugin, protocol
from connectors.custom.sandbox import SANDBOX_SETTINGS, CustomSandbox
from hub.conformance import ConformanceSuite
from hub.connector import (
    Capability,
    PushStatus,
    RateLimit,
    StockUpdate,
    WebhookRequest,
)
from hub.dispatch import installed_connectors
from hub.errors import ConfigError, PermanentError, TransientError, ValidationError
from hub.plugins import make_plugin_manager
from tests.connectors.conftest import CHANNEL, FAST_RETRY

SECRET = str(SANDBOX_SETTINGS["webhook_secret"])


def update(sku: str, location: str, quantity: int, expected: int | None = None) -> StockUpdate:
    """A StockUpdate whose hub codes are the vendor codes in lower case."""
    return StockUpdate(sku.lower(), location.lower(), quantity, sku, location, expected)


def event(event_id: str, delta: int = -1, source: str = "wms") -> dict:
    return {
        "id": event_id,
        "type": "stock.adjusted",
        "source": source,
        "occurred_at": "2026-11-22T10:00:00Z",
        "data": {
            "sku": "TEE-RED-M",
            "location": "WH1",
            "bucket": "on_hand",
            "delta": delta,
            "reason": "sale",
        },
    }


def delivery(body: bytes, secret: str | None = SECRET, **headers: str) -> WebhookRequest:
    signed = protocol.signature_headers(body, secret) if secret else {}
    return WebhookRequest(body=body, headers={**signed, **headers})


class TestDescription:
    def test_declares_the_protocol_limits_and_settings(self, handle) -> None:
        """Capabilities, batch size 100, 20 requests/s; the token and webhook secret are secret."""
        info = handle.info
        assert info.capabilities == {
            Capability.PUSH_STOCK,
            Capability.PULL_STOCK,
            Capability.WEBHOOKS,
            Capability.COMPARE_AND_SET,
        }
        assert info.max_batch_size == 100 and info.rate_limits == (RateLimit(18, 1),)
        assert info.secret_settings == ("api_token", "webhook_secret")
        schema = info.settings_json_schema()
        assert schema["required"] == ["base_url", "api_token"]
        assert info.check_settings({"base_url": "http://x/api", "api_token": "t"}) == []

    def test_installed_through_the_entry_point(self) -> None:
        """`custom` is found through stockhub.connectors like any third-party plugin."""
        handles = {h.name: h for h in installed_connectors(make_plugin_manager(environ={}))}
        assert handles["custom"].plugin.__name__ == "connectors.custom.plugin"


class TestPush:
    def test_sets_absolute_quantities(self, handle, context, sandbox) -> None:
        """Known and new SKUs are set to the pushed quantity; one accepted result per update."""
        updates = [update("TEE-RED-M", "WH1", 7), update("NEW-SKU", "WH1", 3)]
        results = handle.push_stock(context(sandbox.transport()), updates)
        assert [(r.sku, r.location, r.status) for r in results] == [
            ("tee-red-m", "wh1", PushStatus.ACCEPTED),
            ("new-sku", "wh1", PushStatus.ACCEPTED),
        ]
        levels = sandbox.stock_levels()
        assert levels[("TEE-RED-M", "WH1")] == 7 and levels[("NEW-SKU", "WH1")] == 3
        (record,) = sandbox.requests
        assert (record.method, record.path, record.status, record.n_items) == (
            "POST",
            "/api/stock/set",
            200,
            2,
        )

    def test_request_carries_token_and_expected_only_when_given(
        self, handle, context, sandbox
    ) -> None:
        """Bearer token in Authorization; `expected` is sent for compare-and-set updates only."""
        seen: list[httpx.Request] = []
        inner = sandbox.transport()

        def spy(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return inner.handle_request(request)

        updates = [update("TEE-RED-M", "WH1", 5, expected=12), update("MUG-BLUE", "WH1", 1)]
        handle.push_stock(context(httpx.MockTransport(spy)), updates)
        (request,) = seen
        assert request.headers["Authorization"] == f"Bearer {SANDBOX_SETTINGS['api_token']}"
        assert json.loads(request.content) == {
            "items": [
                {"sku": "TEE-RED-M", "location": "WH1", "quantity": 5, "expected": 12},
                {"sku": "MUG-BLUE", "location": "WH1", "quantity": 1},
            ]
        }

    def test_stale_expected_value_is_refused_and_reported(self, handle, context, sandbox) -> None:
        """CAS: a wrong `expected` comes back stale_compare with the actual value, unchanged."""
        sandbox.set_level("TEE-RED-M", "WH1", 9)  # someone sold on the channel's side
        stale, fresh = update("TEE-RED-M", "WH1", 20, expected=12), update("MUG-BLUE", "WH1", 8, 30)
        results = handle.push_stock(context(sandbox.transport()), [stale, fresh])
        assert results[0].status is PushStatus.STALE_COMPARE
        assert results[0].actual == 9 and "expected 12, found 9" in results[0].reason
        assert results[1].status is PushStatus.ACCEPTED
        assert sandbox.stock_levels()[("TEE-RED-M", "WH1")] == 9
        assert sandbox.stock_levels()[("MUG-BLUE", "WH1")] == 8

    def test_rejected_item_does_not_stop_the_batch(self, handle, context, sandbox) -> None:
        """A SKU the system refuses is rejected with its reason; the rest of the batch applies."""
        sandbox.reject_skus = {"GHOST"}
        results = handle.push_stock(
            context(sandbox.transport()),
            [update("GHOST", "WH1", 1), update("MUG-BLUE", "WH1", 2)],
        )
        assert results[0].status is PushStatus.REJECTED and results[0].reason == "unknown item"
        assert results[1].status is PushStatus.ACCEPTED
        assert ("GHOST", "WH1") not in sandbox.stock_levels()

    def test_wrong_token_is_a_config_error(self, handle, context, sandbox) -> None:
        """The sandbox answers 401 to a foreign token: ConfigError naming the channel."""
        with pytest.raises(ConfigError) as caught:
            handle.push_stock(
                context(sandbox.transport(), api_token="stolen"), [update("A", "WH1", 1)]
            )
        assert caught.value.context["channel"] == CHANNEL
        assert caught.value.context["status"] == 401

    @pytest.mark.parametrize(
        "answer",
        [
            {"results": []},
            {"results": [{"sku": "OTHER", "location": "WH1", "status": "ok"}]},
            {"results": [{"sku": "A", "location": "WH1", "status": "maybe"}]},
            {"nothing": True},
        ],
        ids=["too-few", "wrong-order", "unknown-status", "no-results"],
    )
    def test_answer_breaking_the_protocol_is_permanent(self, handle, context, answer) -> None:
        """A malformed answer is a PermanentError naming the channel, not retried."""
        calls = []

        def vendor(request: httpx.Request) -> httpx.Response:
            calls.append(request)
            return httpx.Response(200, json=answer)

        with pytest.raises(PermanentError) as caught:
            handle.push_stock(context(httpx.MockTransport(vendor)), [update("A", "WH1", 1)])
        assert len(calls) == 1
        assert caught.value.context == {
            "connector": "custom",
            "channel": CHANNEL,
            "call": "POST /stock/set",
        }
        assert f"custom/{CHANNEL}" in str(caught.value)


class TestPull:
    def test_pages_through_levels_as_stock_counted_events(self, handle, context, sandbox) -> None:
        """Pages of `limit` levels, has_more while levels come, then an empty caught-up page."""
        ctx = context(sandbox.transport())
        first, page1 = handle.pull(ctx, "stock", None, limit=3)
        second, page2 = handle.pull(ctx, "stock", page1.cursor, limit=3)
        third, page3 = handle.pull(ctx, "stock", page2.cursor, limit=3)
        assert (len(first), page1.has_more, len(second), page2.has_more) == (3, True, 1, True)
        assert third == [] and not page3.has_more and page3.cursor == page2.cursor
        events = first + second
        assert {(e.data.sku, e.data.location) for e in events} == set(sandbox.stock_levels())
        counted = next(e for e in events if (e.data.sku, e.data.location) == ("MUG-BLUE", "WH1"))
        at = sandbox.updated_at("MUG-BLUE", "WH1")
        assert counted.to_json() == {
            "id": f"{CHANNEL}/level/MUG-BLUE/WH1/{at}",
            "type": "stock.counted",
            "source": CHANNEL,
            "occurred_at": at,
            "data": {
                "sku": "MUG-BLUE",
                "location": "WH1",
                "as_of": at,
                "quantities": {"on_hand": 30},
            },
        }

    def test_changes_after_the_cursor_come_back_with_new_ids(
        self, handle, context, sandbox
    ) -> None:
        """A level changed on the channel reappears once, as a new event; the rest do not."""
        ctx = context(sandbox.transport())
        before, page = handle.pull(ctx, "stock", None, limit=100)
        sandbox.set_level("TEE-RED-L", "WH1", 1)
        changed, after = handle.pull(ctx, "stock", page.cursor, limit=100)
        assert [(e.data.sku, e.data.quantities) for e in changed] == [("TEE-RED-L", {"on_hand": 1})]
        assert changed[0].id not in {e.id for e in before}
        assert int(after.cursor) > int(page.cursor)

    def test_query_carries_cursor_and_limit(self, handle, context, sandbox) -> None:
        """GET /stock?cursor=&limit= ; no cursor parameter on the first pull."""
        seen: list[httpx.URL] = []
        inner = sandbox.transport()

        def spy(request: httpx.Request) -> httpx.Response:
            seen.append(request.url)
            return inner.handle_request(request)

        ctx = context(httpx.MockTransport(spy))
        _, page = handle.pull(ctx, "stock", None, limit=2)
        handle.pull(ctx, "stock", page.cursor, limit=2)
        assert seen[0].path == "/api/stock" and dict(seen[0].params) == {"limit": "2"}
        assert dict(seen[1].params) == {"limit": "2", "cursor": page.cursor}


class TestWebhooks:
    def test_genuine_signature_verifies_in_constant_time(
        self, handle, context, monkeypatch
    ) -> None:
        """A body signed with the webhook secret passes, compared with hmac.compare_digest."""
        compared = []
        real = protocol.hmac.compare_digest

        def spy(a, b):
            compared.append((a, b))
            return real(a, b)

        monkeypatch.setattr(protocol.hmac, "compare_digest", spy)
        body = json.dumps(event("wms/adj/1")).encode()
        assert handle.verify_webhook(context(), delivery(body)) is True
        assert len(compared) == 1

    @pytest.mark.parametrize("forgery", ["tampered", "foreign-secret", "unsigned", "no-secret-set"])
    def test_forged_deliveries_fail(self, handle, context, forgery: str) -> None:
        """A changed body, another secret, no header, or no secret configured: all refused."""
        body = json.dumps(event("wms/adj/1")).encode()
        ctx = context()
        if forgery == "tampered":
            request = WebhookRequest(
                body=body.replace(b"-1", b"-9"), headers=delivery(body).headers
            )
        elif forgery == "foreign-secret":
            request = delivery(body, secret="someone-else")
        elif forgery == "unsigned":
            request = delivery(body, secret=None)
        else:
            ctx = handle.context(
                CHANNEL, {k: v for k, v in SANDBOX_SETTINGS.items() if k != "webhook_secret"}
            )
            request = delivery(body)
        assert handle.verify_webhook(ctx, request) is False

    def test_a_list_is_split_with_indexed_delivery_ids(self, handle, context) -> None:
        """A JSON list gives one message per event: topic = type, delivery id = header#index."""
        body = json.dumps([event("wms/adj/1"), event("wms/adj/2", delta=4)]).encode()
        messages = handle.parse_webhook(
            context(), delivery(body, **{"X-Stockhub-Delivery": "dlv-9"})
        )
        assert [(m.topic, m.delivery_id) for m in messages] == [
            ("stock.adjusted", "dlv-9#0"),
            ("stock.adjusted", "dlv-9#1"),
        ]
        assert [m.body["id"] for m in messages] == ["wms/adj/1", "wms/adj/2"]

    def test_delivery_id_falls_back_to_the_event_id(self, handle, context) -> None:
        """Without X-Stockhub-Delivery the event's own id deduplicates; with it, the header."""
        body = json.dumps(event("wms/adj/1")).encode()
        (plain,) = handle.parse_webhook(context(), delivery(body))
        (headed,) = handle.parse_webhook(
            context(), delivery(body, **{"x-stockhub-delivery": "dlv-1"})
        )
        assert plain.delivery_id == "wms/adj/1" and headed.delivery_id == "dlv-1"

    @pytest.mark.parametrize(
        "body, problem",
        [(b"{not json", "not JSON"), (b"\xff\xfe", "not JSON"), (b"42", "got int")],
    )
    def test_unreadable_body_is_a_validation_error(self, handle, context, body, problem) -> None:
        """Bodies that are not JSON events are refused with the problem named."""
        with pytest.raises(ValidationError, match=problem) as caught:
            handle.parse_webhook(context(), delivery(body))
        assert caught.value.field == "body"

    def test_translation_forces_the_channel_as_source(self, handle, context) -> None:
        """The event comes through unchanged except its source, which becomes the channel."""
        body = json.dumps(event("wms/adj/1", source="spoofed")).encode()
        ctx = context()
        (message,) = handle.parse_webhook(ctx, delivery(body))
        (translated,) = handle.translate(ctx, message)
        assert translated.to_json() == {**event("wms/adj/1"), "source": CHANNEL}

    def test_a_record_that_is_not_an_object_is_refused(self, handle, context) -> None:
        """A list member that is not an event object fails translation, naming the record."""
        body = json.dumps([event("wms/adj/1"), "oops"]).encode()
        ctx = context()
        messages = handle.parse_webhook(ctx, delivery(body))
        with pytest.raises(ValidationError, match="must be a canonical event object"):
            handle.translate(ctx, messages[1])


class TestOverHttp:
    def test_push_and_pull_over_a_real_socket(self, handle, context, sandbox) -> None:
        """The same calls work against the sandbox served by a ThreadingHTTPServer."""
        with sandbox.serve() as base_url:
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api")
            ctx = context(base_url=base_url)
            results = handle.push_stock(
                ctx, [update("TEE-RED-M", "WH1", 6), update("TEE-RED-M", "WH1", 6, expected=1)]
            )
            events, page = handle.pull(ctx, "stock", None, limit=100)
        assert [r.status for r in results] == [PushStatus.ACCEPTED, PushStatus.STALE_COMPARE]
        assert results[1].actual == 6
        assert len(events) == 4 and page.has_more
        pulled = {(e.data.sku, e.data.location): e.data.quantities["on_hand"] for e in events}
        assert pulled == sandbox.stock_levels() and pulled[("TEE-RED-M", "WH1")] == 6
        assert [(r.method, r.path, r.status) for r in sandbox.requests] == [
            ("POST", "/api/stock/set", 200),
            ("GET", "/api/stock", 200),
        ]

    def test_a_slow_answer_times_out_the_client_and_is_retried(
        self, handle, context, sandbox
    ) -> None:
        """A timeout fault outlasts the client's read timeout: retried, then TransientError."""
        sandbox.timeout_s = 0.5
        sandbox.set_faults(rate=1.0, kinds=("timeout",), seed=1)
        retry = dataclasses.replace(FAST_RETRY, timeout=httpx.Timeout(0.15))
        with sandbox.serve() as base_url:
            started = time.monotonic()
            with pytest.raises(TransientError) as caught:
                handle.push_stock(context(base_url=base_url, retry=retry), [update("A", "W", 1)])
            elapsed = time.monotonic() - started
        assert isinstance(caught.value.__cause__, httpx.TimeoutException)
        assert sandbox.faults_injected["timeout"] == FAST_RETRY.max_attempts
        assert elapsed < FAST_RETRY.max_attempts * sandbox.timeout_s  # the client gave up first


class TestConformance(ConformanceSuite):
    """The shared conformance suite against the installed `custom` plugin."""

    connector = "custom"


def test_stockhub_connectors_check_custom_passes() -> None:
    """`stockhub connectors check custom` runs the kit in a subprocess and exits 0."""
    from hub.cli.connectors import app

    result = CliRunner().invoke(app, ["check", "custom"])
    assert result.exit_code == 0, result.output
    assert "custom passes the conformance kit" in result.output


def test_kit_sandbox_is_fresh_and_seeded() -> None:
    """Each kit sandbox starts from the sample levels; pushes to one do not leak to the next."""
    kit = plugin.stockhub_conformance_kit()
    first, second = kit.sandbox(), kit.sandbox()
    first.set_level("TEE-RED-M", "WH1", 0)
    assert isinstance(first, CustomSandbox) and second.stock_levels()[("TEE-RED-M", "WH1")] == 12


def test_readme_worked_example_runs() -> None:
    """The Python example in connectors/custom/README.md runs as written (docs cannot drift)."""
    readme = Path(plugin.__file__).with_name("README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 1, "the README has one worked example"
    exec(compile(blocks[0], "connectors/custom/README.md", "exec"), {})

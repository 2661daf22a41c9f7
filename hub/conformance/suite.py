"""The contract tests every connector must pass, as one class to subclass.

In a connector's own test suite::

    from hub.conformance import ConformanceSuite

    class TestAcmeConformance(ConformanceSuite):
        connector = "acme"

``stockhub connectors check acme`` runs the same class against the installed plugin. Checks
for capabilities a connector does not declare are skipped with that reason.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.conformance.kit import ConformanceKit, Sandbox
from hub.connector import (
    PULL_CAPABILITY,
    Capability,
    ChannelContext,
    ContractError,
    PushStatus,
    Resource,
    StockUpdate,
)
from hub.dispatch import ConnectorHandle, get_connector
from hub.errors import ConfigError, HubError, PermanentError, RateLimitedError, TransientError
from hub.events import parse_event
from hub.http.policy import RetrySettings

FAST_RETRY = RetrySettings(
    max_attempts=3,
    initial_backoff_s=0.001,
    max_backoff_s=0.002,
    jitter_s=0.0,
    max_elapsed_s=5.0,
    max_wait_s=5.0,
)
LEAKY_SECRET_BODY = "echo of your request: Authorization: Bearer {token} key={secret}"  # noqa: S105  (a template the redaction test fills)

VENDOR_FAILURES = {
    "500-server-error": (lambda: httpx.Response(500, text="boom"), TransientError),
    "429-throttled": (lambda: httpx.Response(429, headers={"Retry-After": "0"}), RateLimitedError),
    "401-credentials": (lambda: httpx.Response(401, text="invalid token"), ConfigError),
    "400-bad-request": (lambda: httpx.Response(400, text="bad request"), PermanentError),
    "timeout": (None, TransientError),
}


class ConformanceSuite:
    """Contract tests for one connector plugin; set ``connector`` or pass --stockhub-connector."""

    connector: str | None = None

    # --- fixtures ---------------------------------------------------------------------------

    @pytest.fixture
    def handle(
        self, stockhub_plugin_manager: Any, stockhub_connector_name: str | None
    ) -> ConnectorHandle:
        name = self.connector or stockhub_connector_name
        if not name:
            pytest.fail(
                "no connector under test: set `connector = ...` on the class or pass "
                "--stockhub-connector NAME",
                pytrace=False,
            )
        return get_connector(name, stockhub_plugin_manager)

    @pytest.fixture
    def kit(self, handle: ConnectorHandle) -> ConformanceKit:
        kit = handle.call("stockhub_conformance_kit")
        if not isinstance(kit, ConformanceKit):
            pytest.fail(
                f"plugin {handle.name!r} must implement stockhub_conformance_kit and "
                "return a hub.conformance.ConformanceKit",
                pytrace=False,
            )
        return kit

    @pytest.fixture
    def sandbox(self, kit: ConformanceKit) -> Sandbox:
        sandbox = kit.sandbox()
        assert isinstance(sandbox, Sandbox), "the sandbox must implement hub.conformance.Sandbox"
        return sandbox

    @pytest.fixture
    def ctx(self, kit: ConformanceKit, handle: ConnectorHandle, sandbox: Sandbox) -> ChannelContext:
        return kit.context(
            handle, transport=sandbox.transport(), retry=FAST_RETRY, sleep=lambda s: None
        )

    # --- description and settings -----------------------------------------------------------

    def test_describes_itself(self, handle: ConnectorHandle) -> None:
        """The connector returns a ConnectorInfo named like its entry point, with capabilities."""
        info = handle.info
        assert info.capabilities, "declare at least one capability"
        assert info.title.strip(), "give the connector a human title"
        if info.can(Capability.PUSH_STOCK):
            assert info.rate_limits, "a pushing connector must declare the vendor's rate limits"

    def test_settings_schema_is_valid_and_marks_secrets(self, handle: ConnectorHandle) -> None:
        """Every setting has a description and a known type; credentials are marked secret."""
        assert handle.info.settings, "declare the channel settings (at least the credentials)"
        assert handle.info.settings_problems() == []
        assert handle.info.secret_settings, "no setting is marked secret; credentials must be"
        schema = handle.info.settings_json_schema()
        assert set(schema["properties"]) == {f.name for f in handle.info.settings}

    def test_kit_settings_satisfy_the_schema(
        self, handle: ConnectorHandle, kit: ConformanceKit
    ) -> None:
        """The settings the kit uses are valid against the declared schema."""
        assert handle.info.check_settings(kit.settings) == []

    # --- inbound: samples, translation, webhooks ---------------------------------------------

    def test_samples_translate_to_valid_canonical_events(
        self, handle: ConnectorHandle, kit: ConformanceKit, ctx: ChannelContext
    ) -> None:
        """Each sample payload becomes valid canonical events sourced from the channel."""
        samples = kit.samples()
        assert samples, f"no *.json samples in {kit.samples_dir}"
        produced = 0
        for sample in samples:
            events = handle.translate(ctx, sample.message())
            for event in events:
                assert event.source == ctx.channel, f"{sample.name}: source must be the channel"
                parse_event(event.to_json())  # round-trips through the public wire form
            produced += len(events)
        assert produced, "no sample produced any canonical event"

    def test_translation_is_deterministic(
        self, handle: ConnectorHandle, kit: ConformanceKit, ctx: ChannelContext
    ) -> None:
        """Translating a record twice yields the same event ids (they are idempotency keys)."""
        for sample in kit.samples():
            first = [e.to_json() for e in handle.translate(ctx, sample.message())]
            again = [e.to_json() for e in handle.translate(ctx, sample.message())]
            assert first == again, f"{sample.name}: translation is not deterministic"
            ids = [e["id"] for e in first]
            assert len(ids) == len(set(ids)), f"{sample.name}: duplicate event ids {ids}"

    def test_genuine_webhooks_are_accepted(
        self, handle: ConnectorHandle, kit: ConformanceKit, ctx: ChannelContext
    ) -> None:
        """A delivery signed like the vendor signs passes verification and parses to events."""
        self._need(handle, Capability.WEBHOOKS)
        assert kit.sign_webhook is not None, "a webhook connector's kit must provide sign_webhook"
        for sample in kit.samples():
            request = sample.webhook(kit.sign_webhook(sample.raw_body(), kit.settings))
            assert handle.verify_webhook(ctx, request), f"{sample.name}: genuine delivery refused"
            messages = handle.parse_webhook(ctx, request)
            assert messages, f"{sample.name}: parse_webhook returned no records"
            for message in messages:
                handle.translate(ctx, message)

    def test_forged_webhooks_are_rejected(
        self, handle: ConnectorHandle, kit: ConformanceKit, ctx: ChannelContext
    ) -> None:
        """Tampered bodies, foreign secrets and missing signatures all fail verification."""
        self._need(handle, Capability.WEBHOOKS)
        assert kit.sign_webhook is not None
        forged_settings = {
            k: ("forged-" + str(v) if k in handle.info.secret_settings else v)
            for k, v in kit.settings.items()
        }
        for sample in kit.samples():
            body = sample.raw_body()
            genuine = kit.sign_webhook(body, kit.settings)
            tampered = sample.webhook(genuine, body=body.replace(b"}", b" }", 1))
            foreign = sample.webhook(kit.sign_webhook(body, forged_settings))
            unsigned = sample.webhook({})
            for label, request in (
                ("tampered", tampered),
                ("foreign", foreign),
                ("unsigned", unsigned),
            ):
                assert handle.verify_webhook(ctx, request) is False, (
                    f"{sample.name}: {label} accepted"
                )

    # --- outbound: push ------------------------------------------------------------------------

    def test_push_is_idempotent(
        self, handle: ConnectorHandle, ctx: ChannelContext, sandbox: Sandbox
    ) -> None:
        """Pushing a full batch twice leaves the channel exactly as pushing it once."""
        self._need(handle, Capability.PUSH_STOCK)
        before = dict(sandbox.stock_levels())
        assert before, "the sandbox must be seeded with stock levels"
        updates = _updates(list(before)[: handle.info.max_batch_size], before)
        first = handle.push_stock(ctx, updates)
        assert [r.status for r in first] == [PushStatus.ACCEPTED] * len(updates), first
        after_once = dict(sandbox.stock_levels())
        for update in updates:
            assert after_once[(update.external_id, update.external_location)] == update.quantity
        second = handle.push_stock(ctx, updates)
        assert all(r.status is not PushStatus.REJECTED for r in second), second
        assert dict(sandbox.stock_levels()) == after_once

    def test_push_respects_the_declared_batch_size(
        self, handle: ConnectorHandle, ctx: ChannelContext, sandbox: Sandbox
    ) -> None:
        """More updates than max_batch_size reach the vendor in requests no larger than it."""
        self._need(handle, Capability.PUSH_STOCK)
        size = handle.info.max_batch_size
        known = list(sandbox.stock_levels())
        keys = [
            known[i] if i < len(known) else (f"conformance-unknown-{i}", known[0][1])
            for i in range(2 * size + 1)
        ]
        updates = _updates(keys, dict(sandbox.stock_levels()))
        results = handle.push_stock(ctx, updates)
        assert len(results) == len(updates)
        assert sandbox.push_batch_sizes, "the sandbox recorded no push request"
        assert max(sandbox.push_batch_sizes) <= size, sandbox.push_batch_sizes
        assert sum(sandbox.push_batch_sizes) == len(updates)

    def test_compare_and_set_reports_stale_values(
        self, handle: ConnectorHandle, ctx: ChannelContext, sandbox: Sandbox
    ) -> None:
        """A push whose expected value is out of date comes back stale_compare, not applied."""
        self._need(handle, Capability.COMPARE_AND_SET)
        levels = dict(sandbox.stock_levels())
        key = next(iter(levels))
        stale = StockUpdate(
            sku="conformance-0",
            location="conformance-loc",
            quantity=levels[key] + 5,
            external_id=key[0],
            external_location=key[1],
            expected=levels[key] + 1,
        )
        (result,) = handle.push_stock(ctx, [stale])
        assert result.status is PushStatus.STALE_COMPARE and result.reason
        assert sandbox.stock_levels()[key] == levels[key]

    # --- pull ------------------------------------------------------------------------------------

    @pytest.mark.parametrize("resource", list(Resource), ids=[r.value for r in Resource])
    def test_pull_resumes_from_its_cursor(
        self, handle: ConnectorHandle, ctx: ChannelContext, resource: Resource
    ) -> None:
        """Paging with the returned cursor sees every record once and ends with nothing new."""
        self._need(handle, PULL_CAPABILITY[resource])
        paged: list[str] = []
        cursor: str | None = None
        for _ in range(200):
            events, result = handle.pull(ctx, resource, cursor, limit=2)
            assert result.cursor is None or isinstance(result.cursor, str), "cursors are strings"
            paged.extend(e.id for e in events)
            cursor = result.cursor
            if not result.has_more:
                break
        else:
            pytest.fail("pull never stopped reporting has_more")
        assert paged, f"the sandbox has no {resource} records to pull; seed it"
        assert len(paged) == len(set(paged)), f"pages overlap: {paged}"
        everything, _ = handle.pull(ctx, resource, None, limit=1000)
        assert sorted(e.id for e in everything) == sorted(paged)
        again, tail = handle.pull(ctx, resource, cursor, limit=1000)
        assert again == [] and not tail.has_more, (
            "pulling from the last cursor must find nothing new"
        )

    # --- errors ------------------------------------------------------------------------------

    @pytest.mark.parametrize("failure", list(VENDOR_FAILURES))
    def test_vendor_errors_map_to_hub_classes(
        self, handle: ConnectorHandle, kit: ConformanceKit, sandbox: Sandbox, failure: str
    ) -> None:
        """Vendor failures become the hub's error classes, retried per the policy, secret-free."""
        make_response, expected = VENDOR_FAILURES[failure]
        secrets = [str(kit.settings[k]) for k in handle.info.secret_settings if kit.settings.get(k)]
        calls: list[httpx.Request] = []

        def vendor(request: httpx.Request) -> httpx.Response:
            calls.append(request)
            if make_response is None:
                raise httpx.ReadTimeout("timed out", request=request)
            response = make_response()
            leak = LEAKY_SECRET_BODY.format(
                token=secrets[0] if secrets else "", secret=secrets[-1] if secrets else ""
            )
            return httpx.Response(
                response.status_code, headers=response.headers, text=response.text + " " + leak
            )

        ctx = kit.context(
            handle, transport=httpx.MockTransport(vendor), retry=FAST_RETRY, sleep=lambda s: None
        )
        with pytest.raises(HubError) as caught:
            _exercise(handle, ctx, sandbox)
        error = caught.value
        assert isinstance(error, expected), f"{failure}: got {type(error).__name__}: {error}"
        assert not isinstance(error, ContractError)
        if expected is TransientError and not isinstance(error, RateLimitedError):
            assert len(calls) >= FAST_RETRY.max_attempts, "transient failures must be retried"
        if expected is PermanentError:
            assert len(calls) == 1, "permanent failures must not be retried"
        assert error.context.get("connector") == handle.name
        assert error.context.get("channel") == ctx.channel
        for secret in secrets:
            assert secret not in str(error), "a secret leaked into the error message"

    @staticmethod
    def _need(handle: ConnectorHandle, capability: Capability) -> None:
        if not handle.info.can(capability):
            pytest.skip(f"{handle.name} does not declare {capability.value!r}")


def _updates(keys: list[tuple[str, str]], levels: dict[tuple[str, str], int]) -> list[StockUpdate]:
    return [
        StockUpdate(
            sku=f"conformance-{i}",
            location=f"conformance-loc-{loc}",
            quantity=levels.get((item, loc), 0) + 3 + i,
            external_id=item,
            external_location=loc,
        )
        for i, (item, loc) in enumerate(keys)
    ]


def _exercise(handle: ConnectorHandle, ctx: ChannelContext, sandbox: Sandbox) -> None:
    """Make the connector call its vendor once: a push when it pushes, else a pull."""
    if handle.info.can(Capability.PUSH_STOCK):
        handle.push_stock(ctx, _updates(list(sandbox.stock_levels())[:1], {}))
        return
    for resource, capability in PULL_CAPABILITY.items():
        if handle.info.can(capability):
            handle.pull(ctx, resource, None, limit=10)
            return
    pytest.skip(f"{handle.name} neither pushes nor pulls; nothing calls the vendor")

"""The HTTP toolkit: retry sequences scripted with respx, error translation, transport injection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from hub.connector import ChannelContext
from hub.errors import ConfigError, PermanentError, RateLimitedError, TransientError
from hub.http import DEFAULT_POLICY, Action, ConnectorClient, RetrySettings, Rule

BASE = "https://vendor.test"
RETRY = RetrySettings(
    max_attempts=4, initial_backoff_s=0.5, max_backoff_s=4.0, jitter_s=0.1, max_wait_s=30.0
)


def client(sleeps, **kwargs) -> ConnectorClient:
    options = {
        "connector": "acme",
        "channel": "acme-eu",
        "base_url": BASE,
        "retry": RETRY,
        "sleep": sleeps,
    }
    options.update(kwargs)
    return ConnectorClient(**options)


class TestRetrySequences:
    @respx.mock
    def test_server_errors_and_timeouts_are_retried_until_success(self, sleeps) -> None:
        """500, a timeout and 503 are retried with growing backoff; the 4th answer is returned."""
        route = respx.post(f"{BASE}/stock").mock(
            side_effect=[
                httpx.Response(500),
                httpx.ConnectTimeout("slow"),
                httpx.Response(503),
                httpx.Response(200, json={"ok": True}),
            ]
        )
        http = client(sleeps)
        assert http.post("/stock", json={}).json() == {"ok": True}
        assert route.call_count == 4 and http.attempts == 4
        assert len(sleeps.waits) == 3
        for wait, base in zip(sleeps.waits, (0.5, 1.0, 2.0), strict=False):
            assert base <= wait <= base + 0.1  # exponential, plus at most the jitter

    @respx.mock
    def test_retries_stop_at_the_configured_limit(self, sleeps) -> None:
        """Endless 500s end after max_attempts tries with a TransientError, not a loop."""
        route = respx.get(f"{BASE}/levels").mock(return_value=httpx.Response(500, text="down"))
        with pytest.raises(TransientError) as caught:
            client(sleeps).get("/levels")
        assert route.call_count == RETRY.max_attempts
        assert len(sleeps.waits) == RETRY.max_attempts - 1
        assert caught.value.context["status"] == 500
        assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)

    @respx.mock
    def test_backoff_is_capped(self, sleeps) -> None:
        """No single backoff exceeds max_backoff_s plus jitter."""
        respx.get(f"{BASE}/x").mock(return_value=httpx.Response(502))
        settings = RetrySettings(max_attempts=8, initial_backoff_s=1, max_backoff_s=3, jitter_s=0)
        with pytest.raises(TransientError):
            client(sleeps, retry=settings).get("/x")
        assert sleeps.waits == [1, 2, 3, 3, 3, 3, 3]

    @respx.mock
    def test_retry_after_seconds_is_honoured(self, sleeps) -> None:
        """A 429 with Retry-After: 7 waits exactly 7 s before the next try."""
        route = respx.get(f"{BASE}/x").mock(
            side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200)]
        )
        client(sleeps).get("/x")
        assert route.call_count == 2 and sleeps.waits == [7.0]

    @respx.mock
    def test_retry_after_http_date_is_honoured(self, sleeps) -> None:
        """Retry-After given as an HTTP date is turned into the seconds until then."""
        when = datetime.now(UTC) + timedelta(seconds=20)
        respx.get(f"{BASE}/x").mock(
            side_effect=[
                httpx.Response(503, headers={"Retry-After": format_datetime(when, usegmt=True)}),
                httpx.Response(200),
            ]
        )
        client(sleeps).get("/x")
        assert 17 <= sleeps.waits[0] <= 20

    @respx.mock
    def test_vendor_reset_header_is_honoured(self, sleeps) -> None:
        """X-RateLimit-Reset with Remaining 0 (as a Unix time) sets the wait."""
        reset = datetime.now(UTC).timestamp() + 12
        respx.get(f"{BASE}/x").mock(
            side_effect=[
                httpx.Response(
                    429, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
                ),
                httpx.Response(200),
            ]
        )
        client(sleeps).get("/x")
        assert 10 <= sleeps.waits[0] <= 12

    @respx.mock
    def test_throttling_longer_than_max_wait_is_raised_not_slept(self, sleeps) -> None:
        """Retry-After beyond max_wait_s raises RateLimitedError at once (the engine reschedules)"""
        route = respx.get(f"{BASE}/x").mock(
            return_value=httpx.Response(429, headers={"Retry-After": "600"})
        )
        with pytest.raises(RateLimitedError) as caught:
            client(sleeps).get("/x")
        assert route.call_count == 1 and sleeps.waits == []
        assert caught.value.retry_after == 600

    @respx.mock
    def test_rate_limited_until_the_stop_raises_rate_limited_error(self, sleeps) -> None:
        """Throttled on every try: RateLimitedError after max_attempts, carrying retry_after."""
        route = respx.get(f"{BASE}/x").mock(
            return_value=httpx.Response(429, headers={"Retry-After": "2"})
        )
        with pytest.raises(RateLimitedError) as caught:
            client(sleeps).get("/x")
        assert route.call_count == RETRY.max_attempts and sleeps.waits == [2.0] * 3
        assert caught.value.retry_after == 2.0

    @respx.mock
    @pytest.mark.parametrize("status", [400, 404, 422])
    def test_permanent_errors_are_not_retried(self, sleeps, status: int) -> None:
        """A 4xx the vendor will refuse again is raised after one try."""
        route = respx.post(f"{BASE}/x").mock(
            side_effect=[httpx.Response(status), httpx.Response(200)]
        )
        with pytest.raises(PermanentError):
            client(sleeps).post("/x")
        assert route.call_count == 1 and sleeps.waits == []

    @respx.mock
    def test_forbidden_is_a_config_error_not_retried(self, sleeps) -> None:
        """403 means the credentials lack a scope: ConfigError after one try."""
        route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(403))
        with pytest.raises(ConfigError):
            client(sleeps).get("/x")
        assert route.call_count == 1


class TestTokenRefresh:
    @respx.mock
    def test_401_refreshes_the_token_once_then_retries(self, sleeps) -> None:
        """The refresher runs once and the retry carries the new credentials."""
        route = respx.get(f"{BASE}/x").mock(side_effect=[httpx.Response(401), httpx.Response(200)])
        refreshed = []

        def refresh(http: ConnectorClient) -> None:
            refreshed.append(True)
            http.headers["Authorization"] = "Bearer fresh"

        client(sleeps, headers={"Authorization": "Bearer old"}, refresh_auth=refresh).get("/x")
        assert refreshed == [True] and route.call_count == 2
        assert route.calls[1].request.headers["Authorization"] == "Bearer fresh"
        assert sleeps.waits == [0.0]

    @respx.mock
    def test_401_after_refresh_is_a_config_error(self, sleeps) -> None:
        """Credentials refused even after a refresh: ConfigError, no endless loop."""
        route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(401))
        with pytest.raises(ConfigError):
            client(sleeps, refresh_auth=lambda http: None).get("/x")
        assert route.call_count == 2

    @respx.mock
    def test_401_without_refresher_is_a_config_error(self, sleeps) -> None:
        """A connector without token refresh gets ConfigError on the first 401."""
        respx.get(f"{BASE}/x").mock(return_value=httpx.Response(401))
        with pytest.raises(ConfigError, match="check the channel's credentials"):
            client(sleeps).get("/x")


class TestErrorTranslation:
    @respx.mock
    def test_errors_carry_context_and_no_secrets(self, sleeps) -> None:
        """The message names connector, channel and request id; tokens are filtered out."""
        respx.post(f"{BASE}/x").mock(
            return_value=httpx.Response(
                400,
                headers={"X-Request-Id": "req-42"},
                text='{"error": "bad", "echo": "Authorization: Bearer s3cr3t-token", '
                '"access_token": "tok-999"}',
            )
        )
        http = client(
            sleeps, headers={"Authorization": "Bearer s3cr3t-token"}, secrets=("tok-999",)
        )
        with pytest.raises(PermanentError) as caught:
            http.post("/x")
        error = caught.value
        assert error.context["connector"] == "acme" and error.context["channel"] == "acme-eu"
        assert error.context["request_id"] == "req-42"
        assert "acme/acme-eu" in str(error) and "req-42" in str(error)
        assert "s3cr3t-token" not in str(error) and "tok-999" not in str(error)

    @respx.mock
    def test_connector_rules_come_first(self, sleeps) -> None:
        """A vendor that signals throttling in a 200 body is classified by the connector's rule."""
        throttled = Rule(
            Action.RATE_LIMITED, status=(200,), predicate=lambda r: b"THROTTLED" in r.content
        )
        route = respx.post(f"{BASE}/graphql").mock(
            side_effect=[
                httpx.Response(200, json={"errors": [{"code": "THROTTLED"}]}),
                httpx.Response(200, json={"data": {}}),
            ]
        )
        http = client(sleeps, policy=DEFAULT_POLICY.extend(throttled))
        assert http.post("/graphql").json() == {"data": {}}
        assert route.call_count == 2

    def test_transport_is_injected_through_the_channel_context(self, sleeps) -> None:
        """A MockTransport in the ChannelContext reaches the client without any patching."""
        seen = []

        def vendor(request: httpx.Request) -> httpx.Response:
            seen.append(request.headers["Authorization"])
            return httpx.Response(200, json={"levels": []})

        ctx = ChannelContext(
            channel="acme-eu",
            connector="acme",
            settings={"token": "t0ken-abc"},
            secrets=("token",),
            transport=httpx.MockTransport(vendor),
            sleep=sleeps,
        )
        with ctx.http_client(BASE, headers={"Authorization": "Bearer t0ken-abc"}) as http:
            assert http.get("/levels").json() == {"levels": []}
        assert seen == ["Bearer t0ken-abc"]
        assert "t0ken-abc" not in repr(ctx)

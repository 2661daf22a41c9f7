"""Respx unit tests of the push paths: tokens, QuotaExceeded, feeds FATAL / CANCELLED / per SKU."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from connectors.amazon.push import choose_path
from connectors.amazon.sandbox import SANDBOX_ORIGIN, SANDBOX_REFRESH_TOKEN
from hub.connector import PushStatus, StockUpdate
from hub.errors import ConfigError, PermanentError, RateLimitedError, TransientError

TOKEN_URL = f"{SANDBOX_ORIGIN}/auth/o2/token"
LISTING = f"{SANDBOX_ORIGIN}/listings/2021-08-01/items/A1SANDBOXSELLER/"
FEEDS = f"{SANDBOX_ORIGIN}/feeds/2021-06-30"
UPLOAD = "https://tortuga-uploads.example/doc-1?X-Amz-Signature=abc"
REPORT = "https://tortuga-downloads.example/report-1"


def updates(n: int, code: str = "DEFAULT") -> list[StockUpdate]:
    return [StockUpdate(f"HUB-{i}", "dc", i, f"SKU-{i}", code) for i in range(n)]


def token(value: str, expires_in: int = 3600) -> httpx.Response:
    return httpx.Response(200, json={"access_token": value, "token_type": "bearer",
                                     "expires_in": expires_in})  # fmt: skip


def accepted(request: httpx.Request) -> httpx.Response:
    sku = request.url.path.rsplit("/", 1)[1]
    return httpx.Response(200, json={"sku": sku, "status": "ACCEPTED", "submissionId": "s1",
                                     "issues": []})  # fmt: skip


class TestTokens:
    def test_token_is_cached_and_sent_as_x_amz_access_token(self, respx_mock, handle, context):
        """Two pushes fetch one LWA token (form-encoded refresh grant) and send it on each call."""
        lwa = respx_mock.post(TOKEN_URL).mock(return_value=token("Atza|first"))
        patch = respx_mock.patch(url__startswith=LISTING).mock(side_effect=accepted)
        ctx = context()
        handle.push_stock(ctx, updates(1))
        handle.push_stock(ctx, updates(2))
        assert lwa.call_count == 1 and patch.call_count == 3
        form = dict(httpx.QueryParams(lwa.calls[0].request.content.decode()))
        assert form["grant_type"] == "refresh_token"
        assert form["refresh_token"] == SANDBOX_REFRESH_TOKEN
        assert {c.request.headers["x-amz-access-token"] for c in patch.calls} == {"Atza|first"}

    def test_token_near_expiry_is_renewed_before_use(self, respx_mock, handle, context):
        """A token with less than the 60 s margin left is replaced before the next call."""
        lwa = respx_mock.post(TOKEN_URL).mock(side_effect=[token("Atza|a", 30), token("Atza|b")])
        patch = respx_mock.patch(url__startswith=LISTING).mock(side_effect=accepted)
        handle.push_stock(context(), updates(1))
        handle.push_stock(context(), updates(1))
        assert lwa.call_count == 2
        sent = [c.request.headers["x-amz-access-token"] for c in patch.calls]
        assert sent == ["Atza|a", "Atza|b"]

    @pytest.mark.parametrize("status", [401, 403])
    def test_expired_token_refreshes_once_then_retries(self, respx_mock, handle, context, status):
        """SP-API refuses the token (401/403): one new token, the same call again, accepted."""
        lwa = respx_mock.post(TOKEN_URL).mock(side_effect=[token("Atza|old"), token("Atza|new")])
        expired = httpx.Response(status, json={"errors": [{"code": "Unauthorized", "message":
                                 "Access to requested resource is denied.",
                                 "details": "The access token you provided has expired."}]})
        patch = respx_mock.patch(url__startswith=LISTING).mock(
            side_effect=[expired, accepted]  # fmt: skip
        )
        (result,) = handle.push_stock(context(), updates(1))
        assert result.status is PushStatus.ACCEPTED
        assert lwa.call_count == 2 and patch.call_count == 2
        sent = [c.request.headers["x-amz-access-token"] for c in patch.calls]
        assert sent == ["Atza|old", "Atza|new"]

    def test_refused_twice_is_a_config_error(self, respx_mock, handle, context):
        """A second 403 after renewing (a missing role, a revoked app) pauses the channel."""
        respx_mock.post(TOKEN_URL).mock(side_effect=[token("Atza|1"), token("Atza|2")])
        respx_mock.patch(url__startswith=LISTING).mock(
            return_value=httpx.Response(403, json={"errors": [{"code": "Unauthorized",
                                                               "message": "denied"}]}))
        with pytest.raises(ConfigError) as caught:
            handle.push_stock(context(), updates(1))
        assert caught.value.context["status"] == 403

    @pytest.mark.parametrize(
        ("status", "code", "field"),
        [(400, "invalid_grant", "settings.refresh_token"),
         (401, "invalid_client", "settings.client_id")],
    )  # fmt: skip
    def test_invalid_credentials_name_the_setting(self, respx_mock, handle, context, status,
                                                  code, field):  # fmt: skip
        """LWA refuses the credentials: a ConfigError naming the setting, no secret in it."""
        respx_mock.post(TOKEN_URL).mock(return_value=httpx.Response(
            status, json={"error": code, "error_description": f"bad {SANDBOX_REFRESH_TOKEN}"}))
        with pytest.raises(ConfigError) as caught:
            handle.push_stock(context(), updates(1))
        error = caught.value
        assert error.field == field and code in error.message
        assert SANDBOX_REFRESH_TOKEN not in str(error)
        assert error.context["channel"] == "amazon-us"


class TestQuotaExceeded:
    def test_patch_429_backs_off_one_token_then_succeeds(self, respx_mock, handle, context,
                                                         waits):  # fmt: skip
        """429 QuotaExceeded on patchListingsItem: the client waits 1/rate (0.2 s) and retries."""
        respx_mock.post(TOKEN_URL).mock(return_value=token("Atza|t"))
        quota = httpx.Response(429, json={"errors": [{"code": "QuotaExceeded",
                                                      "message": "You exceeded your quota"}]})
        patch = respx_mock.patch(url__startswith=LISTING).mock(side_effect=[quota, accepted])
        (result,) = handle.push_stock(context(), updates(1))
        assert result.status is PushStatus.ACCEPTED and patch.call_count == 2
        assert waits == [pytest.approx(0.2)]

    def test_learned_rate_sets_the_backoff(self, respx_mock, handle, context, waits):
        """x-amzn-RateLimit-Limit: 2 on an answer makes the next 429 wait 1/2 s."""
        respx_mock.post(TOKEN_URL).mock(return_value=token("Atza|t"))
        quota = httpx.Response(429, json={"errors": [{"code": "QuotaExceeded", "message": "q"}]})

        def slower(request: httpx.Request) -> httpx.Response:
            answer = accepted(request)
            answer.headers["x-amzn-RateLimit-Limit"] = "2.0"
            return answer

        respx_mock.patch(url__startswith=LISTING).mock(side_effect=[slower, quota, accepted])
        handle.push_stock(context(), updates(2))
        assert waits == [pytest.approx(0.5)]

    def test_long_quota_wait_is_raised_for_the_engine(self, respx_mock, handle, context):
        """createFeed refills one token per ~120 s: too long to block, RateLimitedError says so."""
        respx_mock.post(TOKEN_URL).mock(return_value=token("Atza|t"))
        respx_mock.post(f"{FEEDS}/documents").mock(return_value=httpx.Response(
            201, json={"feedDocumentId": "doc-1", "url": UPLOAD}))
        respx_mock.put(UPLOAD).mock(return_value=httpx.Response(200))
        respx_mock.post(f"{FEEDS}/feeds").mock(return_value=httpx.Response(
            429, json={"errors": [{"code": "QuotaExceeded", "message": "q"}]}))
        with pytest.raises(RateLimitedError) as caught:
            handle.push_stock(context(), updates(700))
        assert caught.value.retry_after == pytest.approx(1 / 0.0083)


def feed_flow(respx_mock, status: str, report: dict | None, uploads: list[bytes]) -> None:
    respx_mock.post(TOKEN_URL).mock(return_value=token("Atza|t"))
    respx_mock.post(f"{FEEDS}/documents").mock(return_value=httpx.Response(
        201, json={"feedDocumentId": "doc-1", "url": UPLOAD}))
    respx_mock.put(UPLOAD).mock(side_effect=lambda r: uploads.append(r.content)
                                or httpx.Response(200))  # fmt: skip
    respx_mock.post(f"{FEEDS}/feeds").mock(return_value=httpx.Response(202, json={"feedId": "F1"}))
    final = {"feedId": "F1", "feedType": "JSON_LISTINGS_FEED", "processingStatus": status,
             "createdTime": "2026-11-22T10:00:00Z"}  # fmt: skip
    if report is not None:
        final["resultFeedDocumentId"] = "report-1"
    respx_mock.get(f"{FEEDS}/feeds/F1").mock(side_effect=[
        httpx.Response(200, json={**final, "processingStatus": "IN_PROGRESS"}),
        httpx.Response(200, json=final),
    ])  # fmt: skip
    respx_mock.get(f"{FEEDS}/documents/report-1").mock(return_value=httpx.Response(
        200, json={"feedDocumentId": "report-1", "url": REPORT, "compressionAlgorithm": "GZIP"}))
    respx_mock.get(REPORT).mock(return_value=httpx.Response(
        200, content=gzip.compress(json.dumps(report or {}).encode())))


class TestFeeds:
    def test_per_message_errors_become_per_sku_rejections(self, respx_mock, handle, context):
        """A DONE report's ERROR issues reject exactly their messages' SKUs; WARNING does not."""
        uploads: list[bytes] = []
        report = {"header": {"sellerId": "A1SANDBOXSELLER", "version": "2.0", "feedId": "F1"},
                  "issues": [
                      {"messageId": 3, "sku": "SKU-2", "code": "90220", "severity": "ERROR",
                       "message": "'[quantity]' is required but not supplied.",
                       "attributeName": "fulfillment_availability"},
                      {"messageId": 500, "sku": "SKU-499", "code": "8560", "severity": "ERROR",
                       "message": "SKU does not match any ASIN."},
                      {"messageId": 7, "sku": "SKU-6", "code": "18448", "severity": "WARNING",
                       "message": "relevant attributes incomplete"}],
                  "summary": {"errors": 2, "warnings": 1, "messagesProcessed": 700,
                              "messagesAccepted": 698, "messagesInvalid": 2}}  # fmt: skip
        feed_flow(respx_mock, "DONE", report, uploads)
        results = handle.push_stock(context(), updates(700))
        rejected = {r.sku: r.reason for r in results if r.status is PushStatus.REJECTED}
        assert rejected == {
            "HUB-2": "90220: '[quantity]' is required but not supplied. (fulfillment_availability)",
            "HUB-499": "8560: SKU does not match any ASIN.",
        }
        (document,) = uploads
        messages = json.loads(document)["messages"]
        assert len(messages) == 700 and messages[2]["sku"] == "SKU-2"
        assert messages[2]["messageId"] == 3

    def test_fatal_feed_is_a_permanent_error_with_the_reasons(self, respx_mock, handle, context):
        """FATAL: nothing is assumed applied; the report's reasons go to the dead letter."""
        report = {"header": {"sellerId": "A1SANDBOXSELLER", "version": "2.0", "feedId": "F1"},
                  "issues": [{"code": "4000003", "severity": "ERROR",
                              "message": "The feed document could not be parsed."}],
                  "summary": {"errors": 1, "warnings": 0, "messagesProcessed": 0,
                              "messagesAccepted": 0, "messagesInvalid": 0}}  # fmt: skip
        feed_flow(respx_mock, "FATAL", report, [])
        with pytest.raises(PermanentError) as caught:
            handle.push_stock(context(), updates(700))
        assert "feed F1 FATAL" in caught.value.message
        assert "could not be parsed" in caught.value.message
        assert caught.value.context["feed_id"] == "F1"

    def test_cancelled_feed_is_retried_later(self, respx_mock, handle, context):
        """CANCELLED before processing: nothing applied, a TransientError the engine retries."""
        feed_flow(respx_mock, "CANCELLED", None, [])
        with pytest.raises(TransientError) as caught:
            handle.push_stock(context(), updates(700))
        assert "CANCELLED" in caught.value.message
        assert not isinstance(caught.value, RateLimitedError)

    def test_feed_that_never_finishes_times_out(self, respx_mock, handle, context):
        """A feed still IN_QUEUE after feed_timeout_s: TransientError naming the feed."""
        feed_flow(respx_mock, "DONE", {}, [])
        respx_mock.get(f"{FEEDS}/feeds/F1").mock(return_value=httpx.Response(
            200, json={"feedId": "F1", "feedType": "JSON_LISTINGS_FEED",
                       "processingStatus": "IN_QUEUE", "createdTime": "2026-11-22T10:00:00Z"}))
        with pytest.raises(TransientError, match="F1 still IN_QUEUE"):
            handle.push_stock(context(feed_timeout_s=0.0), updates(700))


class TestPathChoice:
    def test_rule_at_documented_rates(self) -> None:
        """5/s, burst 5, 120 s turnaround: 605 SKUs are patched, 606 go as one feed."""
        assert choose_path(605, 5, 5, 120.0) == "patch"
        assert choose_path(606, 5, 5, 120.0) == "feed"
        assert choose_path(2001, 5, 5, 120.0) == "feed"
        assert choose_path(0, 5, 5, 120.0) == "patch"

    def test_rule_follows_the_learned_rate(self) -> None:
        """At a rate of 20/s patching 2,000 SKUs takes 100 s: still faster than a feed."""
        assert choose_path(2000, 20, 5, 120.0) == "patch"

    def test_amazon_fulfilled_codes_are_refused_without_a_call(self, respx_mock, handle,
                                                               context):  # fmt: skip
        """AMAZON_NA takes no quantity (product-type rule): rejected, nothing sent."""
        lwa = respx_mock.post(TOKEN_URL).mock(return_value=token("Atza|t"))
        (result,) = handle.push_stock(context(), updates(1, code="AMAZON_NA"))
        assert result.status is PushStatus.REJECTED and "Amazon-fulfilled" in result.reason
        assert lwa.call_count == 1 and len(respx_mock.calls) == 1

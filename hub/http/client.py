"""The HTTP client every connector gets from the hub (``ChannelContext.http_client``).

One ``request`` does: wait for the channel's rate limit; send through the injected transport
(respx, ``httpx.MockTransport`` or a sandbox in tests; the network otherwise); classify the
outcome with the :class:`ErrorPolicy` table; let tenacity retry what is transient with
exponential backoff and jitter (or the vendor's requested wait); and translate whatever is
left into the hub's error tree at this edge, ``from`` the httpx error, with the connector,
channel, request id and status in ``context`` and secrets filtered from the message.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
import structlog
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)

from hub.connector import RateLimit
from hub.errors import ConfigError, HubError, PermanentError, RateLimitedError, TransientError
from hub.http.policy import DEFAULT_POLICY, Action, ErrorPolicy, RetrySettings, Rule
from hub.http.ratelimit import ChannelRateLimiter
from hub.http.redact import redact
from hub.http.throttle import THROTTLE_READERS, ThrottleReader, requested_wait

REQUEST_ID_HEADERS = (
    "x-request-id",
    "x-shopify-request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "square-version-request-id",
    "x-correlation-id",
)


class _RefreshThenRetry(TransientError):
    """Internal: the credentials expired; refresh them and try again at once."""


class ConnectorClient:
    """An httpx client bound to one channel, with the hub's retry, rate-limit and error rules."""

    def __init__(
        self,
        *,
        connector: str,
        channel: str,
        base_url: str = "",
        headers: Mapping[str, str] | None = None,
        policy: ErrorPolicy | None = None,
        retry: RetrySettings | None = None,
        limiter: ChannelRateLimiter | None = None,
        rate_limits: Sequence[RateLimit] = (),
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        refresh_auth: Callable[[ConnectorClient], None] | None = None,
        secrets: Sequence[str] = (),
        timeout: float | httpx.Timeout | None = None,
        throttle_readers: Sequence[ThrottleReader] = THROTTLE_READERS,
    ) -> None:
        self.connector = connector
        self.channel = channel
        self.policy = policy or DEFAULT_POLICY
        self.retry = retry or RetrySettings()
        self.limiter = limiter
        self.rate_limits = tuple(rate_limits)
        self.refresh_auth = refresh_auth
        self.secrets = tuple(secrets)
        self.throttle_readers = tuple(throttle_readers)
        self._sleep = sleep or time.sleep
        self.attempts = 0  # tries made by the last request(), for reports and tests
        self.http = httpx.Client(
            base_url=base_url,
            headers=dict(headers or {}),
            transport=transport,
            timeout=timeout if timeout is not None else self.retry.timeout,
        )

    @property
    def headers(self) -> httpx.Headers:
        """The default headers; a ``refresh_auth`` callback updates them in place."""
        return self.http.headers

    def __enter__(self) -> ConnectorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with retries; returns a successful response or raises a :class:`HubError`."""
        self.attempts = 0
        refreshed = False
        settings = self.retry
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(settings.max_attempts)
            | stop_after_delay(settings.max_elapsed_s),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
            before_sleep=self._log_retry,
        )
        for attempt in retrying:
            with attempt:
                try:
                    return self._attempt(method, url, **kwargs)
                except _RefreshThenRetry as exc:
                    if self.refresh_auth is None or refreshed:
                        raise ConfigError(
                            exc.message, fix="check the channel's credentials", context=exc.context
                        ) from exc.__cause__
                    refreshed = True
                    self.refresh_auth(self)
                    raise
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    def _attempt(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.attempts += 1
        if self.limiter is not None and self.rate_limits:
            self.limiter.acquire(self.channel, self.rate_limits)
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            rule = self.policy.classify(exc)
            if rule is None:
                raise
            raise self._error(rule, method, url, exc=exc) from exc
        rule = self.policy.classify(response)
        if rule is None:
            return response
        response.read()
        error = self._error(rule, method, url, response=response)
        try:
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            raise error from exc
        raise error

    def _error(
        self,
        rule: Rule,
        method: str,
        url: str,
        *,
        response: httpx.Response | None = None,
        exc: BaseException | None = None,
    ) -> HubError:
        context: dict[str, Any] = {
            "connector": self.connector,
            "channel": self.channel,
            "method": method,
            "url": redact(str(url), self.secrets),
            "action": rule.action.value,
        }
        what = f"{type(exc).__name__}: {exc}" if exc is not None else ""
        wait = None
        if response is not None:
            context["status"] = response.status_code
            context["request_id"] = next(
                (response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None
            )
            what = f"HTTP {response.status_code} {response.reason_phrase}: {response.text[:300]}"
            wait = requested_wait(response, self.throttle_readers)
        rid = f" [request id {context.get('request_id')}]" if context.get("request_id") else ""
        message = redact(
            f"{self.connector}/{self.channel} {method} {url}{rid}: {what}"
            + (f" — {rule.message}" if rule.message else ""),
            self.secrets,
        )
        if rule.action is Action.RATE_LIMITED:
            return RateLimitedError(message, retry_after=wait, context=context)
        if rule.action is Action.RETRY:
            error = TransientError(message, context=context)
            error.retry_after = wait  # type: ignore[attr-defined]  # a 503 may say when
            return error
        if rule.action is Action.REFRESH_TOKEN_THEN_RETRY:
            return _RefreshThenRetry(message, context=context)
        if rule.action is Action.CONFIG_ERROR:
            return ConfigError(message, context=context)
        return PermanentError(message, context=context)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _RefreshThenRetry):
            return 0.0
        s = self.retry
        backoff = backoff_delay(state.attempt_number, s)
        asked = getattr(exc, "retry_after", None)
        if asked is None:
            return min(backoff, s.max_wait_s)
        if asked > s.max_wait_s:  # do not block a worker: let the engine reschedule
            raise exc  # type: ignore[misc]
        return max(asked, 0.0)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        structlog.get_logger().info(
            "http.retry",
            connector=self.connector,
            channel=self.channel,
            attempt=state.attempt_number,
            wait_s=round(state.upcoming_sleep, 3),
            error=getattr(exc, "message", repr(exc)),
        )


def backoff_delay(attempt: int, settings: RetrySettings) -> float:
    """Exponential backoff plus random jitter: min(initial·2^(attempt-1), max) + U(0, jitter)."""
    exponential = settings.initial_backoff_s * 2 ** max(attempt - 1, 0)
    return min(exponential, settings.max_backoff_s) + random.uniform(0, settings.jitter_s)  # noqa: S311  (retry jitter, not a secret)

"""The declarative error table: which response or exception means retry, wait, refresh or stop.

Rules are checked in order; the first match decides. A connector extends the default table by
putting its own rules first (``DEFAULT_POLICY.extend(Rule(...))``), e.g. a vendor that says
"throttled" with a 200 and a body flag, or one whose 503 really means "slow down".

==========================  ========================================  ==========================
action                      what the client does                      error when it gives up
==========================  ========================================  ==========================
``retry``                   back off (exponential + jitter), retry    ``TransientError``
``rate_limited``            wait Retry-After / throttle headers       ``RateLimitedError``
``refresh_token_then_retry`` call the connector's refresher once       ``ConfigError`` (no refresh)
``permanent``               stop now                                  ``PermanentError``
``config_error``            stop now: settings or credentials wrong   ``ConfigError``
==========================  ========================================  ==========================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import httpx


class Action(StrEnum):
    RETRY = "retry"
    RATE_LIMITED = "rate_limited"
    REFRESH_TOKEN_THEN_RETRY = "refresh_token_then_retry"  # noqa: S105  (an action name)
    PERMANENT = "permanent"
    CONFIG_ERROR = "config_error"


@dataclass(frozen=True)
class Rule:
    """One row of the table: match on status codes, an exception type, or a predicate."""

    action: Action
    status: tuple[int, ...] = ()
    exception: type[BaseException] | tuple[type[BaseException], ...] | None = None
    predicate: Callable[[httpx.Response], bool] | None = None
    message: str = ""  # what a person should know, e.g. "check the access token scopes"

    def matches(self, outcome: httpx.Response | BaseException) -> bool:
        if isinstance(outcome, BaseException):
            return self.exception is not None and isinstance(outcome, self.exception)
        if self.exception is not None:
            return False
        if self.status and outcome.status_code not in self.status:
            return False
        if self.predicate is not None and not self.predicate(outcome):
            return False
        return bool(self.status) or self.predicate is not None


def statuses(first: int, last: int) -> tuple[int, ...]:
    """All status codes from ``first`` to ``last`` inclusive."""
    return tuple(range(first, last + 1))


@dataclass(frozen=True)
class ErrorPolicy:
    """An ordered error table; responses no rule matches and below 400 are successes."""

    rules: tuple[Rule, ...]

    def classify(self, outcome: httpx.Response | BaseException) -> Rule | None:
        """The first matching rule, or ``None`` for a success (or an unknown exception)."""
        for rule in self.rules:
            if rule.matches(outcome):
                return rule
        return None

    def extend(self, *rules: Rule) -> ErrorPolicy:
        """A new policy with ``rules`` checked before these."""
        return ErrorPolicy(rules=tuple(rules) + self.rules)


DEFAULT_POLICY = ErrorPolicy(
    rules=(
        Rule(Action.RATE_LIMITED, status=(429,), message="the vendor is throttling this channel"),
        Rule(
            Action.REFRESH_TOKEN_THEN_RETRY,
            status=(401,),
            message="credentials rejected; check the channel's access token",
        ),
        Rule(
            Action.CONFIG_ERROR,
            status=(403,),
            message="access denied; the credentials lack a permission (scope) this call needs",
        ),
        Rule(
            Action.RETRY,
            status=(408, 409, 423, 425) + statuses(500, 599),
            message="the vendor failed or timed out; retrying",
        ),
        Rule(Action.PERMANENT, status=statuses(400, 499), message="the vendor refused the request"),
        Rule(
            Action.CONFIG_ERROR,
            exception=(httpx.UnsupportedProtocol, httpx.InvalidURL),
            message="the channel's base URL is wrong",
        ),
        Rule(
            Action.RETRY,
            exception=(httpx.TimeoutException, httpx.TransportError),
            message="the vendor could not be reached; retrying",
        ),
    )
)


@dataclass(frozen=True)
class RetrySettings:
    """How hard the client tries: every retry sequence has a stop.

    :param max_attempts: total tries including the first.
    :param max_elapsed_s: give up once this much time has been spent (sleeping included).
    :param max_wait_s: never sleep longer than this in one go; a Retry-After beyond it is
        raised as ``RateLimitedError`` so the engine reschedules instead of blocking a worker.
    """

    max_attempts: int = 5
    initial_backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    jitter_s: float = 0.5
    max_elapsed_s: float = 120.0
    max_wait_s: float = 60.0
    timeout: httpx.Timeout = field(default_factory=lambda: httpx.Timeout(10.0, connect=5.0))

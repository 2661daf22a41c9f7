"""Every error stockhub raises on purpose, and what the engine does with it.

::

    HubError                       base; carries a field path and a fix where one is known
    ├── TransientError             worth retrying as is (timeouts, 5xx, lost connections)
    │   └── RateLimitedError       retry after ``retry_after`` seconds, not sooner
    ├── PermanentError             retrying cannot help: dead-letter now
    │   ├── ValidationError        input is malformed or breaks a rule (names the field)
    │   │   └── NotFoundError      the record a request names does not exist
    │   ├── MappingError           an external id has no crosswalk entry, or a mapping file is bad
    │   ├── OwnershipError         a system wrote data it does not own
    │   └── StateError             the event does not fit the current state (return not inspected)
    └── ConfigError                stockhub.toml or the environment is wrong (names key and fix)

Messages are written for the person who must act on them: they name the field
(``data.lines[0].sku``), what was wrong, and how to fix it. They never contain secret values.
"""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """Base of every deliberate stockhub error.

    :param message: what went wrong, for a person.
    :param field: dotted path of the offending input field, e.g. ``data.lines[0].quantity``.
    :param fix: what to do about it, when known.
    :param context: machine-readable details kept with the exception record.
    """

    kind: str = "error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        fix: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        self.message = message
        self.field = field
        self.fix = fix
        self.context = dict(context or {})
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"{text} ({self.fix})" if self.fix else text

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "field": self.field, "message": self.message, "fix": self.fix}


class TransientError(HubError):
    """Raised when an operation failed for a reason that may pass: retry with backoff."""

    kind = "transient"


class RateLimitedError(TransientError):
    """Raised when a vendor throttled us; ``retry_after`` is the earliest sensible retry, in s."""

    kind = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class PermanentError(HubError):
    """Raised when retrying the same input cannot succeed: dead-letter or reject at once."""

    kind = "permanent"


class ValidationError(PermanentError):
    """Raised when input is malformed or breaks a rule; ``field`` names the offending field."""

    kind = "invalid"

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None, **kw: Any):
        self.errors = errors or []
        super().__init__(message, **kw)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.errors:
            data["errors"] = self.errors
        return data


class NotFoundError(ValidationError):
    """Raised when a request names a record (dead letter, exception, channel) that is not there."""

    kind = "not_found"


class MappingError(PermanentError):
    """Raised when an external id has no crosswalk entry or a mapping file has bad rows."""

    kind = "unmapped"


class OwnershipError(PermanentError):
    """Raised when a system writes data another system owns (e.g. a channel counting a 3PL)."""

    kind = "ownership"


class StateError(PermanentError):
    """Raised when an event does not fit the current state of what it names."""

    kind = "state"


class ConfigError(HubError):
    """Raised when ``stockhub.toml`` or the environment is wrong; names the key and the fix."""

    kind = "config"

"""Logging for the whole process: structlog configured once, every line redacted before rendering.

Call :func:`configure_logging` once at start-up (CLI, web app, worker). Modules then take a logger
per call or per task with :func:`get_logger` (or ``structlog.get_logger()``) and bind ``channel``,
``sku``, ``event_id``, ``task_id`` there, never at module scope: a module-level bound logger
freezes the configuration and context of import time.

Output goes to stderr: console ``key=value`` lines on a terminal, JSON lines otherwise (one object
with ``timestamp`` (ISO, UTC), ``level``, ``event``, ``logger``). The stdlib root logger goes
through the same chain, so alembic, SQLAlchemy, Celery and httpx lines look the same and are
redacted too. ``STOCKHUB_LOG_FORMAT`` (auto|json|console) and ``STOCKHUB_LOG_LEVEL`` apply when
the arguments are left at their defaults.

:func:`redact_secrets` runs last before rendering; it masks secret-named keys, values passed to
:func:`register_secret` and credential shapes (bearer/basic headers, URL passwords, token query
parameters, Shopify/Amazon LWA/Square tokens, JWTs). Tracebacks are rendered to text first so
they are redacted as well; pretty (rich) tracebacks are off because they print locals unfiltered.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from typing import Any, TextIO
from urllib.parse import quote

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

__all__ = [
    "MASK",
    "configure_logging",
    "get_logger",
    "redact_secrets",
    "register_secret",
    "scrub_text",
]

MASK = "***"
FORMATS = ("auto", "json", "console")
MIN_SECRET_LENGTH = 4
_MAX_DEPTH = 12
_PRIMITIVES = (int, float, bool, type(None))
_INTERNAL_KEYS = frozenset({"_record", "_from_structlog"})  # ProcessorFormatter's bookkeeping

_SECRET_WORDS = (
    r"token|secret|passw(?:or)?d|api[-_]?key|authorization|cookie|signature|"  # noqa: S105  (the words that mark a secret, not one)
    r"private[-_]?key|credential"
)
_SECRET_KEY = re.compile(_SECRET_WORDS, re.IGNORECASE)
_B64 = r"[A-Za-z0-9+/]{8,}={0,2}(?![A-Za-z0-9+/=])"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # credential headers: "Authorization: Token abc", "X-Shopify-Access-Token: x" (scheme + value)
    (
        re.compile(
            r"(?i)(?<![\w-])((?:proxy-)?authorization|x-[\w-]*(?:token|key))(\"?\s*:\s*\"?)"
            r"(?:(?:bearer|basic|token|digest|negotiate)\s+)?[^\s\"'},]+"
        ),
        r"\1\2" + MASK,
    ),
    # cookie headers: "Cookie: a=b; c=d" (the whole line: cookies hold several values)
    (re.compile(r"(?i)(?<![\w-])((?:set-)?cookie)(\s*:\s*)[^\r\n\"'}]+"), r"\1\2" + MASK),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + MASK),
    # scheme://user:password@host (the password may itself contain "@")
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/:@]*:)[^\s/?#]+(?=@)"), r"\1" + MASK),
    # name=value in query strings and forms: access_token=, client_secret=, X-Amz-Signature=, sig=
    (
        re.compile(
            rf"(?i)(?<![\w.-])([\w.-]*(?:{_SECRET_WORDS})[\w.-]*=|(?:[\w.-]*[_.-])?sig=)"
            r"[^\s\"'&;,}#]+"
        ),
        r"\1" + MASK,
    ),
    # "name": "value" / 'name': 'value' inside JSON or repr() text
    (
        re.compile(rf"(?i)([\"'])([^\"'\s]*(?:{_SECRET_WORDS})[^\"'\s]*)\1(\s*:\s*)\1[^\"']*\1"),
        r"\1\2\1\3\1" + MASK + r"\1",
    ),
    (re.compile(r"\bshp(?:at|ss|ca|pa)_[A-Za-z0-9]+"), MASK),  # Shopify tokens and secrets
    (re.compile(r"\bAtz[ar]\|[A-Za-z0-9+/=._~|-]+"), MASK),  # Amazon LWA
    (re.compile(r"\bEAAA[A-Za-z0-9_-]{56,}"), MASK),  # Square access tokens
    (re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), MASK),  # JWTs
)
_BASIC = re.compile(rf"(?i)\b(basic\s+)({_B64})")

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_secrets_pattern: re.Pattern[str] | None = None


def register_secret(value: str) -> None:
    """Mask ``value`` (and its URL-encoded form) in every later log line; short values are ignored
    because masking a 1-3 character string would garble ordinary text."""
    global _secrets_pattern
    if not isinstance(value, str) or len(value.strip()) < MIN_SECRET_LENGTH:
        return
    with _secrets_lock:
        _secrets.update({value, quote(value, safe="")})
        ordered = sorted(_secrets, key=len, reverse=True)  # longest first: no partial leftovers
        _secrets_pattern = re.compile("|".join(map(re.escape, ordered)))


def _mask_basic(match: re.Match[str]) -> str:
    """Mask ``Basic <b64>`` only when the word after "basic" looks like base64, not prose."""
    token = match.group(2)
    looks_b64 = any(c.isdigit() or c in "+/=" for c in token) or (
        any(c.isupper() for c in token[1:]) and any(c.islower() for c in token)
    )
    return match.group(1) + MASK if looks_b64 else match.group(0)


def scrub_text(text: str) -> str:
    """``text`` with registered secrets and credential shapes replaced by ``***``.

    The one masking routine of the hub: log records and error messages built at the HTTP edge
    (``hub.http.redact``) both go through it, so a new token shape is added in one place.
    """
    pattern = _secrets_pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    for regex, replacement in _PATTERNS:
        text = regex.sub(replacement, text)
    return _BASIC.sub(_mask_basic, text)


def _redact(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` safe to render; objects are checked through their ``str``/``repr``."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, _PRIMITIVES):
        return value
    if depth < _MAX_DEPTH:
        if isinstance(value, dict):
            return {
                _redact_key(k): (MASK if _is_secret_key(k) else _redact(v, depth + 1))
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple, set, frozenset)):
            items = [_redact(v, depth + 1) for v in value]
            return (
                items
                if isinstance(value, list)
                else (tuple(items) if isinstance(value, tuple) else type(value)(items))
            )
    for text in (str(value), repr(value)):  # what the renderers will print
        if scrub_text(text) != text:
            return scrub_text(str(value))
    return value


def _is_secret_key(key: Any) -> bool:
    return isinstance(key, str) and _SECRET_KEY.search(key) is not None


def _redact_key(key: Any) -> Any:
    return scrub_text(key) if isinstance(key, str) else key


def redact_secrets(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """structlog processor: no secret may reach a rendered line, whatever the caller passed."""
    return {
        key: value if key in _INTERNAL_KEYS else MASK if _is_secret_key(key) else _redact(value)
        for key, value in event_dict.items()
    }


def get_logger(**initial: Any) -> Any:
    """A structlog logger with ``initial`` context; take it per call or task, not at import."""
    return structlog.get_logger(**initial)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is now, so swapped streams (CLI runners) never go stale."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


def _is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


def _renderer(fmt: str) -> Processor:
    if fmt == "auto":
        fmt = "console" if _is_terminal() else "json"
    if fmt == "json":
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(
        colors=_is_terminal(), exception_formatter=structlog.dev.plain_traceback
    )


def configure_logging(fmt: str = "auto", level: str = "INFO") -> None:
    """Configure structlog and the stdlib root logger; safe to call again (it replaces both).

    :param fmt: ``auto`` (console on a terminal, JSON otherwise), ``json`` or ``console``;
        when ``auto``, ``STOCKHUB_LOG_FORMAT`` decides if set.
    :param level: a stdlib level name; when ``INFO``, ``STOCKHUB_LOG_LEVEL`` decides if set.
    :raises ValueError: for an unknown format or level.
    """
    fmt = (os.environ.get("STOCKHUB_LOG_FORMAT") or fmt) if fmt == "auto" else fmt
    level = (os.environ.get("STOCKHUB_LOG_LEVEL") or level) if level == "INFO" else level
    fmt, level = fmt.strip().lower(), level.strip().upper()
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    levels = logging.getLevelNamesMapping()
    if level not in levels:
        raise ValueError(f"unknown log level {level!r}")

    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    # Redact inside structlog too, so a handler someone else adds to the root logger gets clean
    # event dicts; the formatter redacts again for stdlib records (idempotent).
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.format_exc_info,
            redact_secrets,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(ignore_frame_names=[__name__]),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,  # loggers are taken per call; tests reconfigure
    )
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_secrets,
                _renderer(fmt),
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(levels[level])

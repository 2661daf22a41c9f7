"""Every error answers as ``{"error": ..., "field": ..., "fix": ...}`` with a 4xx that fits.

A bad request must tell its sender which field is wrong and what to do, never a 500 with a
traceback: request validation errors name the field in the same dotted form the ledger uses.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from hub.api.auth import Scope, check
from hub.errors import ConfigError, HubError, NotFoundError, StateError, TransientError

log = structlog.get_logger()


def status_of(exc: HubError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, StateError):
        return 409
    if isinstance(exc, TransientError):
        return 503
    if isinstance(exc, ConfigError):
        return 503  # the hub's own setup is wrong: not the caller's fault
    return 422


def problem(status: int, message: str, field: str | None = None, fix: str | None = None,
            **extra: Any) -> JSONResponse:  # fmt: skip
    body = {"error": message, "field": field, "fix": fix, **extra}
    return JSONResponse(body, status_code=status)


def field_path(location: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "lines", 0, "sku")`` → ``body.lines[0].sku``."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def install(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def _hub_error(request: Request, exc: HubError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.warning("api.unavailable", path=request.url.path, error=str(exc))
        return problem(status, exc.message, exc.field, exc.fix)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        if (denied := _unauthorised(request)) is not None:
            return await _http(request, denied)  # a body that fails to parse is read first
        errors = [
            {"field": field_path(e.get("loc", ())), "message": e.get("msg", "invalid")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        return problem(422, f"{first['field']}: {first['message']}", first["field"],
                       "correct the field and send again", errors=errors)  # fmt: skip

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code not in (401, 403) and (denied := _unauthorised(request)) is not None:
            exc = denied  # e.g. FastAPI's 400 for a body it cannot read comes before the token
        detail = exc.detail if isinstance(exc.detail, dict) else {"error": str(exc.detail)}
        body = {"error": detail.get("error"), "field": detail.get("field"),
                "fix": detail.get("fix")}  # fmt: skip
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def _unauthorised(request: Request) -> HTTPException | None:
    """Why the caller may not use this ``/api/v1`` endpoint at all, or None.

    FastAPI reads and parses the body before it runs the token dependency, so without this a
    request with no token and a malformed body would get a 400/422 describing it, not a 401.
    """
    if not request.url.path.startswith("/api/v1/"):
        return None
    needed = Scope.READ if request.method in ("GET", "HEAD") else Scope.ACT
    try:
        check(request, needed)
    except HTTPException as exc:
        return exc
    return None

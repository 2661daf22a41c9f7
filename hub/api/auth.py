"""Bearer tokens for the ops API: a read token may look, the ops (acting) token may also act.

Compared in constant time. No header → 401 with ``WWW-Authenticate: Bearer``; a token that
is not one of ours → 403; a read token on an acting endpoint → 403 naming the scope it lacks.
Tokens are resolved once per application from ``[api]`` / ``$STOCKHUB_OPS_TOKEN``. The
dashboard carries the same token in an HttpOnly cookie (see :mod:`hub.api.dashboard`).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum

from fastapi import HTTPException, Request

COOKIE = "stockhub_token"


class Scope(StrEnum):
    READ = "read"
    ACT = "act"


@dataclass(frozen=True)
class Tokens:
    act: str
    read: str

    def scope_of(self, presented: str) -> Scope | None:
        """The scope ``presented`` grants, checking every token (no early exit on a match)."""
        is_act = bool(self.act) and hmac.compare_digest(presented.encode(), self.act.encode())
        is_read = bool(self.read) and hmac.compare_digest(presented.encode(), self.read.encode())
        if is_act:
            return Scope.ACT
        return Scope.READ if is_read else None


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE) or None


def check(request: Request, needed: Scope) -> Scope:
    tokens: Tokens = request.app.state.tokens
    presented = presented_token(request)
    if presented is None:
        fix = ("send Authorization: Bearer <token>" if tokens.act or tokens.read else
               "set STOCKHUB_OPS_TOKEN (or [api] ops_token) where the API runs")  # fmt: skip
        raise HTTPException(
            401,
            {"error": "a bearer token is required", "field": "Authorization", "fix": fix},
            headers={"WWW-Authenticate": "Bearer"},
        )
    scope = tokens.scope_of(presented)
    if scope is None:
        raise HTTPException(403, {"error": "the token is not valid for this hub",
                                  "field": "Authorization",
                                  "fix": "use the hub's ops or read token"})  # fmt: skip
    if needed is Scope.ACT and scope is not Scope.ACT:
        raise HTTPException(403, {"error": "this token may only read", "field": "Authorization",
                                  "fix": "acting needs the ops token"})  # fmt: skip
    return scope


def can_read(request: Request) -> Scope:
    """Dependency for endpoints that only look."""
    return check(request, Scope.READ)


def can_act(request: Request) -> Scope:
    """Dependency for endpoints that change something."""
    return check(request, Scope.ACT)

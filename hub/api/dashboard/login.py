"""``/login`` (paste a token; it is kept in an HttpOnly, SameSite=Strict cookie) and logout."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from hub.api.auth import COOKIE, Scope, Tokens, presented_token
from hub.api.dashboard import web

router = APIRouter()


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return _form(request, web.local_path(next, "/"))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    target = web.local_path(_text(form.get("next")), "/")
    nonce = request.cookies.get(web.NONCE_COOKIE) or ""
    sent = _text(form.get("csrf")) or ""
    if not nonce or not hmac.compare_digest(sent.encode(), nonce.encode()):
        return await run_in_threadpool(_form, request, target, 400,
                                       "The sign-in form expired; it has been reloaded, "
                                       "paste the token again.")  # fmt: skip
    tokens: Tokens = request.app.state.tokens
    token = (_text(form.get("token")) or "").strip()
    scope = tokens.scope_of(token) if token else None
    if scope is None:
        return await run_in_threadpool(_form, request, target, 401,
                                       "That is not a token of this hub.")  # fmt: skip
    answer = web.redirect(target)
    answer.set_cookie(COOKIE, token, max_age=web.SESSION_S, path="/", httponly=True,
                      samesite="strict", secure=web.secure(request))  # fmt: skip
    web.set_nonce(request, answer, secrets.token_urlsafe(24))  # a new CSRF secret per sign-in
    which = "ops token (may read and act)" if scope is Scope.ACT else "read token (may only read)"
    web.set_flash(answer, "ok", f"signed in with the {which}")
    return answer


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()
    if presented_token(request) and not web.csrf_ok(request, _text(form.get("csrf"))):
        return web.redirect("/")  # not sent from this session: ignore it
    answer = web.redirect("/login")
    answer.delete_cookie(COOKIE, path="/")
    answer.delete_cookie(web.NONCE_COOKIE, path="/")
    web.set_flash(answer, "ok", "signed out")
    return answer


def _form(request: Request, target: str, status: int = 200, error: str | None = None) -> Response:
    tokens: Tokens = request.app.state.tokens
    nonce = request.cookies.get(web.NONCE_COOKIE) or secrets.token_urlsafe(24)
    token = presented_token(request)
    current = tokens.scope_of(token) if token else None
    response = web.render(request, None, "login.html", status=status, csrf=nonce, next=target,
                          error=error, configured=bool(tokens.act or tokens.read),
                          current=None if current is None else
                          ("ops" if current is Scope.ACT else "read"))  # fmt: skip
    web.set_nonce(request, response, nonce)
    return response


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None

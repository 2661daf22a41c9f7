"""What every dashboard page shares: who is looking, rendering, CSRF, confirmation, flashes.

* **Who** — the token comes from the ``auth.COOKIE`` cookie (set by ``/login``) or a bearer
  header, checked by :mod:`hub.api.auth`. A page without a valid token redirects to ``/login``;
  an action with the read token gets a 403 page.
* **CSRF** — signed double submit: ``/login`` sets a random nonce cookie and every form carries
  ``HMAC(token, nonce)``. Forging it needs the token itself; the nonce changes at every login.
  The cookies are also ``SameSite=Strict``, so other sites' forms never carry them.
* **Confirmation** — every action form has ``data-confirm``: with JavaScript a ``confirm()``
  dialog sets ``confirmed=yes``; without it the server answers with a confirmation page first.
* **Outcome** — actions redirect (POST/redirect/GET) with a one-shot flash cookie saying what
  happened or what went wrong.

Everything is rendered by Jinja with autoescaping on; the pages load only this package's own
CSS and JS, and a Content-Security-Policy says so.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

import jinja2
import sqlalchemy as sa
import structlog
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from hub.api.auth import COOKIE, Scope, Tokens, presented_token
from hub.api.errors import status_of
from hub.api.routes.deps import MAX_ID
from hub.app import Hub
from hub.errors import HubError, ValidationError
from hub.models import DeadLetter, ExceptionRecord
from hub.store.types import utcnow
from hub.vocabulary import DeadLetterStatus, ExceptionStatus

log = structlog.get_logger()

HERE = Path(__file__).resolve().parent
NONCE_COOKIE = "stockhub_csrf"
FLASH_COOKIE = "stockhub_flash"
SESSION_S = 12 * 3600  # one shift; then paste the token again
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; script-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _ago(value: datetime | str | None) -> str:
    if value is None or value == "":
        return "never"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{duration((utcnow() - moment).total_seconds())} ago"


def duration(seconds: float | None) -> str:
    """``42s``, ``7m``, ``3h 5m``, ``2d 4h``: short enough for a table cell."""
    if seconds is None:
        return "-"
    s = max(int(seconds), 0)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def _when(value: datetime | str | None) -> str:
    if value is None or value == "":
        return "-"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.strftime("%Y-%m-%d %H:%M:%S") + "Z"


def _millis(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.1f} s"


templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every value is escaped; nothing in these templates is marked safe
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters.update(ago=_ago, when=_when, ms=_millis, duration=duration,
                         pretty=lambda v: json.dumps(v, indent=2, sort_keys=True,
                                                     default=str))  # fmt: skip


@dataclass(frozen=True)
class Viewer:
    """The person looking: what their token may do, and the CSRF value their forms carry."""

    scope: Scope
    csrf: str
    new_nonce: str | None = None  # set on the response when the nonce cookie was missing

    @property
    def can_act(self) -> bool:
        return self.scope is Scope.ACT


def hub_of(request: Request) -> Hub:
    return request.app.state.hub


def csrf_value(token: str, nonce: str) -> str:
    return hmac.new(token.encode(), f"stockhub-dashboard:{nonce}".encode(),
                    hashlib.sha256).hexdigest()  # fmt: skip


def viewer(request: Request) -> Viewer | Response:
    """Who is looking, or the redirect to ``/login`` when nobody valid is."""
    tokens: Tokens = request.app.state.tokens
    token = presented_token(request)
    scope = tokens.scope_of(token) if token else None
    if token is None or scope is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":  # after sign-in, back to the page the form was on
            came_from = urlsplit(request.headers.get("referer", ""))
            target = came_from.path + (f"?{came_from.query}" if came_from.query else "")
        answer = redirect("/login?" + urlencode({"next": local_path(target, "/")}))
        if token is not None:  # a token that no longer works (rotated): forget it
            answer.delete_cookie(COOKIE, path="/")
            set_flash(answer, "error", "your token is no longer valid for this hub; sign in again")
        return answer
    nonce = request.cookies.get(NONCE_COOKIE)
    fresh = None if nonce else secrets.token_urlsafe(24)
    return Viewer(scope, csrf_value(token, nonce or fresh or ""), fresh)


def csrf_ok(request: Request, sent: str | None) -> bool:
    token, nonce = presented_token(request), request.cookies.get(NONCE_COOKIE)
    if not (token and nonce and sent):
        return False
    return hmac.compare_digest(sent.encode(), csrf_value(token, nonce).encode())


def local_path(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or target.startswith(("/login", "/logout"))):  # fmt: skip
        return default
    return target


def harden(response: Response) -> Response:
    response.headers.update(HEADERS)
    return response


def redirect(target: str) -> RedirectResponse:
    return harden(RedirectResponse(target, status_code=303))  # type: ignore[return-value]


def set_flash(response: Response, kind: str, text: str) -> None:
    value = quote(json.dumps({"kind": kind, "text": text[:1500]}), safe="")
    response.set_cookie(FLASH_COOKIE, value, max_age=120, path="/", httponly=True,
                        samesite="strict")  # fmt: skip


def _flash(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        data = json.loads(unquote(raw))
        return {"kind": str(data["kind"]), "text": str(data["text"])}
    except (ValueError, KeyError, TypeError):
        return None


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_nonce(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(NONCE_COOKIE, nonce, max_age=SESSION_S, path="/", httponly=True,
                        samesite="strict", secure=secure(request))  # fmt: skip


def nav_counts(hub: Hub) -> dict[str, int]:
    with hub.session() as session:
        letters = session.exec(select(sa.func.count()).where(
            DeadLetter.status == DeadLetterStatus.OPEN.value)).one()  # fmt: skip
        problems = session.exec(select(sa.func.count()).where(
            col(ExceptionRecord.status) != ExceptionStatus.RESOLVED.value)).one()  # fmt: skip
    return {"dead_letters": int(letters), "exceptions": int(problems)}


def render(request: Request, seen: Viewer | None, name: str, status: int = 200,
           **context: Any) -> HTMLResponse:  # fmt: skip
    """Render ``templates/<name>`` with what every page needs (viewer, nav counts, flash)."""
    hub = hub_of(request)
    html = templates.get_template(name).render(
        viewer=seen, path=request.url.path, flash=_flash(request), now=utcnow(),
        nav=nav_counts(hub) if seen else None, channels=[c.code for c in hub.settings.channels],
        **context,
    )  # fmt: skip
    response = harden(HTMLResponse(html, status_code=status))
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    if seen is not None and seen.new_nonce:
        set_nonce(request, response, seen.new_nonce)
    return response  # type: ignore[return-value]


def error_page(request: Request, seen: Viewer | None, status: int, title: str,
               message: str, fix: str | None = None) -> HTMLResponse:  # fmt: skip
    return render(request, seen, "error.html", status=status, title=title, message=message,
                  fix=fix)  # fmt: skip


def page(request: Request, build: Callable[[Hub, Viewer], Response]) -> Response:
    """A page for anyone with a read token; a hub error (unknown id, bad filter) is a page too."""
    seen = viewer(request)
    if isinstance(seen, Response):
        return seen
    try:
        return build(hub_of(request), seen)
    except HubError as exc:
        return error_page(request, seen, status_of(exc), "Cannot show this", exc.message, exc.fix)


def number(text: str, field: str) -> int:
    """A record id from the URL, or a 404-style error naming the field."""
    if not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) > MAX_ID:
        raise ValidationError(f"{text!r} is not an id", field=field, fix="ids are whole numbers")
    return int(text)


Action = Callable[[Hub, dict[str, str]], str]


async def act(request: Request, *, ask: str, back: str, do: Action, danger: bool = False,
              confirm: str = "Yes, do it") -> Response:  # fmt: skip
    """Run one action for an ops-token holder, after a CSRF check and a confirmation.

    ``do(hub, form)`` does the work (in a worker thread) and returns what happened, in words;
    the person is sent to ``back`` (or the form's own local ``back`` field) with that message.
    """
    seen = viewer(request)
    if isinstance(seen, Response):
        return seen
    if not seen.can_act:
        return await run_in_threadpool(
            error_page, request, seen, 403, "This token may only read",
            "Acting (replay, discard, resolve, pause…) needs the ops token.",
            "sign out and sign in with the ops token",
        )  # fmt: skip
    form = await request.form()
    if not csrf_ok(request, _text(form.get("csrf"))):
        return await run_in_threadpool(
            error_page, request, seen, 403, "This form has expired",
            "The form was not sent from this dashboard session, so nothing was done.",
            "go back, reload the page and try again",
        )  # fmt: skip
    fields = {k: v for k, v in form.items()
              if isinstance(v, str) and k not in ("csrf", "confirmed")}  # fmt: skip
    back = local_path(fields.get("back"), back)
    if form.get("confirmed") != "yes":
        return await run_in_threadpool(
            render, request, seen, "confirm.html", ask=ask, action=request.url.path,
            fields=fields, back=back, danger=danger, confirm=confirm,
        )  # fmt: skip
    try:
        message = await run_in_threadpool(do, hub_of(request), fields)
        kind = "ok"
    except HubError as exc:
        message, kind = str(exc), "error"
    except Exception as exc:  # a bug or an untranslated vendor error: say so, keep the page
        log.exception("dashboard.action_failed", path=request.url.path)
        message, kind = f"unexpected error: {type(exc).__name__}: {exc} (see the API log)", "error"
    log.info("dashboard.action", path=request.url.path, outcome=kind, message=message[:300])
    answer = redirect(back)
    set_flash(answer, kind, message)
    return answer


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None

"""Channels: health, and pause / resume pushes (the same calls as ``stockhub channels``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.api.dashboard import web
from hub.app import Hub
from hub.errors import NotFoundError
from hub.ops import channels

router = APIRouter()


def known(hub: Hub, code: str) -> str:
    if hub.settings.channel(code) is None:
        names = ", ".join(c.code for c in hub.settings.channels) or "none configured"
        raise NotFoundError(f"unknown channel {code!r}", field="channel", fix=f"channels: {names}")
    return code


@router.get("/channels")
def channels_page(request: Request) -> Response:
    def build(hub: Hub, seen: web.Viewer) -> Response:
        return web.render(request, seen, "channels.html", rows=channels.health(hub))

    return web.page(request, build)


@router.post("/channels/{code}/pause")
async def pause(request: Request, code: str) -> Response:
    def do(hub: Hub, fields: dict[str, str]) -> str:
        reason = fields.get("reason", "").strip() or "paused by an operator"
        changed = channels.pause(hub, known(hub, code), reason[:2000])
        return f"{code}: {'paused' if changed else 'was already paused'}"

    return await web.act(request, ask=f"Pause pushes to {code}? Changes keep coalescing until "
                         "it is resumed.", do=do, back="/channels", danger=True,
                         confirm="Yes, pause it")  # fmt: skip


@router.post("/channels/{code}/resume")
async def resume(request: Request, code: str) -> Response:
    def do(hub: Hub, fields: dict[str, str]) -> str:
        return f"{code}: " + channels.resume(hub, known(hub, code))

    return await web.act(request, ask=f"Resume pushes to {code} (one catch-up push)?", do=do,
                         back="/channels", confirm="Yes, resume it")  # fmt: skip

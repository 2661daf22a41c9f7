"""The dashboard's own stylesheet and script (no build step, no third-party files)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from hub.api.dashboard.web import HERE, harden

router = APIRouter()
TYPES = {"dashboard.css": "text/css; charset=utf-8",
         "dashboard.js": "text/javascript; charset=utf-8"}  # fmt: skip
_CACHE: dict[str, bytes] = {}


@router.get("/assets/{name}")
def asset(name: str) -> Response:
    if name not in TYPES:
        return harden(Response("not found", status_code=404, media_type="text/plain"))
    if name not in _CACHE:
        _CACHE[name] = (HERE / "static" / name).read_bytes()
    response = harden(Response(_CACHE[name], media_type=TYPES[name]))
    response.headers["Cache-Control"] = "max-age=300"
    return response

"""The exception log: list with filters, one record in full, acknowledge, resolve with a note.

Every action calls :mod:`hub.ops.exceptions`, as ``stockhub exceptions`` and the API do.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.api.dashboard import web
from hub.app import Hub
from hub.errors import ValidationError
from hub.models import ExceptionRecord
from hub.ops import exceptions
from hub.ops.overview import exception_kinds

router = APIRouter()
#: "unresolved" (open and acknowledged together) is what ops works from, so it is the default
STATUSES = ("unresolved", "open", "acknowledged", "resolved", "all")
SHOWN = 200


def find(hub: Hub, status: str, kind: str, channel: str) -> list[ExceptionRecord]:
    if status not in STATUSES:
        raise ValidationError(f"unknown status {status!r}", field="status",
                              fix=f"use one of {', '.join(STATUSES)}")  # fmt: skip
    if len(kind) > 50 or len(channel) > 200:
        raise ValidationError("a filter is too long", field="kind" if len(kind) > 50 else "channel")
    wanted = ["open", "acknowledged"] if status == "unresolved" else [status]
    found: list[ExceptionRecord] = []
    for one in wanted:
        found += exceptions.find(hub, status=None if one == "all" else one, kind=kind or None,
                                 channel=channel or None, limit=SHOWN)  # fmt: skip
    found.sort(key=lambda r: r.updated_at, reverse=True)
    return found[:SHOWN]


def list_url(status: str, kind: str, channel: str) -> str:
    query = {k: v for k, v in (("status", status), ("kind", kind), ("channel", channel)) if v}
    return "/exceptions" + (f"?{urlencode(query)}" if query else "")


@router.get("/exceptions")
def exceptions_page(request: Request, status: str = "unresolved", kind: str = "",
                    channel: str = "") -> Response:  # fmt: skip
    def build(hub: Hub, seen: web.Viewer) -> Response:
        found = find(hub, status, kind, channel)
        with hub.session() as session:
            kinds = exception_kinds(session)
        return web.render(request, seen, "exceptions.html", records=found, kinds=kinds,
                          statuses=STATUSES, shown=SHOWN,
                          chosen={"status": status, "kind": kind, "channel": channel},
                          here=list_url(status, kind, channel))  # fmt: skip

    return web.page(request, build)


@router.get("/exceptions/{record_id}")
def exception_page(request: Request, record_id: str) -> Response:
    def build(hub: Hub, seen: web.Viewer) -> Response:
        record = exceptions.get(hub, web.number(record_id, "id"))
        return web.render(request, seen, "exception.html", record=record,
                          letter=(record.details or {}).get("dead_letter"))  # fmt: skip

    return web.page(request, build)


@router.post("/exceptions/{record_id}/acknowledge")
async def acknowledge(request: Request, record_id: str) -> Response:
    def do(hub: Hub, fields: dict[str, str]) -> str:
        exceptions.set_status(hub, web.number(record_id, "id"), "acknowledged")
        return f"exception #{record_id} acknowledged"

    return await web.act(request, ask=f"Acknowledge exception #{record_id} (you are on it)?",
                         do=do, back=f"/exceptions/{record_id}",
                         confirm="Yes, acknowledge")  # fmt: skip


@router.post("/exceptions/{record_id}/resolve")
async def resolve(request: Request, record_id: str) -> Response:
    def do(hub: Hub, fields: dict[str, str]) -> str:
        exceptions.set_status(hub, web.number(record_id, "id"), "resolved",
                              fields.get("note", "").strip())  # fmt: skip
        return f"exception #{record_id} resolved"

    return await web.act(request, ask=f"Resolve exception #{record_id} with this note?", do=do,
                         back=f"/exceptions/{record_id}", confirm="Yes, resolve it")  # fmt: skip

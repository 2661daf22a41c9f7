"""``POST /api/v1/events``: canonical events in — one object, a list, or NDJSON.

Each event is validated and applied on its own (the same path as ``stockhub events post``):
bad ones are reported with their index and field and kept in the exception log, the good ones
are applied. Any rejection answers 422 with every outcome; all good answers 200. Sending the
same events again changes nothing (each reports ``duplicate``).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from hub.api.auth import can_act
from hub.api.errors import problem
from hub.api.routes.deps import HubDep
from hub.app import Hub
from hub.intake import post_lines
from hub.sync import publish

router = APIRouter(prefix="/api/v1", tags=["events"], dependencies=[Depends(can_act)])

NDJSON = ("application/x-ndjson", "application/jsonl", "application/json-lines")
EXAMPLE = {"id": "square-store-12/sale/98765/1", "type": "stock.adjusted",
           "source": "square-store-12", "occurred_at": "2026-11-22T10:00:00Z",
           "data": {"sku": "TEE-RED-M", "location": "store-12", "bucket": "on_hand",
                    "delta": -1, "reason": "sale"}}  # fmt: skip


@router.post(
    "/events",
    summary="Apply canonical events",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"oneOf": [
            {"type": "object"}, {"type": "array", "items": {"type": "object"}}]},
            "example": EXAMPLE},
        "application/x-ndjson": {"schema": {"type": "string"}},
    }}},  # fmt: skip
)
async def post_events(request: Request, hub: HubDep) -> JSONResponse:
    raw = await request.body()
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return problem(422, "the body is not UTF-8 text", "body", "send UTF-8 JSON")
    if kind in NDJSON:
        lines = text.splitlines()
    else:
        try:
            data = json.loads(text)
            items = data if isinstance(data, list) else [data]
            lines = [json.dumps(item) for item in items]
        except json.JSONDecodeError as exc:
            message = f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            return problem(422, message, "body", "send one event object or a list of them")
        except RecursionError:  # nested past the parser's limit: bad input, not a crash
            return problem(422, "the JSON nests too deeply", "body", "send events, not this")
        if not isinstance(data, (dict, list)):
            return problem(422, "expected an event object or a list of events", "body",
                           "wrap events in a JSON list")  # fmt: skip
    if not any(line.strip() for line in lines):
        return problem(422, "no events in the body", "body", "send at least one event")
    return await run_in_threadpool(_apply, hub, lines, "list" if kind not in NDJSON else "line")


def _apply(hub: Hub, lines: list[str], unit: str) -> JSONResponse:
    counts: Counter[str] = Counter()
    results: list[dict[str, Any]] = []
    for number, outcome in post_lines(hub, lines, "api"):
        counts[outcome.status] += 1
        where = {"index": number - 1} if unit == "list" else {"line": number}
        results.append({**where, **outcome.to_dict()})
    if counts["applied"]:
        publish.wake_pushes(hub)
    summary = {k: counts.get(k, 0) for k in ("applied", "duplicate", "parked", "rejected")}
    status = 422 if counts["rejected"] else 200
    body: dict[str, Any] = {"summary": summary, "events": results}
    if counts["rejected"]:
        first = next(r for r in results if r["status"] == "rejected")
        body |= {"error": f"{counts['rejected']} event(s) rejected; first: "
                 f"{first.get('field') or ''} {first.get('message', '')}".strip(),
                 "field": first.get("field"), "fix": first.get("fix")}  # fmt: skip
    return JSONResponse(body, status_code=status)

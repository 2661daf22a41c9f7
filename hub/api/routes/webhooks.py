"""``POST /webhooks/{channel}``: verify the vendor's signature, store raw, answer fast.

The raw body is what the signature covers, so it is read before anything parses it. The
records are stored in the inbox (deduplicated by the vendor's delivery id) and a worker is
woken; the vendor gets its 2xx in milliseconds. Signature failures answer 401 and write
nothing. No bearer token here: the signature is the authentication.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from hub.api.errors import problem
from hub.api.routes.deps import ChannelDep, HubDep
from hub.app import Hub
from hub.connector import WebhookRequest
from hub.sync import inbox

router = APIRouter(tags=["webhooks"])


@router.post(
    "/webhooks/{channel}",
    summary="Receive a vendor webhook",
    responses={401: {"description": "signature missing or wrong; nothing stored"}},
)
async def receive(channel: ChannelDep, request: Request, hub: HubDep) -> JSONResponse:
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    delivery = WebhookRequest(body, headers, method="POST", path=request.url.path,
                              query=dict(request.query_params))  # fmt: skip
    try:
        receipt = await run_in_threadpool(_receive, hub, channel, delivery)
    except inbox.SignatureError as exc:
        return problem(401, exc.message, "signature", exc.fix)
    return JSONResponse({"stored": len(receipt.stored), "duplicates": receipt.duplicates})


def _receive(hub: Hub, channel: str, delivery: WebhookRequest) -> inbox.Receipt:
    receipt = inbox.receive_webhook(hub, channel, delivery)
    inbox.publish_stored(hub, receipt)
    return receipt

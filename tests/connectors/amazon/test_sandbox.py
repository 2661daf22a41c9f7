"""The sandbox over real HTTP, standalone as ``python -m``, and its feed timeline and auth."""

from __future__ import annotations

import subprocess
import sys

import httpx

from connectors.amazon.sandbox import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, AmazonSandbox
from hub.connector import PushStatus, StockUpdate


def test_connector_works_over_http_and_renews_an_expired_token(handle, context) -> None:
    """Push (patch and feed) and pull against ``serve()``; expired tokens are renewed once."""
    sandbox = AmazonSandbox.seeded(feed_delay_s=0.05)
    with sandbox.serve() as origin:
        ctx = context(None, endpoint=origin, lwa_endpoint=f"{origin}/auth/o2/token")
        (result,) = handle.push_stock(ctx, [StockUpdate("H", "dc", 9, "TS-RED-M-US", "DEFAULT")])
        assert result.status is PushStatus.ACCEPTED
        sandbox.expire_tokens()
        big = [StockUpdate(f"B{i}", "dc", 2, "TS-RED-L-US" if i == 0 else f"X{i}", "DEFAULT")
               for i in range(700)]  # fmt: skip
        results = handle.push_stock(ctx, big)
        events, _ = handle.pull(ctx, "orders", None, 100)
    assert results[0].status is PushStatus.ACCEPTED
    assert sum(r.status is PushStatus.REJECTED for r in results) == 699  # no such listings
    assert sandbox.stock_levels()[("TS-RED-M-US", "DEFAULT")] == 9
    assert sandbox.stock_levels()[("TS-RED-L-US", "DEFAULT")] == 2
    assert sandbox.token_requests == 2 and events and sandbox.throttled == 0


def test_feed_moves_through_its_statuses() -> None:
    """IN_QUEUE, IN_PROGRESS, then DONE with a report, by the sandbox's clock."""
    now = [1000.0]
    sandbox = AmazonSandbox.seeded(feed_delay_s=10, clock=lambda: now[0])
    document = sandbox.store.new_document("application/json; charset=UTF-8")
    sandbox.store.documents[document].content = (
        b'{"header":{"sellerId":"A1SANDBOXSELLER","version":"2.0"},"messages":[{"messageId":1,'
        b'"sku":"TS-RED-M-US","operationType":"PATCH","productType":"PRODUCT","patches":[{"op":'
        b'"replace","path":"/attributes/fulfillment_availability","value":[{'
        b'"fulfillment_channel_code":"DEFAULT","quantity":77}]}]}]}'
    )
    feed = sandbox.store.new_feed(document, ["ATVPDKIKX0DER"], 10, None)
    seen = []
    for moment in (1001, 1006, 1011):
        now[0] = moment
        sandbox.stock_levels()
        seen.append(feed.status)
    assert seen == ["IN_QUEUE", "IN_PROGRESS", "DONE"] and feed.result_id
    assert sandbox.stock_levels()[("TS-RED-M-US", "DEFAULT")] == 77


def test_runs_standalone(tmp_path) -> None:
    """``python -m connectors.amazon.sandbox`` listens and issues LWA tokens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "connectors.amazon.sandbox", "--port", "0", "--seeded"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        origin = line.split("listening on ", 1)[1].split(" ", 1)[0]
        answer = httpx.post(f"{origin}/auth/o2/token", data={
            "grant_type": "refresh_token", "refresh_token": "Atzr|sandbox-refresh-token-71f0",
            "client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET})  # fmt: skip
        assert answer.status_code == 200 and answer.json()["access_token"].startswith("Atza|")
        refused = httpx.get(f"{origin}/orders/v0/orders", headers={"x-amz-access-token": "x"})
        assert refused.status_code == 403
    finally:
        process.terminate()
        process.wait(10)

"""``/healthz`` (the process answers) and ``/readyz`` (database and broker reachable).

Probes for load balancers and orchestrators: no token, no details beyond which dependency
failed, so they are safe to expose.
"""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from hub.api.routes.deps import HubDep
from hub.app import Hub

router = APIRouter(tags=["health"])
BROKER_TIMEOUT_S = 3.0


@router.get("/healthz", summary="The API process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database and the broker are reachable",
            responses={503: {"description": "a dependency is down"}})  # fmt: skip
def readyz(hub: HubDep) -> JSONResponse:
    checks = {"database": _database(hub), "broker": _broker(hub)}
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", **checks},
                        status_code=200 if ready else 503)  # fmt: skip


def _database(hub: Hub) -> str:
    try:
        with hub.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"
        return f"unreachable: {type(exc).__name__}"
    return "ok"


def _broker(hub: Hub) -> str:
    from kombu import Connection

    from hub.worker.broker import broker_url

    try:
        with Connection(broker_url(hub.settings), connect_timeout=BROKER_TIMEOUT_S) as connection:
            connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
    except Exception as exc:  # kombu, redis and amqp errors differ by transport
        return f"unreachable: {type(exc).__name__}"
    return "ok"

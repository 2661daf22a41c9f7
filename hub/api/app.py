"""Build the FastAPI application around one hub.

``create_app(hub)`` serves an already open hub (tests); ``create_app()`` opens the hub from
``stockhub.toml`` / ``$STOCKHUB_CONFIG`` and connects a publisher to the broker, so stored
webhooks wake workers at once (the sweep covers any publish that fails).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from hub.api import errors
from hub.api.auth import Tokens, can_read
from hub.api.limits import BodyLimit
from hub.api.metrics import render
from hub.api.routes import (
    channels,
    deadletters,
    events,
    exceptions,
    health,
    returns,
    stock,
    webhooks,
)
from hub.app import Hub

DESCRIPTION = """\
The stockhub HTTP API. Webhooks authenticate by the vendor's signature; every `/api/v1`
endpoint needs `Authorization: Bearer <token>` (the read token may look, the ops token may also
act). Errors answer `{"error", "field", "fix"}` with a 4xx naming the field.
"""


def create_app(hub: Hub | None = None, *, config: Path | str | None = None,
               publish: bool = True) -> FastAPI:  # fmt: skip
    """The application. ``publish=False`` leaves waking workers to the sweep (tests)."""
    if hub is None:
        from hub.app import open_hub

        hub = open_hub(config)
        if publish:
            _connect_publisher(hub)
    app = FastAPI(title="stockhub", version="1", description=DESCRIPTION,
                  openapi_url="/openapi.json", docs_url="/docs", redoc_url=None)  # fmt: skip
    app.state.hub = hub
    act, read = hub.settings.api.tokens()
    app.state.tokens = Tokens(act=act, read=read)
    errors.install(app)
    for module in (webhooks, events, stock, returns, deadletters, exceptions, channels, health):
        app.include_router(module.router)
    _metrics(app, hub)
    from hub.api.dashboard import router as dashboard

    app.include_router(dashboard)
    app.add_middleware(BodyLimit, max_bytes=hub.settings.api.max_body_bytes)
    return app


def _metrics(app: FastAPI, hub: Hub) -> None:
    guard = [] if hub.settings.api.metrics_public else [Depends(can_read)]

    @app.get("/metrics", tags=["health"], dependencies=guard, response_class=PlainTextResponse,
             summary="Prometheus metrics for the whole hub")  # fmt: skip
    def metrics(request: Request) -> Response:
        return Response(render(hub), media_type="text/plain; version=0.0.4; charset=utf-8")


def _connect_publisher(hub: Hub) -> None:
    from hub.worker.app import make_celery
    from hub.worker.tasks import CeleryPublisher

    hub.publisher = CeleryPublisher(make_celery(hub.settings))

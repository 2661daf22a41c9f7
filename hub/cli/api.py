"""``stockhub api``: serve the HTTP API and the dashboard."""

from __future__ import annotations

import typer

from hub.cli.common import config_path, console, handle_errors


@handle_errors
def api(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, help="Server processes (each opens its own pool)."),
) -> None:
    """Serve the HTTP API, /metrics, /healthz, /readyz and the ops dashboard at /."""
    import os

    import uvicorn

    from hub.api import create_app

    path = config_path(ctx)
    if path is not None:
        os.environ["STOCKHUB_CONFIG"] = str(path)  # worker processes open the same hub
    if workers == 1:
        app = create_app()  # opened here so a bad config fails before listening
        console.print(f"stockhub api: http://{host}:{port}/ (OpenAPI at /docs); Ctrl-C stops",
                      markup=False)  # fmt: skip
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
        return
    create_app()  # fail fast on a bad config, then let each server process build its own
    uvicorn.run("hub.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)  # fmt: skip

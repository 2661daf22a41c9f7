"""The ``stockhub`` command."""

from __future__ import annotations

from pathlib import Path

import typer

from hub.cli import (
    alerts,
    api,
    channels,
    db,
    demo,
    dlq,
    events,
    exceptions,
    items,
    mappings,
    overview,
    returns,
    sandbox,
    stock,
    sync,
    worker,
)
from hub.cli.init import init

app = typer.Typer(
    name="stockhub",
    help="stockhub: one inventory ledger for every channel. Commands act on the stockhub.toml "
    "in the current directory unless --config (or STOCKHUB_CONFIG) names another.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    config: Path = typer.Option(
        None,
        "--config",
        "-c",
        envvar="STOCKHUB_CONFIG",
        help="Path to stockhub.toml (default: ./stockhub.toml).",
    ),
    log_format: str = typer.Option(
        "auto",
        "--log-format",
        envvar="STOCKHUB_LOG_FORMAT",
        help="auto (console on a terminal, JSON otherwise), json, console.",
    ),
) -> None:
    """stockhub command line."""
    from hub.logs import configure_logging

    configure_logging(log_format)
    ctx.obj = {"config": config}


app.command("init")(init)
app.add_typer(db.app, name="db")
app.add_typer(items.app, name="items")
app.add_typer(mappings.app, name="mappings")
app.add_typer(events.app, name="events")
app.add_typer(stock.app, name="stock")
app.add_typer(returns.app, name="returns")
app.add_typer(exceptions.app, name="exceptions")
app.add_typer(dlq.app, name="dlq")
app.add_typer(channels.app, name="channels")
app.add_typer(alerts.app, name="alerts")
app.add_typer(sync.app, name="sync")
app.add_typer(sandbox.app, name="sandbox")
app.command("reconcile")(sync.reconcile)
app.command("worker")(worker.worker)
app.command("beat")(worker.beat)
app.command("run")(worker.run)
app.command("api")(api.api)
app.command("demo")(demo.demo)
app.command("overview")(overview.overview)

try:  # the connector SDK's commands (list, check, new)
    from hub.cli import connectors
except ImportError:  # pragma: no cover - only while the SDK is being built
    connectors = None
else:
    app.add_typer(connectors.app, name="connectors")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

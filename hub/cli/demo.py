"""``stockhub demo``: the whole hub on this machine with sandbox vendors and a day of traffic."""

from __future__ import annotations

from pathlib import Path

import typer

from hub.cli.common import console, handle_errors


@handle_errors
def demo(
    directory: Path = typer.Option(Path(".demo"), "--dir", help="Folder for the demo hub."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port of the API and dashboard."),
    pause: float = typer.Option(4.0, min=0, help="Seconds between the day's moments."),
    seed: int = typer.Option(7, help="Seed of the day's randomness (orders, counts)."),
    stay: bool = typer.Option(True, "--stay/--exit", help="Keep serving after the day."),
) -> None:
    """Start every sandbox, a hub pointing at them (`stockhub run`: API + dashboard, worker,
    scheduler) and replay an omnichannel day: counts, a Shopify flash sale, shipments, a
    transfer to the dark store, an injected channel outage, returns. Prints where to open
    the dashboard and its token; Ctrl-C stops everything. Each run starts a fresh day in DIR.
    """
    import logging

    from hub.demo.run import run_demo

    logging.getLogger("httpx").setLevel(logging.WARNING)  # the demo's own calls are not news

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False)

    try:
        gaps = run_demo(directory, port, pause, seed, stay, say=say)
    except KeyboardInterrupt:
        console.print("stopped")
        return
    if any(gaps.values()):
        raise typer.Exit(1)

"""``stockhub channels``: health of every channel; pause and resume pushes."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.common import console, handle_errors, open_hub, plain, print_json

app = typer.Typer(help="Channel health; pause and resume pushes.", no_args_is_help=True)


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Every channel: ok / failing / paused, SKUs waiting to be pushed, last success."""
    from hub.ops.channels import health

    rows = health(open_hub(ctx))
    if as_json:
        print_json(rows)
        return
    table = Table(title="channels", title_justify="left")
    for column in ("channel", "connector", "status", "pending", "last success", "problem"):
        table.add_column(column, overflow="fold")
    for r in rows:
        trouble = r["paused_reason"] or r["last_error"] or ""
        table.add_row(*plain(r["channel"], r["connector"], r["status"], r["pending"],
                             (r["last_success_at"] or "")[:19], trouble))  # fmt: skip
    console.print(table)


@app.command("pause")
@handle_errors
def pause(
    ctx: typer.Context,
    channel: str = typer.Argument(...),
    reason: str = typer.Option("paused by an operator", help="Why (shown in `channels list`)."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Stop pushing to a channel; its changes keep coalescing until it is resumed."""
    from hub.ops.channels import pause as pause_channel

    changed = pause_channel(open_hub(ctx), channel, reason)
    _say(channel, "paused" if changed else "was already paused", as_json)


@app.command("resume")
@handle_errors
def resume(
    ctx: typer.Context,
    channel: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Resume pushes: one push of the latest value of everything that changed meanwhile."""
    from hub.ops.channels import resume as resume_channel

    _say(channel, resume_channel(open_hub(ctx), channel), as_json)


def _say(channel: str, outcome: str, as_json: bool) -> None:
    if as_json:
        print_json({"channel": channel, "outcome": outcome})
    else:
        console.print(f"{channel}: {outcome}", markup=False)

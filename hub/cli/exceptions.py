"""``stockhub exceptions``: the exception log ops works from."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.common import console, handle_errors, open_hub, plain, print_json

app = typer.Typer(
    help="List, inspect, acknowledge and resolve problems in the exception log.",
    no_args_is_help=True,
)


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    status: str = typer.Option("open", help="open, acknowledged, resolved, or all."),
    kind: str = typer.Option(None, help="Only this kind, e.g. oversold, invalid_event."),
    channel: str = typer.Option(None, help="Only problems of this channel."),
    limit: int = typer.Option(100, min=1, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List problems, newest first (default: the open ones)."""
    from hub.ops import exceptions

    found = exceptions.find(open_hub(ctx), status=None if status == "all" else status, kind=kind,
                            channel=channel, limit=limit)  # fmt: skip
    records = [exceptions.as_dict(r) for r in found]
    if as_json:
        print_json(records)
        return
    table = Table(title=f"exceptions ({status})", title_justify="left")
    for column in ("id", "kind", "severity", "subject", "channel", "seen", "message"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(*plain(r["id"], r["kind"], r["severity"], r["subject"], r["channel"],
                             r["occurrences"], r["message"]))  # fmt: skip
    console.print(table)


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    record_id: int = typer.Argument(..., help="Exception id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one problem with its full details (the event payload, the error, the fix)."""
    from hub.ops import exceptions

    data = exceptions.as_dict(exceptions.get(open_hub(ctx), record_id))
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        console.print(f"[bold]{key}[/]: ", end="")
        console.print(value, markup=False, highlight=False)


@app.command("acknowledge")
@handle_errors
def acknowledge(
    ctx: typer.Context,
    record_id: int = typer.Argument(..., help="Exception id."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Mark a problem as seen and being worked on (it stays in the open views)."""
    _set_status(ctx, record_id, "acknowledged", None, as_json)


@app.command("resolve")
@handle_errors
def resolve(
    ctx: typer.Context,
    record_id: int = typer.Argument(..., help="Exception id."),
    note: str = typer.Option(..., "--note", help="What was done about it (kept with the record)."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Resolve a problem with a note saying what was done."""
    _set_status(ctx, record_id, "resolved", note, as_json)


def _set_status(ctx: typer.Context, record_id: int, status: str, note: str | None,
                as_json: bool) -> None:  # fmt: skip
    from hub.ops import exceptions

    record = exceptions.set_status(open_hub(ctx), record_id, status, note)
    if as_json:
        print_json(exceptions.as_dict(record))
        return
    console.print(f"exception {record_id}: {status}")

"""``stockhub exceptions``: the exception log ops works from."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.common import console, handle_errors, open_hub, print_json

app = typer.Typer(
    help="List, inspect, acknowledge and resolve problems in the exception log.",
    no_args_is_help=True,
)


def _as_dict(record) -> dict:
    data = record.model_dump(mode="json")
    data.pop("fingerprint", None)
    return data


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
    from sqlmodel import col, select

    from hub.models import ExceptionRecord

    hub = open_hub(ctx)
    query = select(ExceptionRecord).order_by(col(ExceptionRecord.updated_at).desc()).limit(limit)
    if status != "all":
        query = query.where(ExceptionRecord.status == status)
    if kind:
        query = query.where(ExceptionRecord.kind == kind)
    if channel:
        query = query.where(ExceptionRecord.channel == channel)
    with hub.session() as session:
        records = [_as_dict(r) for r in session.exec(query)]
    if as_json:
        print_json(records)
        return
    table = Table(title=f"exceptions ({status})", title_justify="left")
    for column in ("id", "kind", "severity", "subject", "channel", "seen", "message"):
        table.add_column(column, overflow="fold")
    for r in records:
        table.add_row(
            str(r["id"]),
            r["kind"],
            r["severity"],
            r["subject"],
            r["channel"] or "",
            str(r["occurrences"]),
            r["message"],
            markup=False,
        )
    console.print(table)


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    record_id: int = typer.Argument(..., help="Exception id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one problem with its full details (the event payload, the error, the fix)."""
    with open_hub(ctx).session() as session:
        data = _as_dict(_get(session, record_id))
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        console.print(f"[bold]{key}[/]: ", end="")
        console.print(value, markup=False, highlight=False)


@app.command("acknowledge")
@handle_errors
def acknowledge(ctx: typer.Context, record_id: int = typer.Argument(..., help="Exception id.")):
    """Mark a problem as seen and being worked on (it stays in the open views)."""
    _set_status(ctx, record_id, "acknowledged", None)


@app.command("resolve")
@handle_errors
def resolve(
    ctx: typer.Context,
    record_id: int = typer.Argument(..., help="Exception id."),
    note: str = typer.Option(..., "--note", help="What was done about it (kept with the record)."),
) -> None:
    """Resolve a problem with a note saying what was done."""
    _set_status(ctx, record_id, "resolved", note)


def _get(session, record_id: int):
    from hub.errors import ValidationError
    from hub.models import ExceptionRecord

    record = session.get(ExceptionRecord, record_id)
    if record is None:
        raise ValidationError(
            f"no exception with id {record_id}",
            field="id",
            fix="list them with `stockhub exceptions list --status all`",
        )
    return record


def _set_status(ctx: typer.Context, record_id: int, status: str, note: str | None) -> None:
    from hub.exception_log import set_status
    from hub.vocabulary import ExceptionStatus

    with open_hub(ctx).session() as session:
        set_status(session, _get(session, record_id), ExceptionStatus(status), note)
    console.print(f"exception {record_id}: {status}")

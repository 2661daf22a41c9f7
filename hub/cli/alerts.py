"""``stockhub alerts``: check the alert conditions now, and list what is alerting."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.common import console, handle_errors, open_hub, print_json

app = typer.Typer(
    help="Alert conditions: low stock, safety stock, drift, limbo returns, dead-letter growth, "
    "latency, stuck work, paused channels (see docs/alerts.md).",
    no_args_is_help=True,
)


@app.command("check")
@handle_errors
def check_(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Evaluate every condition now (the scheduler does this every alerts.check_every_s);
    new alerts go to the sinks once, cleared ones are announced as cleared."""
    from hub.alerts import check

    result = check(open_hub(ctx))
    if as_json:
        print_json(result.as_dict())
        return
    for alert in result.raised:
        console.print(f"raised  {alert.kind}: {alert.message}", markup=False)
    for alert in result.cleared:
        console.print(f"cleared {alert.kind}: {alert.subject}", markup=False)
    console.print(f"{result.active} alert(s) active; {len(result.raised)} raised, "
                  f"{len(result.cleared)} cleared")  # fmt: skip


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Include cleared alerts."),
    kind: str = typer.Option(None, help="Only this kind, e.g. low_stock, latency."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List active alerts (as of the last check), most recently raised first."""
    from sqlmodel import col, select

    from hub.models import AlertState

    query = select(AlertState).order_by(col(AlertState.raised_at).desc())
    if not all_:
        query = query.where(col(AlertState.cleared_at).is_(None))
    if kind:
        query = query.where(AlertState.kind == kind)
    with open_hub(ctx).session() as session:
        rows = [row.model_dump(mode="json") for row in session.exec(query)]
    if as_json:
        print_json(rows)
        return
    table = Table(title="alerts" + (" (all)" if all_ else ""), title_justify="left")
    for column in ("kind", "severity", "subject", "channel", "raised", "cleared", "message"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["kind"], r["severity"], r["subject"], r["channel"] or "",
                      r["raised_at"][:19], (r["cleared_at"] or "")[:19], r["message"])  # fmt: skip
    console.print(table)

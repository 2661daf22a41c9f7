"""``stockhub returns``: returns and the ones stuck in limbo."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.common import console, handle_errors, open_hub, print_json

app = typer.Typer(
    help="Inspect returns and find those stuck without a disposition.", no_args_is_help=True
)


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    limbo: bool = typer.Option(
        False,
        "--limbo",
        help="Only returns past the SLA without a disposition; each gets an exception record.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List open returns (received, inspected, partly dispositioned) with their age.

    With --limbo, only those older than [returns] sla_hours in stockhub.toml, and each is raised
    in the exception log (once; repeats count occurrences) so ops can chase it.
    """
    from hub.ops.returns import open_returns

    data = open_returns(open_hub(ctx), limbo=limbo)
    if as_json:
        print_json(data)
        return
    table = Table(title="returns in limbo" if limbo else "open returns", title_justify="left")
    columns = ("return", "status", "location", "order", "received_at", "age_hours")
    for column in columns:
        table.add_column(column)
    for row in data:
        table.add_row(*(str(row[k] or "") for k in columns))
    console.print(table)

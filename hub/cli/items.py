"""``stockhub items``: the item master."""

from __future__ import annotations

from pathlib import Path

import typer

from hub.cli.common import (
    EXIT_REJECTED,
    console,
    handle_errors,
    open_hub,
    print_json,
    progress_bar,
)
from hub.cli.common import problem as show_problem

app = typer.Typer(help="Manage the item master (SKUs, barcodes, bundles).", no_args_is_help=True)


@app.command("import")
@handle_errors
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV file to import."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import SKUs from a CSV file (columns: sku,title,status,barcodes,attributes,components).

    The whole file is validated first: if any row is bad, every bad row is listed with its line
    and field and nothing is written. Existing SKUs are updated; bundles may precede their
    components. Parked events waiting for these SKUs are applied afterwards.
    """
    from hub.item_import import import_items, read_items
    from hub.ledger import release_parked

    hub = open_hub(ctx)
    total = len(read_items(file)[0])
    with progress_bar("importing", total, quiet=as_json) as advance:
        report = import_items(hub.engine, file, progress=advance)
    released = release_parked(hub.engine, hub.policy) if report.imported else []
    if as_json:
        print_json(
            {
                "imported": report.imported,
                "problems": [str(p) for p in report.problems],
                "released": [o.to_dict() for o in released],
            }
        )
    else:
        for problem in report.problems:
            show_problem(problem)
        console.print(f"imported {report.imported} item(s); {len(report.problems)} problem(s)")
        if released:
            console.print(f"applied {len(released)} parked event(s) waiting for these items")
    if report.problems:
        raise typer.Exit(EXIT_REJECTED)

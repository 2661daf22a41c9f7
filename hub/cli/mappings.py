"""``stockhub mappings``: the crosswalk and status maps in the mappings folder."""

from __future__ import annotations

import typer

from hub.cli.common import EXIT_REJECTED, console, err_console, handle_errors, open_hub, print_json
from hub.cli.common import problem as show_problem

app = typer.Typer(
    help="Validate and load SKU/location crosswalks and status maps.", no_args_is_help=True
)


def known_codes(hub) -> tuple[set[str], set[str]]:
    from sqlmodel import select

    from hub.models import Sku

    with hub.session() as session:
        skus = set(session.exec(select(Sku.code)).all())
    return skus, {loc.code for loc in hub.settings.locations}


@app.command("validate")
@handle_errors
def validate(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check every mapping file; list every bad row with file, line and reason.

    Hub codes are checked against the item master and stockhub.toml's locations. Exit code 1
    if anything is wrong. Nothing is written.
    """
    from hub.mappings import validate_mappings

    hub = open_hub(ctx)
    skus, locations = known_codes(hub)
    report = validate_mappings(
        hub.settings.mappings_path, known_skus=skus, known_locations=locations
    )
    if as_json:
        print_json(
            {
                "ok": report.ok,
                "crosswalk_rows": len(report.crosswalk),
                "status_maps": [m.system for m in report.status_maps],
                "problems": [str(p) for p in report.problems],
            }
        )
    else:
        for problem in report.problems:
            show_problem(problem)
        verdict = "[green]ok[/]" if report.ok else f"[red]{len(report.problems)} problem(s)[/]"
        console.print(
            f"{len(report.crosswalk)} crosswalk row(s), "
            f"{len(report.status_maps)} status map(s): {verdict}"
        )
    if not report.ok:
        raise typer.Exit(EXIT_REJECTED)


@app.command("import")
@handle_errors
def import_(ctx: typer.Context) -> None:
    """Validate the mappings folder and load the crosswalk into the database.

    Loads nothing if any row is bad. Events parked for an unmapped SKU that the new rows map are
    applied right after.
    """
    hub = open_hub(ctx)
    if not load_mappings(hub, quiet=False):
        raise typer.Exit(EXIT_REJECTED)


def load_mappings(hub, *, quiet: bool) -> bool:
    """Validate, then load the crosswalk and release parked events; False if rows were bad."""
    from hub.ledger import release_parked
    from hub.mappings import validate_mappings
    from hub.mappings.sync import import_crosswalk

    skus, locations = known_codes(hub)
    report = validate_mappings(
        hub.settings.mappings_path, known_skus=skus, known_locations=locations
    )
    real = [p for p in report.problems if not p.awaits_item]
    for problem in real:
        show_problem(problem)
    if real:
        err_console.print("[red]mappings not loaded; fix the rows above[/]")
        return False
    with hub.session() as session:
        change = import_crosswalk(session, report.crosswalk)
    released = release_parked(hub.engine, hub.policy)
    if not quiet:
        console.print(
            f"crosswalk: {change.added} added, {change.changed} changed, "
            f"{change.unchanged} unchanged; {len(released)} parked event(s) applied"
        )
    return True

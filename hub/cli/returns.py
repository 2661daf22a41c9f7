"""``stockhub returns``: returns and the ones stuck in limbo."""

from __future__ import annotations

from datetime import timedelta

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
    from sqlmodel import col, select

    from hub.ledger import flag_returns_in_limbo
    from hub.models import Location, Return
    from hub.store.types import utcnow
    from hub.vocabulary import ReturnStatus

    hub = open_hub(ctx)
    now = utcnow()
    sla = timedelta(hours=hub.settings.returns.sla_hours)
    with hub.session() as session:
        if limbo:
            rows = flag_returns_in_limbo(session, now, sla)
        else:
            rows = list(
                session.exec(
                    select(Return)
                    .where(col(Return.status) != ReturnStatus.CLOSED.value)
                    .order_by(col(Return.received_at))
                )
            )
        locations = {loc.id: loc.code for loc in session.exec(select(Location))}
    data = [
        {
            "return": r.code,
            "status": r.status,
            "location": locations[r.location_id],
            "order": r.order_ref,
            "received_at": r.received_at.isoformat(),
            "age_hours": round((now - r.received_at).total_seconds() / 3600, 1),
        }
        for r in rows
    ]
    if as_json:
        print_json(data)
        return
    table = Table(title="returns in limbo" if limbo else "open returns", title_justify="left")
    for column in ("return", "status", "location", "order", "received_at", "age_hours"):
        table.add_column(column)
    for row in data:
        table.add_row(*(str(row[k] or "") for k in row))
    console.print(table)

"""``stockhub db``: schema migrations."""

from __future__ import annotations

import typer

from hub.cli.common import console, handle_errors, open_hub

app = typer.Typer(help="Manage the database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
@handle_errors
def upgrade(ctx: typer.Context) -> None:
    """Create or migrate the database to the schema this stockhub needs.

    Safe to run any number of times; run it before starting a new version.
    """
    from hub.store import current_revision, head_revision
    from hub.store import upgrade as run_upgrade

    hub = open_hub(ctx, check_schema=False)
    before = current_revision(hub.engine)
    run_upgrade(hub.engine)
    hub.sync_topology()
    after = head_revision()
    if before == after:
        console.print(f"database already at revision [bold]{after}[/]")
    else:
        console.print(f"database upgraded from {before or 'empty'} to revision [bold]{after}[/]")


@app.command("current")
@handle_errors
def current(ctx: typer.Context) -> None:
    """Show the database's schema revision and the one this stockhub needs."""
    from hub.store import current_revision, head_revision

    hub = open_hub(ctx, check_schema=False)
    console.print(f"current: {current_revision(hub.engine) or 'empty'}  needed: {head_revision()}")

"""``stockhub connectors``: list installed connectors, check one against the kit, scaffold one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from hub.cli.common import console, err_console, handle_errors, print_json

app = typer.Typer(
    help="Connector plugins: list, check against the conformance kit, scaffold.",
    no_args_is_help=True,
)


@app.command("list")
@handle_errors
def list_connectors(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Show every installed connector with its capabilities, batch size and rate limits."""
    from hub.dispatch import installed_connectors

    rows = [_describe(handle) for handle in installed_connectors()]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No connectors installed. Create one with `stockhub connectors new NAME`.")
        return
    table = Table(title="Installed connectors")
    for column in (
        "name",
        "title",
        "version",
        "capabilities",
        "max batch",
        "rate limits",
        "module",
    ):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["name"],
            row["title"],
            row["version"],
            ", ".join(row["capabilities"]),
            str(row["max_batch_size"]),
            ", ".join(row["rate_limits"]) or "-",
            row["module"],
        )
    console.print(table)


@app.command("check")
@handle_errors
def check(
    name: str = typer.Argument(..., help="Connector name, as in `stockhub connectors list`."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every check by name."),
) -> None:
    """Run the conformance kit against an installed connector (exit code 0 when it passes)."""
    from hub.dispatch import get_connector

    get_connector(name)  # a clear error for a missing or broken plugin before pytest starts
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "--pyargs",
        "hub.conformance.check_installed",
        "--stockhub-connector",
        name,
        "-rs",
        "-v" if verbose else "-q",
    ]
    code = subprocess.call(args)  # noqa: S603  (pytest on this interpreter, fixed args)
    if code:
        err_console.print(f"[bold red]{name} does not conform[/] (pytest exit code {code})")
        raise typer.Exit(1)
    console.print(f"[green]{name} passes the conformance kit[/]")


@app.command("new")
@handle_errors
def new(
    name: str = typer.Argument(..., help="Connector name: lower-case words joined by '-'."),
    directory: Path = typer.Option(
        Path("."), "--dir", "-d", help="Where to create stockhub-NAME/."
    ),
) -> None:
    """Write a working connector package that passes the conformance kit as generated."""
    from hub.scaffold import write_connector

    root = write_connector(name, directory)
    console.print(
        f"Created [bold]{root}[/]. Next:\n"
        f"  pip install -e {root}\n"
        f"  pytest {root}\n"
        f"  stockhub connectors check {name}"
    )


def _describe(handle: Any) -> dict[str, Any]:
    info = handle.info
    return {
        "name": info.name,
        "title": info.title,
        "version": info.version,
        "capabilities": sorted(c.value for c in info.capabilities),
        "max_batch_size": info.max_batch_size,
        "rate_limits": [str(limit) for limit in info.rate_limits],
        "settings": info.settings_json_schema(),
        "module": getattr(handle.plugin, "__name__", type(handle.plugin).__name__),
    }

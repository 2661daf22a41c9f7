"""``stockhub sandbox NAME``: run an installed connector's local vendor emulator.

A connector ships its sandbox as the ``sandbox`` module beside its plugin module (for
``connectors.shopify.plugin`` that is ``connectors.shopify.sandbox``) with a
``main(argv) -> int`` entry point; this command finds it through the connector's entry point,
so third-party connectors get the command by following the same layout.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from types import ModuleType

import typer

from hub.cli.common import console, err_console, print_json

GROUP = "stockhub.connectors"

app = typer.Typer(
    help="Local emulators of the vendors' APIs, for demos and tests (no internet needed).",
    no_args_is_help=True,
)


def sandbox_module(name: str) -> ModuleType | None:
    """The ``sandbox`` module of connector ``name``, or None when it ships none."""
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        return None
    package = found[0].value.split(":")[0].rpartition(".")[0]
    try:
        module = importlib.import_module(f"{package}.sandbox" if package else "sandbox")
    except ModuleNotFoundError:
        return None
    return module if callable(getattr(module, "main", None)) else None


def available() -> list[str]:
    """Names of installed connectors that ship a sandbox."""
    names = sorted({ep.name for ep in entry_points(group=GROUP)})
    return [name for name in names if sandbox_module(name) is not None]


@app.command("list")
def list_sandboxes(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
) -> None:
    """Connectors that ship a sandbox."""
    names = available()
    if as_json:
        print_json(names)
        return
    for name in names:
        console.print(f"{name}    stockhub sandbox run {name} -- --help", markup=False)


@app.command(
    "run",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def run(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Connector name, as `stockhub sandbox list` shows."),
) -> None:
    """Run connector NAME's sandbox until Ctrl-C; the options after NAME are the sandbox's own.

    `stockhub sandbox run NAME -- --help` lists them, e.g.
    `stockhub sandbox run shopify --port 8086 --seeded`.
    """
    module = sandbox_module(name)
    if module is None:
        names = ", ".join(available()) or "none installed"
        err_console.print(f"no sandbox for connector {name!r}; sandboxes: {names}", markup=False)
        raise typer.Exit(2)
    raise typer.Exit(module.main(list(ctx.args)) or 0)

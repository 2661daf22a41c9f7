"""``stockhub stock``: what the ledger says, per location and per channel."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.common import console, handle_errors, open_hub, print_json
from hub.vocabulary import Bucket

app = typer.Typer(help="Show stock levels and available-to-promise.", no_args_is_help=True)


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    sku: str = typer.Argument(..., help="Hub SKU code, e.g. TEE-RED-M."),
    as_json: bool = typer.Option(False, "--json", help="Print the stock view (public format v1)."),
) -> None:
    """Show one SKU: every bucket at every location, ATP and last push per channel, oversold."""
    from hub.stockview import stock_view

    hub = open_hub(ctx)
    with hub.session() as session:
        view = stock_view(session, sku)
    if as_json:
        print_json(view)
        return
    table = Table(title=f"{view['sku']} by location", title_justify="left")
    table.add_column("location")
    for bucket in Bucket:
        table.add_column(bucket.value, justify="right")
    for code, buckets in view["locations"].items():
        table.add_row(code, *(str(buckets[b.value]) for b in Bucket))
    if not view["locations"]:
        table.add_row("(no stock recorded)", *([""] * len(Bucket)))
    console.print(table)
    channels = Table(title=f"{view['sku']} by channel", title_justify="left")
    for column in ("channel", "atp", "last pushed", "pushed at"):
        channels.add_column(column, justify="right" if column != "channel" else "left")
    for code, state in view["channels"].items():
        channels.add_row(
            code, str(state["atp"]), _dash(state["last_pushed"]), _dash(state["pushed_at"])
        )
    console.print(channels)
    style = "bold red" if view["oversold"] else "green"
    console.print(f"oversold: [{style}]{view['oversold']}[/]")


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON (one stock view per SKU)."),
) -> None:
    """Show every SKU with its totals and ATP per channel."""
    from sqlmodel import col, select

    from hub.models import Sku
    from hub.stockview import channel_plans, stock_view

    hub = open_hub(ctx)
    with hub.session() as session:
        plans = channel_plans(session)
        codes = session.exec(select(Sku.code).order_by(col(Sku.code))).all()
        views = [stock_view(session, code, plans) for code in codes]
    if as_json:
        print_json(views)
        return
    channels = list(views[0]["channels"]) if views else []
    table = Table(title="stock", title_justify="left")
    for column in ("sku", "on_hand", "reserved", *channels, "oversold"):
        table.add_column(column, justify="left" if column == "sku" else "right")
    for view in views:
        on_hand = sum(b["on_hand"] for b in view["locations"].values())
        reserved = sum(b["reserved"] for b in view["locations"].values())
        atps = [str(view["channels"][c]["atp"]) for c in channels]
        table.add_row(view["sku"], str(on_hand), str(reserved), *atps, str(view["oversold"]))
    console.print(table)
    if channels:
        console.print("[dim]channel columns are available-to-promise (ATP)[/]")


def _dash(value: object) -> str:
    return "-" if value is None else str(value)

"""``stockhub overview``: the dashboard's first page in a terminal (or as JSON)."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.common import console, handle_errors, open_hub, plain, print_json


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}ms" if value < 1000 else f"{value / 1000:.1f}s"


def _age(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.0f}s"


@handle_errors
def overview(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Channel health with p50/p99 latency, open dead letters and exceptions, stuck work."""
    from hub.ops.overview import overview as gather

    data = gather(open_hub(ctx))
    if as_json:
        print_json(data)
        return
    table = Table(title=f"channels (latency over the last {data['window_s']:g}s)",
                  title_justify="left")  # fmt: skip
    for column in ("channel", "status", "waiting", "oldest change", "p50", "p99", "dead letters",
                   "problem"):  # fmt: skip
        table.add_column(column, overflow="fold")
    for c in data["channels"]:
        status = c["status"] + (" (stuck)" if c["stuck"] else "")
        table.add_row(*plain(c["channel"], status, c["pending"], _age(c["oldest_change_s"]),
                             _ms(c["p50_ms"]), _ms(c["p99_ms"]), c["open_dead_letters"],
                             c["paused_reason"] or c["last_error"] or ""))  # fmt: skip
    console.print(table)
    letters, problems, inbox = data["dead_letters"], data["exceptions"], data["stuck"]["inbox"]
    console.print(f"dead letters open: {letters['open']} (replayed, waiting: "
                  f"{letters['replayed']}) — `stockhub dlq list`", markup=False)  # fmt: skip
    console.print(f"exceptions unresolved: {problems['open']} open, {problems['acknowledged']} "
                  "acknowledged — `stockhub exceptions list`", markup=False)  # fmt: skip
    for kind, count in problems["by_kind"].items():
        console.print(f"  {kind}: {count}", markup=False)
    stuck = ", ".join(data["stuck"]["channels"]) or "none"
    console.print(f"stuck (older than {data['stuck_after_s']:g}s): channels {stuck}; inbox "
                  f"{inbox['stuck']} of {inbox['pending']} waiting", markup=False)  # fmt: skip
    console.print(f"returns in limbo: {data['returns_in_limbo']} — `stockhub returns list "
                  "--limbo`", markup=False)  # fmt: skip

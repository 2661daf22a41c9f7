"""``stockhub events``: canonical events in and out."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import typer

from hub.cli.common import (
    EXIT_REJECTED,
    console,
    handle_errors,
    open_hub,
    print_json,
    problem,
    progress_bar,
)

app = typer.Typer(help="Post and inspect canonical events.", no_args_is_help=True)


@app.command("post")
@handle_errors
def post(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="JSON Lines file of canonical events, or - for stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print every outcome as JSON."),
) -> None:
    """Apply canonical events (one JSON object per line) to the ledger.

    Each event is applied once, in its own transaction: posting the same file again changes
    nothing (every event is reported as a duplicate). Bad lines are reported with their line
    number and field, kept in the exception log, and do not stop the others. Events naming a
    SKU the crosswalk does not know are parked and applied once the mapping exists.
    Exit code 1 if any line was rejected.
    """
    from hub.intake import post_lines

    hub = open_hub(ctx)
    if file == "-":
        lines, origin = sys.stdin.read().splitlines(), "stdin"
    else:
        path = Path(file)
        if not path.is_file():
            problem(f"error: {file}: no such file")
            raise typer.Exit(2)
        lines, origin = path.read_text(encoding="utf-8").splitlines(), path.name
    counts: Counter[str] = Counter()
    results = []
    with progress_bar("posting", len(lines), quiet=as_json) as advance:
        for number, outcome in post_lines(hub, lines, origin):
            counts[outcome.status] += 1
            results.append({"line": number, **outcome.to_dict()})
            if not as_json and outcome.status in ("rejected", "parked"):
                where = f"{outcome.field}: " if outcome.field else ""
                fix = f" ({outcome.fix})" if outcome.fix else ""
                problem(
                    f"{origin}:{number}: {outcome.status}: {where}{outcome.message}{fix}",
                    "red" if outcome.status == "rejected" else "yellow",
                )
            advance()
    summary = {k: counts.get(k, 0) for k in ("applied", "duplicate", "parked", "rejected")}
    if as_json:
        print_json({"summary": summary, "events": results})
    else:
        console.print(", ".join(f"{v} {k}" for k, v in summary.items()))
    if counts["rejected"]:
        raise typer.Exit(EXIT_REJECTED)

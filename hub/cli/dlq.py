"""``stockhub dlq``: the dead-letter queue — list, inspect, edit, replay, discard."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from hub.cli.common import console, handle_errors, open_hub, plain, print_json

app = typer.Typer(
    help="Jobs that gave up (retries exhausted or a permanent error): inspect and act on them.",
    no_args_is_help=True,
)


def _as_dict(letter, *, full: bool = False) -> dict:
    data = letter.model_dump(mode="json")
    if not full:
        data.pop("traceback", None)
        data.pop("payload", None)
        data["history"] = len(data["history"])
    return data


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context,
    status: str = typer.Option("open", help="open, replayed, resolved, discarded, or all."),
    task: str = typer.Option(None, help="Only this task: push, inbox or pull."),
    channel: str = typer.Option(None, help="Only dead letters of this channel."),
    limit: int = typer.Option(100, min=1, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List dead letters, newest first (default: the open ones)."""
    from hub.sync import replay

    hub = open_hub(ctx)
    found = replay.find(hub, status=None if status == "all" else status, task=task,
                        channel=channel, limit=limit)  # fmt: skip
    rows = [_as_dict(letter) for letter in found]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"dead letters ({status})", title_justify="left")
    for column in ("id", "task", "channel", "subject", "attempts", "last failed", "error"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(*plain(r["id"], r["task"], r["channel"], r["subject"], r["attempts"],
                             r["last_failed_at"][:19], r["error"][:200]))  # fmt: skip
    console.print(table)


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    letter_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (payload included)."),
) -> None:
    """Everything about one dead letter: payload, error, traceback, every attempt."""
    from hub.sync import replay

    data = _as_dict(replay.get(open_hub(ctx), letter_id), full=True)
    if as_json:
        print_json(data)
        return
    for key in ("id", "task", "channel", "subject", "status", "error_kind", "error", "attempts",
                "first_failed_at", "last_failed_at", "note"):  # fmt: skip
        console.print(f"[bold]{key}[/]: {data[key]}", markup=True, highlight=False)
    console.print("[bold]attempts[/]:")
    for item in data["history"]:
        console.print(f"  {item.get('at', '')}  {item.get('kind', '')}: {item.get('error', '')}",
                      markup=False)  # fmt: skip
    console.print("[bold]payload[/]:")
    console.print(json.dumps(data["payload"], indent=2), markup=False)
    if data["traceback"]:
        console.print("[bold]traceback[/]:")
        console.print(data["traceback"], markup=False)


@app.command("edit")
@handle_errors
def edit(
    ctx: typer.Context,
    letter_id: int = typer.Argument(..., metavar="ID"),
    payload_file: Path = typer.Argument(..., metavar="FILE", help="JSON file: the new payload."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Replace a dead letter's payload (fix a bad record), then `dlq replay ID`."""
    from hub.errors import ValidationError
    from hub.sync import replay

    try:
        payload = json.loads(payload_file.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{payload_file}: {exc}", field="FILE",
                              fix="give a JSON object (start from `dlq show ID --json`)") from None
    letter = replay.edit(open_hub(ctx), letter_id, payload)
    if as_json:
        print_json({"id": letter_id, "payload": letter.payload})
        return
    console.print(f"dead letter {letter_id}: payload replaced; replay it with "
                  f"`stockhub dlq replay {letter_id}`")  # fmt: skip


@app.command("replay")
@handle_errors
def replay_(
    ctx: typer.Context,
    letter_ids: list[int] = typer.Argument(None, metavar="[ID]...", help="Dead letters to replay."),
    all_: bool = typer.Option(False, "--all", help="Replay every open one (with the filters)."),
    task: str = typer.Option(None, help="With --all: only this task."),
    channel: str = typer.Option(None, help="With --all: only this channel."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Send dead letters back to work (runs here when no worker is configured to take it)."""
    from hub.errors import HubError, ValidationError
    from hub.sync import replay

    hub = open_hub(ctx)
    ids = list(letter_ids or [])
    if not ids and not all_:
        raise ValidationError(
            "nothing to replay", field="ID", fix="give ids, or --all (with --task/--channel)"
        )
    if all_:
        ids += replay.replayable_ids(hub, task=task, channel=channel)
        if not ids and not as_json:
            console.print("no open dead letters match; nothing to replay")
            return
    results: list[dict] = []
    for letter_id in dict.fromkeys(ids):
        try:
            results.append({"id": letter_id, "outcome": replay.replay(hub, letter_id)})
        except HubError as exc:
            results.append({"id": letter_id, "error": str(exc)})
        if not as_json:
            done = results[-1]
            text = done.get("outcome") or f"failed again: {done['error']}"
            console.print(f"{letter_id}: {text}", markup=False,
                          style="red" if "error" in done else None)  # fmt: skip
    failed = sum("error" in r for r in results)
    if as_json:
        print_json({"replayed": len(results) - failed, "failed": failed, "results": results})
    if failed:
        raise typer.Exit(1)


@app.command("discard")
@handle_errors
def discard(
    ctx: typer.Context,
    letter_id: int = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option(..., "--reason", help="Why no action is needed (kept on record)."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Close a dead letter without replaying it; the reason is kept."""
    from hub.sync import replay

    replay.discard(open_hub(ctx), letter_id, reason)
    if as_json:
        print_json({"id": letter_id, "status": "discarded", "reason": reason})
        return
    console.print(f"dead letter {letter_id} discarded")

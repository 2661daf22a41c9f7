"""``stockhub channels``: health of every channel; pause and resume pushes."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.common import console, handle_errors, open_hub, print_json

app = typer.Typer(help="Channel health; pause and resume pushes.", no_args_is_help=True)


def health(hub) -> list[dict]:
    import sqlalchemy as sa
    from sqlmodel import select

    from hub.models import PushOutbox
    from hub.sync.state import ensure_state

    rows = []
    with hub.session() as session:
        owed = dict(session.exec(
            select(PushOutbox.channel, sa.func.count()).group_by(PushOutbox.channel)
        ).all())  # fmt: skip
        for channel in hub.settings.channels:
            st = ensure_state(session, channel.code)
            rows.append({
                "channel": channel.code, "connector": channel.connector,
                "status": "paused" if st.paused else ("failing" if st.last_error else "ok"),
                "paused_reason": st.paused_reason, "pending": owed.get(channel.code, 0),
                "consecutive_failures": st.consecutive_failures, "last_error": st.last_error,
                "last_success_at": st.last_success_at.isoformat() if st.last_success_at else None,
            })  # fmt: skip
    return rows


@app.command("list")
@handle_errors
def list_(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Every channel: ok / failing / paused, SKUs waiting to be pushed, last success."""
    rows = health(open_hub(ctx))
    if as_json:
        print_json(rows)
        return
    table = Table(title="channels", title_justify="left")
    for column in ("channel", "connector", "status", "pending", "last success", "problem"):
        table.add_column(column, overflow="fold")
    for r in rows:
        trouble = r["paused_reason"] or r["last_error"] or ""
        table.add_row(r["channel"], r["connector"], r["status"], str(r["pending"]),
                      (r["last_success_at"] or "")[:19], trouble, markup=False)  # fmt: skip
    console.print(table)


@app.command("pause")
@handle_errors
def pause(
    ctx: typer.Context,
    channel: str = typer.Argument(...),
    reason: str = typer.Option("paused by an operator", help="Why (shown in `channels list`)."),
) -> None:
    """Stop pushing to a channel; its changes keep coalescing until it is resumed."""
    from hub.sync import state
    from hub.sync.runtime import channel_config

    hub = open_hub(ctx)
    channel_config(hub, channel)
    with hub.session() as session:
        changed = state.pause(session, channel, reason)
    console.print(f"{channel}: {'paused' if changed else 'was already paused'}")


@app.command("resume")
@handle_errors
def resume(ctx: typer.Context, channel: str = typer.Argument(...)) -> None:
    """Resume pushes: one push of the latest value of everything that changed meanwhile."""
    from hub.sync import publish, state
    from hub.sync.push import push_channel
    from hub.sync.runtime import channel_runtime

    hub = open_hub(ctx)
    channel_runtime(hub, channel)
    with hub.session() as session:
        changed = state.resume(session, channel)
    if not changed:
        console.print(f"{channel}: was not paused")
        return
    if hub.publisher is not None:
        publish.wake_pushes(hub, [channel])
        console.print(f"{channel}: resumed; catch-up push queued")
        return
    run = push_channel(hub, channel)
    console.print(f"{channel}: resumed; pushed {run.pushed} SKU(s) in {run.calls} call(s), "
                  f"{run.unchanged} already current")  # fmt: skip

"""``stockhub sync push|pull`` and ``stockhub reconcile``: engine work run right here, now."""

from __future__ import annotations

import typer

from hub.cli.common import console, handle_errors, open_hub, print_json

app = typer.Typer(help="Run pushes and pulls now, in this process.", no_args_is_help=True)


def _channels(hub, channel: str | None) -> list[str]:
    from hub.sync.runtime import channel_runtime

    if channel:
        channel_runtime(hub, channel)  # unknown channel: a clear error with its fix
        return [channel]
    return [c.code for c in hub.settings.channels]


@app.command("push")
@handle_errors
def push(
    ctx: typer.Context,
    channel: str = typer.Option(None, help="Only this channel (default: every channel)."),
    all_skus: bool = typer.Option(False, "--all-skus", help="Re-send every SKU, changed or not."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Push what each channel is owed (coalesced, batched, rate-limited)."""
    from sqlmodel import select

    from hub.errors import HubError
    from hub.models import Sku
    from hub.sync import outbox
    from hub.sync.push import push_channel

    hub = open_hub(ctx)
    codes = _channels(hub, channel)
    if all_skus:
        with hub.session() as session:
            outbox.enqueue(session, list(session.exec(select(Sku.code))), channels=codes,
                           force=True)  # fmt: skip
    results = []
    for code in codes:
        try:
            run = push_channel(hub, code)
            results.append({"channel": code, **run.__dict__})
        except HubError as exc:
            results.append({"channel": code, "status": "failed", "error": exc.message})
    if as_json:
        print_json(results)
        return
    for r in results:
        if r["status"] == "failed":
            console.print(f"{r['channel']}: failed: {r['error']}", markup=False, style="red")
        else:
            console.print(f"{r['channel']}: {r['status']}; pushed {r['pushed']}, unchanged "
                          f"{r['unchanged']}, rejected {r['rejected']}, {r['calls']} call(s)",
                          markup=False)  # fmt: skip


@app.command("pull")
@handle_errors
def pull(
    ctx: typer.Context,
    channel: str = typer.Option(None, help="Only this channel (default: every channel)."),
) -> None:
    """Pull orders, returns and (from stock-owning channels) counts since the stored cursors."""
    from hub.errors import HubError
    from hub.sync.pull import pull_channel, pullable

    hub = open_hub(ctx)
    for code in _channels(hub, channel):
        try:
            for resource in pullable(hub, code):
                run = pull_channel(hub, code, resource)
                console.print(f"{code} {resource.value}: {run.stored} new record(s), "
                              f"{run.applied} applied, {run.duplicates} already had",
                              markup=False)  # fmt: skip
        except HubError as exc:
            console.print(f"{code}: failed: {exc.message}", markup=False, style="red")


@handle_errors
def reconcile(
    ctx: typer.Context,
    channel: str = typer.Option(None, help="Only this channel (default: every channel)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Compare what channels report with the ledger; record drift, heal it by re-pushing."""
    from hub.cli.common import progress_bar
    from hub.sync.push import push_channel
    from hub.sync.reconcile import reconcile as run_reconcile

    hub = open_hub(ctx)
    codes = _channels(hub, channel)
    with progress_bar("reconciling (levels checked)", None, quiet=as_json) as advance:
        report = run_reconcile(hub, codes, progress=advance)
    healed = {code: push_channel(hub, code).pushed for code in report.channels}
    data = {**report.as_dict(), "pushed": healed}
    if as_json:
        print_json(data)
        return
    console.print(f"checked {report.levels} level(s) on {', '.join(report.channels) or 'none'}: "
                  f"{report.channel_drift} channel drift, {report.location_drift} location drift,"
                  f" {report.counts_applied} count(s) applied, re-pushed {sum(healed.values())}",
                  markup=False)  # fmt: skip
    for code, why in report.skipped.items():
        console.print(f"  skipped {code}: {why}", markup=False)

"""``stockhub init``: a working hub in a folder, in one command."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer

from hub.cli.common import console, handle_errors

SAMPLE = Path(__file__).resolve().parents[1] / "sample"


def sample_mappings() -> Path:
    """The shipped sample mappings: packaged in a wheel, or the repo's ``mappings/`` folder."""
    packaged = SAMPLE / "mappings"
    return packaged if packaged.is_dir() else SAMPLE.parents[1] / "mappings"


@handle_errors
def init(
    ctx: typer.Context,
    directory: Path = typer.Option(Path("."), "--dir", help="Folder to initialise."),
    sample: bool = typer.Option(
        True, "--sample/--empty", help="Load the sample item master and a demo day of events."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing stockhub.toml."),
) -> None:
    """Create stockhub.toml, the mappings folder and the embedded SQLite store.

    Safe to run again: the schema is migrated, items are upserted, mappings reloaded and events
    already applied are recognised as duplicates. Existing files are kept unless --force.
    """
    from hub.app import open_hub
    from hub.intake import post_lines
    from hub.item_import import import_items
    from hub.ledger import release_parked
    from hub.store import upgrade

    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "stockhub.toml"
    if force or not config.exists():
        shutil.copyfile(SAMPLE / "stockhub.toml", config)
        console.print(f"wrote {config}")
    else:
        console.print(f"kept existing {config}")
    mappings = directory / "mappings"
    if not mappings.exists():
        shutil.copytree(sample_mappings(), mappings, ignore=shutil.ignore_patterns("README.md"))
        console.print(f"wrote {mappings}/")
    hub = open_hub(config, check_schema=False)
    upgrade(hub.engine)
    hub.sync_topology()
    console.print(f"database ready: {hub.settings.database_url}")
    from hub.cli.mappings import load_mappings

    load_mappings(hub, quiet=False)
    if sample:
        report = import_items(hub.engine, SAMPLE / "items.csv")
        console.print(f"item master: {report.imported} sample SKU(s)")
        lines = (SAMPLE / "events.jsonl").read_text(encoding="utf-8").splitlines()
        outcomes = [outcome for _, outcome in post_lines(hub, lines, "sample-events.jsonl")]
        applied = sum(o.status == "applied" for o in outcomes)
        console.print(
            f"demo day: {applied} event(s) applied, {len(outcomes) - applied} already known"
        )
        release_parked(hub.engine, hub.policy)
    console.print("next: [bold]stockhub stock list[/], [bold]stockhub stock show TEE-RED-M[/]")

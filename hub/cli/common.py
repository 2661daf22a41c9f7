"""What every command shares: the console, hub opening, error display, JSON output."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from hub.errors import HubError

# Off a terminal (pipes, CI logs) rich would assume 80 columns and squeeze tables; tables size
# to their content, so a generous width only stops the truncation.
_WIDTH = int(os.environ.get("COLUMNS", "0")) or (None if sys.stdout.isatty() else 200)
console = Console(width=_WIDTH)
err_console = Console(stderr=True, soft_wrap=True)  # one problem per line, never wrapped

F = TypeVar("F", bound=Callable[..., Any])

#: Exit codes: 0 success, 1 some input was rejected, 2 the command itself could not run.
EXIT_REJECTED = 1
EXIT_ERROR = 2


def config_path(ctx: typer.Context) -> Path | None:
    obj = ctx.find_root().obj or {}
    return obj.get("config")


def open_hub(ctx: typer.Context, *, check_schema: bool = True):
    from hub.app import open_hub as _open

    return _open(config_path(ctx), check_schema=check_schema)


def handle_errors(func: F) -> F:
    """Show a HubError as one readable message (field, problem, fix) instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except HubError as exc:
            err_console.print(f"[bold red]error:[/] {_escape(str(exc))}")
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper  # type: ignore[return-value]


def problem(text: object, colour: str = "red") -> None:
    """Print one problem line to stderr, literally (no markup, never wrapped)."""
    err_console.print(f"[{colour}]{_escape(str(text))}[/]", highlight=False)


@contextmanager
def progress_bar(
    label: str, total: int | None, *, quiet: bool = False
) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for long work; yields ``advance(n)``. Hidden with --json.

    ``total=None`` when the amount is not known up front (streamed pages): it counts instead.
    """
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, disable=quiet, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n=1: progress.advance(task, n)


def plain(*cells: object) -> list[Any]:
    """Table cells shown literally: vendor messages may hold ``[brackets]`` rich would parse."""
    from rich.text import Text

    return [Text("" if cell is None else str(cell)) for cell in cells]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)

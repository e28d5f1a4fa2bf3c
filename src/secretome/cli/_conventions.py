"""The conventions every command shares: output format, store and output options, printing, progress bars."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from secretome import ProgressCallback, Result
from secretome.errors import InputError, shorten

stderr = Console(stderr=True)


def print_error(message: str) -> None:
    """``error: <message>`` on stderr, one line whatever the message holds."""
    stderr.print(f"[red]error:[/red] {escape(shorten(message, 10_000))}", highlight=False, soft_wrap=True)


def print_warning(message: Warning | str, *_: object, **__: object) -> None:
    """``warning: <message>`` on stderr, one line, in place of Python's file:line warning format.

    Its signature is :func:`warnings.showwarning`'s, so that the CLI can install it while a command runs.
    """
    stderr.print(f"[yellow]warning:[/yellow] {escape(shorten(str(message), 10_000))}", highlight=False, soft_wrap=True)


class Format(StrEnum):
    """What is printed on stdout."""

    text = "text"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format", help="What to print on stdout: text or json.")]
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Store URL (sqlite:///file.db or postgresql://...); default: the bundled corpus."),
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Write the output file here.")]


def checked_out(out: Path | None, fmt: str, extensions: dict[str, str]) -> Path | None:
    """*out* if a *fmt* file may be written there (format by name, target kind), checked before any work."""
    if out is not None:
        from secretome._files import check_output_path, output_format

        try:
            output_format(out, fmt, extensions)
        except InputError as exc:  # these commands have no --to: the name given is what to change
            raise InputError(exc.reason, file=exc.file, field="--out") from None
        check_output_path(out)
    return out


CSV = {".csv": "csv"}


def emit(result: Result, fmt: Format) -> None:
    """Print *result* on stdout as its summary or as JSON."""
    if fmt is Format.json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        typer.echo(result.summary())


@contextmanager
def progress_bar() -> Iterator[ProgressCallback]:
    """A progress callback drawn with rich on stderr, so stdout stays clean for pipes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
        # Off when stderr is a file or pipe: a bar there is noise (and rich leaves an empty line).
        disable=not stderr.is_terminal,
    ) as bar:
        tasks: dict[str, int] = {}

        def callback(task: str, done: int, total: int | None) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total)
            bar.update(tasks[task], completed=done, total=total)

        yield callback

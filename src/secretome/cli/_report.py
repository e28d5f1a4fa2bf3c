"""``secretome report``: the main job."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secretome.cli._conventions import DbOption, Format, FormatOption, emit, progress_bar
from secretome.errors import InputError


def report(
    db: DbOption = None,
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="Folder of study files to report on (not with --db); default: bundled."),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder to write the report into.")] = Path("report"),
    open_: Annotated[bool, typer.Option("--open", help="Open the report in a browser when done.")] = False,
    subjects: Annotated[int, typer.Option(min=20, help="Virtual subjects per preset for the model's bands.")] = 1000,
    trajectories: Annotated[int, typer.Option(min=2, help="Morris trajectories for influential parameters.")] = 8,
    fmt: FormatOption = Format.text,
) -> None:
    """Build the living state-of-the-art report (self-contained HTML) from the bundled corpus, --corpus or --db."""
    import webbrowser

    from secretome.report import build_report

    if db is not None and corpus is not None:
        raise InputError("give a store (--db) or a folder of study files (--corpus), not both", field="corpus")
    with progress_bar() as progress:
        result = build_report(
            out, db=db, corpus=corpus, subjects=subjects, trajectories=trajectories, progress=progress
        )
    emit(result, fmt)
    if open_:
        webbrowser.open(Path(result.html).resolve().as_uri())

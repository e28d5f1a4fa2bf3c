"""``secretome evidence ...``: the evidence base."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from secretome.cli._common import DbOption, Format, FormatOption, OutOption, not_landed

app = typer.Typer(help="The evidence base: import, list, show, export, de-duplicate, map.", no_args_is_help=True)

_ENGINE = ("The evidence engine", 4)


class ImportFormat(StrEnum):
    auto = "auto"
    ris = "ris"
    nbib = "nbib"
    pubmed_xml = "pubmed-xml"
    bibtex = "bibtex"
    csv = "csv"
    xlsx = "xlsx"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    ris = "ris"


class TemplateFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Literature exports or extraction sheets.")],
    db: DbOption = None,
    from_: Annotated[ImportFormat, typer.Option("--from", help="File format; auto: by extension.")] = ImportFormat.auto,
    source: Annotated[str | None, typer.Option("--source", help="Database the file came from (PubMed...).")] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Import FILES into the store, each as one transaction."""
    not_landed(*_ENGINE)


@app.command("list")
def list_(db: DbOption = None, fmt: FormatOption = Format.text) -> None:
    """List the studies in the store."""
    not_landed(*_ENGINE)


@app.command()
def show(
    study_id: Annotated[str, typer.Argument(help="Study id.")], db: DbOption = None, fmt: FormatOption = Format.text
) -> None:
    """Show one study with its results and their provenance."""
    not_landed(*_ENGINE)


@app.command()
def export(
    db: DbOption = None,
    to: Annotated[ExportFormat, typer.Option("--to", help="File format.")] = ExportFormat.csv,
    out: OutOption = None,
) -> None:
    """Export the studies (csv, json with provenance, ris)."""
    not_landed(*_ENGINE)


@app.command()
def dedupe(
    db: DbOption = None,
    undo: Annotated[str | None, typer.Option("--undo", help="Undo the merge with this id.")] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Link duplicate records to a canonical record and report each merge and why."""
    not_landed(*_ENGINE)


@app.command("map")
def map_(db: DbOption = None, out: OutOption = None, fmt: FormatOption = Format.text) -> None:
    """Count studies by MSC source x product x outcome domain x design."""
    not_landed(*_ENGINE)


@app.command()
def template(
    out: Annotated[Path, typer.Option("--out", help="Where to write the extraction sheet.")],
    to: Annotated[TemplateFormat, typer.Option("--to", help="File format.")] = TemplateFormat.csv,
) -> None:
    """Write an empty extraction sheet that `evidence import` reads back."""
    not_landed(*_ENGINE)

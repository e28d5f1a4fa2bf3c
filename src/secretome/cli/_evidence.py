"""``secretome evidence ...``: the evidence base (imported inside each command, so help stays fast)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from secretome.cli._conventions import CSV, DbOption, Format, FormatOption, OutOption, checked_out, emit, progress_bar
from secretome.errors import InputError

app = typer.Typer(
    help="The evidence base: import, list, show, export, de-duplicate, screen, PRISMA counts, map.",
    no_args_is_help=True,
)


@app.command()
def init(
    db: Annotated[
        str, typer.Option("--db", help="Store URL to create or upgrade (sqlite:///file.db, postgresql://...).")
    ],
    corpus: Annotated[Path | None, typer.Option("--corpus", help="Folder of study files; default: bundled.")] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Create the store at --db (or upgrade it) and compile the curated corpus into it."""
    from secretome import evidence

    with progress_bar() as progress, evidence.create_store(db, corpus=corpus, progress=progress) as store:
        emit(evidence.describe_store(store), fmt)


class ImportFormat(StrEnum):
    auto = "auto"
    ris = "ris"
    nbib = "nbib"
    pubmed_xml = "pubmed-xml"
    bibtex = "bibtex"
    csv = "csv"
    xlsx = "xlsx"


class ExportFormat(StrEnum):
    corpus = "corpus"
    csv = "csv"
    json = "json"
    ris = "ris"
    xlsx = "xlsx"


class Classifier(StrEnum):
    svm = "svm"
    logistic = "logistic"
    nb = "nb"


class QueryStrategy(StrEnum):
    max = "max"
    uncertainty = "uncertainty"
    mixed = "mixed"


class TemplateFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Literature exports or extraction sheets.")],
    db: Annotated[str, typer.Option("--db", help="Store URL (create it with `secretome evidence init`).")],
    from_: Annotated[ImportFormat, typer.Option("--from", help="File format; auto: by extension.")] = ImportFormat.auto,
    source: Annotated[str | None, typer.Option("--source", help="Database the file came from (PubMed...).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who imports, in the audit log; default: your login.")] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Import FILES into the store in one transaction (all or nothing); a file imported before changes nothing."""
    from secretome import evidence

    with progress_bar() as progress, evidence.open_store(db) as store:
        options = {"file_format": from_.value, "source_database": source, "actor": by, "progress": progress}
        result = evidence.import_files(store, files, **options)
    emit(result, fmt)


@app.command("list")
def list_(db: DbOption = None, fmt: FormatOption = Format.text) -> None:
    """List the studies in the store."""
    from secretome import evidence

    with evidence.open_store(db) as store:
        emit(evidence.list_studies(store), fmt)


@app.command()
def show(
    study_id: Annotated[str, typer.Argument(help="Study id.")], db: DbOption = None, fmt: FormatOption = Format.text
) -> None:
    """Show one study with its results and their provenance."""
    from secretome import evidence

    with evidence.open_store(db) as store:
        emit(evidence.get_study(store, study_id), fmt)


@app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="Write the output file (for --to corpus: folder) here.")],
    db: DbOption = None,
    to: Annotated[ExportFormat | None, typer.Option("--to", help="File format; default: by the file name.")] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Export the studies (csv, json with every result's provenance, ris, xlsx; corpus: a folder of study files)."""
    from secretome import evidence

    with evidence.open_store(db) as store:
        emit(evidence.export_studies(store, to and to.value, out), fmt)


@app.command()
def dedupe(
    db: Annotated[str, typer.Option("--db", help="Store URL with imported records.")],
    undo: Annotated[str | None, typer.Option("--undo", help="Undo the merge with this id.")] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Link duplicate records to a canonical record and report each merge and why (ASySD rules)."""
    from secretome import evidence

    with progress_bar() as progress, evidence.open_store(db) as store:
        result = evidence.dedupe_records(store, progress=progress) if undo is None else evidence.undo_merge(store, undo)
    emit(result, fmt)


@app.command("map")
def map_(db: DbOption = None, out: OutOption = None, fmt: FormatOption = Format.text) -> None:
    """Count studies by MSC source x product x outcome domain x design (--out writes the table as CSV)."""
    from secretome import evidence

    checked_out(out, "csv", CSV)

    with evidence.open_store(db) as store:
        emit(evidence.evidence_map(store, out=out), fmt)


@app.command()
def template(
    out: Annotated[Path, typer.Option("--out", help="Where to write the extraction sheet.")],
    to: Annotated[TemplateFormat | None, typer.Option("--to", help="File format; default: by the file name.")] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Write an empty extraction sheet that `evidence import` reads back."""
    from secretome import evidence

    emit(evidence.write_template(out, to=to and to.value), fmt)


class Decision(StrEnum):
    include = "include"
    exclude = "exclude"


class Stage(StrEnum):
    title_abstract = "title-abstract"
    full_text = "full-text"


@app.command()
def screen(
    db: Annotated[str, typer.Option("--db", help="Store URL with imported records.")],
    record: Annotated[int | None, typer.Option("--record", help="Id of the record screened.")] = None,
    decision: Annotated[Decision | None, typer.Option("--decision", help="include or exclude.")] = None,
    stage: Annotated[Stage | None, typer.Option("--stage", help="title-abstract or full-text.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required to exclude at full text).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who decided.")] = None,
    study: Annotated[str | None, typer.Option("--study", help="Link an included full text to this study.")] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="Record every decision of this CSV (--stage, --by: its defaults).")
    ] = None,
    next_: Annotated[
        int | None,
        typer.Option(
            "--next", min=1, help="Print the next N records to screen, ranked by active learning on the decisions."
        ),
    ] = None,
    classifier: Annotated[
        Classifier, typer.Option("--classifier", help="Ranking model (with --next).")
    ] = Classifier.svm,
    fmt: FormatOption = Format.text,
) -> None:
    """Record a screening decision on a record, or all decisions of a CSV (--csv) in one transaction;
    or, with --next N, list the next records to screen in priority order with the stopping rules' verdicts."""
    from secretome import evidence

    with evidence.open_store(db) as store:
        if next_ is not None:
            result = evidence.rank_records(
                store, next_, stage=(stage.value if stage else "title_abstract"), classifier=classifier.value
            )
        elif csv is not None:
            result = evidence.import_decisions(store, csv, stage=stage and stage.value, reviewer=by)
        else:
            given = {"--record": record, "--decision": decision, "--stage": stage, "--by": by}
            if missing := [name for name, value in given.items() if value is None]:
                raise InputError("give --csv, or " + ", ".join(given), field=missing[0])
            result = evidence.screen_record(
                store, record, decision, stage=stage, reviewer=by, reason=reason, study_id=study
            )
    emit(result, fmt)


@app.command()
def simulate(
    labelled: Annotated[Path, typer.Argument(help="Labelled records: CSV (title, abstract, included) or RIS.")],
    seeds: Annotated[int, typer.Option("--seeds", min=1, max=100, help="Runs, seeds 0..N-1.")] = 5,
    classifier: Annotated[Classifier, typer.Option("--classifier", help="Ranking model.")] = Classifier.svm,
    query: Annotated[QueryStrategy, typer.Option("--query", help="Query strategy.")] = QueryStrategy.max,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Records screened between retrainings.")] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for recall.png, runs.csv and simulation.json.")
    ] = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Replay active-learning screening on labelled records: WSS@95, WSS@100, RRF@10, ATD and stopping rules."""
    from secretome import evidence

    with progress_bar() as progress:
        result = evidence.simulate_screening(
            labelled,
            classifier=classifier.value,
            query_strategy=query.value,
            seeds=range(seeds),
            batch=batch,
            progress=progress,
        )
    if out is not None:
        evidence.write_simulation(result, out)
    emit(result, fmt)


@app.command()
def prisma(db: DbOption = None, fmt: FormatOption = Format.text) -> None:
    """Count the PRISMA 2020 flow diagram from the records, duplicate links and screening decisions."""
    from secretome import evidence

    with evidence.open_store(db) as store:
        emit(evidence.prisma_counts(store), fmt)

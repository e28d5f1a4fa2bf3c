"""Importing literature exports into the store: every file is one import batch, all files one transaction.

All files are read and checked before anything is written, and all are written in one transaction,
so a bad record anywhere, or a file the store refuses, aborts the whole command with the file, line,
record and field named, and the store unchanged: ``import a.ris b.csv`` keeps neither if b.csv fails.
A file whose bytes were imported before (same SHA-256) is skipped: re-importing a file changes nothing.
Each file imported is an entry of the audit log (``records.import``: who, when, the file, how many
records and studies it added), written in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from secretome._login import login_name
from secretome._progress import ProgressCallback, track
from secretome._result import Result, json_safe
from secretome.errors import InputError, NotLandedError, check_choice
from secretome.evidence import _models as orm
from secretome.evidence._audit import record_event
from secretome.evidence._bibtex import read_bibtex
from secretome.evidence._nbib import read_nbib
from secretome.evidence._pubmed_xml import read_pubmed_xml
from secretome.evidence._records import BibRecord
from secretome.evidence._ris import read_ris
from secretome.evidence._sheet import SheetStudy, read_sheet
from secretome.evidence._store import Store, study_row

__all__ = ["IMPORT_FORMATS", "FileImport", "ImportResult", "detect_format", "import_files"]

IMPORT_FORMATS = ("auto", "ris", "nbib", "pubmed-xml", "bibtex", "csv", "xlsx")

_READERS: dict[str, Callable[..., list[BibRecord]]] = {
    "ris": read_ris,
    "nbib": read_nbib,
    "pubmed-xml": read_pubmed_xml,
    "bibtex": read_bibtex,
}
_EXTENSIONS = {".ris": "ris", ".nbib": "nbib", ".bib": "bibtex", ".bibtex": "bibtex", ".xml": "pubmed-xml"}
_EXTENSIONS |= {".csv": "csv", ".xlsx": "xlsx"}
_SHEETS = ("csv", "xlsx")  # extraction sheets: studies, not bibliographic records


@dataclass(frozen=True, slots=True)
class FileImport:
    """One file: its format, the batch it became (or was already), its records or studies, whether skipped."""

    file: str
    format: str
    source_database: str | None
    batch_id: int
    n_records: int
    n_studies: int
    skipped: bool


@dataclass(frozen=True, slots=True)
class ImportResult(Result):
    """The files of one ``evidence import``; ``to_frame()`` has one row per file."""

    store: str
    files: tuple[FileImport, ...]

    def summary(self) -> str:
        """One line per file.

        >>> print(ImportResult("sqlite:///e.db", (FileImport("a.ris", "ris", None, 1, 3, 0, False),)).summary())
        Imported into sqlite:///e.db: 3 records, 0 studies from 1 of 1 files
          a.ris (ris): 3 records, batch 1
        """
        added = [f for f in self.files if not f.skipped]
        lines = [
            f"Imported into {self.store}: {sum(f.n_records for f in added)} records, "
            f"{sum(f.n_studies for f in added)} studies from {len(added)} of {len(self.files)} files"
        ]
        for f in self.files:
            state = f"already imported as batch {f.batch_id}; nothing changed" if f.skipped else f"batch {f.batch_id}"
            what = f"{f.n_studies} studies" if f.format in _SHEETS else f"{f.n_records} records"
            lines.append(f"  {f.file} ({f.format}): {what}, {state}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per file."""
        return pd.DataFrame([json_safe(f) for f in self.files], columns=list(FileImport.__dataclass_fields__))


def detect_format(path: str | Path) -> str:
    """The import format of *path* from its extension; ``.txt`` is PubMed's nbib if it starts with ``PMID-``.

    >>> detect_format("savedrecs.ris"), detect_format("pubmed-set.nbib"), detect_format("refs.bib")
    ('ris', 'nbib', 'bibtex')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix == ".txt" and path.is_file():
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            head = handle.read(4096).lstrip()
        if head.startswith("PMID-"):
            return "nbib"
        if head.startswith("TY  -"):
            return "ris"
    raise InputError(
        f"cannot tell the format from the extension; name it ({', '.join(IMPORT_FORMATS[1:])})",
        file=str(path),
        field="file_format",
        value=suffix,
    )


@dataclass(frozen=True, slots=True)
class _File:
    path: Path
    format: str
    sha256: str
    records: list[BibRecord]
    studies: list[SheetStudy]


def _read(path: Path, file_format: str, source_database: str | None) -> _File:
    fmt = detect_format(path) if file_format == "auto" else file_format
    if fmt not in (*_READERS, *_SHEETS):
        raise NotLandedError(f"importing {fmt} files is not available yet; nothing was imported")
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if fmt in _SHEETS:
        return _File(path, fmt, digest, [], read_sheet(path, sheet_format=fmt))
    kwargs = {} if source_database is None else {"source_database": source_database}
    return _File(path, fmt, digest, _READERS[fmt](path, **kwargs), [])


def _record_row(record: BibRecord, position: int, batch_id: int) -> dict[str, object]:
    """The column values of one record row (plain values: one batched INSERT writes them all)."""
    return {
        "batch_id": batch_id,
        "position": position,
        "source_database": record.source_database,
        "record_type": record.record_type,
        "authors": list(record.authors),
        "year": record.year,
        "title": record.title,
        "journal": record.journal,
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages,
        "doi": record.doi,
        "pmid": record.pmid,
        "url": record.url,
        "keywords": list(record.keywords),
        "abstract": record.abstract,
    }


def import_files(
    store: Store,
    files: Sequence[str | Path],
    *,
    file_format: str = "auto",
    source_database: str | None = None,
    actor: str | None = None,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Import literature exports into *store*, each file as one batch, all in one transaction.

    Parameters
    ----------
    store : Store
        An existing store (:func:`~secretome.evidence.open_store` with a URL).
    files : sequence of str or Path
        RIS, PubMed nbib, PubMed XML or BibTeX files (bibliographic records), or CSV or XLSX extraction sheets
        (:mod:`._sheet`: validated studies, stored beside the curated corpus).
    file_format : str
        One of :data:`IMPORT_FORMATS`; ``auto`` chooses by extension (:func:`detect_format`).
    source_database : str, optional
        The database the files came from (PubMed, Embase, Scopus...); default: what the file says
        (RIS ``DB`` tag), ``PubMed`` for nbib, else none.
    actor : str, optional
        Who imports, as the audit log names them (1-80 characters); default: the login name of this
        process.
    progress : callable, optional
        Called as ``progress(task, done, total)``.

    Returns
    -------
    ImportResult
        Per file: format, batch id, number of records and whether it was skipped as already imported.

    Raises
    ------
    InputError
        A file is missing or a record is bad (file, line, record and field named), or a sheet's study
        id is taken, or *actor* is empty or longer than 80 characters; nothing of any file is written.
    StoreBusyError
        Another process kept the store locked past the busy timeout; nothing is written.
    NotLandedError
        An XLSX sheet without openpyxl installed.
    """
    check_choice("from", file_format, IMPORT_FORMATS, owner="import_files")
    if not files:
        raise InputError("give at least one file to import", field="files")
    actor = login_name() if actor is None else actor.strip()
    if not 1 <= len(actor) <= 80:
        raise InputError("a name of 1-80 characters", field="actor", value=actor)
    read = [_read(Path(f), file_format, source_database) for f in track(files, "reading files", progress)]
    done = []
    with store.session() as session:
        for file in read:
            batch = session.scalar(sa.select(orm.ImportBatch).where(orm.ImportBatch.sha256 == file.sha256))
            skipped = batch is not None
            if batch is None:
                records = file.records
                database = source_database or next((r.source_database for r in records if r.source_database), None)
                batch = orm.ImportBatch(
                    file_name=file.path.name,
                    sha256=file.sha256,
                    file_format=file.format,
                    source_database=database,
                    imported_at=datetime.now(UTC),
                    n_records=len(records),
                )
                session.add(batch)
                session.flush()  # gives batch.id to its records and to the studies of a sheet
                if records:
                    # One executemany INSERT, not an ORM object per record: 100,000 objects cost seconds.
                    rows = [_record_row(r, i, batch.id) for i, r in enumerate(records, start=1)]
                    session.execute(sa.insert(orm.Record), rows)
                _add_studies(session, batch, file)
                detail = {"batch_id": batch.id, "file": batch.file_name, "format": file.format}
                detail |= {"source_database": database, "records_added": len(records)}
                record_event(
                    session, actor, "records.import", batch.file_name, detail | {"studies_added": len(file.studies)}
                )
            n_studies = session.scalar(sa.select(sa.func.count()).where(orm.Study.batch_id == batch.id)) or 0
            source = batch.source_database
            done.append(FileImport(str(file.path), file.format, source, batch.id, batch.n_records, n_studies, skipped))
    return ImportResult(store=store.url, files=tuple(done))


def _add_studies(session: Session, batch: orm.ImportBatch, file: _File) -> None:
    if not file.studies:
        return
    ids = [s.study.id for s in file.studies]
    taken = set(session.scalars(sa.select(orm.Study.id).where(orm.Study.id.in_(ids))))
    for sheet_study in file.studies:
        if sheet_study.study.id in taken:
            raise InputError(
                "the store already has a study with this id",
                file=str(file.path),
                row=sheet_study.rows[0],
                record=sheet_study.study.id,
                field="study_id",
            )
        row = study_row(sheet_study.study, sheet_study.document)
        row.batch_id = batch.id
        session.add(row)

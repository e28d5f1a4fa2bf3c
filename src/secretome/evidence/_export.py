"""Exporting the studies of a store: JSON with provenance, a tidy CSV of results, RIS references.

- ``json``: every study as its validated content; every result carries a ``provenance`` object
  with ``source``, ``location``, ``quote``, ``status`` (and ``method`` for computed values).
- ``csv``: one row per result and arm (tidy), with the provenance columns on every row.
- ``xlsx``: the same table as the CSV, in an Excel workbook (one sheet, ``results``).
- ``ris``: one reference per study (``TY JOUR``), readable by rispy, Zotero, EndNote and Rayyan.
- ``corpus``: a folder of study files, ``<id>.yaml`` each, in the corpus format
  (``docs/corpus-format.md``): what ``evidence init --corpus`` and :func:`load_corpus` read back,
  so that studies edited in the workbench return to the curated, reviewable files.

Without a format, the file name's extension chooses it; a format that contradicts the extension is
refused. Files are written whole or not at all (:mod:`secretome._files`); the files of a corpus
folder all together or none.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import rispy
import sqlalchemy as sa
import yaml

from secretome import vocab
from secretome._files import atomic_write_bytes, atomic_write_files, output_format
from secretome._result import Result
from secretome.errors import InputError, OutputError, check_choice
from secretome.evidence import _models as orm
from secretome.evidence._catalogue import get_studies
from secretome.evidence._corpus import read_study_document
from secretome.evidence._schema import ARM_STATISTICS, SCHEMA_VERSION, Study, parse_study
from secretome.evidence._store import Store
from secretome.evidence._yaml_text import load_yaml

__all__ = ["EXPORT_FORMATS", "ExportResult", "export_studies", "study_files"]

EXPORT_FORMATS = ("corpus", "csv", "json", "ris", "xlsx")
_EXTENSIONS = {".csv": "csv", ".json": "json", ".ris": "ris", ".xlsx": "xlsx"}

_CSV_COLUMNS = [
    "study_id", "doi", "pmid", "year", "design", "result", "outcome", "outcome_domain", "timepoint",
    "timepoint_days", "treatment", "control", "kind", "arm", "n", "events", "mean", "sd", "se", "median",
    "q1", "q3", "min", "max", "measure", "estimate", "ci_lb", "ci_ub", "effect_se", "level", "direction",
    "significant", "p", "source", "location", "quote", "status", "method",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExportResult(Result):
    """What was written: the file (or corpus folder), its format and how many studies and results it holds.

    For a corpus folder, *n_unchanged* counts the study files that already held their study and were
    left as they were (so their layout and comments stay, and a diff shows only what changed).
    """

    path: str
    format: str
    n_studies: int
    n_results: int
    n_unchanged: int = 0

    def summary(self) -> str:
        """One line.

        >>> ExportResult("refs.ris", "ris", 2, 5).summary()
        'Wrote refs.ris (ris): 2 studies, 5 results'
        >>> ExportResult("studies", "corpus", 3, 9, n_unchanged=2).summary()
        'Wrote studies (corpus): 3 studies, 9 results; 1 study file written, 2 unchanged'
        """
        line = f"Wrote {self.path} ({self.format}): {self.n_studies} studies, {self.n_results} results"
        if self.format == "corpus":
            written = self.n_studies - self.n_unchanged
            line += f"; {written} study file{'' if written == 1 else 's'} written, {self.n_unchanged} unchanged"
        return line


def _json(studies: list[Study]) -> str:
    payload = {
        "schema_version": SCHEMA_VERSION,
        "studies": [{k: v for k, v in s.to_dict().items() if k != "file"} for s in studies],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _table(studies: list[Study]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for study in studies:
        for position, res in enumerate(study.results):
            prov = res.provenance
            base = {
                "study_id": study.id,
                "doi": study.reference.doi,
                "pmid": study.reference.pmid,
                "year": study.reference.year,
                "design": study.design,
                "result": position,
                "outcome": res.outcome,
                "outcome_domain": vocab.OUTCOMES[res.outcome].domain,
                "timepoint": res.timepoint,
                "timepoint_days": res.timepoint_days,
                "treatment": res.treatment,
                "control": res.control,
                "kind": res.kind,
                "direction": res.direction,
                "significant": res.significant,
                "p": res.p,
                "source": prov.source,
                "location": prov.location,
                "quote": prov.quote,
                "status": prov.status,
                "method": prov.method,
            }
            if res.effect is not None:
                eff = res.effect
                base |= {"measure": eff.measure, "estimate": eff.estimate, "ci_lb": eff.ci_lb, "ci_ub": eff.ci_ub}
                base |= {"effect_se": eff.se, "level": eff.level}
            if res.arm_data:
                rows.extend(base | {"arm": d.arm} | {k: getattr(d, k) for k in ARM_STATISTICS} for d in res.arm_data)
            else:
                rows.append(base)
    return pd.DataFrame(rows, columns=_CSV_COLUMNS)


def _csv(studies: list[Study]) -> str:
    return _table(studies).to_csv(index=False, lineterminator="\n")


def _xlsx(studies: list[Study]) -> bytes:
    buffer = io.BytesIO()
    _table(studies).to_excel(buffer, index=False, sheet_name="results", engine="openpyxl")
    return buffer.getvalue()


class _PlainRisWriter(rispy.RisWriter):
    """RIS without rispy's ``1.`` line before each reference: plain RIS as PubMed and Zotero write it."""

    def set_header(self, count: int) -> str:
        return ""


def _ris(studies: list[Study]) -> str:
    entries = []
    for study in studies:
        ref = study.reference
        entry: dict[str, Any] = {"type_of_reference": "JOUR", "id": study.id, "title": ref.title}
        optional = {
            "authors": list(ref.authors),
            "year": None if ref.year is None else str(ref.year),
            "journal_name": ref.journal,
            "volume": ref.volume,
            "number": ref.issue,
            "doi": ref.doi,
            "urls": [ref.url] if ref.url else [],
            "keywords": list(ref.keywords),
            # PubMed's RIS export keeps the PMID in AN; Zotero reads it from there as well.
            "accession_number": ref.pmid,
            "abstract": ref.abstract,
            "notes": [f"secretome design: {study.design}"],
        }
        if ref.pages:
            start, _, end = ref.pages.partition("-")
            optional |= {"start_page": start.strip(), "end_page": end.strip() or None}
        entry |= {k: v for k, v in optional.items() if v}
        entries.append(entry)
    return rispy.dumps(entries, implementation=_PlainRisWriter)


def _study_yaml(document: dict[str, Any]) -> str:
    """A study document as a study file: keys in the document's order, Unicode kept, block style."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)


def _holds(target: Path, document: dict[str, Any]) -> bool:
    """Whether the study file *target* exists and reads as *document* (an unreadable one does not)."""
    try:
        return target.is_file() and read_study_document(target) == document
    except InputError:
        return False


def study_files(store: Store) -> dict[str, tuple[dict[str, Any], str]]:
    """Every study of *store* as a study file: ``{"<id>.yaml": (document, YAML text)}``, sorted by id.

    Each text is read back and validated as :func:`~secretome.evidence.load_corpus` reads it, so a
    file that would not load is an error here, not after it was written.

    Raises
    ------
    InputError
        The store holds no study, or a study fails validation once written (names file and field).
    """
    with store.session() as session:
        documents = session.execute(sa.select(orm.Study.id, orm.Study.document).order_by(orm.Study.id)).all()
    if not documents:
        raise InputError(f"the store {store.url} holds no study to export", field="studies")
    files = {}
    for study_id, document in documents:
        name = f"{study_id}.yaml"
        text = _study_yaml(document)
        parse_study(load_yaml(text), file=name)
        files[name] = (document, text)
    return files


def _export_corpus(store: Store, out: str | Path) -> ExportResult:
    """Write one ``<id>.yaml`` study file per study of *store* into the folder *out* (see :func:`export_studies`)."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise OutputError("is not a folder; a corpus export writes one study file per study into a folder", file=out)
    if not folder.parent.is_dir():
        raise OutputError("the folder's parent does not exist", file=str(folder))
    exported = study_files(store)
    files = {folder / name: text for name, (document, text) in exported.items() if not _holds(folder / name, document)}
    n_results = sum(len(document.get("results") or ()) for document, _ in exported.values())
    # A file of a study that is not in the store would come back with the next `evidence init`.
    stale = sorted(p.name for p in folder.glob("*.yaml") if p.name not in exported) if folder.is_dir() else []
    if stale:
        raise InputError(
            f"the folder holds study files of studies not in the store ({', '.join(stale[:5])}"
            f"{', ...' if len(stale) > 5 else ''}); remove them or export to a new folder",
            file=str(folder),
        )
    made = not folder.exists()
    try:
        folder.mkdir(exist_ok=True)
        atomic_write_files(files)
    except OSError as exc:
        raise OutputError(f"cannot make the folder ({exc.strerror})", file=str(folder)) from exc
    except OutputError:
        if made:
            folder.rmdir()  # made here, and nothing was written into it
        raise
    n_studies = len(exported)
    return ExportResult(str(folder), "corpus", n_studies, n_results, n_unchanged=n_studies - len(files))


def export_studies(
    store: Store, to: Literal["corpus", "csv", "json", "ris", "xlsx"] | None, out: str | Path
) -> ExportResult:
    """Write every study of *store* to *out* as ``csv``, ``json``, ``ris``, ``xlsx`` or a ``corpus`` folder.

    Parameters
    ----------
    store : Store
        From :func:`~secretome.evidence.open_store`.
    to : {"corpus", "csv", "json", "ris", "xlsx"} or None
        ``json``: studies with every result's ``provenance`` (source, location, quote, status);
        ``csv`` (and ``xlsx``): one row per result and arm; ``ris``: one reference per study;
        ``corpus``: one study file per study (``<id>.yaml``, the corpus format) in the folder *out*,
        each validated as :func:`~secretome.evidence.load_corpus` reads it; a file that already
        holds its study (same content) is left as it was, and a folder holding study files of
        studies not in the store is refused. ``None``: by the extension of *out*.
    out : str or Path
        The file to write (whole or not at all); for ``corpus``, the folder (made if missing; its
        parent must exist), whose files are written all together or none.

    Returns
    -------
    ExportResult

    Raises
    ------
    InputError
        Unknown format, or one that the extension of *out* contradicts; for ``corpus``, an empty
        store or a folder holding study files of studies not in the store.
    OutputError
        *out* cannot be written.
    """
    if to is not None:
        check_choice("to", to, EXPORT_FORMATS, owner="export_studies")
    if to == "corpus":
        return _export_corpus(store, out)
    to = output_format(out, to, _EXTENSIONS)  # type: ignore[assignment]
    studies = list(get_studies(store))
    writers = {"json": _json, "csv": _csv, "ris": _ris, "xlsx": _xlsx}
    content = writers[to](studies)
    path = atomic_write_bytes(out, content.encode("utf-8") if isinstance(content, str) else content)
    return ExportResult(str(path), to, len(studies), sum(len(s.results) for s in studies))

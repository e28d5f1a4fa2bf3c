"""Exporting the studies of a store: JSON with provenance, a tidy CSV of results, RIS references.

- ``json``: every study as its validated content; every result carries a ``provenance`` object
  with ``source``, ``location``, ``quote``, ``status`` (and ``method`` for computed values).
- ``csv``: one row per result and arm (tidy), with the provenance columns on every row.
- ``xlsx``: the same table as the CSV, in an Excel workbook (one sheet, ``results``).
- ``ris``: one reference per study (``TY JOUR``), readable by rispy, Zotero, EndNote and Rayyan.

Without a format, the file name's extension chooses it; a format that contradicts the extension is
refused. Files are written whole or not at all (:mod:`secretome._files`).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import rispy

from secretome import vocab
from secretome._files import atomic_write_bytes, output_format
from secretome._result import Result
from secretome.errors import check_choice
from secretome.evidence._catalogue import get_studies
from secretome.evidence._schema import ARM_STATISTICS, SCHEMA_VERSION, Study
from secretome.evidence._store import Store

__all__ = ["EXPORT_FORMATS", "ExportResult", "export_studies"]

EXPORT_FORMATS = ("csv", "json", "ris", "xlsx")
_EXTENSIONS = {".csv": "csv", ".json": "json", ".ris": "ris", ".xlsx": "xlsx"}

_CSV_COLUMNS = [
    "study_id", "doi", "pmid", "year", "design", "result", "outcome", "outcome_domain", "timepoint",
    "timepoint_days", "treatment", "control", "kind", "arm", "n", "events", "mean", "sd", "se", "median",
    "q1", "q3", "min", "max", "measure", "estimate", "ci_lb", "ci_ub", "effect_se", "level", "direction",
    "significant", "p", "source", "location", "quote", "status", "method",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExportResult(Result):
    """What was written: the file, its format and how many studies and results it holds."""

    path: str
    format: str
    n_studies: int
    n_results: int

    def summary(self) -> str:
        """One line.

        >>> ExportResult("refs.ris", "ris", 2, 5).summary()
        'Wrote refs.ris (ris): 2 studies, 5 results'
        """
        return f"Wrote {self.path} ({self.format}): {self.n_studies} studies, {self.n_results} results"


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


def export_studies(store: Store, to: Literal["csv", "json", "ris", "xlsx"] | None, out: str | Path) -> ExportResult:
    """Write every study of *store* to *out* as ``csv``, ``json``, ``ris`` or ``xlsx``.

    Parameters
    ----------
    store : Store
        From :func:`~secretome.evidence.open_store`.
    to : {"csv", "json", "ris", "xlsx"} or None
        ``json``: studies with every result's ``provenance`` (source, location, quote, status);
        ``csv`` (and ``xlsx``): one row per result and arm; ``ris``: one reference per study.
        ``None``: by the extension of *out*.
    out : str or Path
        The file to write (whole or not at all).

    Returns
    -------
    ExportResult

    Raises
    ------
    InputError
        Unknown format, or one that the extension of *out* contradicts.
    OutputError
        *out* cannot be written.
    """
    if to is not None:
        check_choice("to", to, EXPORT_FORMATS, owner="export_studies")
    to = output_format(out, to, _EXTENSIONS)  # type: ignore[assignment]
    studies = list(get_studies(store))
    writers = {"json": _json, "csv": _csv, "ris": _ris, "xlsx": _xlsx}
    content = writers[to](studies)
    path = atomic_write_bytes(out, content.encode("utf-8") if isinstance(content, str) else content)
    return ExportResult(str(path), to, len(studies), sum(len(s.results) for s in studies))

"""Write the literature exports of the README tour (examples/) from the bundled corpus's references.

    python tools/make_examples.py [examples]

The records are real: the references of corpus studies that have both a PMID and a DOI, as the
corpus files state them (curated from PubMed and the publishers' pages). ``pubmed.nbib`` holds the
first eight in PubMed's MEDLINE format; ``scopus.ris`` holds the fifth to the twelfth in Scopus's
RIS layout, so four records are in both files and ``evidence dedupe`` links them. The screening
decisions of ``asreview_export.csv`` (ASReview's export layout, matched by DOI) are illustrative:
they show the file format and say nothing about the studies. The meta-analysis table ``data.csv`` is
made by ``tools/make_examples.R`` from metafor's data (Curtis et al. 1998).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from secretome.evidence import load_corpus


def _studies() -> list:
    corpus = load_corpus()
    chosen = [s for s in corpus.studies if s.reference.pmid and s.reference.doi and s.design != "review"]
    return sorted(chosen, key=lambda s: s.id)[:12]


def _nbib(studies: list) -> str:
    blocks = []
    for study in studies:
        ref = study.reference
        lines = [f"PMID- {ref.pmid}", f"DP  - {ref.year}", f"TI  - {ref.title}"]
        lines += [f"AU  - {name}" for name in ref.authors]
        lines += [f"{tag}- {value}" for tag, value in (("JT  ", ref.journal), ("VI  ", ref.volume),
                  ("IP  ", ref.issue), ("PG  ", ref.pages)) if value]  # fmt: skip
        lines += [f"LID - {ref.doi} [doi]", "PT  - Journal Article"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _ris(studies: list) -> str:
    records = []
    for study in studies:
        ref = study.reference
        lines = ["TY  - JOUR", "DB  - Scopus", f"TI  - {ref.title}"]
        lines += [f"AU  - {name}" for name in ref.authors]
        lines += [f"PY  - {ref.year}"]
        lines += [f"{tag}  - {value}" for tag, value in (("T2", ref.journal), ("VL", ref.volume), ("IS", ref.issue))
                  if value]  # fmt: skip
        lines += [f"DO  - {ref.doi}", "ER  - "]
        records.append("\n".join(lines))
    return "\n".join(records) + "\n"


def _asreview(studies: list) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["record_id", "title", "doi", "asreview_label", "asreview_user_name"])
    for number, study in enumerate(studies):
        # Illustrative labels: every third record excluded, the last two not screened yet (empty).
        label = "" if number >= len(studies) - 2 else ("0" if number % 3 == 2 else "1")
        writer.writerow([number, study.reference.title, study.reference.doi, label, "example reviewer"])
    return buffer.getvalue()


def main(folder: Path) -> None:
    studies = _studies()
    folder.mkdir(exist_ok=True)
    (folder / "pubmed.nbib").write_text(_nbib(studies[:8]), encoding="utf-8")
    (folder / "scopus.ris").write_text(_ris(studies[4:12]), encoding="utf-8")
    (folder / "asreview_export.csv").write_text(_asreview(studies), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "examples"))

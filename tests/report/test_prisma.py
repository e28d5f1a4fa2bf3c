"""The PRISMA 2020 flow diagram of the report: its boxes, and the note on full-text decisions in no box."""

from __future__ import annotations

import re
from pathlib import Path

from secretome.evidence import create_store, decide, import_files, prisma_counts, record_order
from secretome.report._prisma import prisma_diagram

IMPORTS = Path(__file__).with_name("data") / "imports"


def _texts(svg: str) -> str:
    """The words of the diagram, as a reader sees them (matplotlib writes each line as its own text)."""
    return " ".join(re.sub(r"<[^>]+>", " ", svg).split())


def test_full_text_decisions_of_records_not_sought_are_noted_under_the_flow(tmp_path):
    with create_store(f"sqlite:///{tmp_path / 'review.db'}") as store:
        import_files(store, [IMPORTS / "search.ris"], source_database="PubMed")
        first, second, *_ = record_order(store)
        decide(store, first, "include", "kh")
        decide(store, first, "include", "kh", stage="full_text")
        decide(store, second, "include", "kh")
        decide(store, second, "exclude", "kh", stage="full_text", reason="no OA outcome")
        plain = prisma_diagram(prisma_counts(store))
        # Another reviewer excludes the second record at title and abstract: it is no longer sought for
        # retrieval, so its full-text exclusion leaves the "reports excluded" box and goes to the note.
        decide(store, second, "exclude", "ab")
        counts = prisma_counts(store)
    assert (counts.n_full_text_assessed, counts.n_excluded_full_text, counts.n_full_text_set_aside) == (1, 0, 1)
    assert 'id="prisma-set-aside"' not in plain
    assert "Not in the flow" not in _texts(plain)
    assert "Reports excluded (n = 1)" in _texts(plain)
    noted = prisma_diagram(counts)
    assert 'id="prisma-set-aside"' in noted
    words = _texts(noted)
    assert "Reports assessed for eligibility (n = 1)" in words
    assert "Reports excluded (n = 0)" in words
    assert "Not in the flow: full-text decisions on 1 record not included at title/abstract" in words

"""The PRISMA 2020 flow diagram of the report: its boxes, and the note on full-text decisions in no box."""

from __future__ import annotations

import re
from pathlib import Path

from secretome.evidence import create_store, decide, import_files, load_corpus, prisma_counts, record_order
from secretome.report._prisma import corpus_flow_diagram, corpus_flow_table, prisma_diagram

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


def test_a_curated_corpus_is_drawn_as_identification_via_other_methods(synthetic_studies):
    words = _texts(corpus_flow_diagram(synthetic_studies))
    # 24 study files, none with a review_ref; syn-zeta-2023 is the narrative review; designs: 1 in vitro,
    # 7 animal, 3 RCTs + 12 case series; no arm_data in syn-epsilon, -iota, -kappa; syn-nu is secondary.
    assert "Studies identified via other methods (n = 24): cited by the seed review (n = 0)" in words
    assert "curators' searches of stored sources (n = 24)" in words
    assert "Reports excluded before a study file was written: not recorded (no count shown)" in words
    assert "Described, not synthesised (n = 1): reviews and background papers" in words
    assert "Primary studies included in the synthesis (n = 23): in vitro 1, animal 7, clinical 15" in words
    assert "with per-arm numbers (n = 20)" in words
    assert "only a secondary source (n = 1; sensitivity analyses only)" in words
    table = corpus_flow_table(synthetic_studies)
    assert dict(zip(table["step"], table["n"], strict=True))["Primary studies with per-arm numbers"] == 20


def test_the_bundled_corpus_counts_the_seed_review_s_references_apart():
    studies = load_corpus().studies
    words = _texts(corpus_flow_diagram(studies))
    # 36 study files carry review_ref, the number of the seed review's reference (grep -l "review_ref: [0-9]").
    assert "cited by the seed review (n = 36)" in words
    assert f"curators' searches of stored sources (n = {len(studies) - 36})" in words

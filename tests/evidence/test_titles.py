"""Title canonical forms (evidence/_titles.py) and the two title rules they serve in de-duplication.

Every record here is a clearly SYNTHETIC test record (DOIs under the test prefix 10.5555), built
in the style of tests/evidence/data/dedupe_pairs.ris; none is part of the benchmark set.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from secretome.evidence import _models as orm
from secretome.evidence._dedupe import dedupe_records
from secretome.evidence._imports import import_files
from secretome.evidence._store import create_store
from secretome.evidence._titles import canonical_title, normal_text, subtitle_cuts


@pytest.mark.parametrize(
    "spellings",
    [
        ("MSCs", "mesenchymal stem cells", "mesenchymal stromal cell", "Mesenchymal stem/stromal cells"),
        ("EVs", "extracellular vesicles", "extracellular vesicle"),
        ("sEVs", "small extracellular vesicles", "small EVs"),
        ("OA", "osteoarthritis"),
        ("KOA", "knee OA", "knee osteoarthritis"),
        ("CM", "conditioned medium", "conditioned media"),
        ("BMSCs", "BM-MSCs", "BMMSC", "bone marrow-derived mesenchymal stem cells", "bone marrow stromal cells"),
        ("ADSCs", "AD-MSCs", "adipose-derived stem cells", "adipose tissue-derived mesenchymal stromal cells"),
        ("UC-MSCs", "UCMSCs", "umbilical cord-derived MSCs"),
        ("hUC-MSCs", "hUCMSC", "human umbilical cord MSCs"),
        ("PRP", "platelet-rich plasma"),
        ("TGF-β1", "TGFβ1", "TGF-beta1", "transforming growth factor beta 1"),
        ("IL-1β", "IL1β", "interleukin-1 beta"),
        ("SOX9", "SOX-9"),
    ],
    ids=lambda s: s[0],
)
def test_spellings_of_one_term_have_one_canonical_form(spellings):
    forms = {canonical_title(f"Effect of {s} in a synthetic rat model") for s in spellings}
    assert len(forms) == 1, forms


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("BMSCs", "ADSCs"),  # two tissue sources
        ("MSC-CM", "MSC-EVs"),  # two products
        ("TGF-β1", "TGF-β3"),  # two isoforms
        ("ASCs", "ADSCs"),  # ASC is also "adult stem cell", so it is left as written
    ],
)
def test_different_terms_stay_different(a, b):
    assert canonical_title(a) != canonical_title(b)


def test_centimetres_are_not_conditioned_medium():
    assert canonical_title("A 5 cm defect; 5cm") == "a 5 cm defect 5 cm"


def test_greek_and_unicode_letters():
    assert normal_text("ΔNp63, 10 µm, ά, ﬁbrosis, Ω") == "delta np63 10 mu m alpha fibrosis omega"


def test_subtitle_cuts():
    title = "Secretome of synthetic MSCs: a randomised trial (pilot). Part 2 - results"
    assert subtitle_cuts(title) == {
        "secretome of synthetic mesenchymal stem cell",
        "secretome of synthetic mesenchymal stem cell a randomised trial",
        "secretome of synthetic mesenchymal stem cell a randomised trial pilot",
        "secretome of synthetic mesenchymal stem cell a randomised trial pilot part 2",
    }
    assert subtitle_cuts("Dose of 2.5 mg of MSC-CM") == set()  # a decimal point starts no sentence


# A synthetic paper; each test writes it and a second record changed as given, then de-duplicates.
PAPER = {
    "title": (
        "Intra-articular mesenchymal stem cell extracellular vesicles reduce synovitis in synthetic rat osteoarthritis"
    ),
    "authors": ["Quill, A.", "Rush, B."],
    "year": 2021,
    "journal": "Journal of Synthetic Test Records",
    "volume": "13",
    "pages": "40-49",
    "doi": "10.5555/titles.a",
}


def _ris(record: dict) -> str:
    lines = ["TY  - JOUR", f"TI  - {record['title']}"]
    lines += [f"AU  - {a}" for a in record["authors"]]
    for tag, field in (("PY", "year"), ("T2", "journal"), ("VL", "volume"), ("SP", "pages"), ("DO", "doi")):
        lines += [f"{tag}  - {record[field]}"] if record[field] else []
    return "\n".join([*lines, "ER  - ", ""])


def _merged(store_url, tmp_path, first: dict, second: dict) -> bool:
    """Whether `evidence dedupe` links the two records."""
    ris = tmp_path / "pair.ris"
    ris.write_text(_ris(first) + "\n" + _ris(second), encoding="utf-8")
    with create_store(store_url) as store:
        import_files(store, [ris])
        dedupe_records(store)
        with store.session() as session:
            linked = session.scalar(sa.select(sa.func.count()).where(orm.Record.duplicate_of.is_not(None)))
    return linked == 1


ABBREVIATED = {**PAPER, "title": "Intra-articular MSC-EVs reduce synovitis in synthetic rat OA", "doi": None}


def test_abbreviated_title_is_a_duplicate(store_url, tmp_path):
    assert _merged(store_url, tmp_path, PAPER, {**ABBREVIATED, "authors": ["Quill A", "Rush B"]})


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Same group, year, journal and pages, another product or tissue source. Compared as
        # written, "MSC-CM" / "MSC-EV" and "BMSC" / "ADSC" differ by two letters (titles 96.7 %
        # alike, merged before abbreviations were expanded); expanded, by whole terms.
        (
            {**ABBREVIATED, "title": "Intra-articular MSC-CM reduces synovitis in synthetic rat OA"},
            {**ABBREVIATED, "title": "Intra-articular MSC-EV reduces synovitis in synthetic rat OA"},
        ),
        (
            {**ABBREVIATED, "title": "Intra-articular BMSC-EVs reduce synovitis in synthetic rat OA"},
            {**ABBREVIATED, "title": "Intra-articular ADSC-EVs reduce synovitis in synthetic rat OA"},
        ),
        # Equal titles once expanded, but another study of the group: other year and pages.
        (PAPER, {**ABBREVIATED, "year": 2024, "pages": "200-209"}),
    ],
    ids=["conditioned_medium_vs_vesicles", "bone_marrow_vs_adipose", "same_title_other_year_and_pages"],
)
def test_abbreviation_hard_negatives_are_kept_apart(store_url, tmp_path, first, second):
    assert not _merged(store_url, tmp_path, first, second)


def _cut(title: str, n: int) -> str:
    return title[:n].rstrip()


# PAPER's title cut after 80 characters, as a database with a field limit exports it.
TRUNCATED = {**PAPER, "title": _cut(PAPER["title"], 80), "doi": None}


@pytest.mark.parametrize("ellipsis", ["", "...", "\u2026"])
def test_truncated_title_is_a_duplicate(store_url, tmp_path, ellipsis):
    assert _merged(store_url, tmp_path, PAPER, {**TRUNCATED, "title": TRUNCATED["title"] + ellipsis})


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # The shorter title ends where the longer one's subtitle starts: a complete title of its own.
        ({**PAPER, "title": PAPER["title"] + ": a randomised blinded study"}, {**PAPER, "doi": None}),
        # Full titles may be a year apart (epub and print); a cut title must give the same year.
        (PAPER, {**TRUNCATED, "year": 2022}),
        ({**PAPER, "year": None}, {**TRUNCATED, "year": None}),  # a year both lack is no agreement
        (PAPER, {**TRUNCATED, "authors": ["Sedge, C."]}),
        ({**PAPER, "authors": []}, {**TRUNCATED, "authors": []}),
        (PAPER, {**TRUNCATED, "doi": "10.5555/titles.b"}),  # DOI-mismatch veto (ASySD)
        (PAPER, {**TRUNCATED, "title": _cut(PAPER["title"], 59)}),  # too short to tell papers apart
        (PAPER, {**TRUNCATED, "pages": "50-59"}),
    ],
    ids=["ends_at_subtitle", "next_year", "no_year", "other_author", "no_author", "other_doi", "short", "pages"],
)
def test_truncation_hard_negatives_are_kept_apart(store_url, tmp_path, first, second):
    assert not _merged(store_url, tmp_path, first, second)

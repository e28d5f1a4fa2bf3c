"""RIS exports of PubMed, Embase, Scopus and Web of Science, each with its own tags (synthetic samples)."""

from __future__ import annotations

import pytest

from secretome.evidence._imports import import_files
from secretome.evidence._ris import read_ris
from secretome.evidence._store import create_store


@pytest.fixture
def variants(imports_dir):
    return imports_dir / "ris_variants"


def test_pubmed_ris_gives_pmid_from_an_and_abbreviated_pages(variants):
    first, second = read_ris(variants / "pubmed.ris")
    assert (first.pmid, first.doi, first.source_database) == ("99000101", "10.5555/syn.ris.pubmed", "PubMed")
    assert first.pages == "101-12"
    assert first.authors == ("Alder K", "Birch L")
    assert first.abstract.startswith("A synthetic abstract")
    assert (second.pmid, second.doi, second.journal) == ("99000102", None, "Synthetic cartilage letters")


def test_embase_ris_t1_a1_y1_n2_jf_and_its_own_accession_number(variants):
    article, abstract = read_ris(variants / "embase.ris")  # CRLF line ends, as Embase writes them
    assert article.title.startswith("SYNTHETIC record: conditioned medium")
    assert article.authors == ("Cedar M.", "Dogwood N.")  # under both A1 and AU: each once
    assert article.year == 2020  # Y1  - 2020//
    assert article.abstract == "A synthetic Embase abstract, given in N2 as Embase exports it."
    assert article.journal == "Synthetic Cartilage Letters"
    assert article.pmid is None  # AN 2001234567 is Embase's accession number, not a PMID
    assert (article.doi, article.pages, article.source_database) == ("10.5555/syn.ris.embase", "15-24", "Embase")
    # a conference abstract: JF is the journal, T2 the conference
    assert (abstract.record_type, abstract.journal) == ("CONF", "Synthetic Congress Abstracts")


def test_scopus_ris_with_bom_doi_in_do_and_journal_in_t2(variants):
    article, chapter = read_ris(variants / "scopus.ris")
    assert article.line == 1
    assert (article.doi, article.journal, article.source_database) == (
        "10.5555/syn.ris.scopus",
        "Synthetic Orthopaedic Research",
        "Scopus",
    )
    assert article.authors == ("Ginkgo, Q.", "Hazel, R.")
    assert (article.volume, article.issue, article.pages) == ("39", "4", "800-809")
    assert (chapter.record_type, chapter.journal, chapter.doi) == (
        "CHAP",
        "Synthetic Handbook of Regenerative Medicine",
        "10.5555/syn.ris.scopus.chapter",
    )


def test_web_of_science_ris_record_types_and_wos_accession(variants):
    article, proceedings, meeting = read_ris(variants / "wos.ris")
    assert {r.source_database for r in (article, proceedings, meeting)} == {"Web of Science"}
    assert (article.record_type, proceedings.record_type, meeting.record_type) == ("JOUR", "CPAPER", "JOUR")
    assert article.pmid is None  # AN  - WOS:000000000000001
    assert (article.year, article.journal, article.doi) == (2020, "SYNTHETIC CARTILAGE LETTERS", "10.5555/syn.ris.wos")
    assert meeting.pages == "S12"


def test_all_four_variants_import_into_one_store(store_url, synthetic_corpus, variants):
    files = [variants / f"{name}.ris" for name in ("pubmed", "embase", "scopus", "wos")]
    with create_store(store_url, corpus=synthetic_corpus) as store:
        result = import_files(store, files)
    found = [(f.source_database, f.n_records) for f in result.files]
    assert found == [("PubMed", 2), ("Embase", 2), ("Scopus", 2), ("Web of Science", 3)]


def test_source_option_overrides_the_file(variants):
    assert {r.source_database for r in read_ris(variants / "wos.ris", source_database="WoS Core")} == {"WoS Core"}

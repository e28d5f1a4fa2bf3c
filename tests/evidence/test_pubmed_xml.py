from __future__ import annotations

import pytest

from secretome.errors import InputError
from secretome.evidence._pubmed_xml import read_pubmed_xml


def test_reads_articles_with_markup_sections_and_collective_authors(imports_dir):
    first, second = read_pubmed_xml(imports_dir / "sample.xml")
    assert first.title == "Synthetic in vivo record on MSC secretome."
    assert first.authors == ("Example A", "Synthetic Study Group")
    assert (first.pmid, first.doi, first.year, first.volume, first.pages) == (
        "10000011",
        "10.5555/secretome.xml.1",
        2018,
        "16",
        "49",
    )
    assert first.abstract == "BACKGROUND: A synthetic background. RESULTS: IL-1β fell."
    assert first.keywords == ("secretome", "Osteoarthritis, Knee")
    assert (second.year, second.doi) == (2019, None)  # MedlineDate "2019 Nov-Dec"


def test_malformed_xml_names_the_line(imports_dir, tmp_path):
    text = (imports_dir / "sample.xml").read_text(encoding="utf-8").replace("</ArticleTitle>", "", 1)
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="not well-formed XML") as info:
        read_pubmed_xml(path)
    assert info.value.row is not None


def test_article_without_title_names_record_and_pmid(imports_dir, tmp_path):
    text = (imports_dir / "sample.xml").read_text(encoding="utf-8")
    path = tmp_path / "notitle.xml"
    path.write_text(text.replace("<ArticleTitle>Synthetic record two without DOI.</ArticleTitle>", ""), "utf-8")
    with pytest.raises(InputError, match="needs a title") as info:
        read_pubmed_xml(path)
    assert (info.value.record, info.value.field, info.value.row) == ("2 (PMID 10000012)", "title", None)


def test_other_xml_is_not_pubmed(tmp_path):
    path = tmp_path / "other.xml"
    path.write_text("<records/>", encoding="utf-8")
    with pytest.raises(InputError, match="PubmedArticleSet"):
        read_pubmed_xml(path)

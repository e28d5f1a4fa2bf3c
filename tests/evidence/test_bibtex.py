from __future__ import annotations

import pytest

from secretome.errors import InputError
from secretome.evidence._bibtex import read_bibtex


def test_reads_entries_with_braces_and_corporate_authors(imports_dir):
    first, second = read_bibtex(imports_dir / "sample.bib")
    assert first.title == "Synthetic record one: MSC conditioned medium"
    assert first.authors == ("Example, Anna", "Sample, Ben", "Fixture and Sons Consortium")
    assert (first.pages, first.doi) == ("101-110", "10.5555/secretome.bib.1")
    assert first.keywords == ("secretome", "osteoarthritis")
    assert (first.line, second.line) == (2, 14)
    assert (second.journal, second.pmid, second.year) == ("Proceedings of Test Fixtures", "10000003", 2020)


def test_unparseable_block_is_an_error_with_its_line(imports_dir, tmp_path):
    text = (imports_dir / "sample.bib").read_text(encoding="utf-8").replace("osteoarthritis},\n}", "osteoarthritis},")
    path = tmp_path / "bad.bib"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="not valid BibTeX") as info:
        read_bibtex(path)
    assert info.value.row == 2


def test_bad_doi_names_the_entry_key(imports_dir, tmp_path):
    text = (imports_dir / "sample.bib").read_text(encoding="utf-8").replace("10.5555/secretome.bib.1", "secretome")
    path = tmp_path / "bad.bib"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="not a DOI") as info:
        read_bibtex(path)
    assert (info.value.record, info.value.field, info.value.row) == ("example2019", "doi", 2)


def test_no_entry_is_an_error(tmp_path):
    path = tmp_path / "empty.bib"
    path.write_text("% nothing here\n", encoding="utf-8")
    with pytest.raises(InputError, match="no BibTeX entry"):
        read_bibtex(path)


def test_an_entry_with_a_damaged_header_is_an_error_not_a_comment(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(
        "@article{a1, title={One}, year={2020}}\n"
        "@article b2, title={Two}, year={2020}}\n"
        "@article{c3, title={Three}, year={2021}}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"row 2: BibTeX outside an entry .*\(got '@article b2, title=\{Two\}"):
        read_bibtex(path)


def test_fields_after_a_stray_brace_are_an_error_not_dropped(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("@article{a1, title={One}}, year={2020}, doi={10.1000/x}}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"BibTeX outside an entry .*year=\{2020\}"):
        read_bibtex(path)


def test_prose_and_percent_comments_between_entries_are_fine(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("% exported by hand\nSome notes.\n@article{a1, title={One}, year={2020}}\n", encoding="utf-8")
    assert [r.title for r in read_bibtex(path)] == ["One"]

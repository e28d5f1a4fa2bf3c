from __future__ import annotations

import pytest

from secretome.errors import InputError
from secretome.evidence._nbib import read_nbib


def test_reads_records_and_joins_continuation_lines(imports_dir):
    first, second = read_nbib(imports_dir / "sample.nbib")
    assert first.pmid == "10000001"
    assert first.title == "Synthetic record one: umbilical cord MSC secretome in a synthetic osteoarthritis model."
    assert first.abstract == "A synthetic abstract that continues on a second line."
    assert first.authors == ("Example A", "Sample B")
    assert (first.year, first.doi, first.volume, first.issue) == (2018, "10.5555/secretome.nbib.1", "16", "1")
    assert first.source_database == "PubMed"
    assert (second.line, second.doi) == (24, None)  # the [pii] AID is not a DOI


def test_record_without_pmid_names_its_line(imports_dir, tmp_path):
    text = (imports_dir / "sample.nbib").read_text(encoding="utf-8").replace("PMID- 10000002\n", "")
    path = tmp_path / "nopmid.nbib"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="needs a PMID") as info:
        read_nbib(path)
    assert (info.value.row, info.value.record) == (24, "2")


def test_ris_given_as_nbib_is_recognised(imports_dir, tmp_path):
    path = tmp_path / "x.nbib"
    path.write_text((imports_dir / "sample.ris").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError, match="RIS file"):
        read_nbib(path)


def test_garbage_line_is_an_error(tmp_path):
    path = tmp_path / "x.nbib"
    path.write_text("PMID- 1\nTI  - t\nthis is not medline\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a MEDLINE line") as info:
        read_nbib(path)
    assert info.value.row == 3


@pytest.mark.parametrize(
    ("pmid_line", "expected"),
    [
        ("PMID- ", r"row 1, record '1', field 'PMID': a PubMed record needs a PMID"),
        ("PMID- \u0661\u0662\u0663", r"field 'pmid': a PMID is a number of 1 to 9 digits \(0-9\)"),
        ("PMID- \uff11\uff12\uff13", r"field 'pmid': a PMID is a number of 1 to 9 digits \(0-9\)"),
    ],
)
def test_an_empty_or_non_ascii_pmid_is_refused(tmp_path, pmid_line, expected):
    path = tmp_path / "p.nbib"
    path.write_text(f"{pmid_line}\nTI  - A title.\nDP  - 2020\n", encoding="utf-8")
    with pytest.raises(InputError, match=expected):
        read_nbib(path)


def test_two_records_merged_by_a_lost_blank_line_are_an_error(tmp_path):
    path = tmp_path / "p.nbib"
    path.write_text("PMID- 1\nTI  - One.\nPMID- 2\nTI  - Two.\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"field 'PMID': tag PMID is given 2 times in one record"):
        read_nbib(path)

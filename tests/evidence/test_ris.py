from __future__ import annotations

import pytest

from secretome.errors import InputError
from secretome.evidence._ris import read_ris


def test_reads_every_record_with_its_line(imports_dir):
    records = read_ris(imports_dir / "sample.ris")
    assert [r.line for r in records] == [1, 18, 27]
    first = records[0]
    assert first.doi == "10.5555/secretome.ris.1"  # resolver prefix removed, lower-cased
    assert (first.year, first.journal, first.pages) == (2019, "Journal of Test Fixtures", "101-110")
    assert first.authors == ("Example, A.", "Sample, B.")
    assert first.source_database == "Scopus"
    assert (records[1].title, records[1].year) == ("Synthetic record two: exosomes and cartilage", 2021)


def test_byte_order_mark_and_crlf_are_read(imports_dir, tmp_path):
    text = (imports_dir / "sample.ris").read_text(encoding="utf-8")
    path = tmp_path / "bom.ris"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert len(read_ris(path)) == 3


def test_record_without_end_tag_is_an_error_not_a_lost_record(imports_dir, tmp_path):
    # rispy alone would merge record 2 into record 3, or drop it.
    lines = (imports_dir / "sample.ris").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "open.ris"
    path.write_text("\n".join(line for i, line in enumerate(lines, 1) if i != 25) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="no 'ER  -' end tag") as info:
        read_ris(path)
    assert (info.value.file, info.value.record, info.value.row) == (str(path), "2", 26)


def test_nbib_file_given_as_ris_is_recognised(imports_dir, tmp_path):
    # rispy returns no record at all for a MEDLINE file; we say what it is instead.
    path = tmp_path / "pubmed.ris"
    path.write_text((imports_dir / "sample.nbib").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InputError, match=r"PubMed \.nbib"):
        read_ris(path)


def test_bad_field_names_file_line_record_and_field(imports_dir, tmp_path):
    text = (imports_dir / "sample.ris").read_text(encoding="utf-8").replace("Y1  - 2021///", "Y1  - n.d.")
    path = tmp_path / "bad.ris"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_ris(path)
    err = info.value
    assert (err.file, err.row, err.record, err.field, err.value) == (str(path), 18, "2", "year", "n.d.")


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.ris"
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="no RIS record"):
        read_ris(path)


def test_a_repeated_single_value_tag_is_an_error_not_a_silent_choice(tmp_path):
    path = tmp_path / "r.ris"
    path.write_text("TY  - JOUR\nTI  - First title\nPY  - 2019\nTI  - Second title\nER  - \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 4, record '1', field 'TI': tag 'TI' is given twice in one record"):
        read_ris(path)


def test_two_records_merged_by_a_lost_boundary_are_an_error(tmp_path):
    path = tmp_path / "r.ris"
    record = "TI  - Title {0}\nPY  - 2019\nDO  - 10.1000/{0}\n"
    # The first record's ER and the second's TY are lost: one record holds both.
    path.write_text("TY  - JOUR\n" + record.format(1) + record.format(2) + "ER  - \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 5, .*field 'TI'.*lost 'ER  -'/'TY  -' pair"):
        read_ris(path)


def test_repeated_tags_that_exports_repeat_are_kept(tmp_path):
    path = tmp_path / "r.ris"
    path.write_text(
        "TY  - JOUR\nTI  - A title\nTI  - A title\nSN  - 1234-5678\nSN  - 8765-4321\nJ2  - J A\nJ2  - J. A.\nER  - \n",
        encoding="utf-8",
    )
    (record,) = read_ris(path)
    assert record.title == "A title"

"""XLSX extraction sheets: the same layout and validation as CSV sheets, read with openpyxl."""

from __future__ import annotations

import csv

import pytest

from secretome.errors import InputError
from secretome.evidence._imports import import_files
from secretome.evidence._sheet import SHEET_COLUMNS, read_sheet, write_template
from secretome.evidence._store import create_store

openpyxl = pytest.importorskip("openpyxl")

_NUMBERS = {"year", "result", "timepoint_days", "n", "mean", "sd"}


def _xlsx_from_csv(source, target, *, change=None):
    """The rows of a CSV sheet in a workbook, with numbers as Excel numbers (as a reviewer types them)."""
    with source.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(rows[0])
    for row in rows[1:]:
        cells = []
        for column, text in zip(rows[0], row, strict=False):
            if column in _NUMBERS and text:
                cells.append(float(text) if "." in text else int(text))
            else:
                cells.append(text or None)
        sheet.append(cells)
    if change is not None:
        row, column, value = change
        sheet.cell(row=row, column=rows[0].index(column) + 1, value=value)
    workbook.save(target)
    return target


def test_template_xlsx_has_the_header_and_reads_back_as_empty(tmp_path):
    path = tmp_path / "sheet.xlsx"
    result = write_template(path, to="xlsx")
    assert result.columns == SHEET_COLUMNS
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "extraction"
    assert tuple(c.value for c in sheet[1]) == SHEET_COLUMNS
    assert sheet.freeze_panes == "A2"
    with pytest.raises(InputError, match="no filled row"):
        read_sheet(path)


def test_xlsx_sheet_reads_as_the_csv_sheet(imports_dir, tmp_path):
    path = _xlsx_from_csv(imports_dir / "sheet.csv", tmp_path / "sheet.xlsx")
    from_xlsx, from_csv = read_sheet(path), read_sheet(imports_dir / "sheet.csv")
    assert [s.document for s in from_xlsx] == [s.document for s in from_csv]
    assert [s.rows for s in from_xlsx] == [s.rows for s in from_csv]


def test_bad_cell_names_workbook_row_and_column(imports_dir, tmp_path):
    path = _xlsx_from_csv(imports_dir / "sheet.csv", tmp_path / "bad.xlsx", change=(3, "n", "six"))
    with pytest.raises(InputError) as info:
        read_sheet(path)
    assert (info.value.file, info.value.row, info.value.field, info.value.value) == (str(path), 3, "n", "six")


def test_number_not_in_quote_is_caught_as_in_csv(imports_dir, tmp_path):
    path = _xlsx_from_csv(imports_dir / "sheet.csv", tmp_path / "bad.xlsx", change=(2, "mean", 3.2))
    with pytest.raises(InputError, match="quote") as info:
        read_sheet(path)
    assert info.value.file == str(path)
    assert info.value.record == "sheet-2021-synthetic"


def test_unknown_column_in_xlsx(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append([*SHEET_COLUMNS[:3], "colour"])
    workbook.save(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match="unknown column") as info:
        read_sheet(tmp_path / "x.xlsx")
    assert info.value.value == ["colour"]


def test_import_xlsx_sheet_into_the_store(store_url, synthetic_corpus, imports_dir, tmp_path):
    path = _xlsx_from_csv(imports_dir / "sheet.csv", tmp_path / "sheet.xlsx")
    with create_store(store_url, corpus=synthetic_corpus) as store:
        result = import_files(store, [path])
        again = import_files(store, [path])
    (file,) = result.files
    assert (file.format, file.n_studies, file.skipped) == ("xlsx", 1, False)
    assert "sheet.xlsx (xlsx): 1 studies" in result.summary()
    assert again.files[0].skipped


def _damaged(source, target, part, content):
    """A copy of the workbook *source* with *part* replaced by *content* (None: left out)."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            if item.filename != part:
                new.writestr(item, old.read(item.filename))
            elif content is not None:
                new.writestr(item, content)
    return target


@pytest.mark.parametrize(
    "content",
    [
        None,  # the worksheet part is missing
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetD',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet><sheetData><row><c t="inlineStr"><is>'
        b"<t>&a;</t></is></c></row></sheetData></worksheet>",
    ],
    ids=["missing", "truncated", "doctype"],
)
def test_a_damaged_worksheet_is_an_input_error_naming_the_file(imports_dir, tmp_path, content):
    good = _xlsx_from_csv(imports_dir / "sheet.csv", tmp_path / "good.xlsx")
    bad = _damaged(good, tmp_path / "bad.xlsx", "xl/worksheets/sheet1.xml", content)
    expected = r"bad\.xlsx'(: cannot read the workbook|: the workbook has no worksheet|, row 1: the sheet has no)"
    with pytest.raises(InputError, match=expected):
        read_sheet(bad)


def test_true_and_false_cells_are_not_numbers(imports_dir, tmp_path):
    path = _xlsx_from_csv(imports_dir / "sheet.csv", tmp_path / "tf.xlsx", change=(2, "n", True))
    with pytest.raises(InputError, match=r"row 2, field 'n': not a number \(got 'true'\)"):
        read_sheet(path)

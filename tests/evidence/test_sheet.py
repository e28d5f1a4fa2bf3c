from __future__ import annotations

import csv

import pytest

from secretome.errors import InputError
from secretome.evidence._catalogue import get_study, list_studies
from secretome.evidence._imports import import_files
from secretome.evidence._sheet import SHEET_COLUMNS, read_sheet, write_template
from secretome.evidence._store import compile_corpus, create_store


def _rows(imports_dir):
    with (imports_dir / "sheet.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path, rows, columns=SHEET_COLUMNS):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_sheet_becomes_a_validated_study(imports_dir):
    (sheet,) = read_sheet(imports_dir / "sheet.csv")
    study = sheet.study
    assert (study.id, study.design) == ("sheet-2021-synthetic", "animal")
    assert study.reference.authors == ("Sheet A", "Table B")
    assert [a.id for a in study.arms] == ["ev", "oa"]
    assert study.arms[0].intervention.product == "extracellular_vesicles"  # vocabulary synonym resolved
    first, second = study.results
    assert [(d.arm, d.n, d.mean, d.sd) for d in first.arm_data] == [("ev", 6, 3.1, 0.9), ("oa", 6, 7.4, 1.2)]
    assert (second.kind, second.outcome, second.significant) == ("direction", "il1b_level", True)
    assert sheet.rows == (2, 3, 4)


def test_number_missing_from_quote_names_sheet_row_study_and_field(imports_dir, tmp_path):
    rows = _rows(imports_dir)
    rows[1]["mean"] = "7.5"
    path = _write(tmp_path / "bad.csv", rows)
    with pytest.raises(InputError, match="not stated in its quote") as info:
        read_sheet(path)
    err = info.value
    assert (err.file, err.row, err.record, err.field, err.value) == (
        str(path),
        3,
        "sheet-2021-synthetic",
        "results[0].arm_data.oa.mean",
        7.5,
    )


def test_rows_of_one_result_must_agree(imports_dir, tmp_path):
    rows = _rows(imports_dir)
    rows[1]["timepoint"] = "week 9"
    with pytest.raises(InputError, match="disagrees with row 2") as info:
        read_sheet(_write(tmp_path / "bad.csv", rows))
    assert (info.value.row, info.value.field, info.value.value) == (3, "timepoint", "week 9")


def test_not_a_number_is_named(imports_dir, tmp_path):
    rows = _rows(imports_dir)
    rows[0]["sd"] = "0,9"
    with pytest.raises(InputError, match="not a number") as info:
        read_sheet(_write(tmp_path / "bad.csv", rows))
    assert (info.value.row, info.value.field) == (2, "sd")


def test_unknown_column_is_an_error(imports_dir, tmp_path):
    rows = [r | {"colour": "red"} for r in _rows(imports_dir)]
    with pytest.raises(InputError, match="unknown column"):
        read_sheet(_write(tmp_path / "bad.csv", rows, (*SHEET_COLUMNS, "colour")))


def test_template_is_the_header_and_reads_back_as_empty(tmp_path):
    result = write_template(tmp_path / "sheet.csv")
    assert (tmp_path / "sheet.csv").read_text(encoding="utf-8") == ",".join(SHEET_COLUMNS) + "\n"
    assert result.columns == SHEET_COLUMNS
    with pytest.raises(InputError, match="no filled row"):
        read_sheet(tmp_path / "sheet.csv")
    with pytest.raises(InputError, match="must be one of 'csv', 'xlsx'"):
        write_template(tmp_path / "sheet.ods", to="ods")


def test_import_sheet_into_the_store_beside_the_corpus(store_url, synthetic_corpus, imports_dir):
    with create_store(store_url, corpus=synthetic_corpus) as store:
        result = import_files(store, [imports_dir / "sheet.csv"])
        assert (result.files[0].format, result.files[0].n_studies) == ("csv", 1)
        assert "1 studies" in result.summary()
        assert [s.id for s in list_studies(store).studies] == ["example-2020-synthetic", "sheet-2021-synthetic"]
        assert import_files(store, [imports_dir / "sheet.csv"]).files[0].skipped
        compile_corpus(store, synthetic_corpus)  # recompiling the corpus keeps sheet studies
        assert get_study(store, "sheet-2021-synthetic").results[0].arm_data[1].mean == 7.4


def test_sheet_study_id_taken_is_an_error(store_url, synthetic_corpus, imports_dir, tmp_path):
    rows = [r | {"study_id": "example-2020-synthetic"} for r in _rows(imports_dir)]
    path = _write(tmp_path / "example-2020-synthetic.csv", rows)
    with create_store(store_url, corpus=synthetic_corpus) as store:
        with pytest.raises(InputError, match="already has a study") as info:
            import_files(store, [path])
        assert (info.value.row, info.value.record) == (2, "example-2020-synthetic")
        assert len(list_studies(store).studies) == 1


def test_a_cell_over_the_csv_modules_limit_is_read_and_one_over_ours_is_named(imports_dir, tmp_path):
    rows = _rows(imports_dir)
    for row in rows:
        row["location"] = "x" * 200_000  # over the csv module's default 131,072
    (study,) = read_sheet(_write(tmp_path / "long.csv", rows))
    assert study.study.results[0].provenance.location == "x" * 200_000
    rows[0]["location"] = "x" * 1_000_001
    with pytest.raises(InputError, match=r"row 2: a cell is longer than 1000000 characters \(got 'xxx.*characters\)\)"):
        read_sheet(_write(tmp_path / "huge.csv", rows))


def test_a_column_named_twice_is_an_error(imports_dir, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("study_id,design,study_id\nx,animal,y\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 1, field 'study_id': the header names this column twice"):
        read_sheet(path)

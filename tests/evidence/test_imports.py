from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from secretome.errors import InputError
from secretome.evidence import _models as orm
from secretome.evidence._imports import detect_format, import_files
from secretome.evidence._store import create_store


@pytest.fixture
def store(store_url, synthetic_corpus):
    with create_store(store_url, corpus=synthetic_corpus) as created:
        yield created


def _records(store):
    with store.session() as session:
        rows = session.execute(
            sa.select(orm.ImportBatch.file_name, orm.Record.position, orm.Record.title, orm.Record.source_database)
            .join(orm.Record.batch)
            .order_by(orm.ImportBatch.id, orm.Record.position)
        )
        return [tuple(r) for r in rows]


def test_import_ris_nbib_and_bibtex(store, imports_dir):
    files = [imports_dir / name for name in ("sample.ris", "sample.nbib", "sample.bib")]
    result = import_files(store, files)
    assert [(f.format, f.n_records, f.skipped) for f in result.files] == [
        ("ris", 3, False),
        ("nbib", 2, False),
        ("bibtex", 2, False),
    ]
    assert [f.source_database for f in result.files] == ["Scopus", "PubMed", None]
    rows = _records(store)
    assert len(rows) == 7
    assert rows[3] == ("sample.nbib", 1, rows[3][2], "PubMed")
    assert "3 records" in result.summary()
    assert result.to_frame().shape == (3, 7)


def test_reimporting_a_file_changes_nothing(store, imports_dir, tmp_path):
    import_files(store, [imports_dir / "sample.ris"])
    before = _records(store)
    copy = tmp_path / "renamed.ris"
    shutil.copy(imports_dir / "sample.ris", copy)
    again = import_files(store, [imports_dir / "sample.ris", copy])
    assert all(f.skipped for f in again.files)
    assert "nothing changed" in again.summary()
    assert _records(store) == before


def test_a_bad_record_aborts_the_whole_import_and_names_it(store, imports_dir, tmp_path):
    bad = tmp_path / "bad.ris"
    bad.write_text(
        (imports_dir / "sample.ris").read_text(encoding="utf-8").replace("Y1  - 2021///", "Y1  - n.d."),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        import_files(store, [imports_dir / "sample.nbib", bad])
    assert (info.value.file, info.value.row, info.value.record, info.value.field) == (str(bad), 18, "2", "year")
    assert _records(store) == []  # the good file before it was not written either


def test_source_database_option_overrides_the_file(store, imports_dir):
    result = import_files(store, [imports_dir / "sample.ris"], source_database="Embase")
    assert result.files[0].source_database == "Embase"
    assert {r[3] for r in _records(store)} == {"Embase"}


def test_pubmed_xml_is_imported(store, imports_dir):
    result = import_files(store, [imports_dir / "sample.xml"])
    assert [(f.format, f.n_records, f.source_database) for f in result.files] == [("pubmed-xml", 2, "PubMed")]


def test_a_broken_workbook_is_named(store, tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(InputError, match="cannot read the workbook") as info:
        import_files(store, [path])
    assert info.value.file == str(path)


def test_unknown_extension_asks_for_from(tmp_path):
    with pytest.raises(InputError, match="cannot tell the format from the extension; name it"):
        detect_format(tmp_path / "refs.dat")


def test_txt_is_detected_by_content(imports_dir, tmp_path):
    path = tmp_path / "pubmed-export.txt"
    shutil.copy(imports_dir / "sample.nbib", path)
    assert detect_format(path) == "nbib"


def test_missing_file_is_an_input_error(store, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        import_files(store, [tmp_path / "missing.ris"])


def test_several_files_are_one_transaction(store, imports_dir, tmp_path):
    # The sheet's study id is the curated study's: refused while writing, after sample.ris was written.
    sheet = tmp_path / "taken.csv"
    text = (imports_dir / "sheet.csv").read_text(encoding="utf-8")
    sheet.write_text(text.replace("sheet-2021-synthetic", "example-2020-synthetic"), encoding="utf-8")
    with pytest.raises(InputError, match=r"taken\.csv.*the store already has a study with this id"):
        import_files(store, [imports_dir / "sample.ris", sheet])
    assert _records(store) == []
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(orm.ImportBatch)) == 0
    assert _imports_logged(store) == []  # nor is the import of sample.ris in the audit log


def test_a_nul_character_is_an_input_error_on_every_backend(store, tmp_path):
    ris = tmp_path / "nul.ris"
    ris.write_text("TY  - JOUR\nTI  - A title\x00 with NUL\nPY  - 2020\nER  - \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"nul\.ris', row 1, record '1', field 'title': holds a NUL character"):
        import_files(store, [ris])
    sheet = tmp_path / "nul.csv"
    sheet.write_text("study_id,design\nx\x00,animal\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"nul\.csv', row 2: a cell holds a NUL character"):
        import_files(store, [sheet])
    assert _records(store) == []


def _imports_logged(store) -> list[tuple[str, str, int, int, int]]:
    """The audit log's imports: (who, file, records added, records merged since, studies added), by file."""
    from secretome.evidence import audit_log

    found = [e for e in audit_log(store).entries if e.action == "records.import"]
    found = [(e.actor, e.target, e.detail["records_added"], e.detail["records_merged"], e.detail["studies_added"])
             for e in found]  # fmt: skip
    return sorted(found, key=lambda entry: entry[1])


def test_each_imported_file_is_in_the_audit_log_with_what_it_added(store, imports_dir):
    from secretome._login import login_name
    from secretome.evidence import dedupe_records, undo_merge

    # sample.ris holds 3 records (TY lines), sample.nbib 2 (PMID lines), sheet.csv the 1 study sheet-2021-synthetic.
    import_files(store, [imports_dir / "sample.ris", imports_dir / "sample.nbib"], actor="kh")
    import_files(store, [imports_dir / "sheet.csv"])
    import_files(store, [imports_dir / "sample.ris"], actor="ab")  # the same bytes: skipped, nothing logged
    logged = [("kh", "sample.nbib", 2, 0, 0), ("kh", "sample.ris", 3, 0, 0), (login_name(), "sheet.csv", 0, 0, 1)]
    assert _imports_logged(store) == logged
    # dedupe.ris: records 2 and 3 duplicate record 1 (DOI, then fuzzy title), record 5 duplicates 4 (PMID).
    import_files(store, [imports_dir / "dedupe.ris"], actor="kh")
    merges = dedupe_records(store).merges
    assert _imports_logged(store)[0] == ("kh", "dedupe.ris", 8, 3, 0)
    pmid_merge = next(m for m in merges if m.rule == "pmid")
    undo_merge(store, pmid_merge.id)
    assert _imports_logged(store)[0] == ("kh", "dedupe.ris", 8, 2, 0)  # what de-duplication made of it now


@pytest.mark.parametrize("actor", ["", " ", "x" * 81])
def test_an_importer_without_a_name_is_refused_and_nothing_written(store, imports_dir, actor):
    with pytest.raises(InputError, match="field 'actor': a name of 1-80 characters"):
        import_files(store, [imports_dir / "sample.ris"], actor=actor)
    assert _records(store) == []

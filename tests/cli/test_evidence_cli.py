"""``secretome evidence ...``: each command parses, calls one function and prints its result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rispy

from secretome.cli import main

SYNTHETIC_CORPUS = Path(__file__).parents[1] / "evidence" / "data" / "corpus"


@pytest.fixture
def db(tmp_path, capsys):
    """A SQLite store holding the synthetic test corpus, made with `evidence init`."""
    url = f"sqlite:///{tmp_path / 'evidence.db'}"
    assert main(["evidence", "init", "--db", url, "--corpus", str(SYNTHETIC_CORPUS)]) == 0
    assert "studies: 1   results: 3" in capsys.readouterr().out
    return url


def test_list_json_has_id_doi_title_year_design(db, capsys):
    assert main(["evidence", "list", "--db", db, "--format", "json"]) == 0
    (study,) = json.loads(capsys.readouterr().out)["studies"]
    assert {"id", "doi", "title", "year", "design"} <= set(study)
    assert study["id"] == "example-2020-synthetic"


def test_list_without_db_uses_the_bundled_corpus(capsys):
    assert main(["evidence", "list"]) == 0
    assert capsys.readouterr().out.startswith("Studies in bundled corpus (k = ")


def test_show_prints_results_with_their_quotes(db, capsys):
    assert main(["evidence", "show", "example-2020-synthetic", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "mean difference 9.5 (95% CI 7.4 to 11.6)" in out


def test_show_unknown_study_is_exit_2(db, capsys):
    assert main(["evidence", "show", "nope", "--db", db]) == 2
    assert capsys.readouterr().err.startswith("error: no such study")


def test_missing_store_is_exit_2_and_creates_nothing(tmp_path, capsys):
    path = tmp_path / "missing.db"
    assert main(["evidence", "list", "--db", f"sqlite:///{path}"]) == 2
    assert "no such store" in capsys.readouterr().err
    assert not path.exists()


@pytest.mark.parametrize("to", ["json", "csv", "ris"])
def test_export_writes_the_file(db, tmp_path, capsys, to):
    out = tmp_path / f"e.{to}"
    assert main(["evidence", "export", "--db", db, "--to", to, "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"Wrote {out} ({to}): 1 studies, 3 results"
    if to == "json":
        results = json.loads(out.read_text(encoding="utf-8"))["studies"][0]["results"]
        assert all(set(r["provenance"]) >= {"source", "location", "quote", "status"} for r in results)
    elif to == "ris":
        assert rispy.loads(out.read_text(encoding="utf-8"))[0]["doi"] == "10.5555/secretome.test.2020"


def test_export_to_corpus_writes_study_files_that_init_reads_back(db, tmp_path, capsys):
    out = tmp_path / "studies"
    assert main(["evidence", "export", "--db", db, "--to", "corpus", "--out", str(out)]) == 0
    summary = f"Wrote {out} (corpus): 1 studies, 3 results; 1 study file written, 0 unchanged"
    assert capsys.readouterr().out.strip() == summary
    assert [p.name for p in out.iterdir()] == ["example-2020-synthetic.yaml"]
    again = f"sqlite:///{tmp_path / 'again.db'}"
    assert main(["evidence", "init", "--db", again, "--corpus", str(out)]) == 0
    assert "studies: 1   results: 3" in capsys.readouterr().out
    assert main(["evidence", "export", "--db", db, "--to", "corpus", "--out", str(tmp_path / "again.db")]) == 1
    assert "is not a folder" in capsys.readouterr().err


def test_map_text_and_json(db, tmp_path, capsys):
    assert main(["evidence", "map", "--db", db]) == 0
    assert "umbilical_cord" in capsys.readouterr().out
    assert main(["evidence", "map", "--db", db, "--format", "json", "--out", str(tmp_path / "m.csv")]) == 0
    cells = json.loads(capsys.readouterr().out)["cells"]
    assert {c["n_studies"] for c in cells} == {1}
    assert (tmp_path / "m.csv").is_file()


IMPORTS = Path(__file__).parents[1] / "evidence" / "data" / "imports"


def test_import_then_reimport_changes_nothing(db, capsys):
    files = [str(IMPORTS / name) for name in ("sample.ris", "sample.nbib", "sample.bib")]
    assert main(["evidence", "import", *files, "--db", db]) == 0
    assert capsys.readouterr().out.startswith(f"Imported into {db}: 7 records, 0 studies from 3 of 3 files")
    assert main(["evidence", "import", *files, "--db", db, "--format", "json"]) == 0
    assert all(f["skipped"] for f in json.loads(capsys.readouterr().out)["files"])


def test_import_names_who_imported_in_the_audit_log(db, capsys):
    from secretome.evidence import audit_log, open_store

    assert main(["evidence", "import", str(IMPORTS / "sample.ris"), "--db", db, "--by", "kh"]) == 0
    with open_store(db) as store:
        (entry,) = [e for e in audit_log(store).entries if e.action == "records.import"]
    assert (entry.actor, entry.target, entry.detail["records_added"]) == ("kh", "sample.ris", 3)
    assert main(["evidence", "import", str(IMPORTS / "sample.nbib"), "--db", db, "--by", ""]) == 2
    assert capsys.readouterr().err.strip().endswith("field 'actor': a name of 1-80 characters (got '')")


def test_import_bad_file_is_exit_2_naming_file_and_line(db, tmp_path, capsys):
    bad = tmp_path / "bad.ris"
    bad.write_text("TY  - JOUR\nTI  - no end tag\n", encoding="utf-8")
    assert main(["evidence", "import", str(bad), "--db", db]) == 2
    assert capsys.readouterr().err.startswith(f"error: file '{bad}', row 1, record '1', field 'ER'")


@pytest.fixture
def read_only_sqlite():
    """Call it to make every new SQLite connection read-only (a store file the user may not write;
    chmod would not do, as the tests run as root)."""
    import sqlalchemy as sa

    def query_only(connection, record):
        connection.execute("PRAGMA query_only = ON")

    yield lambda: sa.event.listen(sa.Engine, "connect", query_only)
    if sa.event.contains(sa.Engine, "connect", query_only):
        sa.event.remove(sa.Engine, "connect", query_only)


@pytest.mark.parametrize(
    ("before", "argv"),
    [
        ([], ["evidence", "import", str(IMPORTS / "sample.ris")]),
        (["evidence", "import", str(IMPORTS / "dedupe.ris")], ["evidence", "dedupe"]),
    ],
)
def test_a_store_that_cannot_be_written_is_one_line_and_exit_1(db, capsys, read_only_sqlite, before, argv):
    # A read-only store file raised sqlite's OperationalError with a traceback (issue 12).
    if before:
        assert main([*before, "--db", db]) == 0
    read_only_sqlite()
    capsys.readouterr()
    assert main([*argv, "--db", db]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: file '{db}': cannot write to the store (attempt to write a readonly database)")
    assert err.count("\n") == 1


def test_a_new_store_that_cannot_be_written_is_one_line_and_exit_1(tmp_path, capsys, read_only_sqlite):
    read_only_sqlite()
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert main(["evidence", "init", "--db", url, "--corpus", str(SYNTHETIC_CORPUS)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: file '{url}': cannot write to the store (attempt to write a readonly database)")
    assert err.count("\n") == 1


def test_import_needs_db(capsys):
    assert main(["evidence", "import", str(IMPORTS / "sample.ris")]) == 2
    assert "--db" in capsys.readouterr().err


def test_dedupe_then_undo(db, capsys):
    assert main(["evidence", "import", str(IMPORTS / "dedupe.ris"), "--db", db]) == 0
    capsys.readouterr()
    assert main(["evidence", "dedupe", "--db", db, "--format", "json"]) == 0
    merges = json.loads(capsys.readouterr().out)["merges"]
    assert sorted(m["rule"] for m in merges) == ["doi+fuzzy", "pmid"]
    assert main(["evidence", "dedupe", "--db", db, "--undo", str(merges[0]["id"])]) == 0
    assert f"merge {merges[0]['id']}: undone: record" in capsys.readouterr().out
    assert main(["evidence", "dedupe", "--db", db, "--undo", "12345"]) == 2
    assert "no such merge" in capsys.readouterr().err


def test_template_then_import_a_filled_sheet(db, tmp_path, capsys):
    out = tmp_path / "sheet.csv"
    assert main(["evidence", "template", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"Wrote the extraction sheet {out}")
    assert main(["evidence", "import", str(IMPORTS / "sheet.csv"), "--db", db]) == 0
    assert "sheet.csv (csv): 1 studies" in capsys.readouterr().out
    assert main(["evidence", "show", "sheet-2021-synthetic", "--db", db]) == 0
    assert "Mankin score 3.1 ± 0.9" in capsys.readouterr().out


def test_screen_one_record_then_a_csv_then_prisma(db, tmp_path, capsys):
    assert main(["evidence", "import", str(IMPORTS / "dedupe.ris"), "--db", db]) == 0
    assert main(["evidence", "dedupe", "--db", db]) == 0
    capsys.readouterr()
    args = ["evidence", "screen", "--db", db, "--record", "8", "--decision", "exclude", "--stage", "title-abstract"]
    assert main([*args, "--reason", "not osteoarthritis", "--by", "KH"]) == 0
    assert "record 8: exclude at title_abstract by KH (not osteoarthritis)" in capsys.readouterr().out
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(
        "record_id,decision,stage,reason,reviewer,study_id\n"
        "2,include,title-abstract,,KH,\n"
        "2,include,full-text,,KH,example-2020-synthetic\n",
        encoding="utf-8",
    )
    assert main(["evidence", "screen", "--db", db, "--csv", str(decisions)]) == 0
    assert "Recorded 2 screening decisions from" in capsys.readouterr().out
    assert main(["evidence", "prisma", "--db", db, "--format", "json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert (counts["n_identified"], counts["n_duplicates_removed"], counts["n_screened"]) == (8, 3, 2)
    assert (counts["n_studies_included"], counts["n_studies_curated"]) == (1, 1)
    assert main(["evidence", "prisma", "--db", db]) == 0
    assert "studies included from the curated corpus: 1" in capsys.readouterr().out


def test_screen_bad_input_is_exit_2_naming_the_field(db, tmp_path, capsys):
    assert main(["evidence", "import", str(IMPORTS / "dedupe.ris"), "--db", db]) == 0
    capsys.readouterr()
    assert main(["evidence", "screen", "--db", db, "--record", "1", "--decision", "include"]) == 2
    assert "field '--stage': give --csv, or" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,decision,stage,reviewer\n1,include,abstract,KH\n", encoding="utf-8")
    assert main(["evidence", "screen", "--db", db, "--csv", str(bad)]) == 2
    assert "row 2, field 'stage'" in capsys.readouterr().err


def test_template_xlsx_then_import_it(db, tmp_path, capsys):
    pytest.importorskip("openpyxl")
    out = tmp_path / "sheet.xlsx"
    assert main(["evidence", "template", "--out", str(out), "--to", "xlsx"]) == 0
    assert capsys.readouterr().out.startswith(f"Wrote the extraction sheet {out}")
    assert main(["evidence", "import", str(out), "--db", db]) == 2
    assert "the sheet has no filled row" in capsys.readouterr().err


def test_template_and_export_write_the_format_their_file_name_says(db, tmp_path, capsys):
    assert main(["evidence", "template", "--out", str(tmp_path / "sheet.xlsx")]) == 0
    assert (tmp_path / "sheet.xlsx").read_bytes().startswith(b"PK")  # a zip: an Excel workbook, not CSV
    assert main(["evidence", "export", "--db", db, "--out", str(tmp_path / "refs.ris")]) == 0
    assert (tmp_path / "refs.ris").read_text().startswith("TY  - JOUR")
    assert main(["evidence", "export", "--db", db, "--to", "xlsx", "--out", str(tmp_path / "e.xlsx")]) == 0
    capsys.readouterr()


def test_a_format_the_file_name_contradicts_is_refused_on_one_line(db, tmp_path, capsys):
    assert main(["evidence", "export", "--db", db, "--to", "csv", "--out", str(tmp_path / "refs.ris")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: file ")
    assert "field '--to': the file name says ris" in err
    assert err.count("\n") == 1
    assert main(["evidence", "template", "--to", "csv", "--out", str(tmp_path / "sheet.xlsx")]) == 2
    # Without --to, a name of a format the command does not write is refused too (it wrote CSV into it).
    assert main(["evidence", "template", "--out", str(tmp_path / "sheet.ris")]) == 2
    assert "the file name says ris, which is not written here" in capsys.readouterr().err
    assert list(tmp_path.glob("*.ris")) == list(tmp_path.glob("*.xlsx")) == []


def test_map_out_with_another_formats_name_names_the_out_option(db, tmp_path, capsys):
    # `evidence map` has no --to; its error named one (issue 12: errors name what the user typed).
    assert main(["evidence", "map", "--db", db, "--out", str(tmp_path / "map.json")]) == 2
    err = capsys.readouterr().err
    assert "field '--out': the file name says json; give a .csv name for csv" in err
    assert not (tmp_path / "map.json").exists()

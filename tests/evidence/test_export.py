from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import rispy
import yaml

from secretome.errors import InputError, OutputError
from secretome.evidence import (
    corpus_files,
    create_store,
    load_corpus,
    parse_study,
    save_study,
    study_document,
)
from secretome.evidence._export import export_studies
from secretome.evidence._store import open_store

STUDY = "example-2020-synthetic"


@pytest.fixture
def store(synthetic_corpus):
    with open_store(corpus=synthetic_corpus) as opened:
        yield opened


def test_json_export_gives_every_result_a_provenance_object(store, tmp_path):
    result = export_studies(store, "json", tmp_path / "e.json")
    assert (result.n_studies, result.n_results) == (1, 3)
    data = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    results = [r for s in data["studies"] for r in s["results"]]
    assert len(results) == 3
    for res in results:
        assert {"source", "location", "quote", "status"} <= set(res["provenance"])
    assert results[1]["effect"]["estimate"] == 9.5
    assert results[1]["provenance"]["quote"] == "mean difference 9.5 (95% CI 7.4 to 11.6)"


def test_csv_export_is_one_row_per_result_and_arm(store, tmp_path):
    export_studies(store, "csv", tmp_path / "e.csv")
    table = pd.read_csv(tmp_path / "e.csv")
    assert len(table) == 4  # two arms of the arm_data result, then the effect and the direction
    assert table.loc[table.arm == "cm", "mean"].item() == 18.5
    assert table.loc[table.kind == "effect", "estimate"].item() == 9.5
    assert table["quote"].notna().all()
    assert table["status"].eq("verbatim").all()


def test_ris_export_reads_back_with_rispy(store, tmp_path):
    export_studies(store, "ris", tmp_path / "e.ris")
    text = (tmp_path / "e.ris").read_text(encoding="utf-8")
    assert text.startswith("TY  - JOUR")
    (entry,) = rispy.loads(text)
    assert entry["doi"] == "10.5555/secretome.test.2020"
    assert entry["authors"] == ["Example A", "Sample B", "Test C", "Fixture D"]
    assert (entry["year"], entry["start_page"], entry["end_page"]) == ("2020", "10", "20")
    assert entry["accession_number"] == "12345678"


def test_unknown_format_is_an_input_error(store, tmp_path):
    with pytest.raises(InputError, match="'csv', 'json', 'ris'"):
        export_studies(store, "xml", tmp_path / "e.xml")


def test_unwritable_output_is_an_output_error_and_writes_nothing(store, tmp_path):
    with pytest.raises(OutputError, match="folder does not exist"):
        export_studies(store, "json", tmp_path / "missing" / "e.json")
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(("name", "fmt"), [("e.json", "json"), ("e.csv", "csv"), ("e.RIS", "ris"), ("e.xlsx", "xlsx")])
def test_the_format_follows_the_file_name(store, tmp_path, name, fmt):
    assert export_studies(store, None, tmp_path / name).format == fmt


def test_a_format_that_contradicts_the_file_name_is_refused_and_nothing_is_written(store, tmp_path):
    with pytest.raises(InputError, match=r"field 'to': the file name says ris; give a \.csv name for csv"):
        export_studies(store, "csv", tmp_path / "refs.ris")
    with pytest.raises(InputError, match="cannot tell the format from the file name"):
        export_studies(store, None, tmp_path / "refs.txt")
    assert list(tmp_path.iterdir()) == []


def test_xlsx_export_holds_the_csv_table(store, tmp_path):
    export_studies(store, "csv", tmp_path / "e.csv")
    export_studies(store, "xlsx", tmp_path / "e.xlsx")
    from_csv = pd.read_csv(tmp_path / "e.csv", dtype=str, keep_default_na=False)
    from_xlsx = pd.read_excel(tmp_path / "e.xlsx", sheet_name="results", dtype=str, keep_default_na=False)
    assert list(from_xlsx.columns) == list(from_csv.columns)
    assert len(from_xlsx) == len(from_csv)
    assert from_xlsx["quote"].tolist() == from_csv["quote"].tolist()


# --- corpus: the store's studies back as study files -------------------------------------------


def test_an_unedited_store_exports_the_bundled_study_files_content(tmp_path):
    # The reference is the bundled files themselves, read with PyYAML, not our own writer.
    with create_store(f"sqlite:///{tmp_path / 'e.db'}") as bundled:
        result = export_studies(bundled, "corpus", tmp_path / "studies")
    files = corpus_files()
    assert sorted(p.name for p in (tmp_path / "studies").iterdir()) == [p.name for p in files]
    for original in files:
        assert yaml.safe_load((tmp_path / "studies" / original.name).read_text(encoding="utf-8")) == yaml.safe_load(
            original.read_text(encoding="utf-8")
        ), original.name
    assert (result.n_studies, result.n_unchanged) == (len(files), 0)
    assert load_corpus(tmp_path / "studies").studies == load_corpus().studies


def test_an_edit_in_the_store_comes_back_as_the_study_file(synthetic_corpus, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(synthetic_corpus, corpus)
    (corpus / "other-2021-copy.yaml").write_text(
        (corpus / "example-2020-synthetic.yaml").read_text(encoding="utf-8").replace(STUDY, "other-2021-copy"),
        encoding="utf-8",
    )
    untouched = (corpus / "other-2021-copy.yaml").read_bytes()
    with create_store(f"sqlite:///{tmp_path / 'e.db'}", corpus=corpus) as store:
        document, base = study_document(store, STUDY)
        document["reference"]["title"] = "A retitled synthetic study"
        document["results"][0]["provenance"]["location"] = "Table 2"
        save_study(store, document, "kh", change="title and location corrected", base=base)
        result = export_studies(store, "corpus", corpus)
    assert result.summary() == f"Wrote {corpus} (corpus): 2 studies, 6 results; 1 study file written, 1 unchanged"
    edited = {s.id: s for s in load_corpus(corpus).studies}[STUDY]
    assert edited.reference.title == "A retitled synthetic study"
    assert edited.results[0].provenance.location == "Table 2"
    assert edited == parse_study(document, file=corpus / f"{STUDY}.yaml")
    # The unedited file keeps its bytes (layout and comments), so a diff shows only the edit.
    assert (corpus / "other-2021-copy.yaml").read_bytes() == untouched


def test_a_corpus_folder_holding_studies_not_in_the_store_is_refused_and_nothing_written(store, tmp_path):
    (tmp_path / "gone-2019-study.yaml").write_text("id: gone-2019-study\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"studies not in the store \(gone-2019-study.yaml\)"):
        export_studies(store, "corpus", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gone-2019-study.yaml"]


def test_a_corpus_export_to_a_file_is_an_output_error(store, tmp_path):
    (tmp_path / "studies.yaml").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is not a folder"):
        export_studies(store, "corpus", tmp_path / "studies.yaml")
    with pytest.raises(OutputError, match="parent does not exist"):
        export_studies(store, "corpus", tmp_path / "no" / "studies")
    assert not (tmp_path / "no").exists()

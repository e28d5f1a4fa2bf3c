from __future__ import annotations

import shutil

import pytest

from secretome.errors import InputError
from secretome.evidence._corpus import CORPUS_DIR, load_corpus, read_study_file

BUNDLED = sorted(CORPUS_DIR.glob("*.yaml"))


def test_bundled_corpus_has_study_files():
    assert len(BUNDLED) > 50


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_study_file_validates(path):
    study = read_study_file(path)
    assert study.id == path.stem


def test_load_corpus_returns_studies_sorted_by_id(tmp_path, synthetic_corpus):
    for name in ("b", "a"):
        text = (synthetic_corpus / "example-2020-synthetic.yaml").read_text(encoding="utf-8")
        (tmp_path / f"{name}-2020-synthetic.yaml").write_text(text.replace("example-2020", f"{name}-2020"))
    corpus = load_corpus(tmp_path)
    assert [s.id for s in corpus.studies] == ["a-2020-synthetic", "b-2020-synthetic"]
    assert "k = 2 studies" in corpus.summary()


def test_bad_yaml_names_the_file_and_line(tmp_path, synthetic_corpus):
    shutil.copy(synthetic_corpus / "example-2020-synthetic.yaml", tmp_path)
    bad = tmp_path / "zz-2020-broken.yaml"
    bad.write_text("id: zz-2020-broken\nreference: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML") as info:
        load_corpus(tmp_path)
    assert info.value.file == str(bad)
    assert info.value.row is not None


def test_invalid_file_error_names_file_record_field_and_value(tmp_path, synthetic_corpus):
    text = (synthetic_corpus / "example-2020-synthetic.yaml").read_text(encoding="utf-8")
    path = tmp_path / "example-2020-synthetic.yaml"
    path.write_text(text.replace("mean: 18.5", "mean: 18.6"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_corpus(tmp_path)
    err = info.value
    assert (err.file, err.record, err.field, err.value) == (
        str(path),
        "example-2020-synthetic",
        "results[0].arm_data.cm.mean",
        18.6,
    )


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_missing_or_empty_folder_is_an_input_error(tmp_path, folder):
    target = tmp_path / folder
    if folder == "empty":
        target.mkdir()
    with pytest.raises(InputError, match="corpus folder"):
        load_corpus(target)

from __future__ import annotations

import json

import pytest

from secretome.errors import InputError
from secretome.evidence._catalogue import get_studies, get_study, list_studies
from secretome.evidence._corpus import load_corpus, read_study_file
from secretome.evidence._store import create_store, open_store


@pytest.fixture
def store(synthetic_corpus):
    with open_store(corpus=synthetic_corpus) as opened:
        yield opened


def test_list_studies_has_id_doi_title_year_design(store):
    listing = list_studies(store)
    (row,) = listing.to_dict()["studies"]
    assert {k: row[k] for k in ("id", "doi", "title", "year", "design")} == {
        "id": "example-2020-synthetic",
        "doi": "10.5555/secretome.test.2020",
        "title": "A synthetic animal study used only by the tests of secretome",
        "year": 2020,
        "design": "animal",
    }
    assert (row["n_arms"], row["n_results"]) == (2, 3)
    assert listing.to_frame().shape == (1, 10)
    assert "example-2020-synthetic" in listing.summary()
    json.dumps(listing.to_dict())


def test_get_study_returns_the_study_of_the_file(store, synthetic_corpus):
    study = get_study(store, "example-2020-synthetic")
    assert study == read_study_file(synthetic_corpus / "example-2020-synthetic.yaml")
    assert '"O\'Driscoll score 18.5 ± 2.1 vs 9.0 ± 1.8 (n = 8 per group)"' in study.summary()


def test_unknown_study_names_close_ids(store):
    with pytest.raises(InputError, match="close: example-2020-synthetic") as info:
        get_study(store, "example-2020")
    assert info.value.value == "example-2020"


def test_list_studies_is_the_same_on_sqlite_and_postgresql(store_url, synthetic_corpus, store):
    with create_store(store_url, corpus=synthetic_corpus) as other:
        assert list_studies(other).studies == list_studies(store).studies
        assert get_study(other, "example-2020-synthetic") == get_study(store, "example-2020-synthetic")


def test_get_studies_equals_the_corpus(store, synthetic_corpus):
    assert get_studies(store) == load_corpus(synthetic_corpus).studies

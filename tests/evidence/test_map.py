from __future__ import annotations

import json

import pandas as pd
import pytest

from secretome.errors import InputError
from secretome.evidence._map import UNCLASSIFIED, evidence_map
from secretome.evidence._store import open_store


def test_map_counts_a_study_in_every_cell_it_spans(synthetic_corpus, tmp_path):
    with open_store(corpus=synthetic_corpus) as store:
        result = evidence_map(store, out=tmp_path / "map.csv")
    cells = {(c.msc_source, c.product, c.outcome_domain, c.design): c.n_studies for c in result.cells}
    # classification: umbilical_cord + adipose, conditioned_medium, histology + inflammation, animal
    assert cells == {
        ("adipose", "conditioned_medium", "histology", "animal"): 1,
        ("adipose", "conditioned_medium", "inflammation", "animal"): 1,
        ("umbilical_cord", "conditioned_medium", "histology", "animal"): 1,
        ("umbilical_cord", "conditioned_medium", "inflammation", "animal"): 1,
    }
    assert result.n_studies == 1
    assert pd.read_csv(tmp_path / "map.csv").equals(result.to_frame())
    json.dumps(result.to_dict())


def test_map_falls_back_to_arms_and_results_without_classification(synthetic_corpus, tmp_path):
    text = (synthetic_corpus / "example-2020-synthetic.yaml").read_text(encoding="utf-8")
    start, end = text.index("classification:"), text.index("population:")
    (tmp_path / "example-2020-synthetic.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    with open_store(corpus=tmp_path) as store:
        result = evidence_map(store)
    keys = {(c.msc_source, c.product, c.outcome_domain) for c in result.cells}
    # arms: umbilical cord conditioned medium; results: O'Driscoll (histology) and IL-1beta (inflammation)
    assert keys == {
        ("umbilical_cord", "conditioned_medium", "histology"),
        ("umbilical_cord", "conditioned_medium", "inflammation"),
    }
    assert UNCLASSIFIED not in {c.msc_source for c in result.cells}


def test_bundled_map_covers_every_study():
    with open_store() as store:
        result = evidence_map(store)
    ids = {i for c in result.cells for i in c.study_ids}
    assert len(ids) == result.n_studies
    assert "Evidence map of bundled corpus" in result.summary()


def test_a_table_is_not_written_under_another_format_s_name(tmp_path):
    with open_store() as store, pytest.raises(InputError, match=r"the file name says xlsx; give a \.csv name for csv"):
        evidence_map(store, out=tmp_path / "map.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_map_pairs_source_and_product_as_the_arms_pair_them(synthetic_corpus, tmp_path):
    text = (synthetic_corpus / "example-2020-synthetic.yaml").read_text(encoding="utf-8")
    exosome_arm = """  - id: exo
    role: treatment
    label: "adipose-MSC exosomes"
    intervention:
      product: exosomes
      msc_source: adipose
    provenance:
      source: doi:10.5555/secretome.test.2020
      location: Methods
      status: verbatim
      quote: "Eight rats received adipose-MSC exosomes."
  - id: control
"""
    text = text.replace("products: [conditioned_medium]", "products: [conditioned_medium, exosomes]", 1)
    text = text.replace("  - id: control\n", exosome_arm, 1)
    (tmp_path / "example-2020-synthetic.yaml").write_text(text, encoding="utf-8")
    with open_store(corpus=tmp_path) as store:
        result = evidence_map(store)
    # classification: umbilical_cord + adipose, conditioned_medium + exosomes; arms: UC CM and adipose exosomes
    assert {(c.msc_source, c.product) for c in result.cells} == {
        ("umbilical_cord", "conditioned_medium"),
        ("adipose", "exosomes"),
    }


def test_bundled_map_holds_no_pair_that_no_arm_of_a_study_gives():
    # mautner-2023-natmed: adipose SVF, bone-marrow concentrate and umbilical-cord MSCs, one per arm
    with open_store() as store:
        result = evidence_map(store)
    pairs = {(c.msc_source, c.product) for c in result.cells if "mautner-2023-natmed" in c.study_ids}
    assert pairs == {
        ("adipose", "stromal_vascular_fraction"),
        ("bone_marrow", "bone_marrow_concentrate"),
        ("umbilical_cord", "cells"),
    }

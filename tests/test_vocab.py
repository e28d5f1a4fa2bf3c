from __future__ import annotations

import pytest

from secretome import vocab
from secretome.errors import InputError

ALL = [getattr(vocab, name) for name in vocab.__all__ if isinstance(getattr(vocab, name), vocab.Vocabulary)]


@pytest.mark.parametrize(
    ("category", "text", "expected"),
    [
        (vocab.MSC_SOURCES, "hUC-MSCs", "umbilical_cord"),
        (vocab.MSC_SOURCES, "BMSCs", "bone_marrow"),
        (vocab.MSC_SOURCES, "ADSC", "adipose"),
        (vocab.PRODUCTS, "MSC-CM", "conditioned_medium"),
        (vocab.PRODUCTS, "small EV", "exosomes"),
        (vocab.SPECIES, "Rattus novergicus", "rat"),  # the spelling in the review's own reference 27
        (vocab.OA_MODELS, "monoiodoacetate", "mia"),
        (vocab.ARM_ROLES, "vehicle", "oa_control"),
        (vocab.OUTCOMES, "TGF-β1 IHC", "ihc_tgfb1"),
        (vocab.OUTCOMES, "tgf beta IHC", "ihc_tgfb1"),
        (vocab.DOSE_UNITS, "ml/kg", "mL/kg"),
        (vocab.DESIGNS, "RCT", "clinical_rct"),
    ],
)
def test_synonyms_resolve_to_ids(category, text, expected):
    assert category.resolve(text) == expected


def test_unknown_term_is_an_input_error_with_close_matches():
    with pytest.raises(InputError, match=r"field 'outcome': not a known outcome; close: mankin_score"):
        vocab.OUTCOMES.resolve("mankin_scor")


@pytest.mark.parametrize("category", ALL, ids=lambda c: c.name)
def test_ids_resolve_to_themselves(category):
    assert all(category.resolve(term_id) == term_id for term_id in category)


def test_every_outcome_domain_has_an_outcome():
    used = {outcome.domain for outcome in vocab.OUTCOMES.values()}
    assert used == set(vocab.OUTCOME_DOMAINS)


def test_scales_have_a_range_and_a_reference():
    for scale in vocab.SCALES.values():
        assert scale.maximum > scale.minimum, scale.id
        assert scale.reference, scale.id


def test_products_are_split_into_cells_and_secretome():
    classes = {p.id: p.product_class for p in vocab.PRODUCTS.values()}
    assert classes["cells"] == "cells"
    assert {classes[p] for p in ("conditioned_medium", "extracellular_vesicles", "exosomes", "mirna")} == {"secretome"}


def test_a_synonym_shared_by_two_terms_is_refused():
    with pytest.raises(ValueError, match="synonym of both"):
        vocab.Vocabulary("demo", (vocab.Term("a", "A", ("x",)), vocab.Term("b", "B", ("X",))))

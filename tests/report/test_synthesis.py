"""Rules S1-S3: what is pooled, what is vote-counted, and the sign test."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from secretome.report import analysis_dataset
from secretome.report._synthesis import count_votes, pool_outcomes


@pytest.fixture(scope="module")
def dataset(synthetic_studies):
    return analysis_dataset(synthetic_studies)


def test_only_outcomes_with_two_studies_are_pooled(dataset):
    pooled = pool_outcomes(dataset)
    # OARSI in animals (alpha, beta, eta, gamma x 2 arms) and VAS in trials of cells (delta, theta) are
    # pooled; WOMAC (delta states only a direction) and every in vitro outcome are not.
    assert [(p.outcome, p.evidence_level, p.product_class) for p in pooled] == [
        ("oarsi_score", "animal", "secretome"),
        ("vas_pain", "clinical", "cells"),
    ]
    assert pooled[0].studies == ("syn-alpha-2020", "syn-beta-2021", "syn-eta-2022", "syn-gamma-2022")
    assert pooled[0].result.k == 5
    assert pooled[0].result.labels == (
        "syn-alpha-2020",
        "syn-beta-2021",
        "syn-eta-2022",
        "syn-gamma-2022 (low)",
        "syn-gamma-2022 (high)",
    )


def test_sources_are_compared_when_each_has_two_effect_sizes(dataset):  # S4
    pooled = pool_outcomes(dataset)[0]
    (by_source,) = pooled.subgroup_tests  # every pooled study gave exosomes: no product comparison
    assert by_source.column == "msc_source"
    assert by_source.result.levels == ("Adipose tissue", "Umbilical cord")  # vocabulary labels, not ids
    assert [f.k for f in by_source.result.fits] == [2, 3]
    one_adipose = dataset[dataset["study_id"] != "syn-eta-2022"]
    (alone,) = pool_outcomes(one_adipose)[0].subgroup_tests
    assert alone.result is None
    assert alone.note == "Not compared by MSC source: a single effect size for Adipose tissue."


def test_pooled_effects_are_signed_as_benefit(dataset):
    rows = pool_outcomes(dataset)[0].rows
    assert (rows["yi"] > 0).all()  # every treated group had the lower (better) OARSI score


def test_votes_one_per_study_per_domain(dataset):
    votes = {(v.domain, v.evidence_level, v.product_class): v for v in count_votes(dataset)}
    histology = votes["histology", "animal", "secretome"]
    assert histology.benefit == 4
    assert histology.harm == 0
    # Exact two-sided binomial test of 4 of 4 (Campbell et al. 2020): 2 x 0.5^4.
    assert histology.sign_test_p == pytest.approx(0.125)
    assert histology.sign_test_p == pytest.approx(binomtest(4, 4, 0.5).pvalue)
    safety = votes["safety", "clinical", "cells"]
    assert list(safety.votes["vote"]) == ["no_difference"]
    assert safety.sign_test_p is None


def test_nothing_to_pool_in_an_empty_dataset():
    empty = analysis_dataset([])
    assert pool_outcomes(empty) == []
    assert count_votes(empty) == []

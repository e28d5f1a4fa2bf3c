"""Rules S1-S3: what is pooled, what is vote-counted, and the sign test."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy.stats import binomtest

from secretome.report import analysis_dataset
from secretome.report._synthesis import count_votes, pool_outcomes, poolable_rows


@pytest.fixture(scope="module")
def dataset(synthetic_studies):
    return analysis_dataset(synthetic_studies)


def _oarsi(dataset):
    return next(p for p in pool_outcomes(dataset) if p.outcome == "oarsi_score")


def test_only_outcomes_with_two_studies_are_pooled(dataset):
    pooled = pool_outcomes(dataset)
    # OARSI in animals (alpha, beta, eta, gamma x 2 arms), Mankin from two p-values (iota, kappa; nu is
    # secondary), VAS in trials of cells (delta, theta; xi is head to head), and in the case series
    # adverse events (12) and WOMAC change (3) are pooled; WOMAC between arms (delta states only a
    # direction) and every in vitro outcome are not.
    assert [(p.measure, p.outcome, p.evidence_level, p.product_class) for p in pooled] == [
        ("PLO", "adverse_events", "clinical", "cells"),
        ("SMCR", "womac_total", "clinical", "cells"),
        ("SMD", "mankin_score", "animal", "secretome"),
        ("SMD", "oarsi_score", "animal", "secretome"),
        ("SMD", "vas_pain", "clinical", "cells"),
    ]
    assert pooled[2].studies == ("syn-iota-2021", "syn-kappa-2022")
    assert pooled[4].studies == ("syn-delta-2019", "syn-theta-2021")
    pooled = pooled[3:]
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
    pooled = _oarsi(dataset)
    (by_source,) = pooled.subgroup_tests  # every pooled study gave exosomes: no product comparison
    assert by_source.column == "msc_source"
    assert by_source.result.levels == ("Adipose tissue", "Umbilical cord")  # vocabulary labels, not ids
    assert [f.k for f in by_source.result.fits] == [2, 3]
    one_adipose = dataset[dataset["study_id"] != "syn-eta-2022"]
    (alone,) = _oarsi(one_adipose).subgroup_tests
    assert alone.result is None
    assert alone.note == "Not compared by MSC source: a single effect size for Adipose tissue."


def test_pooled_effects_are_signed_as_benefit(dataset):
    rows = _oarsi(dataset).rows
    assert (rows["yi"] > 0).all()  # every treated group had the lower (better) OARSI score


def test_votes_one_per_study_per_domain(dataset):
    votes = {(v.domain, v.evidence_level, v.product_class): v for v in count_votes(dataset)}
    histology = votes["histology", "animal", "secretome"]
    assert histology.benefit == 7  # the four OARSI studies and the three Mankin studies
    assert histology.harm == 0
    # Exact two-sided binomial test of 7 of 7 (Campbell et al. 2020): 2 x 0.5^7.
    assert histology.sign_test_p == pytest.approx(0.015625)
    assert histology.sign_test_p == pytest.approx(binomtest(7, 7, 0.5).pvalue)
    safety = next(v for v in count_votes(dataset) if v.domain == "safety" and v.comparison == "between")
    # syn-delta: 6 of 20 adverse events against 2 of 20 (a harm; its serious ones: no difference); syn-theta: 0 vs 0
    assert list(safety.votes["vote"]) == ["harm", "no_difference"]
    assert safety.sign_test_p == pytest.approx(1.0)  # one harm vote of one: binomial 0 of 1
    pain = [v for v in count_votes(dataset) if v.domain == "pain_function" and v.evidence_level == "clinical"]
    # Trials and case series vote apart; the head-to-head trial (syn-xi) votes in neither.
    assert {v.comparison: len(v.votes) for v in pain} == {"between": 2, "within": 3}


def test_nothing_to_pool_in_an_empty_dataset():
    empty = analysis_dataset([])
    assert pool_outcomes(empty) == []
    assert count_votes(empty) == []


def test_vas_on_0_10_and_0_100_pool_as_one_outcome_and_a_study_enters_once():  # S1
    rows = pd.DataFrame({
        "study_id": ["a", "a", "b", "c"], "outcome": ["vas_pain_10", "vas_pain", "vas_pain_10", "vas_pain"],
        "construct": "vas_pain",
        "measure": "SMD", "treatment": "msc", "control": "ha", "selected": True, "poolable": True,
        "comparison": "between",
    })  # fmt: skip
    usable = poolable_rows(rows)
    # Study a reports both ranges: it enters once, on the construct's own scale (0-100 mm).
    assert usable[["study_id", "outcome", "reported_outcome"]].values.tolist() == [
        ["a", "vas_pain", "vas_pain"], ["b", "vas_pain", "vas_pain_10"], ["c", "vas_pain", "vas_pain"],
    ]  # fmt: skip

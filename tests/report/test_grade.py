"""The summary of findings: certainty by the written rules G0-G5, and the plain sentences."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from secretome.errors import SecretomeWarning
from secretome.meta import random_effects
from secretome.report import analysis_dataset
from secretome.report._grade import GRADE_RULES, summary_of_findings
from secretome.report._synthesis import count_votes, pool_outcomes


@pytest.fixture(scope="module")
def table(synthetic_studies):
    dataset = analysis_dataset(synthetic_studies)
    found = summary_of_findings(pool_outcomes(dataset), count_votes(dataset), {s.id: s for s in synthetic_studies})
    return found.set_index("outcome")


def test_randomised_trials_start_high_and_lose_one_level_for_risk_of_bias(table):
    # G0: two trials (high); G1: syn-delta has a domain at high risk, syn-theta no assessment -> moderate.
    vas = table.loc["VAS pain"]
    assert vas["certainty"] == "moderate (risk of bias: 2 of 2 studies at high or unclear risk)"
    assert vas["statement"] == "MSC cell therapy likely results in an improvement in VAS pain."
    assert vas["participants"] == 40 + 30  # syn-delta 20 + 20; syn-theta 15 + 15


def test_animal_evidence_loses_a_level_for_indirectness_and_oarsi_for_inconsistency(table):
    mankin = table.loc["Mankin score"]
    assert mankin["certainty"] == "low (risk of bias: 2 of 2 studies at high or unclear risk; indirectness: animals)"
    assert (
        mankin["statement"] == "MSC secretome products may result in an improvement in Mankin score in animal models."
    )
    # I^2 = 56.4% in the metafor fixture (tests/fixtures/report/synthetic_pooled.csv): G2 applies.
    assert "inconsistency: I2 56%" in table.loc["OARSI score", "certainty"]
    assert table.loc["OARSI score", "certainty"].startswith("very low")


def test_case_series_start_low_and_egger_below_010_is_publication_bias(table):
    events = table.loc["Adverse events"]
    assert events["evidence"] == "clinical, treated arms (events)"
    # 12 case series and the treated arms of 2 trials (syn-delta, syn-theta); metafor on the committed
    # synthetic_analysis.csv: rma(PLO) -1.7575 [-2.1569, -1.3582] = 15% (10% to 20%), regtest p = 0.00823.
    assert events["certainty"].startswith("very low (risk of bias: 14 of 14 studies")
    assert "publication bias: Egger p = 0.0082" in events["certainty"]
    assert events["effect"] == "15% of patients (95% CI 10% to 20%)"


def test_a_domain_without_a_pooled_analysis_is_summarised_by_its_votes(synthetic_studies):
    dataset = analysis_dataset(synthetic_studies).assign(poolable=False)
    found = summary_of_findings(pool_outcomes(dataset), count_votes(dataset), {s.id: s for s in synthetic_studies})
    histology = found[(found["domain"] == "Histology scores") & (found["product class"] == "secretome")].iloc[0]
    assert histology["effect"] == "7 of 7 studies report a benefit, 0 a harm"
    # G0 animal (4); G1 no study assessed; G3 animals; G4 no pooled estimate -> 1, very low.
    assert histology["certainty"] == (
        "very low (risk of bias: 7 of 7 studies at high or unclear risk; indirectness: animals; "
        "imprecision: no pooled estimate)"
    )
    assert pd.isna(histology["participants"])


def test_a_pool_of_zero_events_says_none_had_the_event(synthetic_studies):
    # Three synthetic case series report 0 of 10, 0 of 8 and 0 of 14: no pooled proportion is claimed.
    dataset = analysis_dataset(synthetic_studies)
    zero = dataset[dataset["study_id"].isin(["syn-series01-2010", "syn-series04-2013", "syn-series09-2018"])]
    found = summary_of_findings(pool_outcomes(zero), [], {s.id: s for s in synthetic_studies}).iloc[0]
    assert found["effect"] == "0 events in 32 patients"
    assert found["statement"].startswith("None of 32 patients treated with MSC cell therapy in 3 studies had adverse")


def test_inconsistency_is_not_assessable_without_i2_and_costs_no_level(synthetic_studies):
    # A sampling variance of 0 leaves I2 NA in metafor (rma.uni: "Cannot compute Q-test, I^2, or H^2");
    # G2 then says so in the row instead of judging, and the level is that of the other rules.
    dataset = analysis_dataset(synthetic_studies)
    oarsi = next(p for p in pool_outcomes(dataset) if p.outcome == "oarsi_score")
    with pytest.warns(SecretomeWarning, match="sampling variance"):
        fit = random_effects(oarsi.result.yi, (0.0, *oarsi.result.vi[1:]))
    assert fit.I2 is None
    assert fit.ci_lb > 0  # so G4 (imprecision) does not apply either
    found = summary_of_findings([replace(oarsi, result=fit)], [], {s.id: s for s in synthetic_studies}).iloc[0]
    assert found["certainty"] == (
        "low (risk of bias: 4 of 4 studies at high or unclear risk; indirectness: animals; "
        "inconsistency not assessable: I2 not available (a sampling variance is 0))"
    )
    assert "Not assessable" in GRADE_RULES[2]
    assert "a sampling variance is 0" in GRADE_RULES[2]


def test_events_compared_between_arms_get_a_row_of_their_own(synthetic_studies):
    from secretome.report._synthesis import compare_events

    dataset = analysis_dataset(synthetic_studies)
    studies = {s.id: s for s in synthetic_studies}
    found = summary_of_findings(pool_outcomes(dataset), count_votes(dataset), studies, compare_events(dataset))
    row = found[found["analysis_id"] == "clinical-cells-adverse_events-RD"].iloc[0]
    # metafor (tests/fixtures/report/synthetic_compared.csv): rma.mh RD 0.1143 [-0.0267, 0.2553] of syn-delta's
    # 6/20 vs 2/20 and syn-theta's 0/15 vs 0/15. G0 two trials (high); G1 syn-delta high, syn-theta unassessed;
    # G2 one table with an event; G4 a CI 28 points wide.
    assert row["effect"] == "risk difference +11.4 points (95% CI -2.7 points to +25.5 points) vs comparator"
    assert row["evidence"] == "clinical, between arms"
    assert row["participants"] == 40 + 30
    assert row["certainty"] == (
        "low (risk of bias: 2 of 2 studies at high or unclear risk; imprecision: CI wider than 10 points; "
        "inconsistency not assessable: 1 of 2 tables have an event)"
    )
    # A CI from -2.7 to +25.5 points is not "little or no difference": the estimate's direction, and the CI said.
    assert row["statement"] == (
        "MSC cell therapy may result in more adverse events than its comparators (the 95% CI includes no difference)."
    )


def test_few_events_make_a_narrow_risk_difference_imprecise(synthetic_studies):
    from secretome.report._synthesis import compare_events

    dataset = analysis_dataset(synthetic_studies)
    # syn-delta with 1 of 200 against 0 of 200 instead: a CI narrower than 10 points, but 1 event (G4).
    sparse = dataset.copy()
    delta = (sparse["study_id"] == "syn-delta-2019") & sparse["x2i"].notna()
    sparse.loc[delta, ["xi", "n1i", "x2i", "n2i"]] = [1, 200, 0, 200]
    compared = compare_events(sparse)
    found = summary_of_findings([], [], {s.id: s for s in synthetic_studies}, compared)
    assert "imprecision: 1 event in both arms" in found.iloc[0]["certainty"]
    assert "little or no difference in adverse events compared with its comparators" in found.iloc[0]["statement"]


def test_in_vitro_evidence_is_named_as_such_and_loses_a_level_for_indirectness(synthetic_studies):
    # Two cell-culture studies with the same direction: syn-epsilon and a copy under another id.
    (epsilon,) = [s for s in synthetic_studies if s.id == "syn-epsilon-2018"]
    studies = [epsilon, replace(epsilon, id="syn-epsilon-copy")]
    found = summary_of_findings([], count_votes(analysis_dataset(studies)), {s.id: s for s in studies}).iloc[0]
    assert found["evidence"] == "in vitro, between arms"
    # G0 in vitro is no randomised experiment in an organism (2); G1 no assessment; G3 in vitro; G4 -> very low.
    assert found["certainty"] == (
        "very low (risk of bias: 2 of 2 studies at high or unclear risk; indirectness: in vitro; "
        "imprecision: no pooled estimate)"
    )
    assert "on histology scores in vitro;" in found["statement"]

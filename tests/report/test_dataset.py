"""Rules D1-D7 of the analysis dataset, each checked on the synthetic corpus by hand arithmetic."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from scipy.stats import norm

from secretome.report import analysis_dataset
from secretome.report._dataset import followup_days

SYNTHETIC = Path(__file__).parent / "data" / "synthetic"


@pytest.fixture(scope="module")
def dataset(synthetic_studies):
    return analysis_dataset(synthetic_studies)


def _row(dataset, study, outcome, **where):
    rows = dataset[(dataset["study_id"] == study) & (dataset["outcome"] == outcome)]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_reviews_are_left_out(dataset):  # D1
    assert "syn-zeta-2023" not in set(dataset["study_id"])
    assert set(dataset["evidence_level"]) == {"in_vitro", "animal", "clinical"}


def test_background_papers_are_left_out(synthetic_studies):  # D1
    # syn-alpha-2020 marked as a background paper (not a study of MSC therapy): its one result leaves.
    background = [replace(s, scope="background") if s.id == "syn-alpha-2020" else s for s in synthetic_studies]
    assert (analysis_dataset(synthetic_studies)["study_id"] == "syn-alpha-2020").sum() == 1
    assert "syn-alpha-2020" not in set(analysis_dataset(background)["study_id"])


def test_product_class_and_source_come_from_the_treatment_arm(dataset):  # D2
    row = _row(dataset, "syn-delta-2019", "vas_pain", timepoint="month 12")
    assert (row["product"], row["product_class"], row["msc_source"]) == ("cells", "cells", "bone_marrow")
    assert _row(dataset, "syn-alpha-2020", "oarsi_score")["product_class"] == "secretome"


def test_benefit_follows_the_direction_of_the_scale(dataset):  # D3
    # OARSI: lower is better; 2.0 (treated) < 5.4 (control) is a benefit.
    assert _row(dataset, "syn-alpha-2020", "oarsi_score")["benefit"] == 1
    # GAG content: stated as improved.
    assert _row(dataset, "syn-epsilon-2018", "gag_content")["benefit"] == 1
    assert _row(dataset, "syn-delta-2019", "womac_total")["benefit"] == 0


def test_numbers_under_an_outcome_that_names_no_measure_have_no_direction(tmp_path):  # D3
    # The same per-arm numbers as syn-alpha's OARSI (lower is better), filed under "histological score, system
    # not named": a higher mean may be better repair or worse damage, so they are neither voted nor pooled.
    from secretome.evidence import load_corpus

    text = (SYNTHETIC / "syn-alpha-2020.yaml").read_text(encoding="utf-8")
    changed = text.replace("outcome: oarsi_score", "outcome: histology_score")
    (tmp_path / "syn-alpha-2020.yaml").write_text(changed, encoding="utf-8")
    row = _row(analysis_dataset(load_corpus(tmp_path).studies), "syn-alpha-2020", "histology_score")
    assert row["benefit"] is None or math.isnan(row["benefit"])
    assert not row["poolable"]
    assert "histology_score names no measure" in row["rule"]


def test_mean_changes_from_baseline_give_the_direction_of_their_difference():  # D3
    from secretome.evidence import load_corpus

    data = analysis_dataset(load_corpus().studies)
    # Ruane 2021: NPRS change -3.13 (BMAC) vs -1.56 (HA), lower is better; Lee 2025: KOOS change 23.9 (MSC) vs
    # 7.2 (saline), higher is better (the quotes of their files). Both are benefits; neither gives an SD with n.
    for study, outcome in (("ruane-2021-jsrm", "nprs_pain"), ("lee-2025-celltransplant", "koos")):
        row = _row(data, study, outcome)
        assert row["benefit"] == 1
        assert "D3: direction of the difference in mean changes" in row["rule"]
        assert not row["poolable"]


def test_se_becomes_sd_times_root_n(dataset):  # D4
    row = _row(dataset, "syn-beta-2021", "oarsi_score", timepoint="week 12")
    assert row["sd1i"] == pytest.approx(0.4 * math.sqrt(6))
    assert row["sd2i"] == pytest.approx(0.7 * math.sqrt(6))
    assert "D4" in row["rule"]
    assert not _row(dataset, "syn-beta-2021", "il1b_level")["poolable"]


def test_n_comes_from_the_arm_when_the_result_omits_it(dataset):  # D4
    row = _row(dataset, "syn-eta-2022", "oarsi_score")
    assert (row["n1i"], row["n2i"]) == (7, 7)
    assert "D4: n from the arm" in row["rule"]
    assert row["poolable"]


def test_medians_with_quartiles_become_means_and_sds(dataset):  # D4
    row = _row(dataset, "syn-theta-2021", "vas_pain")
    n = 15
    # Luo et al. 2018, scenario C3: w = 0.7 + 0.39/n; mean = w (q1 + q3)/2 + (1 - w) median.
    w = 0.7 + 0.39 / n
    assert row["m1i"] == pytest.approx(w * (20 + 40) / 2 + (1 - w) * 28)
    assert row["m2i"] == pytest.approx(w * (33 + 55) / 2 + (1 - w) * 45)
    # Wan et al. 2014, scenario C3: SD = (q3 - q1) / eta(n) with the large-n approximation
    # eta(n) = 2 Phi^-1((0.75n - 0.125)/(n + 0.25)); meta uses the exact small-n divisor, ~1.3% larger
    # at n = 15 (tests/meta/test_conversions.py checks it), so this only checks the scale.
    eta = 2 * norm.ppf((0.75 * n - 0.125) / (n + 0.25))
    assert row["sd1i"] == pytest.approx((40 - 20) / eta, rel=0.02)
    assert row["sd2i"] == pytest.approx((55 - 33) / eta, rel=0.02)
    assert row["sd1i"] / row["sd2i"] == pytest.approx(20 / 22)
    assert "Luo 2018; Wan 2014" in row["rule"]


def test_the_latest_time_point_with_numbers_is_selected(dataset):  # D5
    # syn-beta gives OARSI means at weeks 4 and 12 and only a direction at week 16.
    assert _row(dataset, "syn-beta-2021", "oarsi_score", timepoint="week 12")["selected"]
    assert not _row(dataset, "syn-beta-2021", "oarsi_score", timepoint="week 4")["selected"]
    later = _row(dataset, "syn-beta-2021", "oarsi_score", timepoint="week 16")
    assert not later["selected"]
    assert later["benefit"] == 1


def test_without_numbers_the_latest_direction_is_selected(dataset):  # D5
    row = _row(dataset, "syn-beta-2021", "il1b_level")
    assert row["selected"]
    assert not row["poolable"]
    assert "none has numbers" in row["rule"]


def test_baseline_is_never_an_effect(dataset):  # D5
    row = _row(dataset, "syn-delta-2019", "vas_pain", timepoint="baseline")
    assert pd.isna(row["benefit"])
    assert not row["selected"]
    assert not row["poolable"]
    assert _row(dataset, "syn-delta-2019", "vas_pain", timepoint="month 12")["selected"]


@pytest.mark.parametrize(
    ("label", "days"),
    [("week 8 after surgery", 56), ("months 3, 6, 9 and 12", 365.25), ("5-week course", 35), ("1 year", 365.25)],
)
def test_follow_up_is_read_from_the_label(label, days):  # D5
    assert followup_days(label) == pytest.approx(days)


def test_a_shared_control_is_split_between_arms(dataset):  # D6
    for arm in ("low", "high"):
        row = _row(dataset, "syn-gamma-2022", "oarsi_score", treatment=arm)
        assert row["n2i"] == 5  # 10 vehicle animals shared by two comparisons
        assert row["n1i"] == 10
        assert "D6" in row["rule"]


def test_every_row_keeps_its_provenance(dataset):
    assert dataset[["source", "location", "quote", "status"]].notna().all().all()
    row = _row(dataset, "syn-alpha-2020", "oarsi_score")
    assert "2.0 ± 0.9" in row["quote"]


def test_an_empty_corpus_gives_an_empty_table():
    assert analysis_dataset([]).empty


def test_p_values_with_group_sizes_become_effect_sizes_and_a_shared_treatment_arm_is_split():  # D8, D6
    from secretome.evidence import load_corpus

    data = analysis_dataset(load_corpus().studies)
    rows = data[(data["study_id"] == "dulic-2021-medicina") & (data["outcome"] == "vas_pain") & data["selected"]]
    # One treated group (n = 111) against two controls, each comparison 'P < 0.001' (Dulic 2021, the quote).
    assert len(rows) == 2
    assert rows["n1i"].tolist() == [55.5, 55.5]
    assert rows["pi"].tolist() == [0.001, 0.001]
    assert rows["p_bound"].tolist() == [True, True]
    assert all("D8" in r and "treatment n split between 2 comparisons" in r for r in rows["rule"])


def test_events_of_both_arms_make_a_2x2_table_with_a_shared_comparator_split():  # D12, D6, D3
    from secretome.evidence import load_corpus

    data = analysis_dataset(load_corpus().studies)
    # Chen 2021 Table 2, weeks 0-24: subjects with AEs HA 4 of 8, 16 M 15 of 17, 32 M 14 of 17, 64 M 11 of 15;
    # the HA arm is shared by the three doses, so each comparison gets a third of it: 4/3 of 8/3.
    chen = data[(data["study_id"] == "chen-2021-scrt") & (data["outcome"] == "adverse_events") & data["selected"]]
    assert sorted(chen["xi"]) == [11, 14, 15]
    assert list(chen["x2i"]) == pytest.approx([4 / 3] * 3)
    assert list(chen["n2i"]) == pytest.approx([8 / 3] * 3)
    assert (chen["benefit"] == -1).all()  # 88%, 82%, 73% of the treated against 50%: more events, a harm
    assert chen["rule"].str.contains("D6: control n and events split between 3 comparisons").all()
    # Kuah 2018: all 16 treated and all 4 on placebo had an event: no difference in proportions.
    kuah = _row(data, "kuah-2018-jtm", "adverse_events")
    assert (kuah["x2i"], kuah["n2i"], kuah["benefit"]) == (4, 4, 0)


def test_events_of_a_treatment_arm_become_a_proportion_in_trials_and_case_series():  # D10
    from secretome.evidence import load_corpus

    data = analysis_dataset(load_corpus().studies)
    # Kuah 2018: "All patients reported at least one treatment-emergent adverse event", 16 in the combined
    # treated arm (its file: events = n, arm sizes from Table 2), against placebo; Ao 2023, a case series:
    # "5 of 14 patients". Both are proportions of treated patients (Kuah's placebo arm, 4 of 4, is rule D12's).
    kuah = _row(data, "kuah-2018-jtm", "adverse_events")
    assert (kuah["measure"], kuah["xi"], kuah["n1i"], kuah["comparison"]) == ("PLO", 16, 16, "between")
    assert "D10: events of n in the treatment arm (a proportion)" in kuah["rule"]
    ao = _row(data, "ao-2023-bmcmsd", "adverse_events")
    assert (ao["measure"], ao["xi"], ao["n1i"], ao["comparison"]) == ("PLO", 5, 14, "within")
    # Lamo-Espinosa 2020: "No adverse effects were reported after BM-MSC administration or during follow-up",
    # 0 of 24 treated; its control arm gives no count, which is not needed (the comparator's are not used).
    lamo = _row(data, "lamoespinosa-2020-jtm", "adverse_events")
    assert (lamo["measure"], lamo["xi"], lamo["n1i"], lamo["comparison"]) == ("PLO", 0, 24, "between")

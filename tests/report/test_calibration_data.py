"""The calibration table (rules C1-C3), read generically from study files: the synthetic corpus drives each path."""

from __future__ import annotations

import dataclasses
import hashlib
import math

import pytest

from secretome.model import simulate
from secretome.report._calibration_data import calibration_table, condition_model, held_out
from secretome.report._dataset import analysis_dataset


@pytest.fixture(scope="module")
def built(synthetic_studies):
    return calibration_table(synthetic_studies, analysis_dataset(synthetic_studies))


def test_per_arm_means_become_two_points_with_the_se_of_each_mean(built):  # C2, per-arm numbers
    table, _ = built
    rows = table[table["study_id"] == "syn-alpha-2020"].set_index("condition")
    # syn-alpha-2020.yaml: OARSI 2.0 +/- 0.9 (exosomes, n = 8) vs 5.4 +/- 1.2 (PBS, n = 8) at day 56.
    treated, control = rows.loc["rat-mia+ev-weekly"], rows.loc["rat-mia"]
    assert (treated["kind"], treated["observable"], treated["time"]) == ("quantitative", "oarsi", 56.0)
    assert (treated["value"], treated["noise_sd"]) == pytest.approx((2.0, 0.9 / math.sqrt(8)))
    assert (control["value"], control["noise_sd"]) == pytest.approx((5.4, 1.2 / math.sqrt(8)))
    assert "direction" not in set(rows["kind"])  # the numbers say it: no second, direction-only constraint


def test_a_direction_is_a_sign_on_the_readout_scale(built):  # C2, directions
    table, _ = built
    row = table[(table["study_id"] == "syn-beta-2021") & (table["kind"] == "direction")].iloc[0]
    # IL-1beta reported improved (lower is better): treated minus untreated is negative.
    assert (row["condition"], row["observable"], row["value"]) == ("rat-aclt+ev-weekly", "il1b", -1)


def test_a_score_without_its_own_map_is_read_on_the_oarsi_readout_once_per_study(built):  # C2, proxy
    table, _ = built
    rows = table[table["study_id"] == "syn-gamma-2022"]
    assert len(rows) == 1  # two arms against one control: one constraint
    row = rows.iloc[0]
    assert (row["condition"], row["observable"], row["value"], row["results"]) == (
        "mouse-dmm+ev-weekly", "oarsi", -1, 2,
    )  # fmt: skip
    assert "read on the OARSI readout" in row["note"]


def test_results_the_model_cannot_express_are_listed_with_the_reason(synthetic_studies):
    sheep = [
        dataclasses.replace(s, population=dataclasses.replace(s.population, species="sheep"))
        if s.id == "syn-beta-2021" else s
        for s in synthetic_studies
    ]  # fmt: skip
    table, skipped = calibration_table(sheep, analysis_dataset(sheep))
    assert "syn-beta-2021" not in set(table["study_id"])
    assert set(skipped.loc[skipped["study_id"] == "syn-beta-2021", "reason"]) == {"no organism for species sheep"}


def test_untreated_points_keep_their_quotes_and_changes_are_levels(built):  # C1
    table, _ = built
    mankin = table[(table["study_id"] == "naveen-2014-ijms") & (table["condition"] == "rat-mia")].iloc[0]
    assert (mankin["value"], mankin["noise_sd"]) == (11.5, 1.0)
    assert "MIA: 11.5±1.0" in mankin["quote"]
    jsw = table[table["study_id"] == "emrani-2008-oac"].iloc[0]
    baseline = condition_model("human-knee-oa")
    assert jsw["value"] < 2 * baseline.parameter("h0").value / 1000  # a level below the healthy two layers


def test_a_placebo_arm_is_read_only_while_untreated(built):  # C1, Wildi 2011 Table 2
    table, _ = built
    rows = table[table["study_id"] == "wildi-2011-ard"]
    # Placebo -4.67 +/- 3.39 % global cartilage volume at 6 months (n = 28); its 12-month value follows open-label
    # chondroitin sulphate from month 6, so it is not an untreated point.
    assert list(rows["time"]) == [182.5]
    row = rows.iloc[0]
    baseline = float(simulate(condition_model("human-knee-oa"), times=[0.0, 182.5]).readout_series("thickness")[0])
    expected = (baseline * (1 - 0.0467), baseline * 0.0339 / math.sqrt(28))
    assert (row["value"], row["noise_sd"]) == pytest.approx(expected)
    assert "−4.673.39" in row["quote"]
    assert row["split"] == "test"  # held out: it checks the wear fitted on Raynauld's 107 patients


def test_the_joint_space_trajectory_is_read_at_each_visit(built):  # C1, placebo arms of three trials
    table, _ = built
    rows = table[(table["observable"] == "jsw") & (table["kind"] == "quantitative")].set_index("time")
    baseline = float(simulate(condition_model("human-knee-oa"), times=[0.0, 1.0]).readout_series("jsw")[0])
    # PMID 23290692: -0.13 +/- 0.36 mm at week 48 and -0.22 +/- 0.45 mm at week 96 (222 + 264 placebo patients);
    # SEKOIA: -0.37 (SD 0.59) mm at 3 years (472); Emrani: -0.14 +/- 0.14 mm/yr (27 estimates).
    for day, change, sd, n in ((336.0, -0.13, 0.36, 486), (672.0, -0.22, 0.45, 486), (1095.0, -0.37, 0.59, 472),
                               (365.0, -0.14, 0.14, 27)):  # fmt: skip
        assert (rows.loc[day, "value"], rows.loc[day, "noise_sd"]) == pytest.approx(
            (baseline + change, sd / math.sqrt(n))
        )
    assert "0.018−0.37 (0.59)" in rows.loc[1095.0, "quote"]


def test_the_split_is_by_study_and_fixed_by_its_id(built):  # C3
    table, _ = built
    for study, split in table.groupby("study_id")["split"]:
        assert split.nunique() == 1
        assert (split.iloc[0] == "test") == (hashlib.sha256(study.encode()).digest()[0] % 3 == 0) == held_out(study)


def test_conditions_are_organism_induction_and_protocol():
    model = condition_model("rabbit-focal-defect+ev-weekly")
    assert model.parameter("h0").value == 356.2  # Chen et al. 2013, rabbit femoral condyle
    assert {d.species for d in model.doses} == {"ev"}
    assert model.t_end == 120.0
    assert condition_model("human-knee-oa").name == "human-knee-oa"  # a preset by name
    assert condition_model("human-knee-oa").t_end == 1095.0  # on to SEKOIA's 3-year visit (preset: 730 days)


def test_the_shipped_petab_problems_pass_the_petab_linter():
    pytest.importorskip("petab")
    from petab.v1 import Problem, lint_problem

    from secretome.report._artefacts import BUNDLED

    files = sorted((BUNDLED / "petab").glob("*/problem.yaml"))
    if not files:
        pytest.skip("no calibration shipped")
    for path in files:
        problem = Problem.from_yaml(str(path))
        assert not lint_problem(problem), path.parent.name  # False: no error found
        assert problem.parameter_df["estimate"].sum() >= 1, path.parent.name

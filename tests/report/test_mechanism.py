"""Rules M1-M3 of the mechanism section, on the model's rat MIA presets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from secretome import vocab
from secretome.model import preset, simulate
from secretome.report._mechanism import (
    EXPERIMENTS,
    PLOTTED,
    assumption_counts,
    calibrated_preset,
    calibrated_values,
    calibration_artefacts,
    cohort_bands,
    fitted_parameters,
    held_out_summary,
    predictions_beside_evidence,
    readout_table,
    run_experiments,
)

SINGLE_VS_REPEATED = next(e for e in EXPERIMENTS if e.id == "single-vs-repeated")


@pytest.fixture(scope="module")
def run():
    return run_experiments([SINGLE_VS_REPEATED])[0]


def test_every_arm_is_simulated_against_the_untreated_preset(run):  # M1
    assert list(run.runs) == ["untreated", "150 ug once", "30 ug weekly x 5"]
    untreated = simulate(
        preset("rat-mia").with_values(**calibrated_values("rat-mia")), times=run.runs["untreated"].time
    )
    assert run.runs["untreated"].readout_values == pytest.approx(untreated.readout_values, rel=1e-9)


def test_the_calibrated_subject_takes_the_stages_of_its_organism():  # M1
    fit = calibration_artefacts()["fit"]
    if fit.empty:
        pytest.skip("no calibration shipped")
    human = fit[fit["stage"] == "human mechanism"].set_index("parameter")["estimate"]
    animal = set(fit.loc[fit["stage"].isin(["animal mechanism", "readout maps"]), "parameter"])
    assert set(calibrated_values("rat-mia")) == animal
    values = calibrated_values("human-knee-oa")
    assert {k: values[k] for k in human.index} == pytest.approx(human.to_dict())
    assert not set(values) & (animal - set(fit.loc[fit["stage"] == "readout maps", "parameter"]))


def test_calibrated_bands_are_the_quantiles_over_the_ensemble():  # M4
    ensemble = calibration_artefacts()["ensemble"]
    if ensemble.empty:
        pytest.skip("no calibrated ensemble shipped")
    bands = cohort_bands("rat-mia", subjects=20)
    assert set(bands["bands"]) == {"calibrated"}
    assert int(bands["subjects"].iloc[0]) == len(ensemble)
    assert set(bands["readout"]) == set(PLOTTED)
    # Reference: every member simulated one by one with the scipy simulator, then numpy's quantiles.
    model = calibrated_preset("rat-mia")
    known = {p.name for p in model.parameters}
    members = ensemble[[c for c in ensemble.columns if c in known]].to_dict("records")
    day = 56.0
    values = [simulate(model.with_values(**m), times=[0.0, day]).readout_series("aggrecan")[-1] for m in members]
    band = bands[(bands["readout"] == "aggrecan") & (bands["time"] == day)].set_index("quantile")["value"]
    assert band.to_numpy() == pytest.approx(np.quantile(values, band.index.to_numpy()), rel=1e-3)


def test_held_out_agreement_is_counted_beside_how_many_report_benefit():  # M6
    directions = pd.DataFrame({
        "parameters": ["calibrated"] * 3 + ["nominal"] * 3, "split": ["test", "test", "train"] * 2,
        "agrees": [True, False, True, True, True, False],
    })  # fmt: skip
    table = pd.DataFrame({"kind": ["direction"] * 3, "split": ["test", "test", "train"], "benefit": [1, -1, 1]})
    assert held_out_summary(directions, table) == {
        "train": 1, "train_agree": 1, "held_out": 2, "held_out_agree": 1, "held_out_nominal_agree": 2,
        "held_out_benefit": 1,
    }  # fmt: skip


def test_a_parameter_the_data_leave_open_is_said_to_be_so():  # M6
    fit = pd.DataFrame([{"stage": "s", "parameter": "k", "estimate": 1.0, "ci_lower": float("nan"), "ci_upper": 2.0,
                         "prior_low": 0.1, "prior_high": 10.0, "identifiable": False, "chi2": 1.0,
                         "chi2_nominal": 3.0, "rows": 4}])  # fmt: skip
    row = fitted_parameters(fit).iloc[0]
    assert row["95% profile-likelihood interval"] == "open (prior bound) to 2"
    assert row["identifiable"].startswith("no")
    assert row["optimum"] == "yes"


def test_a_profile_below_its_fit_says_the_estimate_is_not_the_optimum():  # M6
    fit = pd.DataFrame([{"stage": "s", "parameter": p, "estimate": 1.0, "ci_lower": 0.5, "ci_upper": 2.0,
                         "prior_low": 0.1, "prior_high": 10.0, "identifiable": True, "chi2": 1.0,
                         "chi2_nominal": 3.0, "rows": 4} for p in ("k", "m")])  # fmt: skip
    # k's profile meets chi2 0.4 < 1.0; m's dips by 0.01 only, within the refits' tolerance.
    profiles = pd.DataFrame({"stage": "s", "parameter": ["k", "k", "m", "m"], "value": [0.5, 2.0, 0.5, 2.0],
                             "chi2": [0.4, 5.0, 0.99, 5.0], "chi2_best": 1.0})  # fmt: skip
    table = fitted_parameters(fit, profiles).set_index("parameter")
    assert table.loc["k", "optimum"] == "no: its profile reaches chi2 0.4"
    assert table.loc["m", "optimum"] == "yes"


def test_readouts_are_taken_at_the_experiment_days(run):
    table = readout_table(run)
    assert sorted(table["day"].unique()) == [28.0, 56.0, 120.0]
    assert len(table) == 3 * 3 * len(run.runs["untreated"].readouts)


def test_predictions_follow_the_direction_of_benefit(run):  # M2
    table = readout_table(run).query("day == 120.0")
    last = table.pivot_table(index="readout", columns="arm", values="value")
    outcome_of = dict(zip(table["readout"], table["outcome"], strict=False))
    predictions = predictions_beside_evidence(run, pd.DataFrame(columns=["study_id", "outcome", "vote"]))
    assert len(predictions) == 2 * len(last)
    for _, row in predictions.iterrows():
        outcome = vocab.OUTCOMES[outcome_of[row["readout"]]]
        assert row["outcome"] == outcome.label
        treated, untreated = last.loc[row["readout"], row["arm"]], last.loc[row["readout"], "untreated"]
        if abs(treated - untreated) < 0.01 * max(abs(treated), abs(untreated)):
            assert row["predicted"] == "no difference"
        else:
            better = treated > untreated if outcome.higher_is_better else treated < untreated
            assert row["predicted"] == ("benefit" if better else "harm"), row
    assert (predictions["studies (benefit / harm / other)"] == "no study").all()


def test_evidence_votes_stand_beside_the_prediction(run):  # M3
    votes = pd.DataFrame(
        {"study_id": ["a", "b", "c"], "outcome": ["gag_content"] * 3, "vote": ["benefit", "harm", "mixed"]}
    )
    predictions = predictions_beside_evidence(run, votes).set_index("outcome")
    assert set(predictions.loc["Glycosaminoglycan / Safranin O staining", "studies (benefit / harm / other)"]) == {
        "1 / 1 / 1"
    }


def test_assumptions_are_counted_per_preset(run):
    counts = assumption_counts([run]).set_index("preset")
    model = preset("rat-mia")
    assert counts.loc["rat-mia", "assumed"] == sum(p.assumed for p in model.parameters)
    assert counts.loc["rat-mia", "sourced"] + counts.loc["rat-mia", "assumed"] == len(model.parameters)


def test_changes_are_absolute_and_never_a_percentage_off_a_near_zero_base(run):
    predictions = predictions_beside_evidence(run, pd.DataFrame(columns=["study_id", "outcome", "vote"]))
    change = predictions.set_index(["arm", "readout"])["predicted change vs untreated"]
    assert change.str.contains(" % of healthy| pg/mL| um").any()
    table = readout_table(run)
    first = table[table["day"] == table["day"].min()].query("arm == 'untreated'").set_index("readout")["value"]
    last = table[table["day"] == 120.0].query("arm == 'untreated'").set_index("readout")["value"]
    for (_, readout), text in change.items():
        if abs(last[readout]) < 0.1 * abs(first[readout]):
            assert "%)" not in text, (readout, text)


def test_the_model_diagram_is_an_svg():
    from secretome.report._mechanism import model_diagram

    svg = model_diagram()
    assert svg.lstrip().startswith("<")
    assert "svg" in svg[:400]

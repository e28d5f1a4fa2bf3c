"""Rules M1-M3 of the mechanism section, on the model's rat MIA presets."""

from __future__ import annotations

import pandas as pd
import pytest

from secretome import vocab
from secretome.model import preset, simulate
from secretome.report._mechanism import (
    EXPERIMENTS,
    assumption_counts,
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
    untreated = simulate(preset("rat-mia"), times=run.runs["untreated"].time)
    assert run.runs["untreated"].readout_values == pytest.approx(untreated.readout_values, rel=1e-9)


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

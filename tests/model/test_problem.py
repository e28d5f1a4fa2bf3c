"""Calibration problems: the table is checked at the edge; directions are hinge residuals; PEtab lints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from secretome.errors import InputError, OutputError
from secretome.model import direction_agreement, preset, problem_from_table, simulate_problem, to_petab
from secretome.model._problem import MARGIN, residuals


def _table(**changes) -> pd.DataFrame:
    rows = [
        {"kind": "direction", "condition": "rat-mia-ev-weekly", "observable": "aggrecan", "time": 56.0, "value": 1,
         "noise_sd": np.nan, "split": "train", "study_id": "a"},
        {"kind": "direction", "condition": "rat-mia-ev-weekly", "observable": "aggrecan", "time": 56.0, "value": -1,
         "noise_sd": np.nan, "split": "test", "study_id": "b"},
        {"kind": "quantitative", "condition": "rat-mia", "observable": "mankin", "time": 14.0, "value": 11.5,
         "noise_sd": 1.0, "split": "train", "study_id": "c"},
    ]  # fmt: skip
    frame = pd.DataFrame(rows)
    for column, value in changes.items():
        frame.loc[0, column] = value
    return frame


def test_directions_agree_only_with_the_sign_the_model_gives():
    problem = problem_from_table(_table(), preset)
    results = simulate_problem(problem)
    agreement = direction_agreement(problem, results)
    assert list(agreement["agrees"]) == [True, False]  # EVs raise aggrecan: "up" agrees, "down" does not
    train = residuals(problem, results, split="train")
    assert train[0] == 0.0  # a satisfied direction costs nothing
    times, values, names = results["rat-mia"]
    mankin = float(values[list(times).index(14.0), names.index("mankin")])
    assert train[1] == pytest.approx((mankin - 11.5) / 1.0)
    row = agreement.iloc[1]
    test = residuals(problem, results, split="test")
    relative = (row["treated"] - row["untreated"]) / max(row["treated"], row["untreated"])
    assert test[0] == pytest.approx((MARGIN + relative) / MARGIN)  # a violated direction costs in margins


@pytest.mark.parametrize(
    ("change", "field"),
    [({"kind": "guess"}, "kind"), ({"split": "both"}, "split"), ({"observable": "colour"}, "observable"),
     ({"time": 400.0}, "time"), ({"value": 2}, "value")],
)  # fmt: skip
def test_bad_rows_name_the_field(change, field):
    with pytest.raises(InputError) as info:
        problem_from_table(_table(**change), preset)
    assert info.value.field == field
    assert info.value.row == 1


def test_petab_export_passes_the_petab_linter(tmp_path):
    petab = pytest.importorskip("petab")
    from petab.v1 import Problem, lint_problem

    problem = problem_from_table(_table(), preset)
    files = to_petab(problem, tmp_path, fitted=["k_G", "K_hist"])
    assert [f.parent.name for f in files] == ["rat-mia"]
    loaded = Problem.from_yaml(str(files[0]))
    assert not lint_problem(loaded)  # False: no error found
    parameters = loaded.parameter_df
    assert set(parameters.index[parameters["estimate"] == 1]) == {"k_G", "K_hist"}
    directions = pd.read_csv(files[0].parent / "directions.tsv", sep="\t")
    assert list(directions["sign"]) == [1, -1]
    assert petab is not None


def test_petab_export_writes_every_file_or_none(tmp_path):
    # The files were written one by one: a folder in the way of parameters.tsv left model.xml and the
    # rest of a half problem behind (issue 12: multi-file outputs appear together or not at all).
    (tmp_path / "rat-mia" / "parameters.tsv").mkdir(parents=True)
    with pytest.raises(OutputError, match=r"parameters\.tsv"):
        to_petab(problem_from_table(_table(), preset), tmp_path, fitted=["k_G"])
    assert sorted(p.name for p in (tmp_path / "rat-mia").iterdir()) == ["parameters.tsv"]

"""follow_ups_from_csv with a model fitted with user weights, against metafor 3.8-1 (regtest_weights.json)."""

from __future__ import annotations

import pandas as pd
import pytest
from metafor_fixtures import load_cases

from secretome.errors import InputError
from secretome.meta import follow_ups_from_csv, meta_from_csv

# R: regtest(rma(yi, vi, weights = n, method = "REML", test = "knha"), predictor = "sei") on dat.bcg, n the total
# sample size (tools/metafor_reference_regtest_weights.R).
CASE = next(c for c in load_cases("regtest_weights") if c["id"] == "bcg-weights-REML-knha-sei")


@pytest.fixture
def weighted(tmp_path):
    path = tmp_path / "data.csv"
    pd.DataFrame({"yi": CASE["yi"], "vi": CASE["vi"], "n": CASE["weights"]}).to_csv(path, index=False)
    return path, meta_from_csv(path, yi="yi", vi="vi", weights="n", method=CASE["method"], test=CASE["test"])


def test_regtest_of_a_weighted_model_refits_with_the_weights(weighted):
    path, fit = weighted
    res = follow_ups_from_csv(path, fit, regtest="sei", weights="n").analyses[0]
    # Without the weights metafor's z is CASE["zval_unweighted"] (-0.781): the refit kept them.
    assert res.zval == pytest.approx(CASE["zval"], rel=1e-6)
    assert res.pval == pytest.approx(CASE["pval"], rel=1e-6)


@pytest.mark.parametrize(
    ("asked", "named"),
    [
        ({"permutations": 0}, "permutations"),
        ({"confint": True, "gosh_path": "g.svg"}, "confint, gosh_path"),
        ({"regtest": "sei", "influence_diagnostics": True, "transf": "exp"}, "influence_diagnostics, transf"),
        ({"random": ["yi"]}, "random"),
    ],
)
def test_follow_ups_that_would_drop_the_weights_are_refused(weighted, asked, named, tmp_path):
    path, fit = weighted
    with pytest.raises(InputError) as err:
        follow_ups_from_csv(path, fit, weights="n", **{k: tmp_path / v if k == "gosh_path" else v
                                                         for k, v in asked.items()})  # fmt: skip
    reason = f"user weights are for the model fit and regtest alone: not with {named}"
    assert str(err.value) == f"field 'weights': {reason} (got 'n')"
    assert not (tmp_path / "g.svg").exists()


def test_leave_one_out_of_a_meta_regression_stops_in_metafors_words(tmp_path):
    # R: leave1out(rma(yi, vi, mods = ~ age + diag.ab)) on dat.laopaiboon2015 stops (metafor 3.8-1; influence() does
    # not): "Method only applicable to models without moderators." (tools/metafor_reference_influence_mods.R)
    case = next(c for c in load_cases("influence_mods") if c["id"] == "laopaiboon2015_age_diag-REML-z")
    path = tmp_path / "data.csv"
    table = {
        "yi": case["yi"],
        "vi": case["vi"],
        "children": [r[0] for r in case["mods"]],
        "ab": [r[1] for r in case["mods"]],
    }
    pd.DataFrame(table).to_csv(path, index=False)
    fit = meta_from_csv(path, yi="yi", vi="vi", mods=["children", "ab"])
    with pytest.raises(InputError) as err:
        follow_ups_from_csv(path, fit, leave1out=True)
    assert (err.value.reason, err.value.field) == (case["leave1out_error"], "leave1out")
    assert follow_ups_from_csv(path, fit, influence_diagnostics=True).analyses[0].cook_d == pytest.approx(
        case["cook_d"], rel=1e-6
    )

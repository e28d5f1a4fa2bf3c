"""predict(), blup() and ranef() against metafor's predict.rma, blup.rma.uni and ranef.rma.uni."""

from __future__ import annotations

import math

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases
from predict_cases import cases, fit, fit_multilevel

from secretome.errors import InputError
from secretome.meta import blup, meta_regression, predict, random_effects, ranef

# 1e-6 as the other fixtures of issue 16: metafor stops its PM root finder at about 1e-4 (its default tol), we at 1e-12.
TOL = 1e-6


def _close(ours, theirs, what, atol=1e-10):
    if theirs is None:
        assert ours is None, what
        return
    assert ours is not None, what
    np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=atol, err_msg=what)


@pytest.mark.parametrize("case", cases("predict"), ids=case_id)
def test_predict_matches_metafor(case):
    # R: predict(rma(yi, vi, mods = X, method =, test =), newmods =, transf =)
    res = predict(fit(case), case["newmods"], transf=case["transf"])
    for field in ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        _close(getattr(res, field), case[field], field)


@pytest.mark.parametrize("case", cases("blup"), ids=case_id)
@pytest.mark.parametrize("kind", ["blup", "ranef"])
def test_blup_and_ranef_match_metafor(case, kind):
    # R: blup(res, transf =), ranef(res, transf =)
    function = blup if kind == "blup" else ranef
    res = function(fit(case), transf=case["transf"])
    for field in ("pred", "se", "pi_lb", "pi_ub"):
        _close(getattr(res, field), case[kind][field], f"{kind}.{field}")
    assert res.kind == kind


@pytest.mark.parametrize("case", cases("mv"), ids=case_id)
def test_multilevel_predict_and_ranef_match_metafor(case):
    # R: res <- rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school); predict(res, newmods =); ranef(res)
    res = fit_multilevel(case)
    pred = predict(res, case["newmods"])
    for field in ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        _close(getattr(pred, field), case[field], field)
    effects = ranef(res)
    assert effects.factors == tuple(case["ranef_factors"])
    for j, theirs in enumerate(case["ranef"]):
        # metafor sorts the levels, we keep their order of appearance: compare level by level.
        order = [effects.levels[j].index(name) for name in theirs["levels"]]
        assert sorted(order) == list(range(len(order)))
        for field in ("pred", "se", "pi_lb", "pi_ub"):
            ours = [getattr(effects, field)[j][i] for i in order]
            # rma.mv stops its optimiser near 1e-8 in sigma^2 (we at the likelihood's maximum): absolute 1e-7 here.
            _close(ours, theirs[field], f"{case['ranef_factors'][j]}.{field}", atol=1e-7)
    assert effects.to_frame().shape == (sum(len(lv) for lv in effects.levels), 6)
    assert effects.summary().startswith("$district")


def test_newmods_by_name_equals_by_position():
    case = next(c for c in cases("predict") if c["data"] == "curtis1998" and c["method"] == "REML")
    res = fit(case)
    by_name = predict(res, {"time": [10, 100, 300], "methodGH": [0, 1, 0], "methodOTC": [0, 0, 1]})
    assert by_name.pred == predict(res, case["newmods"]).pred
    # a single value is used for every row
    assert predict(res, {"time": [10, 20], "methodGH": 0, "methodOTC": 0}).x == ((1, 10, 0, 0), (1, 20, 0, 0))


def test_fitted_values_without_newmods_are_the_models():
    res = meta_regression([0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1.0, 2.0, 3.0, 4.0], names=["year"])
    pred = predict(res)
    assert pred.pred == pytest.approx(res.fitted, rel=1e-12)
    assert pred.ci_lb == pytest.approx(res.fitted_ci_lb, rel=1e-12)
    assert pred.labels == res.labels


def test_random_effects_prediction_is_the_pooled_estimate_and_its_intervals():
    res = random_effects([0.1, 0.5, 0.9, 0.2], [0.02, 0.03, 0.02, 0.04])
    pred = predict(res)
    assert pred.pred == (pytest.approx(res.estimate),)
    assert pred.pi_lb == (pytest.approx(res.pi_lb),)
    assert pred.ci_ub == (pytest.approx(res.ci_ub),)


def test_a_decreasing_transformation_keeps_lower_below_upper():
    res = random_effects([0.1, 0.5, 0.9, 0.2], [0.02, 0.03, 0.02, 0.04])
    pred = predict(res, transf=lambda y: -y)
    assert pred.ci_lb[0] == pytest.approx(-res.ci_ub)
    assert pred.ci_ub[0] == pytest.approx(-res.ci_lb)
    assert pred.se is None
    assert pred.transf == "custom"


def test_blup_of_a_homogeneous_model_is_the_pooled_estimate():
    res = random_effects([0.3, 0.31, 0.29], [0.1, 0.1, 0.1])  # tau^2 = 0
    assert res.tau2 == 0
    assert blup(res).pred == pytest.approx((res.estimate,) * 3)
    assert ranef(res).pred == pytest.approx((0.0,) * 3)


@pytest.mark.parametrize(
    ("newmods", "message"),
    [
        ({"latitude": 3}, "field 'newmods': no such moderator; the moderators are weeks (got 'latitude')"),
        ({}, "field 'newmods': gives no value for weeks"),
        ([[1, 2]], "field 'newmods': needs 1 columns (weeks); got shape (1, 2)"),
        (["x"], "row 1, field \"newmods['weeks']\": is not a number (got 'x')"),
    ],
)
def test_bad_newmods_say_what_is_wrong(newmods, message):
    res = meta_regression([0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1.0, 2.0, 3.0, 4.0], names=["weeks"])
    with pytest.raises(InputError) as err:
        predict(res, newmods)
    assert str(err.value) == message


def test_predictions_table_has_one_row_per_new_value():
    res = meta_regression([0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1.0, 2.0, 3.0, 4.0], names=["weeks"])
    frame = predict(res, [0.0, 1.0, 2.0]).to_frame()
    assert frame["weeks"].tolist() == [0.0, 1.0, 2.0]
    assert frame["label"].tolist() == ["1", "2", "3"]


def test_newmods_for_a_model_without_moderators_stops_in_metafors_words():
    # R: predict(rma(yi, vi), newmods = 30) on dat.bcg (tools/metafor_reference_refusals.R)
    case = next(c for c in load_cases("refusals") if c["id"] == "predict-newmods-intercept-only")
    with pytest.raises(InputError) as err:
        predict(random_effects(case["yi"], case["vi"], method=case["method"]), [case["newmods"]])
    assert (err.value.reason, err.value.field) == (case["error"], "newmods")


def test_unknown_transformation_is_an_input_error():
    with pytest.raises(InputError, match="field 'transf': must be one of 'exp'"):
        predict(random_effects([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), transf="log")


def test_result_views():
    res = predict(random_effects([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), transf="exp")
    assert res.to_dict()["pred"] == [pytest.approx(math.exp(0.5))]
    assert "back-transformed with exp" in res.summary()
    assert list(res.to_frame().columns) == ["label", "pred", "ci_lb", "ci_ub", "pi_lb", "pi_ub"]
    fitted = blup(random_effects([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]))
    assert "pi.lb" in fitted.summary()
    assert fitted.to_frame()["pred"].tolist() == list(fitted.pred)

"""egger_test with each of metafor's regtest predictors against metafor 3.8-1 (tools/metafor_reference_regtest.R)."""

from __future__ import annotations

import math
import re
import warnings

import pytest
from metafor_fixtures import NONPOSITIVE_VI, case_id, load_cases

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import egger_test

CASES = [c for c in load_cases("regtest") if "error" not in c]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_egger_test_with_each_predictor_matches_metafor(case):
    # R: regtest(rma(yi, vi, method=, test=), ni = ni, model=, predictor=)
    got = egger_test(
        case["yi"], case["vi"], ni=case["ni"], model=case["model"], predictor=case["predictor"],
        method=case["method"], test=case["test"],
    )  # fmt: skip
    for field in ("zval", "pval"):
        assert getattr(got, field) == pytest.approx(case[field], rel=TOL["est"]), field
    assert got.df == case["df"]
    for field in ("est", "ci_lb", "ci_ub"):
        # metafor gives no limit estimate for ni and sqrtni (NULL in the fixture).
        expected = case[field]
        assert getattr(got, field) == (None if expected is None else pytest.approx(expected, rel=TOL["est"])), field
    assert got.to_dict()["predictor"] == case["predictor"]


def test_every_predictor_model_and_test_is_covered():
    assert {c["predictor"] for c in CASES} == {"sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv"}
    assert {(c["model"], c["method"], c["test"]) for c in CASES} >= {("rma", "REML", "knha"), ("lm", "REML", "z")}
    assert {c["id"].split("-")[0] for c in CASES} == {"egger2001", "cohen1981"}


def test_summary_reads_like_metafor():
    case = next(c for c in CASES if c["id"] == "egger2001-rma-REML-z-ninv")
    text = egger_test(case["yi"], case["vi"], ni=case["ni"], predictor="ninv").summary()
    # R: print(regtest(rma(yi, vi, data = dat.egger2001 OR), predictor = "ninv"))
    assert "Predictor: inverse of the sample size" in text
    assert "Test for Funnel Plot Asymmetry: z = -2.1125, p = 0.0346" in text
    assert "Limit Estimate (as ni -> inf):  b = -0.3591 (CI: -0.7915, 0.0733)" in text
    knha = next(c for c in CASES if c["id"] == "egger2001-rma-REML-knha-ni")
    text = egger_test(knha["yi"], knha["vi"], ni=knha["ni"], predictor="ni", test="knha").summary()
    # R: print(regtest(rma(yi, vi, test = "knha"), predictor = "ni")): no limit estimate
    assert "Test for Funnel Plot Asymmetry: t = 2.2879, df = 14, p = 0.0382" in text
    assert "Limit Estimate" not in text
    fixed = next(c for c in CASES if c["id"] == "cohen1981-rma-FE-z-sei")
    text = egger_test(fixed["yi"], fixed["vi"], method="FE").summary()
    assert "Model:     fixed-effects meta-regression model" in text


def test_a_constant_predictor_is_refused_as_metafor_stops():
    case = next(c for c in load_cases("regtest") if "error" in c)
    assert case["error"].startswith("Model matrix no longer of full rank")
    with pytest.raises(InputError) as err:
        egger_test(case["yi"], case["vi"], ni=case["ni"], predictor=case["predictor"])
    assert (err.value.reason, err.value.field) == (case["error"], "ninv")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: egger_test([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], predictor="ni"),
            r"field 'ni': No sample size information available to use this predictor\. \(got 'ni'\)",
        ),
        (lambda: egger_test([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], predictor="n"), r"field 'predictor': must be one of"),
        (
            lambda: egger_test([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], predictor="ninv", ni=[10, 0, 20]),
            r"row 2, field 'ni': must be > 0",
        ),
        (
            lambda: egger_test([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], predictor="ninv", ni=[10, 20]),
            r"field 'ni': has 2 values but the other columns have 3",
        ),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(InputError, match=message):
        call()


VI_ZERO = load_cases("vi_zero_diagnostics")  # by tools/metafor_reference_vi_zero_diagnostics.R


@pytest.mark.parametrize("case", [c for c in VI_ZERO if c["kind"] == "refits"], ids=case_id)
def test_a_sampling_variance_of_0_is_fitted_or_refused_as_metafor(case):
    # R: regtest(rma(yi, vi, method=, test=), predictor=) on dat.bcg with vi[3] = 0: REML fits; DL stops at rma().
    if "error" in case:
        with pytest.raises(InputError, match=rf"^row 3, field 'vi': {re.escape(case['error'])}$"):
            egger_test(case["yi"], case["vi"], method=case["method"], test=case["test"])
        return
    for expected in case["regtest"]:
        with pytest.warns(SecretomeWarning) as caught:
            got = egger_test(case["yi"], case["vi"], predictor=expected["predictor"], method=case["method"],
                             test=case["test"])  # fmt: skip
        assert NONPOSITIVE_VI in {str(w.message) for w in caught}
        for field in ("zval", "pval", "est", "ci_lb", "ci_ub"):
            assert getattr(got, field) == pytest.approx(expected[field], rel=TOL["est"]), field
        assert got.df == expected["df"]


def test_lm_refuses_a_sampling_variance_of_0_as_metafor():
    # R: regtest(yi, vi, model = "lm") with vi[3] = 0 stops: "NA/NaN/Inf in 'x'" (the weight 1/0)
    case = next(c for c in VI_ZERO if c["kind"] == "regtest_lm")
    assert case["error"] == "NA/NaN/Inf in 'x'"
    with pytest.raises(InputError, match=r"^row 3, field 'vi': model='lm' weights each study by 1/vi"):
        egger_test(case["yi"], case["vi"], model="lm")


MODS = load_cases("regtest_mods")  # by tools/metafor_reference_regtest_mods.R


@pytest.mark.parametrize("case", [c for c in MODS if "error" not in c], ids=case_id)
def test_regtest_of_a_model_with_moderators_matches_metafor(case):
    # R: regtest(rma(yi, vi, mods = ~ x, method=, test=), ni = ni, model=, predictor=) -- the predictor added to the
    # moderators; no limit estimate (est NULL) with moderators.
    got = egger_test(case["yi"], case["vi"], ni=case["ni"], mods=case["mods"], names=[case["name"]],
                     model=case["model"], predictor=case["predictor"], method=case["method"],
                     test=case["test"])  # fmt: skip
    for field in ("zval", "pval"):
        assert getattr(got, field) == pytest.approx(case[field], rel=TOL["est"]), field
    assert got.df == case["df"]
    assert (got.est, got.ci_lb, got.ci_ub) == (None, None, None)
    assert case["est"] is None
    assert got.moderators == (case["name"],)
    assert "Limit Estimate" not in got.summary()


def test_regtest_with_mods_covers_both_models_methods_and_predictors():
    cases = [c for c in MODS if "error" not in c]
    assert {(c["model"], c["method"], c["test"]) for c in cases} >= {("rma", "REML", "knha"), ("lm", "REML", "z")}
    assert {c["predictor"] for c in cases} == {"sei", "vi", "ninv"}
    assert {c["data"] for c in cases} == {"bcg", "bangertdrowns2004"}


def test_a_predictor_collinear_with_the_moderators_is_refused_as_metafor():
    # R: "Model matrix no longer of full rank after addition of predictor. Cannot fit model."
    case = next(c for c in MODS if "error" in c)
    assert case["error"].startswith("Model matrix no longer of full rank after addition of predictor")
    with pytest.raises(InputError) as err:
        egger_test(case["yi"], case["vi"], mods=case["mods"], names=[case["name"]])
    assert (err.value.reason, err.value.field) == (case["error"], "sei")


REFUSALS = {c["id"]: c for c in load_cases("refusals")}  # by tools/metafor_reference_refusals.R


def test_regtest_stops_in_metafors_words():
    # R: regtest(rma(yi, vi, mods = ~ sei)), regtest(rma(yi, vi), predictor = "ni") without sample sizes, and
    # regtest(rma(yi, vi)) of two trials of dat.bcg (the refit with the predictor has p = k).
    case = REFUSALS["regtest-collinear"]
    with pytest.raises(InputError) as err:
        egger_test(case["yi"], case["vi"], mods=case["sei"], names=["sei"])
    assert (err.value.reason, err.value.field) == (case["error"], "sei")
    case = REFUSALS["regtest-no-ni"]
    with pytest.raises(InputError) as err:
        egger_test(case["yi"], case["vi"], predictor=case["predictor"])
    assert (err.value.reason, err.value.field) == (case["error"], "ni")
    case = REFUSALS["regtest-k2"]
    with pytest.raises(InputError) as err:
        egger_test(case["yi"], case["vi"], method=case["method"], predictor=case["predictor"])
    assert (err.value.reason, err.value.field, err.value.value) == (case["error"], "yi", 2)


def test_a_predictor_the_same_for_every_study_stops_as_one_collinear_with_the_intercept():
    # metafor's regtest checks the rank of cbind(X, predictor): equal variances make sei a multiple of the intercept.
    with pytest.raises(InputError) as err:
        egger_test([0.1, 0.4, 0.2, 0.6], [0.02] * 4)
    assert err.value.reason == REFUSALS["regtest-collinear"]["error"]


DESIGN_EDGES = [c for c in load_cases("design_edges") if c["kind"] == "regtest"]


@pytest.mark.parametrize("case", DESIGN_EDGES, ids=case_id)
def test_saturated_regressions_are_given_as_metafor(case):
    # R: regtest(rma(yi, vi, method=), model=, predictor=) on two trials of dat.bcg, and of rma(mods = ~ ablat) on
    # three: the regression has as many coefficients as studies. EE refits the saturated meta-regression (a z test);
    # lm's t, p and the limit estimate's CI are NA on 0 df, R's qt warning "NaNs produced" (twice: once per bound;
    # once here) where there is a limit estimate, metafor silent with moderators
    # (tools/metafor_reference_design_edges.R).
    mods = {"mods": case["ablat"], "names": ["ablat"]} if case["ablat"] else {}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        got = egger_test(case["yi"], case["vi"], model=case["model"], method=case["method"],
                         predictor=case["predictor"], **mods)  # fmt: skip
    said = [str(w.message) for w in record]
    if case["model"] == "rma":
        assert said == case["warnings"] == []
        assert (got.zval, got.pval) == pytest.approx((case["zval"], case["pval"]), rel=TOL["est"])
        assert got.df is None
    else:
        assert math.isnan(got.zval)
        assert math.isnan(got.pval)
        assert (case["zval"], case["pval"], got.df) == (None, None, case["df"])
        if case["ablat"]:
            assert case["warnings"] == []
            assert said == ["the weighted regression has as many coefficients as studies: its t and p are NA on 0 df "
                            "(as metafor's)"]  # fmt: skip
        else:
            assert said == sorted(set(case["warnings"])) == ["NaNs produced"]
        assert "t = NA, df = 0, p = NA" in got.summary()
    if case["est"] is None:
        assert (got.est, got.ci_lb, got.ci_ub) == (None, None, None)
    else:
        assert got.est == pytest.approx(case["est"], rel=TOL["est"])
        lb, ub = (math.nan if c is None else c for c in (case["ci_lb"], case["ci_ub"]))
        assert (got.ci_lb, got.ci_ub) == pytest.approx((lb, ub), rel=TOL["est"], nan_ok=True)


WEIGHTED = load_cases("regtest_weights")


@pytest.mark.parametrize("case", WEIGHTED, ids=case_id)
def test_egger_test_of_a_weighted_model_matches_metafor(case):
    # R: regtest(rma(yi, vi, weights = n, method=, test=), predictor=) on dat.bcg, n the total sample size
    # (tools/metafor_reference_regtest_weights.R): metafor refits with the model's weights.
    got = egger_test(case["yi"], case["vi"], weights=case["weights"], predictor=case["predictor"],
                     method=case["method"], test=case["test"])  # fmt: skip
    for field in ("zval", "pval", "est", "ci_lb", "ci_ub"):
        assert getattr(got, field) == pytest.approx(case[field], rel=TOL["est"]), field
    assert got.df == case["df"]
    # Without the weights metafor's statistic differs: they are used, not dropped.
    assert case["zval_unweighted"] != pytest.approx(case["zval"], rel=0.01)


def test_egger_test_lm_refuses_user_weights():
    with pytest.raises(InputError, match=r"field 'weights': model='lm' weights each study by 1/vi"):
        egger_test([0.1, 0.5, 0.9, 0.4], [0.01, 0.04, 0.09, 0.02], model="lm", weights=[1, 2, 3, 4])

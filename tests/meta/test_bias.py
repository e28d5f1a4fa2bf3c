"""rank_test, trim_and_fill and egger_test against metafor 3.8-1 ranktest(), trimfill() and regtest().

Fixtures by tools/metafor_reference_bias.R.
"""

from __future__ import annotations

import math
import warnings

import pytest
from metafor_fixtures import case_id, load_cases, pm_control

from conftest import TOL
from secretome.errors import ConvergenceError, InputError, SecretomeWarning
from secretome.meta import egger_test, rank_test, trim_and_fill

CASES = load_cases("bias")
TRIMFILL = [
    pytest.param(case, estimator, side, id=f"{case['id']}-{estimator}-{side}")
    for case in CASES
    for estimator in ("L0", "R0")
    for side in ("auto", "left", "right")
]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_rank_test_matches_metafor(case):
    # R: ranktest(rma(yi, vi)) (exact p without ties; the "ties" data set has tied variances)
    got = rank_test(case["yi"], case["vi"])
    assert got.tau == pytest.approx(case["ranktest"]["tau"], rel=TOL["est"])
    assert got.pval == pytest.approx(case["ranktest"]["pval"], rel=TOL["pval"])
    assert got.exact == (not case["id"].startswith("ties"))


@pytest.mark.parametrize(("case", "estimator", "side"), TRIMFILL)
def test_trim_and_fill_matches_metafor(case, estimator, side):
    # R: trimfill(rma(yi, vi, method=, test=), estimator=, side=) (side missing for "auto")
    expected = case[f"trimfill_{estimator}_{side}"]
    got = trim_and_fill(
        case["yi"],
        case["vi"],
        method=case["method"],
        test=case["test"],
        estimator=estimator,
        control=pm_control(case["method"]),
        side=None if side == "auto" else side,
    )
    assert (got.k0, got.side) == (expected["k0"], expected["side"])
    assert got.model.test == expected["test"]
    if expected["se_k0"] is None:
        assert got.se_k0 is None
        assert got.notes
    else:
        assert got.se_k0 == pytest.approx(expected["se_k0"], rel=TOL["se"])
    assert got.p_k0 == (None if expected["p_k0"] is None else pytest.approx(expected["p_k0"], rel=TOL["pval"]))
    for field in ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2"):
        assert getattr(got, field) == pytest.approx(expected[field], rel=TOL["est"], abs=1e-12), field
    assert got.model.yi == pytest.approx(expected["yi"], rel=1e-12)
    assert got.model.vi == pytest.approx(expected["vi"], rel=1e-12)
    assert list(got.filled) == expected["fill"]


@pytest.mark.parametrize("case", [c for c in CASES if "regtest" in c], ids=case_id)
def test_egger_test_matches_metafor(case):
    # R: regtest(rma(yi, vi, method=, test=, control=)) for estimators beyond those of diagnostics.json
    expected = case["regtest"]
    got = egger_test(
        case["yi"], case["vi"], method=case["method"], test=case["test"], control=pm_control(case["method"])
    )
    for field in ("zval", "pval", "est", "ci_lb", "ci_ub"):
        assert getattr(got, field) == pytest.approx(expected[field], rel=TOL["est"]), field
    assert got.df == expected["df"]


def test_pm_and_sj_are_covered():
    assert {"PM", "SJ"} <= {c["method"] for c in CASES if "regtest" in c}


def test_hackshaw_needs_seven_studies_on_the_left():
    case = next(c for c in CASES if c["id"] == "hackshaw1998-REML-z")
    res = trim_and_fill(case["yi"], case["vi"], estimator="R0")
    # R: print(trimfill(res, estimator = "R0")): 7 missing on the left (SE = 4.0000), p-val = 0.0039
    text = res.summary()
    assert "Estimated number of missing studies on the left side: 7 (SE = 4.0000)" in text
    assert "p-val = 0.0039" in text
    assert res.model.k == len(case["yi"]) + 7
    assert res.to_frame().loc[0, "k0"] == 7


def test_rank_test_summary_reads_like_metafor():
    case = CASES[0]
    # R: print(ranktest(rma(yi, vi, data = dat.bcg RR))): Kendall's tau = 0.0256, p = 0.9524
    assert "Kendall's tau = 0.0256, p = 0.9524" in rank_test(case["yi"], case["vi"]).summary()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rank_test([0.1, None, 0.3], [0.01, 0.02, 0.03]), r"row 2, field 'yi'"),
        (lambda: trim_and_fill([0.1, 0.2, 0.3], [0.01, 0.02, 0.0]), r"row 3, field 'vi'"),
        (lambda: trim_and_fill([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], estimator="Q0"), r"field 'estimator'"),
        (lambda: trim_and_fill([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], side="up"), r"field 'side'"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(InputError, match=message):
        call()


@pytest.mark.parametrize("case", load_cases("ranktest_degenerate"), ids=case_id)
def test_rank_test_is_na_where_kendalls_tau_is_undefined(case):
    # R: ranktest(rma(yi, vi)) gives tau = NA, p = NA with "the standard deviation is zero" (null in the fixture).
    assert case["tau"] is None
    assert case["pval"] is None
    with pytest.warns(SecretomeWarning, match="^the standard deviation is zero$"):
        got = rank_test(case["yi"], case["vi"])
    assert math.isnan(got.tau)
    assert math.isnan(got.pval)
    which = "sampling variances" if "variances" in case["id"] else "standardised effects"
    assert got.notes == (f"all {which} are equal: Kendall's tau is undefined (NA)",)
    assert "Kendall's tau = NA, p = NA\nnote: all" in got.summary()


RANK_CASES = [c for c in load_cases("refusals") if c["call"] == "ranktest"]  # by tools/metafor_reference_refusals.R


@pytest.mark.parametrize("case", RANK_CASES, ids=case_id)
def test_rank_test_of_one_two_or_equal_studies_as_metafor(case):
    # R: ranktest(rma(yi, vi)) on one trial of dat.bcg stops with R's cor.test error; on two, tau is 1 and the exact
    # p is 1; with equal effects, NA with R's warning, which metafor passes on.
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        if case["error"] is not None:
            with pytest.raises(InputError) as err:
                rank_test(case["yi"], case["vi"])
            assert (err.value.reason, err.value.field, err.value.value) == (case["error"], "yi", 1)
            return
        got = rank_test(case["yi"], case["vi"])
    assert [str(w.message) for w in record] == case["warnings"]
    if "tau" in case:
        assert (got.tau, got.pval) == (pytest.approx(case["tau"], rel=1e-12), pytest.approx(case["pval"], rel=1e-12))
    else:
        assert math.isnan(got.tau)


REFUSALS = {c["id"]: c for c in load_cases("refusals")}  # by tools/metafor_reference_refusals.R


@pytest.mark.parametrize("case_id", ["trimfill-k1", "trimfill-k2"])
def test_trim_and_fill_of_one_or_two_studies_stops_in_metafors_words(case_id):
    # R: trimfill(rma(yi, vi)) on the first trial of dat.bcg: "Stopped because k = 1."; on the first two, the
    # meta-regression on sqrt(vi) that picks the side has p = k: "Number of parameters to be estimated is ...".
    case = REFUSALS[case_id]
    with pytest.raises(InputError) as err:
        trim_and_fill(case["yi"], case["vi"], method=case["method"])
    assert (err.value.reason, err.value.field, err.value.value) == (case["error"], "yi", len(case["yi"]))


@pytest.mark.parametrize("side", ["left", "right"])
def test_trim_and_fill_of_two_studies_on_a_given_side_matches_metafor(side):
    # R: trimfill(rma(yi, vi), side = side) on the first two trials of dat.bcg: k0 1 on the left, 0 on the right.
    case = REFUSALS[f"trimfill-k2-{side}"]
    got = trim_and_fill(case["yi"], case["vi"], method=case["method"], side=side)
    assert got.k0 == case["k0"]
    assert (got.estimate, got.se) == (
        pytest.approx(case["estimate"], rel=TOL["est"]),
        pytest.approx(case["se"], rel=TOL["est"]),
    )
    assert got.tau2 == pytest.approx(case["tau2"], rel=TOL["var"], abs=1e-10)


def test_trim_and_fill_that_does_not_settle_stops_in_metafors_words():
    # R: trimfill(rma(yi, vi), maxiter = 1) on dat.bcg (k0 = 1 needs a second iteration): metafor's error, then ours
    # gives the facts.
    case = REFUSALS["trimfill-maxiter1"]
    with pytest.raises(ConvergenceError) as err:
        trim_and_fill(case["yi"], case["vi"], method=case["method"], maxiter=case["maxiter"])
    assert str(err.value) == f"{case['error']} (maxiter = 1; last k0 = 1)"

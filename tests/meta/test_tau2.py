"""tau^2 estimators against metafor 3.8-1 rma.uni (fixtures by tools/metafor_reference.R), invariants, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases, pm_control

from conftest import TOL
from secretome.errors import ConvergenceError, InputError
from secretome.meta import (
    _tau2,
    meta_regression,
    multilevel,
    random_effects,
    selection_model,
    tau2_confint,
    trim_and_fill,
)
from secretome.meta._tau2 import ESTIMATORS, Control, intercept

PUBLIC = {m: getattr(_tau2, f"tau2_{m.lower()}") for m in _tau2.TAU2_METHODS}
# One case per dataset and estimator: the tau^2 part of rma.uni does not depend on test=.
CASES = [c for c in load_cases("rma_uni") if c["test"] == "z" and c["method"] in PUBLIC]
BCG = next(c for c in CASES if c["id"] == "bcg-REML-z")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_tau2_matches_metafor(case):
    # R: rma(yi, vi, method=case$method)$tau2 (PM with control=list(tol=1e-12)). ML/REML/EB stop at
    # metafor's threshold 1e-5 by the same Fisher-scoring steps, so the iterates agree to rounding.
    kwargs = {} if case["method"] in ("DL", "HE", "HS") else {"control": pm_control(case["method"])}
    assert PUBLIC[case["method"]](case["yi"], case["vi"], **kwargs) == pytest.approx(
        case["tau2"], rel=TOL["var"], abs=1e-12
    )


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_se_of_tau2_matches_metafor(case):
    # R: rma(...)$se.tau2
    yi, vi = np.array(case["yi"]), np.array(case["vi"])
    fit = ESTIMATORS[case["method"]](yi, vi, intercept(yi.size), Control(tol=1e-12))
    assert fit.se == pytest.approx(case["se_tau2"], rel=TOL["se"], abs=1e-12)


@pytest.mark.parametrize("method", _tau2.TAU2_METHODS)
def test_tau2_scales_with_square_of_effect_units(method):
    yi, vi = np.array(BCG["yi"]), np.array(BCG["vi"])
    # Fisher scoring and PM(M)'s uniroot stop at an absolute threshold or tol (metafor's defaults), so a 3x
    # scale moves the stopping point slightly.
    rel = 1e-4 if method in ("ML", "REML", "EB", "PM", "PMM") else 1e-9
    assert PUBLIC[method](3 * yi, 9 * vi) == pytest.approx(9 * PUBLIC[method](yi, vi), rel=rel)


@pytest.mark.parametrize("method", _tau2.TAU2_METHODS)
def test_identical_studies_give_zero_not_an_error(method):
    assert PUBLIC[method]([0.3] * 4, [0.01, 0.02, 0.03, 0.04]) == 0.0


@pytest.mark.parametrize("method", _tau2.TAU2_METHODS)
def test_one_study_is_too_few(method):
    with pytest.raises(InputError, match=rf"field 'yi': tau\^2 \({method}\) needs at least 2 studies \(got 1\)"):
        PUBLIC[method]([0.3], [0.01])


@pytest.mark.parametrize(
    ("vi", "message"),
    [
        ([0.01, 0.0, 0.02], r"row 2, field 'vi': sampling variance must be > 0 \(got 0.0\)"),
        ([0.01, 0.02, -0.5], r"row 3, field 'vi': sampling variance must be > 0 \(got -0.5\)"),
        ([0.01, "x", 0.02], r"row 2, field 'vi': is not a number \(got 'x'\)"),
        ([0.01, float("nan"), 0.02], r"row 2, field 'vi': is missing"),
        ([0.01, 0.02], r"field 'vi': has 2 values but the other columns have 3"),
    ],
)
def test_bad_variances_name_row_and_field(vi, message):
    with pytest.raises(InputError, match=message):
        _tau2.tau2_reml([0.1, 0.2, 0.4], vi)


def test_non_convergence_raises_with_the_facts():
    with pytest.raises(ConvergenceError, match=r"did not converge\. .* \(REML: 1 steps, last tau\^2 = "):
        _tau2.tau2_reml(BCG["yi"], BCG["vi"], control={"maxiter": 1})


def test_unknown_control_setting_is_named():
    with pytest.raises(InputError, match=r"field 'control': unknown control setting.*\(got 'tresh'\)"):
        _tau2.tau2_reml(BCG["yi"], BCG["vi"], control={"tresh": 1e-8})


def test_metafor_dotted_control_names_are_accepted():
    # R: rma(yi, vi, method="SJ", control=list(tau2.init=0.5))
    assert Control.from_mapping({"tau2.init": 0.5}).tau2_init == 0.5


# ---- metafor's stopping rules and control (fixtures by tools/metafor_reference_control.R) ------------------
# Each case is fitted at metafor's default control and with the control tightened on both sides
# (rma(..., control = list(tol = 1e-12, threshold = 1e-10, maxiter = 1000)), confint(res, control =
# list(tol = 1e-12))); REML also with stepadj = 0.5. Agreement to 1e-9 relative: the same iterates.
CONTROL = load_cases("control")
_SAME_ITERATES = 1e-9


def _control_fit(case):
    if case["x"] is None:
        return random_effects(case["yi"], case["vi"], method=case["method"], control=case["control"])
    return meta_regression(case["yi"], case["vi"], case["x"], method=case["method"], control=case["control"])


@pytest.mark.parametrize("case", CONTROL, ids=case_id)
def test_stopping_rules_reproduce_metafor_digits(case):
    # R: rma(yi, vi, [mods = ~ x,] method =, control =): tau2, se.tau2, beta, se, R2
    res = _control_fit(case)
    got = res.to_dict()
    assert res.tau2 == pytest.approx(case["tau2"], rel=_SAME_ITERATES, abs=1e-14)
    assert res.se_tau2 == pytest.approx(case["se_tau2"], rel=_SAME_ITERATES)
    beta, se = ([got["estimate"]], [got["se"]]) if case["x"] is None else (got["beta"], got["se"])
    assert beta == pytest.approx(case["beta"], rel=_SAME_ITERATES)
    assert se == pytest.approx(case["se"], rel=_SAME_ITERATES)
    if case["R2"] is not None:
        assert pytest.approx(case["R2"], rel=_SAME_ITERATES) == res.R2


@pytest.mark.parametrize("case", CONTROL, ids=case_id)
def test_q_profile_stops_where_metafor_confint_stops(case):
    # R: confint(res[, control = list(tol = 1e-12)])$random; the model's own bounds use its control's tol.
    tol = None if case["confint_control"] is None else case["confint_control"]["tol"]
    ci = tau2_confint(_control_fit(case), tol=tol)
    for field, expected in case["confint"].items():
        assert getattr(ci, field) == pytest.approx(expected, rel=_SAME_ITERATES, abs=1e-14), field


@pytest.mark.parametrize("case", [c for c in CONTROL if c["x"] is None and c["setting"] != "stepadj"], ids=case_id)
def test_model_bounds_use_the_control_tolerance(case):
    res = random_effects(case["yi"], case["vi"], method=case["method"], control=case["control"])
    for field, expected in case["confint"].items():
        assert getattr(res, field) == pytest.approx(expected, rel=_SAME_ITERATES, abs=1e-14), field


def test_default_digits_differ_from_the_root_as_metafor_prints_them():
    # The three examples: metafor's printed digits at its defaults, and the root with tol = 1e-12.
    fine = {c["setting"]: c for c in CONTROL if c["id"].startswith("fine1993-PM")}
    assert round(_control_fit(fine["default"]).tau2, 7) == round(fine["default"]["tau2"], 7) == 0.0044317
    assert round(_control_fit(fine["tight"]).tau2, 7) == round(fine["tight"]["tau2"], 7) == 0.0044161
    curtis = {c["setting"]: c for c in CONTROL if c["id"].startswith("curtis1998-PM")}
    assert f"{_control_fit(curtis['default']).R2:.4f}" == f"{curtis['default']['R2']:.4f}" == "0.3895"
    assert f"{_control_fit(curtis['tight']).R2:.4f}" == f"{curtis['tight']['R2']:.4f}"


@pytest.mark.parametrize(
    ("control", "message"),
    [
        ({"tol": 0}, r"control setting 'tol' must be a number > 0 \(got 0\)"),
        ({"maxiter": 2.5}, r"'maxiter' must be an integer >= 1"),
        ({"ll0check": "yes"}, r"'ll0check' must be true or false"),
        ({"tau2_init": -1.0}, r"'tau2_init' must be a number >= 0"),
    ],
)
def test_bad_control_values_are_named(control, message):
    with pytest.raises(InputError, match=message):
        _tau2.tau2_pm(BCG["yi"], BCG["vi"], control=control)


# ---- PMM, HSk and GENQ on other data sets (fixtures by tools/metafor_reference_estimators.R) ------------------

NEW = load_cases("estimators")
NEW_DATA = {c["id"].removeprefix("data-"): c for c in NEW if c["kind"] == "data"}


@pytest.mark.parametrize(
    "case",
    [c for c in NEW if c["kind"] == "rma" and not c["with_mods"] and c["test"] == "z" and c["method"] != "REML"],
    ids=case_id,
)
def test_new_estimators_match_metafor(case):
    # R: rma(yi, vi, [weights=,] method="PMM"/"HSk"/"GENQ", control=list(tol=))$tau2 and $se.tau2
    data = NEW_DATA[case["data"]]
    yi, vi = np.array(data["yi"]), np.array(data["vi"])
    if case["method"] == "GENQ":
        tau2 = _tau2.tau2_genq(yi, vi, data["weights"])
        fit = _tau2.genq(yi, vi, intercept(yi.size), np.array(data["weights"]))
    else:
        tau2 = PUBLIC[case["method"]](yi, vi, **({"control": {"tol": case["tol"]}} if case["method"] == "PMM" else {}))
        fit = ESTIMATORS[case["method"]](yi, vi, intercept(yi.size), Control(tol=case["tol"]))
    assert tau2 == pytest.approx(case["tau2"], rel=TOL["var"], abs=1e-12)
    assert fit.se == pytest.approx(case["se_tau2"], rel=TOL["se"])


def test_hsk_is_hs_with_q_scaled_by_k_over_k_minus_p():
    # (HSk sum(w) + k) = k/(k-1) (HS sum(w) + k) while both are above 0 (Brannick et al. 2019).
    yi, vi = np.array(NEW_DATA["dorn2007"]["yi"]), np.array(NEW_DATA["dorn2007"]["vi"])
    k, sw = yi.size, float((1 / vi).sum())
    assert _tau2.tau2_hsk(yi, vi) * sw + k == pytest.approx(k / (k - 1) * (_tau2.tau2_hs(yi, vi) * sw + k), rel=1e-12)


def test_pmm_lies_above_pm():
    # The median of chi^2(k - 1) is below its mean k - 1, and Q falls in tau^2: PMM's root lies above PM's.
    yi, vi = NEW_DATA["craft2003"]["yi"], NEW_DATA["craft2003"]["vi"]
    assert _tau2.tau2_pmm(yi, vi) > _tau2.tau2_pm(yi, vi) > 0


@pytest.mark.parametrize(
    "case",
    [c for c in load_cases("genqm") if c["kind"] == "rma" and not c["with_mods"] and c["test"] == "z"],
    ids=case_id,
)
def test_genqm_matches_metafor(case):
    # R: rma(yi, vi, weights=, method="GENQM", control=list(tol=))$tau2 (tools/metafor_reference_genqm.R)
    data = next(c for c in load_cases("genqm") if c["id"] == f"data-{case['data']}")
    tau2 = _tau2.tau2_genqm(data["yi"], data["vi"], data["weights"], control={"tol": case["tol"]})
    assert tau2 == pytest.approx(case["tau2"], rel=TOL["var"], abs=1e-12)


def test_genqm_with_inverse_variance_weights_is_the_median_unbiased_q_estimator():
    # With a_i = 1/v_i the generalised Q is Cochran's Q; at GENQM's tau^2 its distribution has Q as median,
    # and GENQM lies above GENQ there (the median of a positive quadratic form lies below its mean).
    data = next(c for c in load_cases("genqm") if c["id"] == "data-lehmann2018")
    yi, vi = np.array(data["yi"]), np.array(data["vi"])
    a = 1 / vi
    tau2 = _tau2.tau2_genqm(yi, vi, a, control={"tol": 1e-12})
    assert tau2 > _tau2.tau2_genq(yi, vi, a) > 0


# metafor's warning on the ratio of the largest to the smallest sampling variance, in rma.uni (with and without
# mods, and with control evtol) and rma.mv, at ratios 2^24, exactly 1e7, 9999999 and 2^22, with a variance of 0 or
# < 0, and with the extreme variance in a row left out for a missing yi (vi_ratio.json by
# tools/metafor_reference_vi_ratio.R).
RATIO = "Ratio of largest to smallest sampling variance extremely large. May not be able to obtain stable results."
RATIO_CASES = [c for c in load_cases("vi_ratio") if c["model"] != "analyses"]
ANALYSES = next(c for c in load_cases("vi_ratio") if c["model"] == "analyses")


def _fit_ratio_case(case):
    yi = [np.nan if y is None else y for y in case["yi"]]
    if case["model"] in ("uni", "uni_evtol"):
        control = {"evtol": case["evtol"]} if "evtol" in case else None
        return random_effects(yi, case["vi"], method="REML", control=control)
    if case["model"] == "uni_DL_mods":
        return meta_regression(yi, case["vi"], mods=case["xi"], method="DL")
    keep = ~np.isnan(yi)
    return multilevel(np.asarray(yi)[keep], np.asarray(case["vi"])[keep], study=np.asarray(case["study"])[keep])


@pytest.mark.parametrize("case", RATIO_CASES, ids=case_id)
def test_variance_ratio_warning_matches_metafor(case):
    # R: rma(yi, vi, [control = list(evtol =)]), rma(yi, vi, mods = ~ xi, method = "DL"), rma.mv(yi, vi,
    # random = ~ 1 | study) and warnings().
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if "error" in case:
            with pytest.raises(InputError):
                _fit_ratio_case(case)
            assert RATIO not in [str(w.message) for w in caught]
            return
        res = _fit_ratio_case(case)
    assert [str(w.message) for w in caught].count(RATIO) == case["warnings"].count(RATIO)
    assert list(res.notes).count(RATIO) == case["warnings"].count(RATIO)
    beta = list(res.beta) if case["model"] == "uni_DL_mods" else [res.estimate]
    assert beta == pytest.approx(case["beta"], rel=1e-6)
    tau2 = res.sigma2[0] if case["model"] == "mv" else res.tau2
    assert tau2 == pytest.approx(case["tau2"], abs=1e-8)


def test_variance_ratio_notes_skip_a_variance_of_zero():
    # metafor: max(vi)/min(vi) is Inf with a variance of 0 and NaN with all of them 0; neither warns.
    assert _tau2.variance_ratio_notes(np.array([0.0, 1.0])) == ()
    assert _tau2.variance_ratio_notes(np.array([0.0, 0.0])) == ()
    assert _tau2.variance_ratio_notes(np.array([1.0, 1e7])) == (RATIO,)
    assert _tau2.variance_ratio_notes(np.array([1.0, 1e7]), evtol=1e-8) == ()


def test_analyses_that_refit_do_not_repeat_the_variance_ratio_warning():
    # R: res <- rma(yi, vi) warns once; trimfill(res) and selmodel(res, type = "beta") refit under suppressWarnings.
    def ratio_warnings(run):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run()
        return result, [str(w.message) for w in caught].count(RATIO)

    fit, n_model = ratio_warnings(lambda: random_effects(ANALYSES["yi"], ANALYSES["vi"]))
    assert n_model == ANALYSES["warnings"].count(RATIO) == 1
    # trim_and_fill takes the data and fits the model on all studies itself: the model's warning, then trimfill's.
    _, n_trimfill = ratio_warnings(lambda: trim_and_fill(ANALYSES["yi"], ANALYSES["vi"]))
    assert n_trimfill == n_model + ANALYSES["trimfill"].count(RATIO)
    _, n_selmodel = ratio_warnings(lambda: selection_model(fit, type="beta"))
    assert n_selmodel == ANALYSES["selmodel_beta"].count(RATIO)

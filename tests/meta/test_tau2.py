"""tau^2 estimators against metafor 3.8-1 rma.uni (fixtures by tools/metafor_reference.R), invariants, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import ConvergenceError, InputError
from secretome.meta import _tau2
from secretome.meta._tau2 import ESTIMATORS, Control, intercept

PUBLIC = {m: getattr(_tau2, f"tau2_{m.lower()}") for m in _tau2.TAU2_METHODS}
# One case per dataset and estimator: the tau^2 part of rma.uni does not depend on test=.
CASES = [c for c in load_cases("rma_uni") if c["test"] == "z" and c["method"] in PUBLIC]
BCG = next(c for c in CASES if c["id"] == "bcg-REML-z")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_tau2_matches_metafor(case):
    # R: rma(yi, vi, method=case$method)$tau2 (PM with control=list(tol=1e-12)). ML/REML/EB stop at
    # metafor's threshold 1e-5 by the same Fisher-scoring steps, so the iterates agree to rounding.
    assert PUBLIC[case["method"]](case["yi"], case["vi"]) == pytest.approx(case["tau2"], rel=TOL["var"], abs=1e-12)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_se_of_tau2_matches_metafor(case):
    # R: rma(...)$se.tau2
    yi, vi = np.array(case["yi"]), np.array(case["vi"])
    fit = ESTIMATORS[case["method"]](yi, vi, intercept(yi.size), Control())
    assert fit.se == pytest.approx(case["se_tau2"], rel=TOL["se"], abs=1e-12)


@pytest.mark.parametrize("method", _tau2.TAU2_METHODS)
def test_tau2_scales_with_square_of_effect_units(method):
    yi, vi = np.array(BCG["yi"]), np.array(BCG["vi"])
    # Fisher scoring stops at an absolute threshold, so a 3x scale moves the stopping point slightly.
    rel = 1e-4 if method in ("ML", "REML", "EB") else 1e-9
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
    with pytest.raises(ConvergenceError, match=r"REML \(Fisher scoring\) did not converge in 1 steps"):
        _tau2.tau2_reml(BCG["yi"], BCG["vi"], control={"maxiter": 1})


def test_unknown_control_setting_is_named():
    with pytest.raises(InputError, match=r"field 'control': unknown control setting.*\(got 'tresh'\)"):
        _tau2.tau2_reml(BCG["yi"], BCG["vi"], control={"tresh": 1e-8})


def test_metafor_dotted_control_names_are_accepted():
    # R: rma(yi, vi, method="SJ", control=list(tau2.init=0.5))
    assert Control.from_mapping({"tau2.init": 0.5}).tau2_init == 0.5


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

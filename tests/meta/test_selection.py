"""selection_model against metafor 3.8-1 selmodel() (fixtures by tools/metafor_reference_mv.R)."""

from __future__ import annotations

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases
from scipy import stats

from secretome.errors import InputError
from secretome.meta import random_effects, selection_model
from secretome.meta._selection import _inverse_hessian, _Likelihood

CASES = load_cases("selmodel")


def _fit(case):
    fit = random_effects(case["yi"], case["vi"], method=case["method"])
    return selection_model(fit, type=case["type"], steps=case["steps"])


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_selection_model_matches_metafor(case):
    # R: selmodel(rma(yi, vi, data =, method =), type =, [steps =]). Both maximise the same likelihood; metafor
    # stops BFGS at reltol 1e-8, so estimates agree to about 1e-4, and both SEs come from numerical Hessians.
    res = _fit(case)
    # Ours is the higher maximum (metafor's BFGS stops early: by 1e-4 on dat.bcg).
    assert res.loglik >= case["ll"] - 1e-9
    assert res.loglik == pytest.approx(case["ll"], rel=1e-5)
    assert res.loglik0 == pytest.approx(case["ll0"], rel=1e-9)
    assert res.estimate == pytest.approx(case["beta"][0], rel=1e-3, abs=1e-4)
    assert res.tau2 == pytest.approx(case["tau2"], rel=1e-3, abs=1e-5)
    free = case["delta"][1:] if case["type"] == "stepfun" else case["delta"]
    ours = res.delta[1:] if case["type"] == "stepfun" else res.delta
    if max(ours) > 99.9:
        # dat.bcg's 3PSM: the likelihood rises toward delta's bound (100) and stays flat there; metafor's BFGS
        # stopped at 98.3 with a lower logLik, we reach the bound and say so.
        assert "a selection parameter is estimated at the bound of its range" in res.notes
    else:
        assert ours == pytest.approx(free, rel=2e-3, abs=1e-4)
    assert res.se == pytest.approx(case["se"][0], rel=2e-3)
    for field in ("LRT",):
        assert getattr(res, field) == pytest.approx(case[field], rel=1e-3, abs=1e-5)
    assert res.LRT_df == case["LRT_df"]
    if case["ptable"] is not None:
        assert list(res.ptable) == case["ptable"]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_likelihood_and_hessian_at_metafors_estimates(case):
    # At metafor's estimates our log-likelihood (closed form for steps; QUADPACK at R's integrate() tolerances for
    # the beta function) and numDeriv-style Hessian give metafor's logLik and SEs: the optimum is all that differs.
    y, v = np.array(case["yi"]), np.array(case["vi"])
    beta = case["type"] == "beta"
    pvals = np.clip(stats.norm.sf(y / np.sqrt(v)), 1e-5 if beta else 0.0, 1 - (1e-5 if beta else 0.0))
    model = _Likelihood(case["type"], y, v, pvals, np.array([] if beta else [*case["steps"], 1.0]))
    random = case["method"] != "FE"
    delta = np.array(case["delta"] if beta else case["delta"][1:])
    theta = np.array([case["beta"][0], *([case["tau2"]] if random else []), *delta])

    def nll(t):
        return -model.loglik(t[0], max(t[1], 0.0) if random else 0.0, t[-delta.size :])

    assert -nll(theta) == pytest.approx(case["ll"], rel=1e-12)
    se = np.sqrt(np.diag(_inverse_hessian(nll, theta)))
    expected = [case["se"][0], *([case["se_tau2"]] if random else []), *(s for s in case["se_delta"] if s is not None)]
    np.testing.assert_allclose(se, expected, rtol=1e-6)


def test_selection_summary_reads_like_metafor():
    case = next(c for c in CASES if c["id"] == "hackshaw1998-stepfun-0.025-REML")
    text = _fit(case).summary()
    # R: print(selmodel(rma(yi, vi, data = dat.hackshaw1998), type = "stepfun", steps = 0.025))
    assert "Random-Effects Model (k = 37; tau^2 estimator: ML)" in text
    assert "0     < p <= 0.025   7    1.0000" in text
    assert "LRT(df = 1) = 0.1171, p-val = 0.7323" in text


def test_step_function_needs_steps_with_studies_in_every_interval():
    fit = random_effects(CASES[0]["yi"], CASES[0]["vi"])
    with pytest.raises(InputError, match="field 'steps': a step function needs its cut points"):
        selection_model(fit)
    with pytest.raises(InputError, match="no study has a p-value in interval 2"):
        selection_model(fit, steps=(1e-9, 1e-8))


# The beta selection function integrates numerically: some seconds a fit.
BOUNDARY = [
    pytest.param(c, id=c["id"], marks=[pytest.mark.slow] if c["type"] == "beta" else [])
    for c in load_cases("selmodel_boundary")
]


@pytest.mark.parametrize("case", BOUNDARY)
def test_selection_model_at_the_boundary_reaches_the_maximum(case):
    # R: selmodel(rma(yi, vi, method = "ML"), type = "stepfun", steps = 0.025 or type = "beta") on R-simulated
    # sets with little or no heterogeneity (tools/metafor_reference_boundary.R). metafor's BFGS on log tau^2
    # stops at tau^2 ~ 1e-6 with a logLik up to 4e-4 lower than at tau^2 = 0, or fails ("Optimizer (optim) did
    # not achieve convergence"); "at_zero" is its fit with tau^2 held at 0, checked there to be the maximum.
    fit = random_effects(case["yi"], case["vi"], method="ML")
    res = selection_model(fit, type=case["type"], steps=case["steps"])
    default, zero = case["default"], case["at_zero"]
    if default["converged"]:
        assert res.loglik >= default["ll"] - 1e-9  # never below metafor's own fit
    else:
        assert default["error"] == "Optimizer (optim) did not achieve convergence (convergence = 1)."
    assert res.loglik >= zero["ll"] - 1e-9
    if not zero["is_max"]:
        assert res.tau2 > 0
        return
    assert res.tau2 == 0.0
    at_bound = "a selection parameter is estimated at the bound of its range" in res.notes
    if at_bound:
        # The beta function's delta runs to its bound (100) on a flat likelihood where metafor stops inside.
        return
    assert res.loglik == pytest.approx(zero["ll"], abs=2e-7)
    # metafor's BFGS (reltol 1e-8) leaves its estimates about 1e-4 off on these flat likelihoods.
    assert res.estimate == pytest.approx(zero["beta"][0], rel=2e-4)
    ours = res.delta[1:] if case["type"] == "stepfun" else res.delta
    theirs = zero["delta"][1:] if case["type"] == "stepfun" else zero["delta"]
    assert ours == pytest.approx(theirs, rel=5e-4)

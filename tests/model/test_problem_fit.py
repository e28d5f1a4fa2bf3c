"""Fitting a calibration problem: estimates, profile-likelihood intervals and the region ensemble.

The reference is the closed form: on x' = -k x, x(t) = exp(-k t), chi^2(k) is computed here directly (no
integrator), its minimum and its 95% likelihood-ratio interval by root finding (Raue et al. 2009: the interval
is where chi^2 - chi^2_min < chi2.ppf(0.95, 1)); the fitter must find the same from the ODE.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq, minimize_scalar
from scipy.stats import chi2 as chi2_dist

from secretome.errors import InputError
from secretome.model import (
    Model,
    Parameter,
    Process,
    Readout,
    Species,
    fit_problem,
    preset,
    problem_from_table,
    region_ensemble,
    simulate_problem,
)
from secretome.model._problem import ProblemRunner

TIMES = np.array([0.5, 1.0, 2.0, 3.0])
DATA = np.array([0.62, 0.35, 0.14, 0.05])
SD = 0.03


def _decay(name: str = "decay") -> Model:
    model = Model(
        name="decay", description="first-order clearance", time_unit="day",
        species=[Species("x", 1.0, "1", "amount")],
        parameters=[Parameter("k", 0.5, "1/day", "clearance", assumed=True, prior=(0.05, 5.0)),
                    Parameter("c", 1.0, "1", "unused", assumed=True, prior=(0.1, 10.0))],
        processes=[Process("out", "k*x", {"x": -1})], readouts=[Readout("level", "x", "1", "gag_content", "x")],
        t_end=3.0,
    )  # fmt: skip
    if name.endswith("+dose"):
        from secretome.model import Dose

        return model.with_doses([Dose(0.25, "x", 0.5)])
    return model


def _problem():
    common = {"kind": "quantitative", "condition": "decay", "observable": "level", "noise_sd": SD, "split": "train",
              "study_id": "synthetic"}  # fmt: skip
    rows = [{**common, "time": t, "value": y} for t, y in zip(TIMES, DATA, strict=True)]
    rows.append({"kind": "direction", "condition": "decay+dose", "observable": "level", "time": 1.0, "value": 1,
                 "noise_sd": np.nan, "split": "train", "study_id": "synthetic"})  # fmt: skip
    return problem_from_table(pd.DataFrame(rows), _decay)


def _chi2(k: float) -> float:
    return float(np.sum(((np.exp(-k * TIMES) - DATA) / SD) ** 2))


def _analytic():
    best = minimize_scalar(_chi2, bounds=(0.05, 5.0), method="bounded", options={"xatol": 1e-10})
    target = best.fun + chi2_dist.ppf(0.95, 1)
    low = brentq(lambda k: _chi2(k) - target, 0.05, best.x)
    high = brentq(lambda k: _chi2(k) - target, best.x, 5.0)
    return best.x, best.fun, low, high


def test_estimate_and_profile_interval_match_the_closed_form():
    fit = fit_problem(_problem(), ["k"], simulator="scipy")
    k, chi2_min, low, high = _analytic()
    assert fit.estimates[0] == pytest.approx(k, rel=1e-4)
    assert fit.chi2 == pytest.approx(chi2_min, rel=1e-4)  # the satisfied direction adds nothing
    assert fit.ci_lower[0] == pytest.approx(low, rel=0.01)
    assert fit.ci_upper[0] == pytest.approx(high, rel=0.01)
    assert fit.identifiable == (True,)
    # With one parameter the region's projection is the pointwise interval.
    assert fit.region_lower[0] == pytest.approx(low, rel=0.01)
    assert fit.region_upper[0] == pytest.approx(high, rel=0.01)
    assert fit.to_frame().loc[0, "parameter"] == "k"
    assert "identifiable" in fit.summary()


def test_a_parameter_the_data_do_not_see_is_reported_not_identifiable():
    fit = fit_problem(_problem(), ["k", "c"], simulator="scipy")
    assert fit.identifiable == (True, False)
    assert math.isnan(fit.ci_lower[1])
    assert math.isnan(fit.ci_upper[1])
    assert (fit.region_lower[1], fit.region_upper[1]) == pytest.approx((0.1, 10.0))  # the whole prior
    assert any(note.startswith("c: the profile stays below") for note in fit.notes)


@pytest.mark.parametrize("simulator", ["scipy", "auto"])
def test_a_fit_on_a_local_cluster_equals_the_fit_here(simulator):
    # Three starts (the nominal one and two drawn here first) and four profile sides, each a task on one of two
    # worker processes: bit for bit the same fit, as each task runs whole in one process. "auto" compiles the
    # model in each worker (a worker that unpickled and compiled at once failed on CPython 3.11's AST race).
    here = fit_problem(_problem(), ["k", "c"], starts=3, seed=4, simulator=simulator)
    there = fit_problem(_problem(), ["k", "c"], starts=3, seed=4, simulator=simulator, scheduler="processes",
                        workers=2)  # fmt: skip
    assert here.to_dict() == there.to_dict()


def test_the_ensemble_holds_only_sets_the_data_do_not_reject():
    problem = _problem()
    fit = fit_problem(problem, ["k"], simulator="scipy")
    ensemble = region_ensemble(problem, fit, candidates=60, seed=2, simulator="scipy")
    _, chi2_min, low, high = _analytic()
    values = ensemble.values[:, 0]
    assert np.all([_chi2(v) <= chi2_min + chi2_dist.ppf(0.95, 1) + 1e-6 for v in values])
    assert values.size > 30  # the box is the region's projection, so most candidates fall inside
    assert values.min() < low + 0.2 * (high - low)
    assert values.max() > high - 0.2 * (high - low)
    assert list(ensemble.draws()) == ["k"]


def test_a_species_replacement_is_not_fitted_across_organisms():
    rows = pd.DataFrame([
        {"kind": "quantitative", "condition": c, "observable": "thickness", "time": 7.0, "value": 1.0, "noise_sd": 1.0,
         "split": "train", "study_id": "x"} for c in ("rat-mia", "human-knee-oa")
    ])  # fmt: skip
    problem = problem_from_table(rows, preset)
    with pytest.raises(InputError, match="differs between the fitted conditions"):
        fit_problem(problem, ["k_wear"], profile=False)


@pytest.mark.parametrize("engine", [pytest.param("roadrunner", marks=pytest.mark.needs_roadrunner), "rodas"])
def test_the_compiled_runners_match_the_scipy_simulator(engine):
    rows = pd.DataFrame([
        {"kind": "direction", "condition": "rat-mia-ev-weekly", "observable": o, "time": 28.0, "value": 1,
         "noise_sd": np.nan, "split": "train", "study_id": "x"} for o in ("aggrecan", "il10", "oarsi")
    ])  # fmt: skip
    problem = problem_from_table(rows, preset)
    fast = ProblemRunner(problem, simulator=engine)({"k_G": 0.08})
    reference = simulate_problem(problem, {"k_G": 0.08})
    for key, (_, values, names) in reference.items():
        assert fast[key][2] == names
        np.testing.assert_allclose(fast[key][1], values, rtol=1e-4, atol=1e-6)


def test_ensemble_bands_are_the_quantiles_over_the_sets():
    """x' = -k x: over given k, the band at t is the quantile of exp(-k t) (closed form, no sampling)."""
    from secretome.model import ensemble_cohort
    from secretome.model._cohort import QUANTILES

    k = np.linspace(0.2, 2.0, 19)
    res = ensemble_cohort(_decay(), {"k": k}, times=[0.0, 1.0, 2.0], simulator="scipy")
    assert res.label == "calibrated ensemble"
    assert res.varied == ("k",)
    np.testing.assert_allclose(res.band("level").loc[2.0].to_numpy(), np.quantile(np.exp(-2.0 * k), QUANTILES),
                               rtol=1e-5)  # fmt: skip

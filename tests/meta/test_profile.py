"""Profile likelihoods and sigma^2 CIs against metafor 3.8-1 profile() and confint() (tools/metafor_reference_mv.R)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases

from secretome.errors import InputError
from secretome.meta import multilevel, profile_likelihood, profile_plot, random_effects, sigma2_confint

CASES = load_cases("mv_confint")
KON = CASES[0]["konstantopoulos2011"]
NESTED = load_cases("mv_nested")[0]


def _fit(name):
    if name.startswith("konstantopoulos2011"):
        method = "ML" if name.endswith("-ML") else "REML"
        return multilevel(KON["yi"], KON["vi"], KON["district"], KON["school"], method=method)
    if name == "assink2016-year":
        return multilevel(
            NESTED["yi"], NESTED["vi"], NESTED["study"], NESTED["esid"], mods=NESTED["year"], names=["year"]
        )
    levels = {"study": NESTED["study"], "deltype": NESTED["deltype"], "esid": NESTED["esid"]}
    return multilevel(NESTED["yi"], NESTED["vi"], levels)


CI_CASES = [c for c in CASES if "bounds" in c]
PROFILE_CASES = [c for c in CASES if "values" in c]


@pytest.mark.parametrize("case", CI_CASES, ids=case_id)
def test_sigma2_confint_matches_metafor(case):
    # R: confint(res, sigma2 = j[, control = list(tol = 1e-10)]) for every j. At metafor's default tolerance
    # (eps^0.25 = 1.2e-4) both run R's uniroot step for step from the same bracket, so the bounds agree far inside
    # that tolerance (scipy's brentq differed in the 4th digit); with tol = 1e-10 as far as the two fits agree.
    fit = _fit(case["fit"])
    res = sigma2_confint(fit, tol=case["tol"])
    bounds = np.array(case["bounds"])
    np.testing.assert_allclose(res.estimate, bounds[:, 0], rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(res.ci_lb, bounds[:, 1], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(res.ci_ub, bounds[:, 2], rtol=1e-7, atol=1e-9)


def test_sigma2_confint_summary_reads_like_metafor():
    text = sigma2_confint(_fit("konstantopoulos2011")).summary()
    # R: confint(rma.mv(yi, vi, random = ~ 1 | district/school, data = dat.konstantopoulos2011))
    assert re.search(r"sigma\^2\.1\s+0\.0651\s+0\.0222\s+0\.2072", text)
    assert re.search(r"sigma\.1\s+0\.2551\s+0\.1491\s+0\.4552", text)
    assert re.search(r"sigma\^2\.2\s+0\.0327\s+0\.0163\s+0\.0628", text)


@pytest.mark.parametrize("case", PROFILE_CASES, ids=case_id)
def test_profile_matches_metafor(case):
    # R: profile(res, sigma2 = 1, steps = 5) / profile(rma(yi, vi, data = dat.bcg, method=), steps = 7): the
    # (restricted) log-likelihood with the other components maximised out, at metafor's grid.
    if case["fit"] == "bcg":
        fit = random_effects(case["yi"], case["vi"], method=case["method"])
        prof = profile_likelihood(fit, values=case["values"])
        assert prof.parameter == "tau2"
    else:
        fit = _fit(case["fit"])
        prof = profile_likelihood(fit, component=1, steps=5)
        # metafor's default grid: sigma^2 / 4 to 4 sigma^2 (its sigma^2 agrees with ours to 1e-6).
        np.testing.assert_allclose(prof.values, case["values"], rtol=1e-5)
        prof = profile_likelihood(fit, component=1, values=case["values"])
    np.testing.assert_allclose(prof.loglik, case["ll"], rtol=1e-7)
    assert prof.max_loglik >= max(prof.loglik) - 1e-9


def test_profile_plot_draws_the_profile():
    prof = profile_likelihood(_fit("konstantopoulos2011"), component=2, steps=6)
    svg = profile_plot(prof)
    for gid in ("profile", "estimate", "max-loglik"):
        assert f'id="{gid}"'.encode() in svg
    assert prof.factor == "study/es_id"
    assert "ll" in prof.summary()


REFUSALS = {c["id"]: c for c in load_cases("refusals")}  # by tools/metafor_reference_refusals.R


def test_profile_stops_in_metafors_words():
    # R: profile(rma(yi, vi, method = "EE")) and profile(rma(yi, vi), steps = 1) on dat.bcg
    case = REFUSALS["profile-EE"]
    with pytest.raises(InputError) as err:
        profile_likelihood(random_effects(case["yi"], case["vi"], method=case["method"]))
    assert (err.value.reason, err.value.field, err.value.value) == (case["error"], "method", "EE")
    case = REFUSALS["profile-steps1"]
    with pytest.raises(InputError) as err:
        profile_likelihood(random_effects(case["yi"], case["vi"], method=case["method"]), steps=case["steps"])
    assert (err.value.reason, err.value.field, err.value.value) == (case["error"], "steps", 1)


def test_profile_refuses_fixed_effects_and_bad_components():
    with pytest.raises(InputError, match="Cannot profile tau2 parameter for equal/fixed-effects models"):
        profile_likelihood(random_effects([0.1, 0.4, 0.2], [0.01, 0.02, 0.03], method="FE"))
    with pytest.raises(InputError, match="field 'component': must be 1 to 2"):
        profile_likelihood(_fit("konstantopoulos2011"), component=3)

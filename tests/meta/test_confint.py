"""tau2_confint() against metafor's confint.rma.uni (Q-profile), with and without moderators."""

from __future__ import annotations

import warnings

import pytest
from metafor_fixtures import case_id, load_cases
from predict_cases import cases, fit

from secretome.errors import InputError
from secretome.meta import meta_regression, random_effects, tau2_confint


@pytest.mark.parametrize("case", cases("confint"), ids=case_id)
def test_q_profile_ci_matches_metafor(case):
    # R: confint(rma(yi, vi, mods = X, method =, test =)) and with control = list(tol = 1e-10)
    res = tau2_confint(fit(case), tol=case["tol"])
    for name in ("tau2", "tau", "I2", "H2"):
        estimate, lb, ub = case[name]
        # The estimates (tau^2 from REML or DL, PM-free) agree to 1e-6; the bounds are uniroot's, step for step.
        assert getattr(res, name) == pytest.approx(estimate, rel=1e-6, abs=1e-9), name
        assert getattr(res, f"{name}_lb") == pytest.approx(lb, rel=1e-8, abs=1e-10), f"{name}_lb"
        assert getattr(res, f"{name}_ub") == pytest.approx(ub, rel=1e-8, abs=1e-10), f"{name}_ub"
    assert (res.lb_sign, res.ub_sign) == (case["lb_sign"], case["ub_sign"])


def test_random_effects_bounds_agree_with_those_printed_with_the_model():
    # Both at metafor's default tol (rma's control and confint's own), so the same iterates.
    res = random_effects([0.1, 0.5, 0.9, 0.2, 0.6], [0.02, 0.03, 0.02, 0.04, 0.01])
    ci = tau2_confint(res)
    assert (ci.tau2_lb, ci.tau2_ub) == (pytest.approx(res.tau2_lb, rel=1e-9), pytest.approx(res.tau2_ub, rel=1e-9))
    assert (ci.I2_lb, ci.H2_ub) == (pytest.approx(res.I2_lb, rel=1e-9), pytest.approx(res.H2_ub, rel=1e-9))


def test_homogeneous_studies_give_the_null_set():
    res = meta_regression([0.30, 0.31, 0.30, 0.31, 0.30], [0.1] * 5, [1.0, 2.0, 3.0, 4.0, 5.0], method="DL")
    ci = tau2_confint(res)
    assert ci.ci_null
    assert (ci.tau2_lb, ci.tau2_ub) == (0.0, 0.0)
    assert (ci.lb_sign, ci.ub_sign) == ("<", "<")
    assert "null set" in ci.summary()


REFUSALS = [c for c in load_cases("refusals") if c["call"] == "confint"]  # by tools/metafor_reference_refusals.R


@pytest.mark.parametrize("case", REFUSALS, ids=case_id)
def test_confint_stops_as_metafor(case):
    # R: confint(rma(yi, vi, method=)) at k = 1 (EE/FE too: k is checked first), of an EE/FE model, and with a
    # sampling variance of 0: metafor's sentence is the reason; where it is, the field (and the study) too.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fit's own warnings about vi = 0 are tested with random_effects
        res = random_effects(case["yi"], case["vi"], method=case["method"])
    with pytest.raises(InputError) as err:
        tau2_confint(res)
    assert err.value.reason == case["error"]
    if case["id"].startswith("confint-k1-"):
        assert (err.value.field, err.value.value) == ("yi", 1)
    elif case["id"].startswith("confint-k13"):
        assert (err.value.field, err.value.value) == ("method", case["method"])
    else:
        first = next(i for i, v in enumerate(case["vi"]) if v <= 0)
        assert (err.value.record, err.value.field, err.value.value) == (res.labels[first], "vi", 0.0)


def test_confint_refusals_cover_k1_ee_fe_and_zero_variances():
    assert {c["method"] for c in REFUSALS if c["id"].startswith("confint-k1-")} == {"EE", "FE", "REML", "DL"}
    assert {c["method"] for c in REFUSALS if c["id"].startswith("confint-k13")} == {"EE", "FE"}
    assert any(c["id"].startswith("confint-vi0") for c in REFUSALS)


def test_summary_and_dict():
    ci = tau2_confint(random_effects([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]))
    assert ci.summary().splitlines()[0].split() == ["estimate", "ci.lb", "ci.ub"]
    assert ci.to_frame().shape == (1, len(ci.to_dict()))

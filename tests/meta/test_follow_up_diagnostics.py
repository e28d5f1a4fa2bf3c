"""The diagnostic plots and small-study tests follow_ups_from_csv runs, against metafor 3.8-1.

Fixtures by tools/metafor_reference_mv.R (plots_extra) and tools/metafor_reference_bias.R (bias).
"""

from __future__ import annotations

import numpy as np
import pytest
from metafor_fixtures import load_cases

from conftest import TOL
from secretome.errors import InputError
from secretome.meta import escalc, meta_regression, multilevel, random_effects
from secretome.meta._follow_up_diagnostics import diagnostic_plot, rank_test_of, trim_and_fill_of

PLOTS = {c["id"]: c for c in load_cases("plots_extra")}
BIAS = {c["id"]: c for c in load_cases("bias")}
BCG = load_cases("robust")[0]["bcg"]


def test_labbe_from_group_sizes_matches_metafor():
    # R: labbe(rma(measure = "OR", ai = tpos, n1i = tpos + tneg, ci = cpos, n2i = cpos + cneg, data = dat.bcg)):
    # escalc takes the group sizes for the non-events, so the arms are those of bi and di.
    case = PLOTS["bcg-labbe-OR"]
    es = escalc("OR", ai=case["ai"], bi=case["bi"], ci=case["ci"], di=case["di"])
    fit = random_effects(es.yi, es.vi)
    n1i = np.add(case["ai"], case["bi"])
    n2i = np.add(case["ci"], case["di"])
    res = diagnostic_plot("labbe_path", fit, measure="OR", counts={"ai": case["ai"], "n1i": n1i, "ci": case["ci"],
                                                                   "n2i": n2i})  # fmt: skip
    np.testing.assert_allclose(res.x, case["x"], rtol=1e-12)
    np.testing.assert_allclose(res.y, case["y"], rtol=1e-12)


def test_baujat_and_qq_of_a_meta_regression_take_its_own_moderators():
    # R: baujat(res) and qqnorm(res) of rma(yi, vi, mods = ~ ablat, data = dat.bcg)
    case = PLOTS["bcg-ablat-REML"]
    fit = meta_regression(BCG["yi"], BCG["vi"], BCG["ablat"], names=["ablat"])
    baujat = diagnostic_plot("baujat_path", fit)
    np.testing.assert_allclose(baujat.x, case["baujat_x"], rtol=1e-6)
    np.testing.assert_allclose(baujat.y, case["baujat_y"], rtol=1e-6)
    qq = diagnostic_plot("qqnorm_path", fit, seed=1)
    np.testing.assert_allclose(qq.y, case["qq_y"], rtol=1e-6)


@pytest.mark.parametrize(
    ("parameter", "fit", "options", "message"),
    [
        ("baujat_path", "multilevel", {}, "the Baujat plot takes one effect per study"),
        ("qqnorm_path", "multilevel", {}, "the QQ plot takes one effect per study"),
        ("radial_path", "regression", {}, "the radial plot takes a model without moderators.*metafor's radial"),
        ("labbe_path", "regression", {}, "the L'Abbe plot takes a model without moderators.*metafor's labbe"),
        ("labbe_path", "plain", {"measure": "SMD"}, "draws a model of 2x2 tables.*got 'SMD'"),
        ("labbe_path", "plain", {"measure": "RR", "counts": {"ai": [1], "bi": [2]}}, "needs the counts ci and di"),
        ("labbe_path", "plain", {"measure": "RR", "to": "all"}, "to = 'only0'.*got 'all'"),
    ],
)
def test_a_plot_the_model_cannot_take_is_refused_naming_the_parameter(parameter, fit, options, message):
    fits = {
        "plain": lambda: random_effects(BCG["yi"], BCG["vi"]),
        "regression": lambda: meta_regression(BCG["yi"], BCG["vi"], BCG["ablat"]),
        "multilevel": lambda: multilevel(BCG["yi"], BCG["vi"], [i // 2 for i in range(13)]),
    }
    with pytest.raises(InputError, match=rf"^field '{parameter}': .*{message}"):
        diagnostic_plot(parameter, fits[fit](), **options)


@pytest.mark.parametrize(("spec", "estimator", "side"), [("left:r0", "R0", "left"), ("auto", "L0", "auto")])
def test_trim_and_fill_spec_matches_metafor(spec, estimator, side):
    # R: trimfill(rma(yi, vi, data = dat.hackshaw1998), estimator=, side=)
    case = BIAS["hackshaw1998-REML-z"]
    expected = case[f"trimfill_{estimator}_{side}"]
    got = trim_and_fill_of(random_effects(case["yi"], case["vi"]), spec)
    assert (got.k0, got.side, got.estimator) == (expected["k0"], expected["side"], estimator)
    assert got.estimate == pytest.approx(expected["estimate"], rel=TOL["est"])
    assert got.se_k0 == pytest.approx(expected["se_k0"], rel=TOL["se"])


@pytest.mark.parametrize(
    ("spec", "message"),
    [("up", "is SIDE or SIDE:ESTIMATOR"), ("left:R1", "is SIDE or SIDE:ESTIMATOR"), ("left", "without moderators")],
)
def test_bad_trim_and_fill_requests_name_the_parameter(spec, message):
    fit = (
        meta_regression(BCG["yi"], BCG["vi"], BCG["ablat"]) if spec == "left" else random_effects(BCG["yi"], BCG["vi"])
    )
    with pytest.raises(InputError, match=rf"^field 'trimfill': .*{message}"):
        trim_and_fill_of(fit, spec)


def test_rank_test_reads_the_effects_of_a_meta_regression_and_refuses_clusters():
    # R: ranktest(rma(yi, vi, mods = ~ ablat, data = dat.bcg)) reads res$yi and res$vi, as ranktest(rma(yi, vi)).
    case = BIAS["bcg-REML-z"]
    got = rank_test_of(meta_regression(BCG["yi"], BCG["vi"], BCG["ablat"]))
    assert got.tau == pytest.approx(case["ranktest"]["tau"], rel=TOL["est"])
    assert got.pval == pytest.approx(case["ranktest"]["pval"], rel=TOL["pval"])
    with pytest.raises(InputError, match=r"^field 'ranktest': the rank correlation test takes one effect per study"):
        rank_test_of(multilevel(BCG["yi"], BCG["vi"], [i // 2 for i in range(13)]))

"""anova() against metafor's anova.rma: Wald tests (btt, X) and likelihood-ratio tests of nested models."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases
from predict_cases import DATA, cases, fit, fit_multilevel

from secretome.errors import InputError, SecretomeWarning
from secretome.meta import anova, meta_regression, multilevel, random_effects


@pytest.mark.parametrize("case", cases("wald_btt"), ids=case_id)
def test_wald_test_of_coefficients_matches_metafor(case):
    # R: anova(res, btt = 2:4)
    res = anova(fit(case), btt=case["btt"])
    assert pytest.approx(case["QM"], rel=1e-9) == res.QM
    assert res.QM_df == tuple(case["QM_df"])
    assert res.QM_pval == pytest.approx(case["QM_pval"], rel=1e-8)


@pytest.mark.parametrize("case", cases("wald_contrast"), ids=case_id)
def test_wald_test_of_contrasts_matches_metafor(case):
    # R: anova(res, X = L)
    res = anova(fit(case), contrasts=case["contrasts"])
    for field in ("estimate", "se", "zval", "pval"):
        assert getattr(res, field) == pytest.approx(case[field], rel=1e-8), field
    assert pytest.approx(case["QM"], rel=1e-9) == res.QM
    assert res.QM_df == tuple(case["QM_df"])
    assert res.QM_pval == pytest.approx(case["QM_pval"], rel=1e-8)


@pytest.mark.parametrize("case", [c for c in cases("mv") if c["wald"]], ids=case_id)
def test_wald_test_of_a_multilevel_model_matches_metafor(case):
    # R: anova(rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, test =), btt = 2)
    res = anova(fit_multilevel(case), btt="year")
    assert pytest.approx(case["wald"]["QM"], rel=1e-6) == res.QM
    assert res.QM_df == tuple(case["wald"]["QM_df"])
    assert res.QM_pval == pytest.approx(case["wald"]["QM_pval"], rel=1e-6)


@pytest.mark.parametrize("case", cases("lrt"), ids=case_id)
def test_likelihood_ratio_test_matches_metafor(case):
    # R: anova(full, reduced)
    full = fit(case, method=case["full"]["method"], test="z", with_mods=case["full"]["mods"])
    reduced = fit(case, method=case["reduced"]["method"], test="z", with_mods=case["reduced"]["mods"])
    with warnings.catch_warnings():
        # REML fits with different moderators compared as they are: metafor warns, and so do we (tested below)
        warnings.simplefilter("ignore", SecretomeWarning)
        both = (anova(full, reduced, refit=case["refit"]), anova(reduced, full, refit=case["refit"]))
    for res in both:  # either order, as metafor
        assert (res.df_full, res.df_reduced) == (case["parms_full"], case["parms_reduced"])
        for ours, theirs in (("full", "fit_full"), ("reduced", "fit_reduced")):
            stats = case[theirs]
            assert getattr(res, f"loglik_{ours}") == pytest.approx(stats["ll"], rel=1e-7, abs=1e-8)
            assert getattr(res, f"deviance_{ours}") == pytest.approx(stats["dev"], rel=1e-7, abs=1e-8)
            for name in ("AIC", "BIC", "AICc"):
                assert getattr(res, f"{name}_{ours}") == pytest.approx(stats[name], rel=1e-7, abs=1e-8), name
        assert pytest.approx(case["LRT"], rel=1e-6, abs=1e-8) == res.LRT
        assert res.pval == pytest.approx(case["pval"], rel=1e-6)
        assert (res.QE_full, res.QE_reduced) == (pytest.approx(case["QE_full"]), pytest.approx(case["QE_reduced"]))
        assert res.tau2_full == pytest.approx(case["tau2_full"], rel=1e-6, abs=1e-9)
        assert res.tau2_reduced == pytest.approx(case["tau2_reduced"], rel=1e-6, abs=1e-9)
        assert pytest.approx(case["R2"], rel=1e-6, abs=1e-9) == res.R2


@pytest.mark.parametrize("case", cases("mv_lrt"), ids=case_id)
def test_likelihood_ratio_test_of_multilevel_models_matches_metafor(case):
    # R: anova(rma.mv(..., random = ~ 1 | district/school), rma.mv(..., random = ~ 1 | district)) and the same
    # with and without the year (ML)
    d = DATA["konstantopoulos2011"]
    three = {"district": d["district"], "school": d["school"]}
    models = {
        "year": multilevel(d["yi"], d["vi"], three, mods=d["mods"], names=d["names"], method=case["method"]),
        "none": multilevel(d["yi"], d["vi"], three, method=case["method"]),
        "school": multilevel(d["yi"], d["vi"], three, method=case["method"]),
        "district": multilevel(d["yi"], d["vi"], {"district": d["district"]}, method=case["method"]),
    }
    res = anova(models[case["reduced"]], models[case["full"]])
    _assert_lrt_as_metafor(res, case)
    assert (res.QE_full, res.QE_reduced) == (pytest.approx(case["QE_full"]), pytest.approx(case["QE_reduced"]))
    assert res.R2 is None
    assert "R^2" not in res.summary()


def _assert_lrt_as_metafor(res, case):
    """The fit statistics of both models and the likelihood-ratio test, as metafor's anova() prints them."""
    assert (res.df_full, res.df_reduced) == (case["parms_full"], case["parms_reduced"])
    for ours, theirs in (("full", "fit_full"), ("reduced", "fit_reduced")):
        assert getattr(res, f"loglik_{ours}") == pytest.approx(case[theirs]["ll"], rel=1e-6)
        assert getattr(res, f"deviance_{ours}") == pytest.approx(case[theirs]["dev"], rel=1e-6)
        for name in ("AIC", "BIC", "AICc"):
            assert getattr(res, f"{name}_{ours}") == pytest.approx(case[theirs][name], rel=1e-6), name
    assert pytest.approx(case["LRT"], rel=1e-5) == res.LRT
    assert res.pval == pytest.approx(case["pval"], rel=1e-5)


def test_a_multilevel_model_is_compared_only_with_another():
    d = DATA["konstantopoulos2011"]
    three = multilevel(d["yi"], d["vi"], {"district": d["district"], "school": d["school"]}, method="ML")
    with pytest.raises(InputError, match="Class of 'object1' must be the same as class of 'object2'"):
        anova(three, random_effects(d["yi"], d["vi"], method="ML"))


def test_default_wald_test_is_the_models_omnibus_test():
    res = meta_regression(
        [0.1, 0.3, 0.5, 0.8, 0.2], [0.01, 0.02, 0.01, 0.02, 0.03], [[1, 0], [2, 1], [3, 0], [4, 1], [2, 1]]
    )
    assert pytest.approx(res.QM, rel=1e-12) == anova(res).QM
    assert anova(res).QM_pval == pytest.approx(res.QM_pval, rel=1e-12)


def test_rhs_shifts_the_hypothesis():
    res = random_effects([0.1, 0.5, 0.9, 0.3], [0.02, 0.03, 0.02, 0.04])
    wald = anova(res, contrasts=[[1.0]], rhs=0.2)
    assert wald.estimate[0] == pytest.approx(res.estimate - 0.2)
    assert wald.hypotheses == ("intrcpt = 0.2",)
    assert "Hypothesis:" in wald.summary()


LRT_CASES = [c for c in load_cases("refusals") if c["call"] == "anova"]  # by tools/metafor_reference_refusals.R


def _bcg_fit(case: dict, spec: str):
    """The model *spec* names ("ML:ablat+year", "REML:1", "ML:1:-1" for trials 2-13) on the case's dat.bcg."""
    method, terms, *rows = spec.split(":")
    start = 1 if rows == ["-1"] else 0
    yi, vi = case["yi"][start:], case["vi"][start:]
    if terms == "1":
        return random_effects(yi, vi, method=method)
    names = terms.split("+")
    return meta_regression(yi, vi, np.column_stack([case[n][start:] for n in names]), method=method, names=names)


@pytest.mark.parametrize("case", LRT_CASES, ids=case_id)
def test_likelihood_ratio_tests_stop_and_warn_in_metafors_words(case):
    # R: anova(full, reduced) on dat.bcg: metafor's error, or its warnings and the LRT.
    full, reduced = _bcg_fit(case, case["full"]), _bcg_fit(case, case["reduced"])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        if case["error"] is not None:
            with pytest.raises(InputError) as err:
                anova(full, reduced)
            assert err.value.reason == case["error"]
            return
        res = anova(full, reduced)
    # metafor breaks its REML warning over two lines; ours is one.
    expected = [w.replace("\n", " ") for w in case["warnings"]]
    assert [str(w.message) for w in record] == expected
    assert list(res.notes) == expected
    assert pytest.approx(case["LRT"], rel=1e-5) == res.LRT
    assert res.pval == pytest.approx(case["pval"], rel=1e-5)


def test_likelihood_ratio_refusals_cover_metafors_checks():
    errors = {c["error"].split(" ")[0] for c in LRT_CASES if c["error"]}
    assert errors == {"Models", "Observed", "Full", "Mismatch"}
    assert sum(bool(c["warnings"]) for c in LRT_CASES) == 2


def test_likelihood_ratio_test_with_a_sampling_variance_of_0_matches_metafor():
    # R (metafor 3.8-1): y <- c(.1, .5, .3, .2, .6); v <- c(0, .02, .03, .04, .05); x <- 1:5
    # anova(rma(y, v, mods = ~ x, method = "ML"), rma(y, v, method = "ML")): LRT 20.24893475, pval 6.799131026e-06,
    # logLik 11.12966857 and 1.005201195, QE NA for both; fitstats of the full model: deviance -22.259337
    # (-2 logLik: rma.uni has no saturated log-likelihood when a sampling variance is 0).
    y, v = [0.1, 0.5, 0.3, 0.2, 0.6], [0.0, 0.02, 0.03, 0.04, 0.05]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecretomeWarning)  # metafor's: Q-test, I^2 and H^2 cannot be computed
        res = anova(meta_regression(y, v, [1, 2, 3, 4, 5], method="ML"), random_effects(y, v, method="ML"))
    assert (res.loglik_full, res.loglik_reduced) == pytest.approx((11.12966857, 1.005201195), rel=1e-8)
    lrt = res.LRT
    assert lrt == pytest.approx(20.24893475, rel=1e-8)
    assert res.deviance_full == pytest.approx(-22.259337, rel=1e-7)
    assert res.pval == pytest.approx(6.799131026e-06, rel=1e-6)
    assert (res.QE_full, res.QE_reduced) == (None, None)
    assert res.summary().splitlines()[1].split()[-2:] == ["NA", "0.0000"]


WALD_CASES = {c["id"]: c for c in load_cases("refusals") if c["call"] == "wald"}


def test_wald_test_of_a_model_without_moderators_tests_the_intercept_as_metafor():
    # R: anova(rma(yi, vi)) on dat.bcg: "Test of Moderators (coefficient 1)", QM = 15.796 (metafor's default btt)
    case = WALD_CASES["anova-wald-intercept-only"]
    res = anova(random_effects(case["yi"], case["vi"], method=case["method"]))
    assert res.hypotheses == ("intrcpt",)
    assert pytest.approx(case["QM"], rel=1e-6) == res.QM
    assert res.QM_pval == pytest.approx(case["QMp"], rel=1e-6)


def test_contrasts_of_the_wrong_width_stop_in_metafors_words():
    # R: anova(rma(yi, vi, mods = ~ ablat), X = c(1, 2, 3)) on dat.bcg
    case = WALD_CASES["anova-contrasts-width"]
    res = meta_regression(case["yi"], case["vi"], case["ablat"], method=case["method"], names=["ablat"])
    with pytest.raises(InputError) as err:
        anova(res, contrasts=[case["contrasts"]])
    assert (err.value.reason, err.value.field) == (case["error"], "contrasts")


MV_EDGES = {c["id"]: c for c in load_cases("mv_edges")}  # by tools/metafor_reference_mv_edges.R


@pytest.mark.parametrize("case", [c for c in MV_EDGES.values() if c["kind"] == "mv_refit"], ids=case_id)
def test_reml_multilevel_models_with_different_moderators_are_refitted_as_metafor(case):
    # R: anova(rma.mv(yi, vi, mods = ~ year_c, random = ~ 1 | district/school), rma.mv(yi, vi, random = ...),
    # refit =) on dat.konstantopoulos2011: with refit = TRUE both are refitted with ML, silently; without, compared
    # as they are with metafor's warning (ours on one line).
    levels = {"district": case["district"], "school": case["school"]}
    full = multilevel(case["yi"], case["vi"], levels, mods=case["year"], names=["year_c"])
    reduced = multilevel(case["yi"], case["vi"], levels)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = anova(reduced, full, refit=case["refit"])
    assert [str(w.message) for w in caught] == [w.replace("\n", " ") for w in case["warnings"]]
    assert res.method == case["method"]
    assert res.methods == (case["method"], case["method"])
    _assert_lrt_as_metafor(res, case)
    assert res.QE_full == pytest.approx(case["QE_full"], rel=1e-10)
    assert res.QE_reduced == pytest.approx(case["QE_reduced"], rel=1e-10)


@pytest.mark.parametrize("case", [c for c in MV_EDGES.values() if c["kind"] == "btt_X"], ids=case_id)
def test_contrasts_win_over_btt_as_metafor(case):
    # R: anova(res, btt = 2, X = rbind(c(0, 1, -1))) of rma(yi, vi, mods = ~ ablat + year) on dat.bcg, and
    # anova(res, btt = 1, X = rbind(c(0, 1))) of rma.mv(yi, vi, mods = ~ year_c, random = ~ 1 | district/school) on
    # dat.konstantopoulos2011: metafor tests X and ignores btt, without a warning.
    if case["id"] == "btt-X-uni":
        d = MV_EDGES["data-bcg"]
        res = meta_regression(d["yi"], d["vi"], np.column_stack([d["ablat"], d["year"]]), names=["ablat", "year"])
        rel = 1e-6
    else:
        d = MV_EDGES["mv-lrt-REML-year-refit"]
        levels = {"district": d["district"], "school": d["school"]}
        res = multilevel(d["yi"], d["vi"], levels, mods=d["year"], names=["year_c"])
        rel = 1e-5  # iterative on both sides
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wald = anova(res, btt=case["btt"], contrasts=case["contrasts"])
    assert [str(w.message) for w in caught] == case["warnings"]
    assert case["same_as_X_alone"]
    assert wald == anova(res, contrasts=case["contrasts"])
    for field in ("estimate", "se", "zval", "pval"):
        assert getattr(wald, field) == pytest.approx(case[field], rel=rel), field
    assert pytest.approx(case["QM"], rel=rel) == wald.QM
    assert wald.QM_pval == pytest.approx(case["QM_pval"], rel=rel)

"""multilevel against metafor 3.8-1 rma.mv(random = ~ 1 | district/school) (fixtures by tools/metafor_reference.R)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import MultilevelResult, multilevel, profile_likelihood, random_effects, sigma2_confint
from secretome.meta._multilevel import marginal_model

CASES = load_cases("rma_mv")
REML = CASES[0]
YEAR = next(c for c in CASES if c["id"] == "konstantopoulos2011-year-REML-z")
PER_COEF = ("beta", "se", "zval", "pval", "ci_lb", "ci_ub")
PLOT_FIELDS = ("fitted", "fitted_ci_lb", "fitted_ci_ub", "resid", "resid_se")


def _fit(case, **kwargs):
    x = np.array(case["X"])
    mods = {"mods": x[:, 1:], "names": case["coef_names"][1:]} if x.shape[1] > 1 else {}
    return multilevel(
        case["yi"], case["vi"], case["study"], case["es_id"], method=case["method"], test=case["test"], **mods
    )


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_three_level_model_matches_metafor(case):
    # R: rma.mv(yi, vi, mods = ~ 1 (or ~ year), random = ~ 1 | district/school, data = dat.konstantopoulos2011,
    # method=, test=). Both sigma^2 come from metafor's nlminb at its default tolerances: we agree to about
    # 1e-7, inside TOL (1e-6).
    res = _fit(case)
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=TOL["var"])
    fields = (
        ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub") if "estimate" in case else (*PER_COEF, "QM", "QM_pval")
    )
    for field in (*fields, "I2", "I2_levels"):
        assert getattr(res, field) == pytest.approx(case[field], rel=TOL["est"]), field
    assert res.loglik == pytest.approx(case["logLik"], rel=TOL["est"])
    assert res.typical_vi == pytest.approx(case["typical_vi"], rel=1e-12)
    q, q_pval = ("Q", "Q_pval") if "Q" in case else ("QE", "QE_pval")
    assert getattr(res, q) == pytest.approx(case[q], rel=1e-12)
    assert getattr(res, q_pval) == pytest.approx(case[q_pval], rel=1e-9)
    if "QM_df" in case:
        assert list(res.QM_df) == case["QM_df"]
    assert res.n_levels == (11, 56)  # R: print(res) column nlvls


def test_typical_variance_is_higgins_thompson():
    # metafor's FAQ computes (k - p) / tr(P) from the dense P (fixture); for the intercept-only model it is
    # Higgins & Thompson's (k - 1) sum(w) / ((sum w)^2 - sum(w^2)), the formula our code uses.
    w = 1 / np.array(REML["vi"])
    k = w.size
    ht = (k - 1) * w.sum() / (w.sum() ** 2 - (w * w).sum())
    assert ht == pytest.approx(REML["typical_vi"], rel=1e-12)
    assert _fit(REML).typical_vi == pytest.approx(REML["typical_vi"], rel=1e-12)
    assert sum(_fit(REML).I2_levels) == pytest.approx(_fit(REML).I2, rel=1e-12)


def test_es_id_default_is_one_unit_per_row():
    # school labels repeat across districts, and study/es_id nests them: same as one unit per row.
    a = _fit(REML)
    b = multilevel(REML["yi"], REML["vi"], REML["study"])
    assert b.sigma2 == pytest.approx(a.sigma2, rel=1e-9)


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_one_effect_per_study_splits_the_random_effects_variance_equally(method):
    # Then both variances multiply the same matrix and only their sum is identified: metafor fits on, the two
    # equal from its equal starting values (k = 2 in tools/metafor_reference_mv_edges.R), and their sum is the
    # tau^2 of the random-effects model (M = V + (sigma^2_1 + sigma^2_2) I).
    res = multilevel(REML["yi"][:20], REML["vi"][:20], study=list(range(20)), method=method)
    tau2 = random_effects(REML["yi"][:20], REML["vi"][:20], method=method, control={"threshold": 1e-12}).tau2
    assert res.sigma2[0] == pytest.approx(res.sigma2[1], rel=1e-12)
    assert sum(res.sigma2) == pytest.approx(tau2, rel=1e-7)
    assert res.notes[-1] == ("every unit of 'study' holds a single unit of 'study/es_id': only the sum of their "
                             "variances is identified (split between them as metafor splits it)")  # fmt: skip


def test_moderator_summary_reads_like_metafor():
    text = _fit(next(c for c in CASES if c["id"] == "konstantopoulos2011-year-REML-t")).summary()
    # R: print(rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, data = dat, test = "t"))
    assert "sigma^2.1  0.0723  0.2688     11  study" in text
    assert "QE(df = 54) = 550.2597, p-val < .0001" in text
    assert "F(df1 = 1, df2 = 54) = 0.3169, p-val = 0.5758" in text
    assert "year       0.0053   0.0094   0.5629  54  0.5758   -0.0136   0.0242" in text


SATURATED = [c for c in load_cases("design_edges") if c["kind"] == "mv-saturated"]


@pytest.mark.parametrize("case", SATURATED, ids=case_id)
def test_as_many_coefficients_as_effect_sizes_are_fitted_as_metafor(case):
    # R: rma.mv(yi, vi, mods = ~ ablat, random = ~ 1 | study (or study/es), method=) on two trials of dat.bcg: rma.mv
    # has no check of p against k; the fit is exact, QE = 0 on 0 df (p = 1), sigma^2 = 0
    # (tools/metafor_reference_design_edges.R).
    levels = {"study": case["study"]} | ({"es": case["es"]} if case["random"] == "study/es" else {})
    got = multilevel(case["yi"], case["vi"], levels, mods=case["ablat"], names=["ablat"], method=case["method"])
    assert got.sigma2 == pytest.approx(case["sigma2"], abs=1e-10)
    for field in PER_COEF:
        assert getattr(got, field) == pytest.approx(case[field], rel=TOL["est"]), field
    assert (got.QE, got.QE_df, got.QE_pval) == (case["QE"], 0, case["QEp"])
    assert (got.QM, got.QM_pval) == pytest.approx((case["QM"], case["QMp"]), rel=TOL["est"])
    assert got.loglik == pytest.approx(case["logLik"], rel=TOL["est"])
    assert got.I2 is None
    text = got.summary()
    assert "QE(df = 0) = 0.0000, p-val = 1.0000" in text
    assert "I^2: not available (as many coefficients as effect sizes)" in text


def test_summary_reads_like_metafor():
    text = _fit(REML).summary()
    # R: print(res) -- sigma^2.1 0.0651 0.2551 11; sigma^2.2 0.0327 0.1809 56; Q(df = 55) = 578.8640
    assert "sigma^2.1  0.0651  0.2551     11  study" in text
    assert "sigma^2.2  0.0327  0.1809     56  study/es_id" in text
    assert "Q(df = 55) = 578.8640, p-val < .0001" in text
    assert "  0.1847  0.0846  2.1845  0.0289  0.0190  0.3504" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"study": [1, 2]}, r"field 'study': has 2 values but yi has 56"),
        ({"study": [None, *REML["study"][1:]]}, r"row 1, field 'study': is missing"),
        ({"method": "DL"}, r"field 'method': must be one of 'REML', 'ML'"),
        ({"es_id": [1, 2, 3]}, r"field 'es_id': has 3 values but yi has 56"),
        ({"mods": [1.0, 2.0]}, r"field 'mods': needs one row per study \(56\)"),
        ({"mods": ["x", *(row[1] for row in YEAR["X"][1:])]}, r"row 1, field 'mod1': is not a number"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    args = {"study": REML["study"], **kwargs}
    with pytest.raises(InputError, match=message):
        multilevel(REML["yi"], REML["vi"], **args)


@pytest.mark.parametrize("case_id", ["konstantopoulos2011-REML-z", "konstantopoulos2011-year-REML-t"])
def test_per_row_fits_match_metafor(case_id):
    # R: res <- rma.mv(yi, vi, mods = ~ 1 (or ~ year), random = ~ 1 | district/school, test=); weights(res)
    # (diagonal of V^-1), and with ~ year fitted(res), predict(res)$ci.lb/ci.ub, rstandard(res)$resid/$se.
    # sigma^2 agree to about 1e-7, so the values do too; abs for the CI bounds near 0.
    case = next(c for c in load_cases("plots") if c["id"] == case_id)
    res = _fit({**case, "method": "REML"})
    fields = ("weights",) if len(case["coef_names"]) == 1 else ("weights", *PLOT_FIELDS)
    for field in fields:
        assert getattr(res, field) == pytest.approx(case[field], rel=TOL["est"], abs=1e-7), field
    assert (res.yi, res.vi) == (tuple(case["yi"]), tuple(case["vi"]))
    assert res.labels[:3] == ("1", "2", "3")


BOUNDARY = load_cases("mv_boundary")
NESTED = load_cases("mv_nested")
ASSINK = NESTED[0]


def _boundary_fit(case):
    mods = {"mods": case["x"], "names": ["x"]} if case.get("x") else {}
    return multilevel(case["yi"], case["vi"], case["study"], case["es"], method=case["method"], **mods)


@pytest.mark.parametrize("case", BOUNDARY, ids=case_id)
def test_boundary_fits_match_metafor(case):
    # R: rma.mv(yi, vi, [mods = ~ x,] random = ~ 1 | study/es, method=) on 30 simulated sets of 8 studies x 3
    # effect sizes (tools/metafor_reference_mv.R). 54 of the 90 fits put a component at 0: metafor (nlminb on
    # log sigma^2) then reports about 1e-10, we report 0, and every other number agrees to 1e-4 (iterative fits);
    # a small sigma^2 beside one at 0 lies on a flat ridge where nlminb stops up to 1e-6 away (its logLik is
    # then lower than ours, checked below).
    res = _boundary_fit(case)
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=1e-4, abs=1e-6)
    beta = (res.estimate,) if res.__class__.__name__ == "MultilevelResult" else res.beta
    se = (res.se,) if res.__class__.__name__ == "MultilevelResult" else res.se
    assert beta == pytest.approx(case["beta"], rel=1e-4, abs=1e-8)
    assert se == pytest.approx(case["se"], rel=1e-4)
    for field in ("ci_lb", "ci_ub"):
        ours = (getattr(res, field),) if isinstance(res, MultilevelResult) else getattr(res, field)
        # metafor prints 4 decimals; the bounds agree to 1e-6 (largest difference 2.7e-7), where nlminb stops.
        assert ours == pytest.approx(case[field], abs=1e-6), field
    assert res.n_levels == tuple(case["n_levels"])
    # The likelihood decides: ours is at least metafor's (to rounding), so we stopped at the maximum.
    assert res.loglik >= case["logLik"] - 1e-9 * abs(case["logLik"])
    assert res.loglik == pytest.approx(case["logLik"], rel=1e-8)


def test_boundary_is_reported_in_notes():
    at_zero = next(c for c in BOUNDARY if c["sigma2"][1] < 1e-8 and not c.get("x"))
    res = _boundary_fit(at_zero)
    assert res.sigma2[1] == 0.0
    assert "the variance of 'study/es_id' is estimated at 0 (the boundary)" in res.notes


def _nested_fit(case):
    d = ASSINK
    study = (
        {"study": d["study"], "deltype": d["deltype"], "esid": d["esid"]}
        if case["random"] == "study/deltype/esid"
        else {"study": d["study"], "esid": d["esid"]}
    )
    mods = {"mods": d["year"], "names": ["year"]} if case["mods"] else {}
    v = d["V"] if case["V"] else d["vi"]
    return multilevel(d["yi"], v, study, method=case["method"], test=case["test"], **mods)


@pytest.mark.parametrize("case", NESTED[1:], ids=case_id)
def test_nested_levels_and_known_v_match_metafor(case):
    # R: rma.mv(yi, V, [mods = ~ year,] random = ~ 1 | study/deltype/esid or ~ 1 | study/esid, data =
    # dat.assink2016) with V = vi or vcalc(vi, cluster = study, obs = esid, rho = 0.6).
    res = _nested_fit(case)
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=1e-4, abs=1e-7)
    assert res.n_levels == tuple(case["n_levels"])
    if case["mods"]:
        for field in ("beta", "se", "zval", "pval", "ci_lb", "ci_ub", "QM"):
            assert getattr(res, field) == pytest.approx(case[field], rel=1e-4), field
        assert list(res.QM_df) == case["QM_df"]
        q = res.QE
    else:
        for field, ref in (("estimate", "beta"), ("se", "se"), ("pval", "pval"), ("ci_lb", "ci_lb")):
            assert getattr(res, field) == pytest.approx(case[ref][0], rel=1e-4), field
        q = res.Q
    assert q == pytest.approx(case["QE"], rel=1e-10)
    assert res.I2_levels == pytest.approx(case["I2_levels"], rel=1e-4)
    assert res.loglik == pytest.approx(case["logLik"], rel=1e-8)


def test_nested_summary_names_every_factor():
    text = _nested_fit(NESTED[1]).summary()
    # R: print(rma.mv(yi, vi, random = ~ 1 | study/deltype/esid, data = dat.assink2016)): factor column
    assert "sigma^2.2  0.0704  0.2653     21  study/deltype" in text
    assert "sigma^2.3  0.0875  0.2958    100  study/deltype/esid" in text


def test_v_must_be_a_symmetric_matrix():
    # A V that is not positive definite is fitted as metafor fits it (tests/meta/test_multilevel_rho.py).
    v = np.diag([0.1, 0.2, 0.1, 0.2])
    v[0, 1] = 0.05
    with pytest.raises(InputError, match="V is not symmetric"):
        multilevel([0.1, 0.2, 0.3, 0.4], v, [1, 1, 2, 2])


def test_control_sets_start_and_refuses_unknown_settings():
    # Any start reaches the same maximum; metafor's names (sigma2.init) are accepted.
    a = _fit(REML)
    b = multilevel(REML["yi"], REML["vi"], REML["study"], REML["es_id"], control={"sigma2.init": [0.5, 0.001]})
    assert b.sigma2 == pytest.approx(a.sigma2, rel=1e-8)
    with pytest.raises(InputError, match="field 'control': unknown control setting"):
        multilevel(REML["yi"], REML["vi"], REML["study"], control={"tol": 1e-8})


SIMULATED = load_cases("mv_boundary_sim")


def _simulated_fit(case):
    groups = {"study": case["study"], "es": case["es"]}
    if "mid" in case:
        groups = {"study": case["study"], "mid": case["mid"], "es": case["es"]}
    mods = {"mods": case["x"], "names": ["x"]} if case.get("x") else {}
    control = {"sigma2_init": case["sigma2_init"]} if case.get("sigma2_init") else None
    return multilevel(case["yi"], case["vi"], groups, method=case["method"], control=control, **mods)


def _coefficients(res):
    if isinstance(res, MultilevelResult):
        return (res.estimate,), (res.se,)
    return res.beta, res.se


@pytest.mark.parametrize("case", SIMULATED, ids=case_id)
def test_simulated_boundary_fits_reach_the_maximum_metafor_reaches(case):
    # R: rma.mv(yi, vi, [mods = ~ x,] random = ~ 1 | study/es, method=) on 30 R-simulated sets (8 studies x 3, 6
    # unbalanced studies, 4 effects in 2 studies, 6 in 3, 5 in 2), REML and ML, and two ~ 1 | study/mid/es sets
    # (tools/metafor_reference_boundary.R). "refit" is metafor's likelihood maximised beyond nlminb's default
    # tolerances, the components metafor put at ~1e-10 held at 0 (checked there to be maxima at 0).
    res = _simulated_fit(case)
    ref = case["refit"]
    for ours, theirs in zip(res.sigma2, ref["sigma2"], strict=True):
        assert ours == (pytest.approx(theirs, rel=1e-5) if theirs > 0 else pytest.approx(0.0, abs=1e-6))
    beta, se = _coefficients(res)
    assert beta == pytest.approx(ref["beta"], rel=1e-5, abs=1e-9)
    assert se == pytest.approx(ref["se"], rel=1e-5)
    assert res.loglik == pytest.approx(ref["logLik"], abs=1e-8)
    default = case["default"]
    if default["converged"]:
        # Never below metafor's own fit: the likelihood decides (metafor's logLik is up to 1e-7 lower where nlminb
        # stopped early on a flat likelihood, and 0.0024 lower in the "trap" set, where it stopped short of it).
        assert res.loglik >= default["logLik"] - 1e-12 * abs(default["logLik"])
    else:
        # metafor gives up (nlminb: log sigma^2 runs off to -inf); the maximum is at 0 in every component.
        assert default["error"] == "Optimizer (nlminb) did not achieve convergence (convergence = 1)."
        assert res.sigma2 == (0.0, 0.0)


def test_simulated_boundary_fits_agree_with_metafor_where_it_stops_at_the_maximum():
    # metafor's own (default) fits: the printed sigma^2 (4 decimals) and the estimates agree wherever nlminb
    # reached the maximum (all but the "trap" set), and metafor failed only where every component is at 0.
    failed = []
    for case in SIMULATED:
        default = case["default"]
        if not default["converged"]:
            failed.append(case["id"])
            continue
        if case["id"] == "trap-REML":
            continue
        res = _simulated_fit(case)
        assert [round(s, 4) for s in res.sigma2] == [round(s, 4) for s in default["sigma2"]], case["id"]
        beta, se = _coefficients(res)
        assert beta == pytest.approx(default["beta"], rel=1e-4, abs=1e-6), case["id"]
        assert se == pytest.approx(default["se"], rel=1e-4), case["id"]
    assert failed == ["sim-18-unbalanced-ML-x", "sim-19-unbalanced-REML", "sim-19-unbalanced-REML-x"]


def test_boundary_trap_and_local_maxima_are_metafor_s():
    # R: rma.mv(yi, vi, random = ~ 1 | study/mid/es) on the "trap" set stops at sigma^2 = (2.5e-10, 0.0996, 1e-9),
    # logLik -4.455801, where the likelihood still rises in sigma^2_1; we reach (0.01086, 0.09029, 0), logLik
    # -4.453369, which metafor reaches from sigma2.init = c(0.001, 0.05, 0.001).
    by_id = {case["id"]: case for case in SIMULATED}
    trap = _simulated_fit(by_id["trap-REML"])
    gain = trap.loglik - by_id["trap-REML"]["default"]["logLik"]
    assert gain > 1e-3
    assert gain == pytest.approx(by_id["trap-REML"]["refit_gain"], rel=1e-6)
    assert trap.sigma2 == pytest.approx(by_id["trap-REML-init"]["refit"]["sigma2"], rel=1e-5, abs=1e-9)
    # The "local" set has two maxima on the boundary; like metafor we reach the one its start leads to, and the
    # other from the start that leads metafor there.
    low, high = _simulated_fit(by_id["local-REML"]), _simulated_fit(by_id["local-REML-init"])
    assert low.sigma2[0] == 0.0
    assert high.sigma2[1] == 0.0
    ref_gap = by_id["local-REML-init"]["refit"]["logLik"] - by_id["local-REML"]["refit"]["logLik"]
    assert ref_gap > 1e-2
    assert high.loglik - low.loglik == pytest.approx(ref_gap, rel=1e-6)


def test_every_fit_stops_where_no_feasible_direction_raises_the_likelihood():
    # An invariant on 200 random small sets (2 or 3 nested levels, REML or ML, with or without a moderator,
    # diagonal or block-correlated V), most with a component at 0: at the fit the score vanishes in every
    # component above 0, points below 0 (or is 0) in every component at 0 (Karush-Kuhn-Tucker), and no small
    # step into sigma^2 >= 0 raises the likelihood. Several maxima may exist (see the "local" set above); each
    # fit must be one of them, never a point where the steps merely became small.
    rng = np.random.default_rng(16)
    at_zero = 0
    for _ in range(200):
        sizes = rng.integers(1, 5, rng.integers(2, 9))
        if sizes.sum() < 5 or (sizes == 1).all():
            continue
        study = np.repeat(np.arange(sizes.size), sizes)
        k = study.size
        vi = rng.uniform(0.01, 0.3, k)
        s2 = rng.choice([0.0, 0.0, 0.02, 0.1], 2)
        yi = 0.2 + rng.normal(0, np.sqrt(s2[0]), sizes.size)[study] + rng.normal(0, np.sqrt(s2[1]), k)
        yi += rng.normal(0, np.sqrt(vi))
        groups = {"study": study, "es": np.concatenate([np.arange(n) for n in sizes])}
        if rng.random() < 0.3:
            groups = {"study": study, "mid": rng.integers(0, 2, k), "es": groups["es"]}
        v = vi
        if rng.random() < 0.3:
            same = study[:, None] == study[None, :]
            v = np.where(same, 0.5 * np.sqrt(np.outer(vi, vi)), 0.0)
            np.fill_diagonal(v, vi)
        mods = {"mods": rng.normal(size=k)} if k >= 7 and rng.random() < 0.4 else {}
        # A design whose levels cannot be separated is fitted too (as metafor): the KKT conditions still hold.
        res = multilevel(yi, v, groups, method=str(rng.choice(["REML", "ML"])), **mods)
        model = marginal_model(res)
        theta = np.array(res.sigma2)
        ev = model.evaluate(theta)
        scale = np.sqrt(np.diag(ev.info))
        free = theta > 0
        at_zero += int((~free).any())
        assert np.all(np.abs(ev.grad[free]) <= 1e-5 * scale[free]), (theta, ev.grad)
        assert np.all(ev.grad[~free] >= -1e-8 * scale[~free]), (theta, ev.grad)
        for j in range(theta.size):
            for step in (1e-4, -1e-4):
                moved = theta.copy()
                moved[j] = max(0.0, theta[j] + step * max(theta[j], 0.01))
                assert model.loglik(moved) <= res.loglik + 1e-10, (theta, j, step)
    assert at_zero >= 60


VI_ZERO = [c for c in load_cases("vi_zero_diagnostics") if c["kind"] == "multilevel"]


@pytest.mark.parametrize("case", VI_ZERO, ids=case_id)
def test_a_sampling_variance_of_0_is_fitted_as_metafor(case):
    # R: rma.mv(yi, vi, random = ~ 1 | district/school, data = dat.konstantopoulos2011, method=) with vi[5] = 0, or
    # -0.01 (tools/metafor_reference_vi_zero_diagnostics.R): it fits (a negative variance set to 0), warns "There are
    # outcomes with non-positive sampling variances." and "'V' appears to be not positive definite." (ours are
    # metafor's, one for one; the row follows in the notes), and its QE is NA. Iterative on both sides: 1e-5.
    assert case["QE"] is None
    with pytest.warns(SecretomeWarning) as caught:
        res = multilevel(case["yi"], case["vi"], case["study"], method=case["method"])
    assert [str(w.message) for w in caught] == case["warnings"]
    assert res.notes[1] == "1 of 56 sampling variances are 0 or less: row 5"
    assert res.vi[4] == 0
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=1e-5)
    assert res.estimate == pytest.approx(case["beta"][0], rel=1e-5)
    assert res.se == pytest.approx(case["se"][0], rel=1e-5)
    assert res.loglik == pytest.approx(case["logLik"], rel=1e-8)
    assert (res.Q, res.Q_pval, res.I2, res.typical_vi) == (None, None, None, None)
    assert "Test for Heterogeneity: not available (a sampling variance is 0)" in res.summary()
    with pytest.warns(SecretomeWarning) as caught:
        reg = multilevel(case["yi"], case["vi"], case["study"], mods=np.arange(56.0), method=case["method"])
    assert [str(w.message) for w in caught] == case["warnings"]
    assert reg.QE is None
    assert "Test for Residual Heterogeneity: not available" in reg.summary()


MV_EDGES = {c["id"]: c for c in load_cases("mv_edges")}  # by tools/metafor_reference_mv_edges.R


def _assert_fit_matches(res, case, rel=1e-5):
    """sigma^2, estimate, SE, CI and logLik against rma.mv (iterative on both sides: 1e-5; 1e-7 absolute at 0)."""
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=rel, abs=1e-7)
    assert res.n_levels == tuple(case["n_levels"])
    assert res.estimate == pytest.approx(case["beta"][0], rel=rel)
    assert res.se == pytest.approx(case["se"][0], rel=rel)
    assert res.ci_lb == pytest.approx(case["ci_lb"][0], rel=rel)
    assert res.ci_ub == pytest.approx(case["ci_ub"][0], rel=rel)
    assert res.loglik == pytest.approx(case["logLik"], rel=1e-7, abs=1e-8)


@pytest.mark.parametrize("case", [c for c in MV_EDGES.values() if c["kind"] == "V"], ids=case_id)
def test_a_given_v_with_a_diagonal_of_0_or_below_is_fitted_as_metafor(case):
    # R: rma.mv(yi, V, random = ~ 1 | district/school, method =) with V from vcalc(rho = 0.6) on
    # dat.konstantopoulos2011[1:30, ] and V[5, 5] at 0 or -0.01: metafor warns (its words, one for one), sets a
    # negative variance's row and column of V to 0, fits, and its QE is NA.
    v = np.array(case["V"])
    with pytest.warns(SecretomeWarning) as caught:
        res = multilevel(case["yi"], v, {"district": case["district"], "school": case["school"]}, method=case["method"])
    assert [str(w.message) for w in caught] == case["warnings"]
    assert case["error"] is None
    assert case["QE"] is None
    _assert_fit_matches(res, case)
    assert (res.Q, res.I2) == (None, None)
    assert res.vi[4] == 0
    if v[4, 4] < 0:
        assert not np.any(np.array(res.V)[4])
        assert not np.any(np.array(res.V)[:, 4])
    else:
        np.testing.assert_allclose(np.array(res.V), v, rtol=1e-14)  # kept as given (symmetrised to rounding)


@pytest.mark.parametrize("case", [c for c in MV_EDGES.values() if c["kind"] == "small" and not c["error"]], ids=case_id)
def test_two_effect_sizes_and_single_level_factors_are_fitted_as_metafor(case):
    # R: rma.mv(yi, vi, random = ~ 1 | study/es (or ~ 1 | study), method =) with k = 2 in one study or two, and
    # k = 3 in one study (tools/metafor_reference_mv_edges.R): metafor fits each; a factor with a single unit has
    # its sigma^2 fixed at 0 with its warning; two factors with the same units share the one identified variance
    # equally (from its equal starting values), without a word.
    levels = {"study": case["study"]} if case["es"] is None else {"study": case["study"], "es": case["es"]}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = multilevel(case["yi"], case["vi"], levels, method=case["method"])
    assert [str(w.message) for w in caught] == case["warnings"]
    _assert_fit_matches(res, case)
    assert res.sigma2_fixed == tuple(case["fixed"])
    assert pytest.approx(case["QE"], rel=1e-12) == res.Q
    assert res.Q_pval == pytest.approx(case["QE_pval"], rel=1e-10)
    if any(case["fixed"]):
        assert "nlvls  fixed  factor" in res.summary()
        assert "      1    yes  study" in res.summary()
    if len(set(res.n_levels)) < len(res.n_levels) and 1 not in res.n_levels:
        assert res.sigma2[0] == pytest.approx(res.sigma2[1], rel=1e-12)
        assert any("only the sum of their variances is identified" in note for note in res.notes)


@pytest.mark.parametrize("case", [c for c in MV_EDGES.values() if c["kind"] == "small" and c["error"]], ids=case_id)
def test_one_effect_size_stops_as_metafor_whatever_the_random_structure(case):
    # R: rma.mv(0.1, 0.01, random = ~ 1 | study/es or ~ 1 | study): "Processing terminated since k <= 1."
    levels = {"study": case["study"]} if case["es"] is None else {"study": case["study"], "es": case["es"]}
    with pytest.raises(InputError) as err:
        multilevel(case["yi"], case["vi"], levels, method=case["method"])
    assert err.value.reason == case["error"]


def test_a_component_fixed_at_0_has_no_profile_interval_as_metafor():
    # R: confint(rma.mv(yi, vi, random = ~ 1 | study/es), sigma2 = 1) with one study: "Specified 'sigma2' component
    # was fixed." (metafor 3.8-1, checked by hand: confint() then gives sigma^2.2 alone).
    case = MV_EDGES["k3-one-study-nested-REML"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecretomeWarning)
        res = multilevel(case["yi"], case["vi"], {"study": case["study"], "es": case["es"]})
    with pytest.raises(InputError, match=r"Specified 'sigma2' component was fixed\."):
        profile_likelihood(res, component=1, steps=3)
    ci = sigma2_confint(res)
    assert ci.factors == ("study/es",)
    assert ci.estimate == pytest.approx([case["sigma2"][1]], rel=1e-5)


def test_one_effect_size_stops_in_metafors_words():
    # R: rma.mv(yi, vi, random = ~ 1 | study/es) on dat.bcg's first trial (tools/metafor_reference_refusals.R)
    case = next(c for c in load_cases("refusals") if c["id"] == "rma.mv-k1")
    with pytest.raises(InputError) as err:
        multilevel(case["yi"], case["vi"], [1])
    assert (err.value.field, err.value.reason) == ("yi", case["error"])


@pytest.mark.parametrize("case", [c for c in load_cases("missing") if c.get("kind") == "rma.mv"], ids=case_id)
def test_rows_with_a_missing_value_are_left_out_as_rma_mv(case):
    # R: rma.mv(yi, vi, random = ~ 1 | district/school, data = dat.konstantopoulos2011, method =) with NAs in yi
    # (row 3) and vi (row 10) (tools/metafor_reference_missing.R): it warns "Rows with NAs omitted from model
    # fitting." and fits the other 54. Iterative on both sides: 1e-5.
    yi = [np.nan if x is None else x for x in case["yi"]]
    vi = [np.nan if x is None else x for x in case["vi"]]
    with pytest.warns(SecretomeWarning) as caught:
        res = multilevel(yi, vi, case["district"], method=case["method"])
    assert [str(w.message) for w in caught] == case["warnings"]
    assert res.notes[:2] == (case["warnings"][0], f"omitted for a missing value: rows 3, 10; k = {case['k']}")
    assert res.k == case["k"]
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=1e-5)
    assert (res.estimate, res.se) == pytest.approx((case["beta"][0], case["se"][0]), rel=1e-5)
    # The same rows out of a V (row 10's variance missing on its diagonal): its rows and columns go, the same fit.
    with pytest.warns(SecretomeWarning):
        given = multilevel(yi, np.diag(vi), case["district"], method=case["method"])
    assert (given.k, given.sigma2, given.estimate) == (res.k, pytest.approx(res.sigma2), pytest.approx(res.estimate))
    # na_action="fail": metafor's na.fail error (missing.json), with the first cell it is about.
    fail = next(c for c in load_cases("missing") if c["id"] == "na-fail")["error"]
    with pytest.raises(InputError) as err:
        multilevel(yi, vi, case["district"], method=case["method"], na_action="fail")
    assert (err.value.row, err.value.field, err.value.reason) == (3, "yi", fail)


REDUNDANT = [c for c in load_cases("design_edges") if c["kind"] == "redundant-mv"]


@pytest.mark.parametrize("case", REDUNDANT, ids=case_id)
def test_every_moderator_redundant_fits_the_intercept_only_model_as_metafor(case):
    # R: rma.mv(yi, vi, mods = X, random = ~ 1 | trial, data = dat.bcg) with X a constant column (and it with its
    # double): metafor drops them with its warning and fits the intercept alone; QM tests the intercept
    # (tools/metafor_reference_design_edges.R).
    names = case["terms"].split("+")
    mods = np.column_stack([case["const"], 2 * np.array(case["const"])][: len(names)])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        got = multilevel(case["yi"], case["vi"], {"trial": case["trial"]}, mods=mods, names=names)
    assert [str(w.message) for w in record] == case["warnings"]
    assert (got.p, got.coef_names) == (1, tuple(case["coef_names"]))
    assert got.notes[-1] == f"dropped as redundant (collinear with the columns before them): {', '.join(names)}"
    assert got.sigma2 == pytest.approx(case["sigma2"], rel=TOL["var"])
    # metafor's sigma^2 is nlminb's, about 1e-6 from the optimum here (rma.uni's REML tau^2 is 0.31324333, ours
    # 0.31324326): the p-value of z = -3.97 moves by 5e-6 of itself with it, so p is checked to 1e-9 absolute.
    for field in ("beta", "se", "zval", "ci_lb", "ci_ub"):
        assert getattr(got, field) == pytest.approx(case[field], rel=TOL["est"]), field
    assert (*got.pval, got.QM_pval) == pytest.approx((*case["pval"], case["QMp"]), abs=1e-9)
    assert (got.QE, got.QE_pval, got.QM) == pytest.approx((case["QE"], case["QEp"], case["QM"]), rel=TOL["est"])
    text = got.summary()
    assert "Test for Heterogeneity:\nQ(df = 12) = 152.2330, p-val < .0001" in text
    assert "Test of Moderators" not in text

"""robust() against metafor 3.8-1 robust() and clubSandwich 0.5.8 (fixtures by tools/metafor_reference_mv.R)."""

from __future__ import annotations

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases

from secretome.errors import InputError, SecretomeWarning
from secretome.meta import meta_regression, multilevel, random_effects, robust

CASES = load_cases("robust")
DATA = CASES[0]
BCG = DATA["bcg"]
ASSINK = load_cases("mv_nested")[0]


def _robust(case):
    vcov_type = "CR2" if case["clubSandwich"] else "CR1"
    if case["model"] == "uni":
        if case["mods"]:
            fit = meta_regression(BCG["yi"], BCG["vi"], BCG["ablat"], names=["ablat"], method=case["method"])
            return fit, robust(fit, BCG["grp"], mods=BCG["ablat"], vcov_type=vcov_type)
        fit = random_effects(BCG["yi"], BCG["vi"], method=case["method"])
        return fit, robust(fit, BCG["grp"], vcov_type=vcov_type)
    mods = {}
    if case["mods"]:
        dummies = DATA["assink2016"]["deltype_dummies"]
        x = np.column_stack([ASSINK["year"], dummies["general"], dummies["overt"]])
        mods = {"mods": x, "names": ["year", "deltypegeneral", "deltypeovert"]}
    fit = multilevel(ASSINK["yi"], ASSINK["vi"], ASSINK["study"], ASSINK["esid"], **mods)
    return fit, robust(fit, ASSINK["study"], vcov_type=vcov_type)


@pytest.mark.parametrize("case", CASES[1:], ids=case_id)
def test_robust_matches_metafor(case):
    # R: robust(res, cluster = grp [, clubSandwich = TRUE]) on rma(yi, vi, [mods = ~ ablat,] data = dat.bcg, method=)
    # with 6 clusters, and on rma.mv(yi, vi, [mods = ~ year + deltype,] random = ~ 1 | study/esid, data =
    # dat.assink2016) clustered by study. CR1 is closed-form given the fit (1e-6 where tau^2 or sigma^2 is
    # iterative); CR2 adds matrix square roots and Satterthwaite/HTZ df (1e-5).
    res = _robust(case)[1]
    rel = 1e-5 if case["clubSandwich"] else 1e-6
    for field in ("beta", "se", "tval", "pval"):
        assert getattr(res, field) == pytest.approx(case[field], rel=rel), field
    # metafor keeps CR1's one residual df; CR2 has one Satterthwaite df per coefficient.
    assert res.df == pytest.approx(case["df"] * res.p if len(case["df"]) == 1 else case["df"], rel=rel)
    for field in ("ci_lb", "ci_ub", "QM", "QM_pval"):
        assert getattr(res, field) == pytest.approx(case[field], rel=rel), field
    assert res.QM_df == pytest.approx(tuple(case["QM_df"]), rel=rel)
    assert res.n_clusters == case["n"]
    assert res.vcov_type == case["vbest"]


def test_robust_summary_reads_like_metafor():
    _, res = _robust(next(c for c in CASES if c["id"] == "bcg-ablat-REML-CR1"))
    text = res.summary()
    # R: robust(rma(yi, vi, mods = ~ ablat, data = dat.bcg), cluster = grp)
    assert "Estimates per cluster: 2-3 (mean: 2.17, median: 2)" in text
    assert "F(df1 = 1, df2 = 4) = 30.6371, p-val = 0.0052" in text
    assert "var-cov estimator: CR1" in text


def test_robust_takes_the_model_matrix_of_a_meta_regression_from_the_fit():
    fit = meta_regression(BCG["yi"], BCG["vi"], BCG["ablat"], names=["ablat"])
    assert robust(fit, BCG["grp"]) == robust(fit, BCG["grp"], mods=BCG["ablat"])
    with pytest.raises(InputError, match="do not reproduce the model's fitted values"):
        robust(fit, BCG["grp"], mods=np.array(BCG["ablat"]) + 1)


def test_robust_of_a_meta_regression_that_dropped_a_redundant_moderator_is_metafors():
    # ablat twice: metafor drops the copy ('Redundant predictors dropped from the model.') and robust() tests the
    # model it fitted; before, robust() wanted the two columns back and refused them as the wrong shape.
    with pytest.warns(SecretomeWarning, match="Redundant predictors dropped"):
        twice = meta_regression(BCG["yi"], BCG["vi"], np.column_stack([BCG["ablat"], BCG["ablat"]]), names=["a", "b"])
    res = robust(twice, BCG["grp"])
    # R: robust(rma(yi, vi, mods = ~ ablat, data = dat.bcg), cluster = grp), as in the test above.
    assert "F(df1 = 1, df2 = 4) = 30.6371, p-val = 0.0052" in res.summary()
    assert res.coef_names == ("intrcpt", "a")


def test_robust_refuses_clusters_that_split_a_random_effect():
    fit = multilevel(ASSINK["yi"], ASSINK["vi"], ASSINK["study"], ASSINK["esid"])
    with pytest.raises(InputError, match="must each lie in one cluster"):
        robust(fit, [i % 5 for i in range(len(ASSINK["yi"]))])

"""meta_regression against metafor 3.8-1 rma.uni with mods (fixtures by tools/metafor_reference.R)."""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pytest
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import meta_regression

CASES = load_cases("rma_mods")
PER_COEF = ("beta", "se", "zval", "pval", "ci_lb", "ci_ub")
SCALARS = ("tau2", "se_tau2", "I2", "H2", "R2", "QE", "QE_pval", "QM", "QM_pval")
REML = next(c for c in CASES if c["id"] == "bcg-ablat-year-REML-z")


def _fit(case):
    mods = np.array(case["X"])[:, 1:]
    with (
        pytest.warns(SecretomeWarning)
        if case["test"] == "knha" and case["method"] == "FE"
        else contextlib.nullcontext()
    ):
        return meta_regression(case["yi"], case["vi"], mods, method=case["method"], test=case["test"])


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_meta_regression_matches_metafor(case):
    # R: rma(yi, vi, mods=~ablat + year (or ~factor(alloc)), data=dat.bcg, method=, test=)
    got = _fit(case).to_dict()
    for field in PER_COEF:
        assert got[field] == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    for field in SCALARS:
        if case[field] is None:
            assert got[field] is None, field
        else:
            assert got[field] == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    assert got["QM_df"][0] == case["QM_df"]


def test_names_come_from_a_data_frame():
    mods = pd.DataFrame(np.array(REML["X"])[:, 1:], columns=["ablat", "year"])
    res = meta_regression(REML["yi"], REML["vi"], mods)
    assert res.coef_names == ("intrcpt", "ablat", "year")
    assert res.beta == pytest.approx(REML["beta"], rel=TOL["est"])


def test_summary_reads_like_metafor():
    # R: print(rma(yi, vi, mods=~ablat + year, data=dat))
    res = meta_regression(REML["yi"], REML["vi"], np.array(REML["X"])[:, 1:], names=["ablat", "year"])
    lines = res.summary().splitlines()
    assert lines[0] == "Mixed-Effects Model (k = 13; tau^2 estimator: REML)"
    assert "tau^2 (estimated amount of residual heterogeneity):     0.1108 (SE = 0.0845)" in lines
    assert "R^2 (amount of heterogeneity accounted for):            64.63%" in lines
    assert "QE(df = 10) = 28.3251, p-val = 0.0016" in lines
    assert "QM(df = 2) = 12.2043, p-val = 0.0022" in lines
    assert "ablat     -0.0280   0.0102  -2.7371  0.0062   -0.0481  -0.0080" in lines


def test_collinear_moderators_are_refused():
    # A constant moderator duplicates the intercept (metafor drops it with a warning; we refuse).
    with pytest.raises(InputError, match=r"field 'mods': the moderators are collinear"):
        meta_regression(REML["yi"], REML["vi"], np.ones((13, 1)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mods": [[1.0], [2.0]]}, r"field 'mods': needs one row per study \(13\)"),
        ({"mods": np.c_[np.arange(13.0), ["x"] + [1.0] * 12]}, r"row 1, field 'mod2': is not a number"),
        ({"method": "PM"}, r"field 'method': must be one of 'EE', 'FE', 'DL', 'ML', 'REML'"),
        ({"names": ["a"]}, r"field 'names': has 1 names for 2 moderators"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    args = {"mods": np.array(REML["X"])[:, 1:], **kwargs}
    with pytest.raises(InputError, match=message):
        meta_regression(REML["yi"], REML["vi"], **args)


def test_too_few_studies_for_the_coefficients():
    with pytest.raises(InputError, match=r"field 'yi': needs more studies than coefficients \(3\) \(got 3\)"):
        meta_regression([0.1, 0.2, 0.4], [0.01, 0.01, 0.01], [[1, 0], [0, 1], [1, 1]])

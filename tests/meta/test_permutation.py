"""permutation_test against metafor 3.8-1 permutest (fixtures by tools/metafor_reference*.R)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases, pm_control

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import METHODS, TAU2_METHODS, meta_regression, permutation_test, random_effects
from secretome.meta._permutation import _count_permutations, _multiset_permutations

# PMM and HSk on other data (tools/metafor_reference_estimators.R).
CASES = load_cases("permutest") + load_cases("estimators_permutest")


def _run(case, **kwargs):
    x = np.array(case["X"])
    mods = None if x.shape[1] == 1 else x[:, 1:]
    with warnings.catch_warnings():
        # metafor drops refits that do not converge; so do we, with a warning.
        warnings.simplefilter("ignore", SecretomeWarning)
        return permutation_test(
            case["yi"],
            case["vi"],
            mods,
            method=case["method"],
            test=case["test"],
            **({"control": pm_control(case["method"])} | kwargs),
        )


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_exact_test_matches_metafor(case):
    # R: permutest(rma(yi, vi, mods=, data=, method=, test=), exact=TRUE)
    res = _run(case, exact=True)
    assert res.exact
    assert res.iter == case["iter"]
    assert res.pval == pytest.approx(case["pval"], abs=1e-12)
    assert res.QM_pval == pytest.approx(case["QM_pval"], abs=1e-12)
    for field in ("beta", "se", "zval"):
        assert getattr(res, field) == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    qm = res.QM
    assert qm == pytest.approx(case["QM"], rel=TOL["est"])


@pytest.mark.parametrize("case", [c for c in CASES if c["iter"] > 100], ids=case_id)
def test_random_permutations_agree_with_the_exact_p_value(case):
    # 100 random permutations (fewer than the distinct ones, so not exact): each p-value lies within
    # 4.5 binomial standard errors of metafor's exact p-value (a false alarm about once in 10^5).
    n = 100
    res = _run(case, iter=n, seed=20260101)
    assert not res.exact
    assert res.iter == n
    for got, want in zip((*res.pval, res.QM_pval), (*case["pval"], case["QM_pval"]), strict=True):
        assert abs(got - want) <= 4.5 * math.sqrt(want * (1 - want) / n) + 1 / n


def test_few_distinct_permutations_make_the_test_exact():
    case = next(c for c in CASES if c["id"] == "bcg8-alloc-REML-z")  # 8 studies in 3 groups: 28 arrangements
    res = _run(case, iter=1000)
    assert res.exact
    assert res.iter == case["iter"]


def test_fixtures_cover_every_method():
    # EE is FE under another name; every other method metafor's permutest takes has an exact fixture,
    # with and without moderators for each tau^2 estimator.
    assert {c["method"] for c in CASES} == set(METHODS) - {"EE"}
    for method in TAU2_METHODS:
        assert {len(c["X"][0]) > 1 for c in CASES if c["method"] == method} == {True, False}, method


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("test", ["z", "knha"])
@pytest.mark.parametrize("moderators", [2, 0])
def test_refits_match_meta_regression(method, test, moderators):
    # Each batched refit is the model meta_regression or random_effects fits (checked against metafor).
    rng = np.random.default_rng(3)
    k = 12
    yi, vi, x = rng.normal(0.3, 0.4, k), rng.uniform(0.01, 0.1, k), rng.normal(size=(k, 2))
    mods = x if moderators else None
    res = permutation_test(yi, vi, mods, method=method, test=test, iter=10, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecretomeWarning)
        ref = (
            meta_regression(yi, vi, x, method=method, test=test)
            if moderators
            else random_effects(yi, vi, method=method, test=test)
        )
    zval, qm = (ref.zval, ref.QM) if moderators else ((ref.zval,), ref.zval**2)
    assert res.zval == pytest.approx(zval, rel=1e-9)
    assert pytest.approx(qm, rel=1e-9) == res.QM


def test_pm_refits_beyond_tau2_max_are_refused_or_left_out():
    case = next(c for c in CASES if c["id"] == "bcg6-ablat-PM-z")
    mods = np.array(case["X"])[:, 1:]
    # PM's root on the data as observed lies above tau2_max: nothing to compare the permutations with.
    with pytest.raises(InputError, match=r"field 'yi': the model does not converge on the data as observed"):
        permutation_test(case["yi"], case["vi"], mods, method="PM", exact=True, control={"tau2_max": 1e-4})


def test_seed_makes_it_reproducible():
    case = CASES[0]
    assert _run(case, iter=50, seed=7).pval == _run(case, iter=50, seed=7).pval


def test_counting_distinct_permutations():
    x = np.array([[1, 0], [1, 0], [1, 1], [1, 1], [1, 1], [1, 2]])
    assert _count_permutations(x) == math.factorial(6) // (2 * 6)
    perms = _multiset_permutations([0, 0, 1, 1, 1, 2])
    assert len(perms) == len(set(perms)) == 60


def test_summary_reads_like_metafor():
    res = _run(CASES[0], exact=True)
    text = res.summary()
    assert text.splitlines()[0] == "Permutation test (exact; 360 iterations; k = 6; method: REML)"
    assert "QM(df = 1) = 9.0193, p-val* = 0.0362" in text
    assert res.to_frame().loc[0, "QM_pval"] == pytest.approx(CASES[0]["QM_pval"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"iter": 1}, r"field 'iter': must be an integer >= 2"),
        (
            {"method": "DLIT"},
            r"field 'method': must be one of 'EE', 'FE', 'DL', 'HE', 'HS', 'HSk', 'SJ', 'ML', 'REML', 'PM', 'PMM'",
        ),
    ],
)
def test_bad_input_is_named(kwargs, message):
    case = CASES[0]
    args = {"mods": np.array(case["X"])[:, 1:], **kwargs}
    with pytest.raises(InputError, match=message):
        permutation_test(case["yi"], case["vi"], **args)

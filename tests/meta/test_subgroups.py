"""subgroups against metafor 3.8-1: rma(subset=) per level and rma(mods=~factor(alloc)) (tools/metafor_reference.R)."""

from __future__ import annotations

import contextlib
import re

import pytest
from metafor_fixtures import NONPOSITIVE_VI, case_id, load_cases, pm_control

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import subgroups

CASES = load_cases("subgroups")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_subgroups_match_metafor(case):
    warns = case["test"] == "knha" and case["method"] == "FE"
    with pytest.warns(SecretomeWarning) if warns else contextlib.nullcontext():
        res = subgroups(
            case["yi"],
            case["vi"],
            case["group"],
            method=case["method"],
            test=case["test"],
            control=pm_control(case["method"]),
        )
    assert res.levels == tuple(s["level"] for s in case["subgroups"])
    for fit, expected in zip(res.fits, case["subgroups"], strict=True):
        assert fit.k == expected["k"]
        for field in ("estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "I2", "Q"):
            assert getattr(fit, field) == pytest.approx(expected[field], rel=TOL["est"], abs=1e-12), field
    qm, qm_pval = res.QM, res.QM_pval
    assert qm == pytest.approx(case["QM"], rel=TOL["est"])
    assert qm_pval == pytest.approx(case["QM_pval"], rel=TOL["pval"])


def test_summary_and_frame_have_one_row_per_subgroup():
    case = CASES[0]
    res = subgroups(case["yi"], case["vi"], case["group"])
    assert list(res.to_frame()["subgroup"]) == ["alternate", "random", "systematic"]
    # R: rma(yi, vi, mods=~factor(alloc), data=dat): QM(df = 2) = 1.7675, p-val = 0.4132
    assert "QM(df = 2) = 1.7675, p-val = 0.4132" in res.summary()


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        (["a", "a", "b", "b", "c"], r"field 'groups': subgroup 'c' has 1 study"),
        (["a"] * 5, r"field 'groups': needs at least 2 subgroups"),
        (["a", None, "b", "b", "a"], r"row 2, field 'groups': is missing"),
        (["a", "b"], r"field 'groups': has 2 values but there are 5 studies"),
    ],
)
def test_bad_groups(groups, message):
    with pytest.raises(InputError, match=message):
        subgroups([0.1, 0.2, 0.5, 0.6, 0.3], [0.01] * 5, groups)


SEPARATE = load_cases("subgroups_separate")


@pytest.mark.parametrize("case", SEPARATE, ids=case_id)
def test_separate_tau2_q_between_matches_metafor_faq(case):
    # R: fits <- rma(yi, vi, subset = group == level, method=, test=) per level, then
    #    rma(yi = estimates, sei = ses, method = "FE")$QE and $QEp (tools/metafor_reference_bias.R)
    # metafor warns that Knapp-Hartung is not meant for FE models; so do we
    warns = (case["method"], case["test"]) == ("FE", "knha")
    with pytest.warns(SecretomeWarning) if warns else contextlib.nullcontext():
        got = subgroups(
            case["yi"],
            case["vi"],
            case["group"],
            method=case["method"],
            test=case["test"],
            between="separate",
            control=pm_control(case["method"]),
        )
    assert list(got.levels) == case["levels"]
    assert [f.estimate for f in got.fits] == pytest.approx(case["estimate"], rel=TOL["est"])
    assert [f.se for f in got.fits] == pytest.approx(case["se"], rel=TOL["se"])
    assert [f.tau2 for f in got.fits] == pytest.approx(case["tau2"], rel=TOL["var"], abs=1e-12)
    assert case["Q_between"] == pytest.approx(got.QM, rel=TOL["est"])
    assert got.QM_df == (case["Q_between_df"],)
    assert got.QM_pval == pytest.approx(case["Q_between_pval"], rel=TOL["pval"])
    assert got.between == "separate"
    assert "Q-between(df = " in got.summary()


def test_between_option_is_checked():
    with pytest.raises(InputError, match=r"field 'between': must be one of 'moderator', 'separate'"):
        subgroups([0.1, 0.3, 0.8, 0.9], [0.01, 0.02, 0.01, 0.02], ["a", "a", "b", "b"], between="pooled")


VI_ZERO = [c for c in load_cases("vi_zero_diagnostics") if c["kind"] == "subgroups"]


@pytest.mark.parametrize("case", VI_ZERO, ids=case_id)
def test_a_sampling_variance_of_0_is_fitted_or_refused_as_metafor(case):
    # R: rma(yi, vi, subset = alloc == lv, method=, test=) per level and rma(yi, vi, mods = ~ factor(alloc)) on dat.bcg
    # with vi[3] = 0 (tools/metafor_reference_vi_zero_diagnostics.R)
    refused = [f["error"] for f in case["fits"] if "error" in f]
    if refused:
        # metafor: "DL estimator cannot be used when there are non-positive sampling variances in the data."
        assert refused[0].startswith(f"{case['method']} estimator cannot be used")
        message = rf"^row 3, field 'vi': subgroup 'random': {re.escape(refused[0])}$"
        with pytest.raises(InputError, match=message):
            subgroups(case["yi"], case["vi"], case["groups"], method=case["method"], test=case["test"])
        return
    with pytest.warns(SecretomeWarning) as caught:
        res = subgroups(case["yi"], case["vi"], case["groups"], method=case["method"], test=case["test"])
    # As metafor's rma, each model with the study warns; the subgroup's names the row among all studies.
    assert NONPOSITIVE_VI in {str(w.message) for w in caught}
    assert res.levels == tuple(case["levels"])
    for fit, expected in zip(res.fits, case["fits"], strict=True):
        for field in ("estimate", "se", "tau2", "Q", "I2"):
            if expected[field] is None:
                assert getattr(fit, field) is None, field
            else:
                assert getattr(fit, field) == pytest.approx(expected[field], rel=TOL["est"]), field
    qm, qm_pval = res.QM, res.QM_pval
    assert qm == pytest.approx(case["between"]["QM"], rel=TOL["est"])
    assert qm_pval == pytest.approx(case["between"]["QMp"], rel=TOL["pval"])
    # metafor prints NA for the Q and I^2 it cannot compute.
    assert "random  7   -1.0040" in res.summary()
    assert "0.3798      NA      NA" in res.summary()

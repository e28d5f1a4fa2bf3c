"""subgroups against metafor 3.8-1: rma(subset=) per level and rma(mods=~factor(alloc)) (tools/metafor_reference.R)."""

from __future__ import annotations

import contextlib

import pytest
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import subgroups

CASES = load_cases("subgroups")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_subgroups_match_metafor(case):
    warns = case["test"] == "knha" and case["method"] == "FE"
    with pytest.warns(SecretomeWarning) if warns else contextlib.nullcontext():
        res = subgroups(case["yi"], case["vi"], case["group"], method=case["method"], test=case["test"])
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

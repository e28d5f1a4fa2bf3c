"""fail_safe_n against metafor 3.8-1 fsn() (fixtures by tools/metafor_reference_mv.R)."""

from __future__ import annotations

import math

import pytest
from metafor_fixtures import case_id, load_cases

from secretome.errors import InputError
from secretome.meta import fail_safe_n

CASES = load_cases("fsn")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_fail_safe_n_matches_metafor(case):
    # R: fsn(yi, vi, type=, [alpha =,] [target =]) on dat.bcg and dat.hackshaw1998 (closed forms: 1e-12).
    res = fail_safe_n(case["yi"], case["vi"], type=case["type"], alpha=case["alpha"], target=case.get("target_arg"))
    assert res.fsnum == case["fsnum"]
    for field in ("pval", "meanes", "target"):
        expected = case[field]
        if expected is None:
            assert getattr(res, field) is None, field
        else:
            assert getattr(res, field) == pytest.approx(expected, rel=1e-12), field


def test_summary_reads_like_metafor():
    case = next(c for c in CASES if c["id"] == "bcg-Rosenthal")
    text = fail_safe_n(case["yi"], case["vi"]).summary()
    # R: fsn(yi, vi, data = dat.bcg)
    assert "Fail-safe N Calculation Using the Rosenthal Approach" in text
    assert f"Fail-safe N: {case['fsnum']:g}" in text


def test_orwin_target_zero_is_infinite_and_rosenthal_needs_vi():
    assert math.isinf(fail_safe_n([0.2, 0.4], type="Orwin", target=0).fsnum)
    with pytest.raises(InputError, match="field 'vi': the Rosenthal method needs the sampling variances"):
        fail_safe_n([0.2, 0.4])


VI_ZERO = [c for c in load_cases("vi_zero_diagnostics") if c["kind"] == "fsn"]


@pytest.mark.parametrize("case", VI_ZERO, ids=case_id)
def test_a_sampling_variance_of_0_as_metafor(case):
    # R: fsn(yi, vi, type=) on dat.bcg with vi[3] = 0 (tools/metafor_reference_vi_zero_diagnostics.R): Rosenthal's N
    # is Inf (p = 0), Orwin's does not use vi, Rosenberg's stops ("missing value where TRUE/FALSE needed").
    if "error" in case:
        with pytest.raises(InputError, match=r"^row 3, field 'vi': Rosenberg's method weights each study by 1/vi"):
            fail_safe_n(case["yi"], case["vi"], type=case["type"])
        return
    res = fail_safe_n(case["yi"], case["vi"], type=case["type"])
    if case["fsnum_infinite"]:
        assert res.fsnum == math.inf
        assert res.summary().endswith("Fail-safe N: Inf")
    else:
        assert res.fsnum == case["fsnum"]
    for field in ("pval", "meanes", "target"):
        expected = case[field]
        assert getattr(res, field) == (None if expected is None else pytest.approx(expected, rel=1e-12)), field


def test_rosenthal_stops_where_metafor_stops_on_0_over_0():
    # R: fsn(c(0, .5, .3), c(0, .1, .1)) -- Error: missing value where TRUE/FALSE needed (z_1 = 0/0)
    with pytest.raises(InputError, match=r"^row 1, field 'vi': a sampling variance of 0 gives z = 0/0"):
        fail_safe_n([0.0, 0.5, 0.3], [0.0, 0.1, 0.1])

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

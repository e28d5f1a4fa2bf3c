"""Multilevel fits whose sampling covariance V is not positive definite, against metafor 3.8-1 (mv_rho.json,
made by tools/metafor_reference_rho.R): vcalc's V with rho = 1, -1 and 0.999."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases

from secretome.errors import InputError, SecretomeWarning
from secretome.meta import multilevel, vcalc

CASES = load_cases("mv_rho")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_matches_metafor_with_v_not_positive_definite(case):
    vi = np.array(case["vi"])
    # With rho = 1 or -1 vcalc warns (as metafor's vcalc does) and multilevel fits or stops as rma.mv does.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecretomeWarning)
        v = vcalc(vi, case["cluster"], obs=case["obs"], rho=case["rho"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if "error" in case:
            with pytest.raises(InputError, match=case["error"].rstrip(".")) as err:
                multilevel(case["yi"], v, case["cluster"], case["obs"], method=case["method"])
            assert err.value.field == "V"
            return
        res = multilevel(case["yi"], v, case["cluster"], case["obs"], method=case["method"])
    ours = [str(w.message) for w in caught if issubclass(w.category, SecretomeWarning)]
    for text in case["warnings"]:
        assert any(text in message for message in ours), (text, ours)
    if not case["warnings"]:
        assert not ours
    # Both sigma^2 are optimiser results (metafor stops nlminb at its default tolerances): 1e-6, as in test_multilevel.
    assert res.estimate == pytest.approx(case["estimate"], rel=1e-6)
    assert res.se == pytest.approx(case["se"], rel=1e-6)
    # metafor reports a component whose maximum is at 0 as about 1e-10 (nlminb on log sigma^2), we report 0.
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=1e-6, abs=1e-9)
    assert res.loglik == pytest.approx(case["loglik"], rel=1e-6)
    if case["QE"] is not None:
        assert pytest.approx(case["QE"], rel=1e-9) == res.Q
    else:
        assert res.Q is None
        assert "Test for Heterogeneity: not available (V is not positive definite)" in res.summary()

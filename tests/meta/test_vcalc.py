"""vcalc against metafor 3.8-1 vcalc() on dat.assink2016 (fixtures by tools/metafor_reference_mv.R) and its
checkpd warnings on constructed clusters (tools/metafor_reference_vcalc_checkpd.R)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases

from secretome.errors import InputError, SecretomeWarning
from secretome.meta import vcalc

CASES = load_cases("vcalc")
ARGS = ("obs", "type", "subgroup", "rho", "time1", "phi")
CHECKPD = load_cases("vcalc_checkpd")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_vcalc_matches_metafor(case):
    # R: vcalc(vi, cluster = study, [obs = esid,] [type =,] [subgroup =,] [rho =,] [time1 = esid, phi =]) on the
    # first 6 studies of dat.assink2016; "type" (one type per study) and "none" make blocks of correlation 1,
    # which metafor and we flag.
    kwargs = {name: case[name] for name in ARGS if name in case}
    if case["id"] in ("type", "none"):
        with pytest.warns(SecretomeWarning, match="not positive definite in cluster"):
            v = vcalc(case["vi"], case["cluster"], **kwargs)
    else:
        v = vcalc(case["vi"], case["cluster"], **kwargs)
    np.testing.assert_allclose(v, np.array(case["V"]), rtol=1e-12, atol=1e-15)


def test_vcalc_needs_rho_with_obs():
    with pytest.raises(InputError, match="field 'rho': obs and type need rho"):
        vcalc([0.1, 0.2], [1, 1], obs=[1, 2])
    with pytest.raises(InputError, match=r"field 'rho': needs a pair \(rho_obs, rho_type\)"):
        vcalc([0.1, 0.2], [1, 1], obs=[1, 2], type=["a", "b"], rho=0.5)


@pytest.mark.parametrize("case", CHECKPD, ids=case_id)
def test_vcalc_warns_as_metafor_checkpd(case):
    # R: vcalc(vi, cluster, [obs], [type], [subgroup], [rho], [time1, phi]) on ten constructed rows; metafor warns
    # once per cluster whose correlation block is not positive definite, in the clusters' order, naming the cluster
    # as R prints it (3, c, 2.5; "3.g" with subgroup).
    kwargs = {name: case[name] for name in ARGS if name in case}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        v = vcalc(case["vi"], case["cluster"], **kwargs)
    assert [str(w.message) for w in caught if issubclass(w.category, SecretomeWarning)] == case["warnings"]
    np.testing.assert_allclose(v, np.array(case["V"]), rtol=1e-12, atol=1e-15)


# R: vcalc(vi, cluster, [obs =,] [type =,] [subgroup =,] [rho =,] [time1 =, phi =]) and its warnings on seven
# constructed effect sizes in four clusters (vcalc_pd.json by tools/metafor_reference_vcalc_pd.R).
PD_CASES = load_cases("vcalc_pd")


@pytest.mark.parametrize("case", PD_CASES, ids=case_id)
def test_not_positive_definite_warnings_are_metafors(case):
    kwargs = {name: case[name] for name in ARGS if name in case}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        v = vcalc(case["vi"], case["cluster"], **kwargs)
    assert [str(w.message) for w in caught if issubclass(w.category, SecretomeWarning)] == case["warnings"]
    k = len(case["vi"])
    np.testing.assert_allclose(v, np.array(case["V"]).reshape(k, k, order="F"), rtol=1e-12, atol=1e-15)

"""The escalc cases of tests/fixtures/metafor/effects.json (tools/metafor_reference_effects.R), run as metafor did."""

from __future__ import annotations

import warnings

import numpy as np
from metafor_fixtures import load_cases

from conftest import TOL
from secretome.errors import SecretomeWarning
from secretome.meta import EffectSizes, escalc


def escalc_cases(*measures: str) -> list[dict]:
    """The escalc cases (not the pooled or back-transform ones) of the given measures."""
    return [c for c in load_cases("effects") if "kind" not in c and c["measure"] in measures]


def values(column: list) -> np.ndarray:
    """A fixture column with JSON nulls (metafor's NA) as NaN."""
    return np.array([np.nan if v is None else v for v in column], dtype=np.float64)


def run_escalc(case: dict) -> EffectSizes:
    """escalc() on the case's inputs and options. Its warnings are metafor's, in its words, where metafor warns
    (R's own "NaNs produced" from log() aside); where metafor makes rows NA silently, or a bound is flagged,
    there is one warning of ours; otherwise none."""
    inputs, options = dict(case["inputs"]), dict(case["options"] or {})
    if "ri" in options:  # the assumed pre-post correlation, one value for all rows
        inputs["ri"] = options.pop("ri")
    na_rows = np.isnan(values(case["yi"])) | np.isnan(values(case["vi"]))
    bounds = case.get("bound") or []
    theirs = [w for w in case.get("warnings") or [] if w != "NaNs produced"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SecretomeWarning)
        es = escalc(case["measure"], **inputs, **options)
    ours = [str(w.message) for w in caught if issubclass(w.category, SecretomeWarning)]
    if theirs:
        assert ours[: len(theirs)] == theirs
        assert len(ours) == len(theirs) + any(bounds)
    else:
        assert len(ours) == (1 if na_rows.any() else 0) + any(bounds)
    return es


def assert_matches_metafor(es: EffectSizes, case: dict) -> None:
    # NA where metafor has NA, the value where it has one (yi and vi separately, as R's NA propagates).
    np.testing.assert_allclose(es.yi, values(case["yi"]), rtol=TOL["est"], atol=1e-13)
    np.testing.assert_allclose(es.vi, values(case["vi"]), rtol=TOL["var"], atol=1e-13)

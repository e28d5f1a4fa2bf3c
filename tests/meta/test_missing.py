"""Studies with a missing value left out as metafor 3.8-1's na.action = "na.omit" (fixtures by
tools/metafor_reference_missing.R)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import meta_regression, random_effects

CASES = load_cases("missing")
FITS = [c for c in CASES if "error" not in c and c.get("kind") != "rma.mv"]
REFUSALS = {c["id"]: c for c in CASES if "error" in c}
# Our field -> metafor's, as tools/metafor_json.R's estimator_fields records them.
SCALARS = {"tau2": "tau2", "I2": "I2", "H2": "H2", "QE_pval": "QEp", "QM": "QM", "QM_pval": "QMp", "R2": "R2"}


def _column(values: list) -> np.ndarray:
    # JSON null is R's NA: NaN here, as a user's column read by numpy or pandas has it.
    return np.array([np.nan if x is None else x for x in values])


def _fit(case: dict):
    yi, vi = _column(case["yi"]), _column(case["vi"])
    weights = None if case["user_weights"] is None else _column(case["user_weights"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if case["mods"] is None:
            res = random_effects(yi, vi, weights=weights, method=case["method"], test=case["test"])
        else:
            mods = pd.DataFrame({name: _column(col) for name, col in case["mods"].items()})
            res = meta_regression(yi, vi, mods, weights=weights, method=case["method"], test=case["test"])
    return res, [str(w.message) for w in caught if issubclass(w.category, SecretomeWarning)]


@pytest.mark.parametrize("case", FITS, ids=case_id)
def test_studies_with_nas_are_omitted_as_metafor(case):
    # R: rma(yi, vi, [weights=,] [mods=,] method=, test=) with NAs; res$k, which(!res$not.na), warnings,
    # estimator_fields(res)
    res, warned = _fit(case)
    assert res.k == case["k"] < case["k_all"]
    assert list(res.omitted) == case["omitted"]
    # metafor's warnings, in its words and order; the rows it left out follow its sentence in the notes.
    assert warned == case["warnings"]
    positions = ", ".join(str(i + 1) for i in case["omitted"])
    at = res.notes.index(case["warnings"][0])
    assert res.notes[at + 1] == f"omitted for a missing value: rows {positions}; k = {case['k']}"
    got = res.to_dict()
    kept = [i for i in range(case["k_all"]) if i not in case["omitted"]]
    # Without labels, each study keeps its position in the data as its name (metafor's default slab).
    assert list(res.labels) == [str(i + 1) for i in kept]
    beta = got["beta"] if "beta" in got else [got["estimate"]]
    se = got["se"] if "beta" in got else [got["se"]]
    assert beta == pytest.approx(case["beta"], rel=TOL["est"])
    assert se == pytest.approx(case["se"], rel=TOL["se"])
    assert got["Q" if "Q" in got else "QE"] == pytest.approx(case["QE"], rel=TOL["est"])
    for ours, theirs in SCALARS.items():
        if ours in got and case[theirs] is not None:
            assert got[ours] == pytest.approx(case[theirs], rel=TOL["est"], abs=1e-10), ours
    assert got["weights"] == pytest.approx(case["weights"], rel=TOL["est"])
    if "resid_se" in got:
        assert got["resid_se"] == pytest.approx(case["resid_se"], rel=TOL["se"])


def test_no_study_left_is_an_error():
    # R: rma(c(NA, .4, .2), c(.01, NA, NA)) -- "Processing terminated since k = 0."
    case = REFUSALS["none-left"]
    with pytest.raises(InputError) as err:
        random_effects(_column(case["yi"]), _column(case["vi"]))
    assert (err.value.field, err.value.reason) == ("yi", case["error"])
    with pytest.raises(InputError) as err:
        meta_regression([np.nan, 0.4, 0.2], [0.01, 0.02, 0.03], [1.0, np.nan, None])
    assert err.value.reason == case["error"]


def test_na_action_fail_names_the_first_missing_value():
    # R: options(na.action = "na.fail"); rma(yi, vi) -- "Missing values in data."
    case = REFUSALS["na-fail"]
    with pytest.raises(InputError) as err:
        random_effects(_column(case["yi"]), _column(case["vi"]), na_action="fail")
    assert (err.value.row, err.value.field, err.value.reason) == (2, "yi", case["error"])
    with pytest.raises(InputError) as err:
        meta_regression([0.1, 0.2, 0.3, 0.5], [0.01] * 4, [1.0, 2.0, None, 4.0], na_action="fail")
    assert (err.value.row, err.value.field, err.value.reason) == (3, "mods", case["error"])


def test_a_bad_cell_is_named_by_its_position_in_the_columns_given():
    # Row 2 is left out; the text in row 3 is reported as row 3, not as the 2nd study kept.
    with pytest.raises(InputError, match=r"^row 3, field 'yi': is not a number \(got 'x'\)$"):
        random_effects([0.1, None, "x", 0.4], [0.01, 0.02, 0.03, 0.04])


def test_labels_and_rows_follow_the_studies_kept():
    with pytest.warns(SecretomeWarning, match=REFUSALS["none-left"]["warnings"][0]):
        res = random_effects([0.1, None, 0.5, 0.9, 0.3], [0.01, 0.02, np.nan, 0.01, 0.03],
                             labels=["a", "b", "c", "d", "e"], rows=[11, 12, 14, 15, 16])  # fmt: skip
    assert "omitted for a missing value: rows 12, 14; k = 3" in res.notes
    assert res.labels == ("a", "d", "e")
    assert res.omitted == (1, 2)
    assert res.to_dict()["omitted"] == [1, 2]
    with pytest.raises(InputError, match="field 'labels': has 2 values but yi has 3"):
        random_effects([0.1, None, 0.5], [0.01, 0.02, 0.03], labels=["a", "b"])


def test_complete_data_pass_unchanged():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = random_effects([0.1, 0.5, 0.9], [0.01, 0.01, 0.01])
    assert res.omitted == ()
    assert res.notes == ()

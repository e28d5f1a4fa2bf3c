"""vif() against metafor's vif.rma (VIFs and generalised VIFs of coefficient sets)."""

from __future__ import annotations

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases
from predict_cases import cases, fit

from secretome.errors import InputError, SecretomeWarning
from secretome.meta import meta_regression, random_effects, vif


@pytest.mark.parametrize("case", cases("vif"), ids=case_id)
def test_vif_matches_metafor(case):
    # R: vif(res) and vif(res, btt = 2:4) etc.
    res = vif(fit(case), btt=None if case["btt"] is None else [case["btt"]])
    assert res.vif == pytest.approx(case["vif"], rel=1e-9)
    assert res.sif == pytest.approx(case["sif"], rel=1e-9)


def test_sets_by_name_equal_sets_by_position():
    case = next(c for c in cases("vif") if c["btt"] == [2, 3, 4])
    res = fit(case)
    by_name = vif(res, btt=[["factor(grade)2", "factor(grade)3", "factor(grade)4"], "length"])
    by_position = vif(res, btt=[[2, 3, 4], 5])
    assert by_name.vif == by_position.vif
    assert by_name.sets == (("factor(grade)2", "factor(grade)3", "factor(grade)4"), ("length",))


def test_uncorrelated_moderators_have_vif_1():
    # Orthogonal moderators with equal weights: their coefficients are uncorrelated.
    res = meta_regression([0.1, 0.4, 0.2, 0.7], [0.01] * 4, [[-1, -1], [-1, 1], [1, -1], [1, 1]], method="EE")
    assert vif(res).vif == pytest.approx((1.0, 1.0))


def test_the_intercept_alone_has_no_vif():
    res = meta_regression([0.1, 0.4, 0.2, 0.7], [0.01] * 4, [1.0, 2.0, 3.0, 5.0])
    with pytest.raises(InputError, match="field 'btt': Cannot compute VIF\\(s\\) for the specified 'btt' argument"):
        vif(res, btt=[1])
    with pytest.raises(InputError, match=r"field 'btt': must be a coefficient number from 1 to 2 \(got 7\)"):
        vif(res, btt=[7])
    assert "vif" in vif(res).summary()


REFUSALS = {c["id"]: c for c in load_cases("refusals")}  # by tools/metafor_reference_refusals.R


def test_vif_stops_in_metafors_words():
    # R: vif(rma(yi, vi)) and vif(rma(yi, vi, mods = ~ ablat + year), btt = 1) on dat.bcg
    case = REFUSALS["vif-intercept-only"]
    with pytest.raises(InputError) as err:
        vif(random_effects(case["yi"], case["vi"]))
    assert (err.value.reason, err.value.field) == (case["error"], "fit")
    # Every moderator dropped as redundant leaves metafor's intercept-only model (design_edges.json).
    with pytest.warns(SecretomeWarning, match="^Redundant predictors dropped from the model"):
        redundant = meta_regression(case["yi"], case["vi"], np.full((len(case["yi"]), 1), 5.0))
    with pytest.raises(InputError) as err:
        vif(redundant)
    assert (err.value.reason, err.value.field) == (case["error"], "fit")
    case = REFUSALS["vif-btt-intercept"]
    res = meta_regression(
        case["yi"], case["vi"], np.column_stack([case["ablat"], case["year"]]), names=["ablat", "year"]
    )
    with pytest.raises(InputError) as err:
        vif(res, btt=[case["btt"]])
    assert (err.value.reason, err.value.field, err.value.value) == (case["error"], "btt", "intrcpt")

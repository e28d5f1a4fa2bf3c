"""Change within one group (MC, SMCC, SMCR) against metafor 3.8-1, and the sensitivity analysis over r."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from effect_cases import assert_matches_metafor, escalc_cases, run_escalc
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import change_score_sensitivity, change_scores

POOLED = {(c["measure"], c["r"]): c for c in load_cases("effects") if c.get("kind") == "change-pooled"}
# The synthetic studies of tools/metafor_reference_effects.R; the last has ni = 2 (NA for SMCC and SMCR).
CHANGE = next(c for c in load_cases("effects") if c["id"] == "change-SMCR-r=0.5")["inputs"]


@pytest.mark.parametrize("case", escalc_cases("MC", "SMCC", "SMCR"), ids=case_id)
def test_change_scores_match_metafor(case):
    # R: escalc(measure, m1i, m2i, sd1i, sd2i, ni, ri) for r in 0.3, 0.5, 0.7, per-row ri, and an SD of the change
    es = run_escalc(case)
    assert_matches_metafor(es, case)
    assert es.ri is not None
    assert "ri" in es.to_frame().columns


@pytest.mark.parametrize("measure", ["MC", "SMCC", "SMCR"])
def test_sensitivity_pools_each_r_as_metafor(measure):
    # R: rma(yi, vi, method="REML") on escalc(measure, ..., ri = rep(r, k)); metafor omits the NA row
    expect = pytest.warns(SecretomeWarning, match=r"row 6") if measure != "MC" else contextlib.nullcontext()
    with expect:
        sens = change_score_sensitivity(measure, **CHANGE)
    assert sens.r == (0.3, 0.5, 0.7)
    for r, fit in zip(sens.r, sens.pooled, strict=True):
        ref = POOLED[(measure, r)]
        assert fit.k == ref["k"]
        assert fit.estimate == pytest.approx(ref["estimate"], rel=1e-4)
        assert fit.se == pytest.approx(ref["se"], rel=1e-4)
        assert fit.tau2 == pytest.approx(ref["tau2"], rel=1e-4, abs=1e-10)
    frame = sens.to_frame()
    assert len(frame) == 3 * 6
    assert frame.columns[0] == "r"
    assert sens.pooled_frame()["estimate"].notna().all()


def test_smcr_point_estimate_does_not_depend_on_r():
    low = change_scores("SMCR", m1i=[14.0], m2i=[10.0], sd1i=[4.0], ni=[20], ri=0.3)
    high = change_scores("SMCR", m1i=[14.0], m2i=[10.0], sd1i=[4.0], ni=[20], ri=0.7)
    assert low.yi[0] == high.yi[0]
    assert low.vi[0] > high.vi[0]


def test_the_correlation_is_never_assumed_silently():
    with pytest.raises(InputError, match=r"field 'ri': SMCR needs the pre-post correlation ri"):
        change_scores("SMCR", m1i=[14.0], m2i=[10.0], sd1i=[4.0], ni=[20], ri=None)


def test_sd_from_the_standard_error_of_a_mean():
    by_se = change_scores("SMCR", m1i=[14.0], m2i=[10.0], sd1i=None, se1i=[1.0], ni=[16], ri=0.5)
    by_sd = change_scores("SMCR", m1i=[14.0], m2i=[10.0], sd1i=[4.0], ni=[16], ri=0.5)
    assert by_se.yi[0] == pytest.approx(by_sd.yi[0], rel=TOL["est"])
    assert by_se.source == ("se",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ri": 1.5}, r"row 1, field 'ri': correlation must be in \[-1, 1\]"),
        ({"ni": [0]}, r"row 1, field 'ni': group size must be > 0"),
        ({"sd1i": [-1.0]}, r"row 1, field 'sd1i': standard deviation must be >= 0"),
        ({"sd2i": None}, r"field 'sd2i': measure 'MC' needs sd2i"),
    ],
)
def test_bad_change_input_names_row_and_field(kwargs, message):
    base = {"m1i": [14.0], "m2i": [10.0], "sd1i": [4.0], "sd2i": [4.5], "ni": [20], "ri": 0.5}
    with pytest.raises(InputError, match=message):
        change_scores("MC", **{**base, **kwargs})


def test_one_study_is_not_pooled_and_says_so():
    with pytest.warns(SecretomeWarning, match="fewer than 2 usable rows"):
        sens = change_score_sensitivity("MC", m1i=[14.0], m2i=[10.0], sd1i=[4.0], sd2i=[4.0], ni=[20], r=(0.5,))
    assert sens.pooled == (None,)
    assert "NA" in sens.summary()
    assert np.isfinite(sens.effects[0].yi[0])


def test_sensitivity_at_r_1_with_an_unchanged_mean_prints_i2_as_na():
    # R (metafor 3.8-1): escalc("SMCR", m1i = c(10, 12, 11, 14), m2i = rep(10, 4), sd1i = c(2, 2, 3, 2),
    # ni = c(10, 12, 15, 11), ri = rep(1, 4)) gives vi = 0 for study 1; rma(yi, vi): 0.7053712859
    # (SE 0.3787326817), tau^2 0.5313967939, I^2 NA.
    with pytest.warns(SecretomeWarning):
        res = change_score_sensitivity(
            "SMCR", m1i=[10.0, 12, 11, 14], m2i=[10.0, 10, 10, 10], sd1i=[2.0, 2, 3, 2], ni=[10, 12, 15, 11], r=[1.0]
        )
    fit = res.pooled[0]
    assert (fit.estimate, fit.se, fit.tau2) == pytest.approx((0.7053712859, 0.3787326817, 0.5313967939), rel=1e-6)
    assert fit.I2 is None
    assert res.summary().splitlines()[3].split()[-1] == "NA"

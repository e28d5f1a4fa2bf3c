"""escalc equivalents against metafor 3.8-1 (fixtures by tools/metafor_reference.R), invariants, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from effect_cases import assert_matches_metafor, escalc_cases, run_escalc
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import escalc

EFFECTS = {c["id"]: c for c in load_cases("effects")}  # by tools/metafor_reference_effects.R
MEANS = {
    "m1i": [10.0, 12.0],
    "sd1i": [2.0, 3.0],
    "n1i": [8, 10],
    "m2i": [8.0, 11.0],
    "sd2i": [2.5, 2.0],
    "n2i": [9, 10],
}


@pytest.mark.parametrize("case", load_cases("escalc"), ids=case_id)
def test_escalc_matches_metafor(case):
    # R: escalc(measure=case$measure, <inputs>) on dat.normand1999, dat.bcg, dat.molloy2014, zero cells
    es = escalc(case["measure"], **case["inputs"])
    np.testing.assert_allclose(es.yi, case["yi"], rtol=TOL["est"], atol=1e-15)
    np.testing.assert_allclose(es.vi, case["vi"], rtol=TOL["var"])


def test_group_sizes_may_replace_non_events():
    by_cells = escalc("OR", ai=[4, 0], bi=[6, 9], ci=[2, 3], di=[8, 7])
    by_sizes = escalc("OR", ai=[4, 0], n1i=[10, 9], ci=[2, 3], n2i=[10, 10])
    np.testing.assert_allclose(by_sizes.yi, by_cells.yi)
    np.testing.assert_allclose(by_sizes.vi, by_cells.vi)
    assert by_sizes.notes == by_cells.notes


def test_zero_cell_correction_is_recorded_in_notes():
    assert escalc("RR", ai=[0, 2], bi=[10, 8], ci=[3, 3], di=[7, 7]).notes == (
        "added 0.5 to each cell of 1 table(s) (row 1; to='only0', as metafor)",
    )
    assert escalc("RR", ai=[1, 2], bi=[9, 8], ci=[3, 3], di=[7, 7]).notes == ()


def test_zero_cell_without_correction_is_na_with_metafors_warning_and_a_note_naming_the_row():
    # R: escalc("RR", ai=0, bi=10, ci=3, di=7, to="none") gives NA with "Some 'yi' and/or 'vi' values equal to +-Inf.
    # Recoded to NAs." (effects.json, sparse-RR-add0); the row and why follow in the notes.
    (infinite,) = EFFECTS["sparse-RR-add0"]["warnings"]
    with pytest.warns(SecretomeWarning) as caught:
        es = escalc("RR", ai=[0, 2], bi=[10, 8], ci=[3, 3], di=[7, 7], to="none")
    assert [str(w.message) for w in caught] == [infinite]
    assert es.notes == (infinite, "RR: yi/vi set to NA in row 1 (a zero cell without continuity correction), as "
                        "metafor's escalc does")  # fmt: skip
    assert np.isnan(es.yi[0])
    assert np.isnan(es.vi[0])
    assert np.isfinite(es.yi[1])
    assert es.na_reason == ("a zero cell without continuity correction", "")


def test_mean_difference_scales_with_units_smd_does_not():
    scaled = {k: (np.multiply(v, 3.0) if k[0] in "ms" else v) for k, v in MEANS.items()}
    md, md3 = escalc("MD", **MEANS), escalc("MD", **scaled)
    np.testing.assert_allclose(md3.yi, 3 * md.yi)
    np.testing.assert_allclose(md3.vi, 9 * md.vi)
    np.testing.assert_allclose(escalc("SMD", **scaled).yi, escalc("SMD", **MEANS).yi)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sd2i", [-1.0, 2.0], r"row 1, field 'sd2i': standard deviation must be >= 0 \(got -1.0\)"),
        ("n1i", [8, 0], r"row 2, field 'n1i': group size must be > 0 \(got 0.0\)"),
        ("m1i", [10.0, "ten"], r"row 2, field 'm1i': is not a number \(got 'ten'\)"),
        ("n2i", [9], r"field 'n2i': has 1 values but the other columns have 2"),
    ],
)
def test_input_metafor_refuses_names_row_and_field(field, value, message):
    with pytest.raises(InputError, match=message):
        escalc("SMD", **{**MEANS, field: value})


@pytest.mark.parametrize(
    ("field", "value", "row", "reason"),
    [
        ("sd1i", [2.0, 0.0], None, None),  # one SD of 0: the pooled SD is not, metafor computes it
        ("n1i", [8, 1], None, None),  # n1i = 1 with n2i = 10: m = 9, metafor computes it
        ("m2i", [None, 11.0], 0, "missing input"),
        ("m2i", [float("nan"), 11.0], 0, "missing input"),
    ],
)
def test_rows_metafor_computes_or_turns_into_na(field, value, row, reason):
    kwargs = {**MEANS, field: value}
    if row is None:
        assert np.isfinite(escalc("SMD", **kwargs).yi).all()
        return
    with pytest.warns(SecretomeWarning, match=rf"SMD: yi/vi set to NA in row {row + 1} \({reason}\)"):
        es = escalc("SMD", **kwargs)
    assert np.isnan(es.yi[row])
    assert es.na_reason[row] == reason


def test_missing_column_is_named():
    with pytest.raises(InputError, match=r"field 'sd2i': measure 'MD' needs sd2i \(or se2i, or lb2i and ub2i\)"):
        escalc("MD", **{k: v for k, v in MEANS.items() if k != "sd2i"})


def test_unknown_measure_lists_the_known_ones():
    with pytest.raises(InputError, match=r"field 'measure': must be one of 'MD', .*'ZCOR' in escalc \(got 'SMDX'\)"):
        escalc("SMDX", **MEANS)


def test_correlations_outside_the_unit_interval_are_refused():
    with pytest.raises(InputError, match=r"row 2, field 'ri': correlation must be in \[-1, 1\]"):
        escalc("ZCOR", ri=[0.2, 1.2], ni=[20, 30])


def test_events_larger_than_group():
    with pytest.raises(InputError, match=r"row 1, field 'n1i': events exceed the group size n1i"):
        escalc("RR", ai=[12], n1i=[10], ci=[3], n2i=[10])


@pytest.mark.parametrize("case", escalc_cases("MD", "SMD", "SMDH", "ROM", "COR", "ZCOR"), ids=case_id)
def test_every_reported_statistic_matches_metafor(case):
    # R: escalc(measure, ...) in tools/metafor_reference_effects.R; case["reference"] says how p, F, SE and CI
    # reached metafor 3.8-1 (which takes ti and di only).
    es = run_escalc(case)
    assert_matches_metafor(es, case)
    if case.get("bound") is not None:
        assert es.bound.tolist() == case["bound"]


def test_na_rows_keep_what_does_not_depend_on_the_missing_cell():
    # R: escalc("ZCOR", ri=c(.3, NA), ni=c(3, 20)): yi 0.3095, vi NA (ni <= 3, with metafor's warning, as in
    # effects.json's ZCOR-na-rows); yi NA, vi 1/17
    with pytest.warns(SecretomeWarning) as caught:
        es = escalc("ZCOR", ri=[0.3, None], ni=[3, 20])
    assert es.yi[0] == pytest.approx(np.arctanh(0.3))
    assert np.isnan(es.vi[0])
    assert np.isnan(es.yi[1])
    assert es.vi[1] == pytest.approx(1 / 17)
    assert es.na_reason == ("ni <= 3: no sampling variance", "missing input")
    assert [str(w.message) for w in caught] == EFFECTS["ZCOR-na-rows"]["warnings"][:1]
    assert "row 1 (ni <= 3: no sampling variance); row 2 (missing input)" in es.notes[1]


def test_rows_mix_statistics_in_metafors_order():
    es = escalc("SMD", di=[0.5, None, None], ti=[9.0, 2.0, None], m1i=[0, 0, 12], m2i=[0, 0, 10], sd1i=[1, 1, 3],
                sd2i=[1, 1, 2.5], n1i=[10, 10, 9], n2i=[10, 10, 10])  # fmt: skip
    assert es.source == ("d", "t", "sd")
    # di wins over ti in row 1 (metafor: replmiss(di, ti * ...)), so yi is c(m) * 0.5.
    assert es.yi[0] == pytest.approx(0.5 * escalc("SMD", di=[1.0], n1i=[10], n2i=[10]).yi[0])


def test_p_bound_is_flagged_and_conservative():
    with pytest.warns(SecretomeWarning, match=r"row 1 computed at the bound .* each \|yi\| is a lower bound"):
        at_bound = escalc("SMD", pi=["P < 0.05"], direction=[-1], n1i=[10], n2i=[12])
    exact = escalc("SMD", pi=[-0.01], n1i=[10], n2i=[12])  # a smaller p than the bound: a larger effect
    assert at_bound.bound.tolist() == [True]
    assert exact.bound.tolist() == [False]
    assert at_bound.yi[0] < 0
    assert abs(at_bound.yi[0]) < abs(exact.yi[0])
    frame = at_bound.to_frame()
    assert frame.loc[0, "bound"]
    assert frame.loc[0, "source"] == "p"


def test_md_from_t_is_the_handbook_se():
    # Handbook 6.5.2.3: SE(MD) = MD / t
    es = escalc("MD", m1i=[12.0], m2i=[9.0], ti=[2.5], n1i=[10], n2i=[11])
    assert es.yi[0] == 3.0
    assert es.vi[0] == pytest.approx((3.0 / 2.5) ** 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pi": ["P > 0.05"]}, r"row 1, field 'pi': a p-value given as 'P > x' bounds the effect from above"),
        ({"pi": ["NS"]}, r"row 1, field 'pi': is not a p-value"),
        ({"pi": [1.5]}, r"row 1, field 'pi': p-value must be in \[0, 1\]"),
        ({"pi": [-0.03], "direction": [1]}, r"row 1, field 'pi': pi must be unsigned when a direction is given"),
        ({"ti": [2.0], "direction": [2]}, r"row 1, field 'direction': direction must be \+1 or -1"),
        ({"ti": [-2.0], "m1i": [5.0], "m2i": [3.0]}, r"row 1, field 'ti': the test statistic's sign contradicts"),
    ],
)
def test_bad_test_statistics_name_row_and_field(kwargs, message):
    measure = "MD" if "m1i" in kwargs else "SMD"
    with pytest.raises(InputError, match=message):
        escalc(measure, n1i=[10], n2i=[10], **kwargs)


def test_statistics_belong_to_smd_and_md():
    with pytest.raises(InputError, match=r"field 'ti': test statistics give SMD or MD, not ROM"):
        escalc("ROM", ti=[2.0], n1i=[10], n2i=[10])
    with pytest.raises(InputError, match=r"field 'di': d-values \(di\) give SMD only, not MD"):
        escalc("MD", di=[0.4], n1i=[10], n2i=[10])


def test_sd_sources_are_recorded_per_group():
    es = escalc("SMD", m1i=[10, 10], m2i=[8, 8], sd1i=[2, None], se1i=[None, 0.6], lb2i=[7, 7], ub2i=[9, 9],
                n1i=[10, 10], n2i=[12, 12], ci_dist="z")  # fmt: skip
    assert es.source == ("sd+ci.z", "se+ci.z")

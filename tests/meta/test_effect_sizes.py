"""escalc equivalents against metafor 3.8-1 (fixtures by tools/metafor_reference.R), invariants, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import InputError
from secretome.meta import escalc

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


def test_zero_cell_without_correction_names_the_row():
    with pytest.raises(InputError, match=r"row 1, field 'ai': RR is undefined"):
        escalc("RR", ai=[0], bi=[10], ci=[3], di=[7], to="none")


def test_mean_difference_scales_with_units_smd_does_not():
    scaled = {k: (np.multiply(v, 3.0) if k[0] in "ms" else v) for k, v in MEANS.items()}
    md, md3 = escalc("MD", **MEANS), escalc("MD", **scaled)
    np.testing.assert_allclose(md3.yi, 3 * md.yi)
    np.testing.assert_allclose(md3.vi, 9 * md.vi)
    np.testing.assert_allclose(escalc("SMD", **scaled).yi, escalc("SMD", **MEANS).yi)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sd1i", [2.0, 0.0], r"row 2, field 'sd1i': standard deviation must be > 0 \(got 0.0\)"),
        ("sd2i", [-1.0, 2.0], r"row 1, field 'sd2i': standard deviation must be > 0 \(got -1.0\)"),
        ("n1i", [8, 1], r"row 2, field 'n1i': group size must be >= 2 \(got 1.0\)"),
        ("m1i", [10.0, "ten"], r"row 2, field 'm1i': is not a number \(got 'ten'\)"),
        ("m2i", [None, 11.0], r"row 1, field 'm2i': is missing"),
        ("n2i", [9], r"field 'n2i': has 1 values but the other columns have 2"),
    ],
)
def test_bad_means_name_row_and_field(field, value, message):
    with pytest.raises(InputError, match=message):
        escalc("SMD", **{**MEANS, field: value})


def test_missing_column_is_named():
    with pytest.raises(InputError, match=r"field 'sd2i': measure 'MD' needs sd2i"):
        escalc("MD", **{k: v for k, v in MEANS.items() if k != "sd2i"})


def test_unknown_measure_lists_the_known_ones():
    with pytest.raises(InputError, match=r"field 'measure': must be one of 'MD', .*'ZCOR' in escalc \(got 'SMDX'\)"):
        escalc("SMDX", **MEANS)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ri": [0.2, 1.0], "ni": [20, 30]}, r"row 2, field 'ri': correlation must be in \(-1, 1\)"),
        ({"ri": [0.2, 0.3], "ni": [20, 3]}, r"row 2, field 'ni': ZCOR needs a sample size > 3"),
    ],
)
def test_bad_correlations(kwargs, message):
    with pytest.raises(InputError, match=message):
        escalc("ZCOR", **kwargs)


def test_events_larger_than_group():
    with pytest.raises(InputError, match=r"row 1, field 'n1i': events ai exceed the group size n1i"):
        escalc("RR", ai=[12], n1i=[10], ci=[3], n2i=[10])

"""Counts: 2x2 tables, one proportion and incidence rates with metafor's zero-cell rules; back-transformations."""

from __future__ import annotations

import numpy as np
import pytest
from effect_cases import assert_matches_metafor, escalc_cases, run_escalc, values
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import back_transform, escalc

COUNTS = ("OR", "RR", "RD", "PETO", "PR", "PLO", "PAS", "PFT", "IR", "IRR")
TRANSF = {c["id"]: c for c in load_cases("effects") if c.get("kind") == "transf"}


@pytest.mark.parametrize("case", escalc_cases(*COUNTS), ids=case_id)
def test_counts_match_metafor(case):
    # R: escalc(measure, ..., add=, to=, drop00=) on dat.nielweise2007, dat.yusuf1985, dat.pritz1997, dat.hart1999
    # and sparse tables with double zeros, an all-events table and an empty group (tools/metafor_reference_effects.R)
    assert_matches_metafor(run_escalc(case), case)


def test_drop00_names_the_double_zero_tables():
    with pytest.warns(SecretomeWarning, match=r"rows 1, 3 \(no events or only events in both groups \(drop00=True\)\)"):
        es = escalc("OR", ai=[0, 2, 5], n1i=[10, 10, 5], ci=[0, 1, 5], n2i=[10, 10, 5], drop00=True)
    assert np.isnan(es.yi[[0, 2]]).all()
    assert np.isfinite(es.yi[1])
    assert es.corrected.tolist() == [False, False, False]


def test_corrections_are_flagged_per_row_and_in_the_notes():
    es = escalc("RR", ai=[0, 2, 3], n1i=[10, 10, 10], ci=[3, 0, 3], n2i=[10, 10, 10], add=1, to="only0")
    assert es.corrected.tolist() == [True, True, False]
    assert es.notes == ("added 1 to each cell of 2 table(s) (row 1, 2; to='only0', as metafor)",)
    assert escalc("RR", ai=[1], bi=[9], ci=[3], di=[7], to="if0all").notes == ()


def test_pas_and_pft_add_nothing_by_default_as_metafor():
    assert escalc("PFT", xi=[0], ni=[10]).corrected.tolist() == [False]
    assert escalc("PLO", xi=[0], ni=[10]).corrected.tolist() == [True]


@pytest.mark.parametrize(
    ("measure", "kwargs", "message"),
    [
        ("OR", {"ai": [3], "bi": [7], "ci": [2], "n2i": [10], "n1i": [11]}, r"row 1, field 'n1i': must equal"),
        ("OR", {"ai": [-1], "bi": [7], "ci": [2], "di": [8]}, r"row 1, field 'ai': count must be >= 0"),
        ("OR", {"ai": [3], "ci": [2], "di": [8]}, r"field 'bi': 2x2 tables need bi \(or n1i\)"),
        ("PR", {"xi": [12], "ni": [10]}, r"row 1, field 'ni': events exceed the group size ni"),
        ("PR", {"xi": [0], "ni": [0]}, r"row 1, field 'ni': group size must be > 0"),
        ("IR", {"xi": [3], "ti": [0]}, r"row 1, field 'ti': person-time must be > 0"),
        ("IRR", {"x1i": [3], "x2i": [2], "t1i": [10]}, r"field 't2i': measure 'IRR' needs x1i, x2i, t1i, t2i"),
        ("OR", {"ai": [3], "bi": [7], "ci": [2], "di": [8], "to": "some"}, r"field 'to': must be one of"),
        ("OR", {"ai": [3], "bi": [7], "ci": [2], "di": [8], "add": -1}, r"field 'add': must be a finite number >= 0"),
    ],
)
def test_bad_counts_name_row_and_field(measure, kwargs, message):
    with pytest.raises(InputError, match=message):
        escalc(measure, **kwargs)


@pytest.mark.parametrize("case_id_", ["pritz1997-ipft", "edges-ipft"])
def test_pft_back_transformation_matches_transf_ipft(case_id_):
    # R: transf.ipft(yi, ni), Miller (1978)
    case = TRANSF[case_id_]
    got = back_transform(case["yi"], "PFT", ni=case["ni"])
    np.testing.assert_allclose(got, values(case["back"]), rtol=TOL["est"], atol=1e-15)


def test_pooled_pft_back_transformation_uses_the_harmonic_mean_of_n():
    # R: transf.ipft.hm(c(beta, ci.lb, ci.ub), targs=list(ni=ni)) on rma(escalc("PFT", dat.pritz1997))
    case = TRANSF["pritz1997-ipft.hm"]
    got = back_transform(case["yi"], "PFT", ni=case["ni"], harmonic=True)
    np.testing.assert_allclose(got, values(case["back"]), rtol=TOL["est"])


@pytest.mark.parametrize(("case_id_", "measure"), [("ilogit", "PLO"), ("iarcsin", "PAS")])
def test_other_back_transformations_match_metafor(case_id_, measure):
    case = TRANSF[case_id_]
    np.testing.assert_allclose(back_transform(case["yi"], measure), values(case["back"]), rtol=TOL["est"])


def test_pft_needs_n_to_go_back():
    with pytest.raises(InputError, match=r"field 'ni': PFT is back-transformed with the sample size"):
        back_transform([0.3], "PFT")
    assert back_transform([np.log(2.0)], "RR").tolist() == pytest.approx([2.0])

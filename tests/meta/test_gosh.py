"""gosh against metafor 3.8-1 gosh() (fixtures by tools/metafor_reference*.R), and the GOSH plot."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from metafor_fixtures import NONPOSITIVE_VI, case_id, load_cases, pm_control

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import METHODS, gosh, gosh_plot, random_effects

# PMM and HSk on other data (tools/metafor_reference_estimators.R).
CASES = load_cases("gosh") + load_cases("estimators_gosh")
COLUMNS = {"Q": "QE", "I2": "I2", "H2": "H2", "tau2": "tau2", "estimate": "estimate"}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_subset_matches_metafor(case):
    # R: gosh(rma(yi, vi, data=bcg[1:6, ], method=)) -- all 63 subsets, in metafor's order
    res = gosh(case["yi"], case["vi"], method=case["method"], control=pm_control(case["method"]))
    assert res.exact
    np.testing.assert_array_equal(res.incl, np.array(case["incl"], dtype=bool))
    np.testing.assert_array_equal(res.k_sub, case["k"])
    for ours, theirs in COLUMNS.items():
        np.testing.assert_allclose(getattr(res, ours), case[theirs], rtol=TOL["est"], atol=1e-10, err_msg=ours)
    assert list(res.to_frame().columns) == ["k", "QE", "I2", "H2", "tau2", "estimate"]


def test_fixtures_cover_every_method():
    assert sorted(c["method"] for c in CASES) == sorted(METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_random_subsets_agree_with_separate_fits(method):
    # Random subsets: each row is the model random_effects fits to that subset (checked against metafor).
    rng = np.random.default_rng(5)
    yi, vi = rng.normal(0.2, 0.5, 14), rng.uniform(0.01, 0.2, 14)
    res = gosh(yi, vi, method=method, subsets=40, seed=2)
    assert not res.exact
    assert res.incl.shape == (40, 14)
    for row in np.flatnonzero(res.k_sub >= 2)[:15]:
        sub = res.incl[row]
        ref = random_effects(yi[sub], vi[sub], method=method)
        assert res.tau2[row] == pytest.approx(ref.tau2, rel=1e-6, abs=1e-10)
        assert res.estimate[row] == pytest.approx(ref.estimate, rel=1e-9)
        assert res.Q[row] == pytest.approx(ref.Q, rel=1e-9)


@pytest.mark.parametrize("method", ["DL", "REML"])
def test_random_subsets_are_rows_of_metafors_exhaustive_gosh(method):
    # R: gosh(rma(yi, vi, data=bcg[1:6, ], method=)) has all 63 subsets; 40 < 63 random ones must each be
    # the row metafor fitted to that subset.
    case = next(c for c in CASES if c["method"] == method)
    table = {tuple(row): i for i, row in enumerate(np.array(case["incl"], dtype=bool).tolist())}
    res = gosh(case["yi"], case["vi"], method=method, subsets=40, seed=9)
    assert not res.exact
    assert res.incl.shape == (40, 6)
    rows = [table[tuple(row)] for row in res.incl.tolist()]
    for ours, theirs in COLUMNS.items():
        np.testing.assert_allclose(getattr(res, ours), np.array(case[theirs], dtype=float)[rows], rtol=TOL["est"],
                                   atol=1e-10, err_msg=ours)  # fmt: skip


def test_subsets_at_or_above_the_number_of_subsets_fit_every_subset_as_metafor():
    # metafor: exact when sum(choose(k, 1:k)) <= subsets, else `subsets` random ones.
    case = CASES[0]
    exact = gosh(case["yi"], case["vi"], method=case["method"], control=pm_control(case["method"]), subsets=63)
    assert exact.exact
    np.testing.assert_array_equal(exact.incl, np.array(case["incl"], dtype=bool))
    sampled = gosh(
        case["yi"], case["vi"], method=case["method"], control=pm_control(case["method"]), subsets=62, seed=1
    )
    assert not sampled.exact
    assert sampled.incl.shape == (62, 6)
    assert sampled.summary().startswith("Model fits attempted: 62 (based on random subsets")


def test_random_subsets_are_uniform_over_the_non_empty_subsets():
    # metafor draws a size from Binomial(k, 1/2) restricted to >= 1, then that many studies at random:
    # every non-empty subset has probability 1 / (2^k - 1). gosh() fits every subset once there are no more
    # than asked for, so the sampler itself is tested: Pearson's chi-square test of uniformity over the 63
    # subsets of k = 6 (a fixed seed, so the test is deterministic; sizes drawn uniformly give p < 1e-100).
    from scipy.stats import chisquare

    from secretome.meta._gosh import _random_subsets

    incl = _random_subsets(np.random.default_rng(3), 63_000, 6)
    counts = np.bincount(incl.astype(np.int64) @ (1 << np.arange(6)), minlength=64)
    assert counts[0] == 0
    assert chisquare(counts[1:]).pvalue > 0.01


def test_plot_holds_one_point_per_subset(tmp_path):
    case = next(c for c in CASES if c["method"] == "REML")
    res = gosh(case["yi"], case["vi"])
    svg = gosh_plot(res, tmp_path / "g.svg")
    root = ET.fromstring(svg)
    group = next(e for e in root.iter() if e.get("id") == "gosh-points")
    # matplotlib writes one <use> per scatter marker.
    assert len([e for e in group.iter() if e.tag.endswith("use")]) == 63
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text]
    assert "I^2" in texts
    assert "GOSH plot (63 subsets; REML)" in texts
    assert (tmp_path / "g.svg").read_bytes() == svg
    assert gosh_plot(res, tmp_path / "g.pdf").startswith(b"%PDF")


def test_summary_and_json():
    case = CASES[0]
    res = gosh(case["yi"], case["vi"], method=case["method"], control=pm_control(case["method"]))
    assert res.summary().startswith("Model fits attempted: 63 (based on all possible subsets; method: FE)")
    assert len(res.to_dict()["estimate"]) == 63


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"method": "DLIT"},
            r"field 'method': must be one of 'EE', 'FE', 'DL', 'HE', 'HS', 'HSk', 'SJ', 'ML', 'REML', 'PM', 'PMM'",
        ),
        ({"subsets": 1}, r"field 'subsets': must be an integer >= 2"),
        ({"yi": [0.1], "vi": [0.1]}, r"field 'yi': GOSH needs at least 2 studies"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    args = {"yi": CASES[0]["yi"], "vi": CASES[0]["vi"], **kwargs}
    with pytest.raises(InputError, match=message):
        gosh(**args)


def test_plot_refuses_an_unknown_suffix():
    with pytest.raises(InputError, match=r"field 'path': the GOSH plot is written as .svg or .pdf"):
        gosh_plot(gosh(CASES[0]["yi"], CASES[0]["vi"]), "g.png")


# Eight simulated studies on which metafor 3.8-1 stops: rma(yi, vi, method="REML") gives "Fisher scoring algorithm
# did not converge" (found by benchmarks/meta_gosh.py: subsets 2, 6, 8, 9, 10, 12, 14, 16 of its k = 16 data).
NO_CONVERGENCE = (
    [
        *(0.656814806424862, 0.7630713903798649, 0.23400165868202993, 0.7208141309230635),
        *(1.2234914179701246, 1.309559892600055, 0.42108131972803875, 1.2695605124677536),
    ],
    [
        *(0.3235574512004257, 0.39735394046809985, 0.09690306399329383, 0.3298645533157147),
        *(0.15616835600422896, 0.46072657866326633, 0.3788387275687524, 0.4146886766040293),
    ],
)


def test_subsets_that_do_not_converge_are_nan_as_metafor_na():
    with pytest.warns(SecretomeWarning, match=r"subset fits did not converge"):
        res = gosh(*NO_CONVERGENCE, method="REML")
    assert res.incl[-1].all()
    assert np.isnan(res.estimate[-1])
    assert np.isnan([res.tau2[-1], res.Q[-1], res.I2[-1], res.H2[-1]]).all()
    assert res.failed == int(np.isnan(res.estimate).sum()) >= 1
    assert "did not converge" in res.summary()


def test_pm_subsets_beyond_tau2_max_are_nan():
    # PM's root above control's tau2_max: metafor's rma stops ("Value of 'tau2.max' too low"), so gosh has NA.
    case = next(c for c in CASES if c["method"] == "PM")
    with pytest.warns(SecretomeWarning, match=r"subset fits did not converge"):
        res = gosh(case["yi"], case["vi"], method="PM", control={"tau2_max": 0.05})
    failed = np.isnan(res.tau2)
    assert failed.any()
    assert not failed[res.k_sub == 1].any()
    np.testing.assert_array_equal(np.isnan(res.estimate), failed)
    assert res.failed == int(failed.sum())


VI_ZERO = [c for c in load_cases("vi_zero_diagnostics") if c["kind"] == "gosh"]


@pytest.mark.parametrize("case", VI_ZERO, ids=case_id)
def test_a_sampling_variance_of_0_as_metafor(case):
    # R: gosh(rma(yi, vi, data = bcg[1:6, ], method=)) with vi[3] = 0 (tools/metafor_reference_vi_zero_diagnostics.R):
    # REML: Q, I^2, H^2 NA in every subset with trial 3, and a row of NA where its fit stops (tau^2 = 0, weight 1/0);
    # FE: rma() stops ("Division by zero when computing the inverse variance weights.").
    if "error" in case:
        with pytest.raises(InputError) as err:
            gosh(case["yi"], case["vi"], method=case["method"])
        assert (err.value.row, err.value.field, err.value.reason) == (3, "vi", case["error"])
        return
    stopped = sum(x is None for x in case["estimate"])
    with pytest.warns(SecretomeWarning) as caught:
        res = gosh(case["yi"], case["vi"], method=case["method"])
    warned = {str(w.message) for w in caught}
    assert NONPOSITIVE_VI in warned
    assert (
        f"{stopped} of 63 subset fits did not converge or were stopped by a sampling variance of 0 (NaN, as "
        "metafor's NA)" in warned
    )
    np.testing.assert_array_equal(res.incl, np.array(case["incl"], dtype=bool))
    for ours, theirs in COLUMNS.items():
        expected = np.array([np.nan if x is None else x for x in case[theirs]])
        np.testing.assert_allclose(getattr(res, ours), expected, rtol=TOL["est"], atol=1e-10, err_msg=ours)

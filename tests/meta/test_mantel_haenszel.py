"""Mantel-Haenszel and Peto pooling against metafor 3.8-1 rma.mh / rma.peto (tools/metafor_reference_effects.R)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from count_cases import fit_forest_case
from metafor_fixtures import case_id, load_cases

from secretome.errors import InputError, NumericalError, SecretomeWarning
from secretome.meta import MantelHaenszelResult, PetoResult, mantel_haenszel, peto

KEYS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "I2", "H2")
TESTS = ("CO", "CO_pval", "MH", "MH_pval", "BD", "BD_pval", "TA", "TA_pval")


def _fit(case: dict) -> MantelHaenszelResult | PetoResult:
    options = dict(case["options"])
    if "level" in options:  # metafor's level is a percentage
        options["level"] = options["level"] / 100
    options |= {key: tuple(options[key]) for key in ("add", "to", "drop00") if isinstance(options.get(key), list)}
    data = {name: [math.nan if v is None else v for v in column] for name, column in case["data"].items()}
    # metafor's warnings, in its words and order; a pooled estimate that is not computable (metafor's NA, without a
    # word) is warned about too, so that it is never a silent NaN.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SecretomeWarning)
        if case["method"] == "PETO":
            res = peto(**data, **options)
        else:
            res = mantel_haenszel(options.pop("measure"), **data, **options)
    said = [str(w.message) for w in caught if issubclass(w.category, SecretomeWarning)]
    assert said[: len(case["warnings"])] == case["warnings"]
    assert all("is not computable" in extra for extra in said[len(case["warnings"]) :])
    return res


def _same(got: float | None, want: float | None) -> bool:
    if want is None:  # metafor's NA
        return got is None or math.isnan(got)
    return got is not None and math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-12)


@pytest.mark.parametrize("case", load_cases("effects_pooling"), ids=case_id)
def test_pooling_matches_metafor(case):
    # R: rma.mh(measure=, ...) / rma.peto(...) on dat.bcg, dat.nielweise2007, dat.yusuf1985 (table 6), dat.hine1989,
    # dat.hart1999 and sparse tables, with metafor's add/to/drop00 pairs, correct= and level=
    res = _fit(case)
    for key in (*KEYS, *(TESTS if case["method"] == "MH" else ())):
        assert _same(getattr(res, key), case[key]), (key, getattr(res, key), case[key])
    assert (res.k, res.k_yi) == (case["k"], case["k_yi"])
    if case["k_pos"] is not None:
        assert res.k_pos == case["k_pos"]
    np.testing.assert_allclose(res.yi, case["yi"], rtol=1e-6)
    np.testing.assert_allclose(res.vi, case["vi"], rtol=1e-6)


@pytest.mark.parametrize("case", load_cases("effects_pooling"), ids=case_id)
def test_summary_is_laid_out_as_metafors_print(case):
    # R: print(res), trailing spaces and the blank lines around it dropped
    printed = [line.rstrip() for line in case["printed"]]
    while printed and not printed[0]:
        printed.pop(0)
    while printed and not printed[-1]:
        printed.pop()
    lines = [line for line in _fit(case).summary().split("\n") if not line.startswith("note: ")]
    assert lines == printed


def test_estimate_not_computable_is_nan_with_a_note():
    with pytest.warns(SecretomeWarning, match="not computable: no events in one group of every table"):
        res = mantel_haenszel("OR", ai=[0, 0], n1i=[10, 12], ci=[1, 2], n2i=[10, 11], drop00=False)
    assert math.isnan(res.estimate)
    assert "test value not computable" in res.summary()
    assert res.to_dict()["estimate"] is None  # JSON has no NaN


def test_peto_refuses_tables_where_one_outcome_never_occurs():
    with pytest.raises(NumericalError, match="one of the two outcomes never occurs in any table"):
        peto(ai=[0, 0], n1i=[10, 12], ci=[0, 0], n2i=[10, 11], drop00=False)


def test_mantel_haenszel_is_invariant_to_table_order():
    tables = {"ai": [4, 6, 3, 0], "n1i": [50, 60, 40, 30], "ci": [10, 12, 9, 2], "n2i": [50, 60, 40, 30]}
    reverse = {name: column[::-1] for name, column in tables.items()}
    for measure in ("OR", "RR", "RD"):
        a, b = mantel_haenszel(measure, **tables), mantel_haenszel(measure, **reverse)
        assert a.estimate == pytest.approx(b.estimate)
        assert a.se == pytest.approx(b.se)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"measure": "SMD"}, r"field 'measure': must be one of 'OR', 'RR', 'RD', 'IRR'"),
        ({"add": (0.5, 0.5, 0.5)}, r"field 'add': needs one value or two"),
        ({"to": ("only0", "sometimes")}, r"field 'to': must be one of"),
        ({"level": 95}, r"field 'level': must be a proportion"),
    ],
)
def test_bad_options_are_named(kwargs, message):
    measure = kwargs.pop("measure", "OR")
    with pytest.raises(InputError, match=message):
        mantel_haenszel(measure, ai=[4, 6], n1i=[50, 60], ci=[10, 12], n2i=[50, 60], **kwargs)


def test_result_views():
    res = peto(ai=[1, 0, 2], n1i=[100, 80, 120], ci=[4, 3, 5], n2i=[100, 85, 118], labels=["A", "B", "C"])
    assert (res.method, res.measure, res.labels) == ("PETO", "OR", ("A", "B", "C"))
    row = res.to_frame()
    assert len(row) == 1
    assert {"estimate", "Q", "k_pos"} <= set(row.columns)


def test_a_tarone_statistic_the_tables_cannot_give_is_not_computable_not_zero():
    # n1 = 1e300 leaves a cell of Breslow-Day's expected table at 0; the statistic is infinite or NaN,
    # which was printed as X^2 = 0.0000, p-val = 1.0000 (issue 12). R: rma.mh(ai = c(1, 1, 3),
    # n1i = c(1e300, 10, 10), ci = c(2, 2, 2), n2i = c(10, 10, 12), measure = "OR"): estimate -0.6957,
    # se 0.6274; "Tarone's Test for Heterogeneity: test value not computable for these data".
    res = mantel_haenszel(ai=[1, 1, 3], n1i=[1e300, 10, 10], ci=[2, 2, 2], n2i=[10, 10, 12], measure="OR")
    assert res.estimate == pytest.approx(-0.6957, abs=5e-5)
    assert res.se == pytest.approx(0.6274, abs=5e-5)
    assert math.isnan(res.TA)
    assert "Tarone's Test for Heterogeneity: test value not computable for these data" in res.summary()


FOREST = load_cases("forest_counts")


@pytest.mark.parametrize("case", FOREST, ids=case_id)
def test_weights_are_metafors_weights_of_the_pooled_tables(case):
    # R: weights(rma.mh(measure=, ...)) (weights.rma.mh: b c/N, c n1/N, n1 n2/N, x2 t1/T) and weights(rma.peto(...))
    # (the hypergeometric variances), in percent, on dat.bcg, dat.hart1999 and sparse adverse-event tables whose
    # double-zero tables keep their weight.
    res = fit_forest_case(case)
    np.testing.assert_allclose(res.weights, case["weights"], rtol=1e-10, atol=1e-12)
    assert res.table_rows == tuple(range(1, len(case["weights"]) + 1))
    assert res.rows == tuple(case["rows"])  # the rows forest draws: those with a defined yi/vi
    np.testing.assert_allclose(res.yi, case["yi"], rtol=1e-10)


def test_weights_leave_out_tables_with_missing_counts():
    # A table with a missing count is not pooled (metafor's na.omit): it has no weight, and the rest sum to 100.
    with pytest.warns(SecretomeWarning, match="Tables with NAs omitted from model fitting."):
        res = mantel_haenszel("RD", ai=[1, 2, np.nan, 3], n1i=[20, 20, 20, 20], ci=[2, 1, 1, 4], n2i=[20, 20, 20, 20])
    assert res.table_rows == (1, 2, 4)
    assert res.rows == (1, 2, 4)
    assert res.weights == pytest.approx((100 / 3,) * 3)  # n1 n2/N is 10 for each table of 20 + 20


def test_no_table_left_stops_in_metafors_words():
    # R: rma.mh(measure = "OR", ai = NA_real_, bi = 5, ci = 3, di = 7) warns of the table and stops (missing.json,
    # tools/metafor_reference_missing.R)
    case = next(c for c in load_cases("missing") if c["id"] == "mh-none-left")
    with pytest.warns(SecretomeWarning) as caught, pytest.raises(InputError) as err:
        mantel_haenszel("OR", ai=[math.nan], bi=case["bi"], ci=case["ci"], di=case["di"])
    assert [str(w.message) for w in caught] == case["warnings"]
    assert (err.value.field, err.value.reason) == ("ai", case["error"])

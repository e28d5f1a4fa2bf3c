"""influence and cumulative against metafor 3.8-1 influence() and cumul() (tools/metafor_reference_bias.R)."""

from __future__ import annotations

import contextlib
import math

import pytest
from metafor_fixtures import case_id, load_cases, pm_control

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import cumulative, influence

INFLUENCE = load_cases("influence")
CUMULATIVE = load_cases("cumulative")
FIELDS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight", "dfbetas")


@pytest.mark.parametrize("case", INFLUENCE, ids=case_id)
def test_influence_matches_metafor(case):
    # R: influence(rma(yi, vi, method=, test=))$inf and $dfbs$intrcpt
    got = influence(
        case["yi"], case["vi"], method=case["method"], test=case["test"], control=pm_control(case["method"])
    )
    for field in FIELDS:
        assert getattr(got, field) == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    assert list(got.influential) == case["influential"]  # R: influence(res)$is.infl


def test_influence_flags_studies_as_metafor_prints_them():
    case = next(c for c in INFLUENCE if c["id"] == "bcg-FE-z")
    frame = influence(case["yi"], case["vi"], method="FE").to_frame()
    assert frame["inf"].tolist() == ["*" if f else "" for f in case["influential"]]
    assert frame.columns.tolist() == ["study", *FIELDS, "inf"]


@pytest.mark.parametrize("case", CUMULATIVE, ids=case_id)
def test_cumulative_matches_metafor(case):
    # R: cumul(rma(yi, vi, method=, test=)) and cumul(res, order = year); FE fits have no tau2 column there.
    # A refit that does not converge is NA in metafor (null in the fixture): NaN here, with a warning.
    fails = any(x is None for x in case["estimate"])
    with pytest.warns(SecretomeWarning, match="did not converge") if fails else contextlib.nullcontext():
        got = cumulative(
            case["yi"],
            case["vi"],
            order=case["order"],
            method=case["method"],
            test=case["test"],
            control=pm_control(case["method"]),
        )
    for field in ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2", "H2"):
        if case[field] is not None:
            expected = [math.nan if x is None else x for x in case[field]]
            assert getattr(got, field) == pytest.approx(expected, rel=TOL["est"], abs=1e-12, nan_ok=True), field


def test_cumulative_order_is_stable_and_labels_follow():
    got = cumulative([0.1, 0.5, 0.9], [0.01, 0.01, 0.01], order=[2001, 1999, 2001], method="FE", labels="abc")
    assert got.labels == ("b", "a", "c")
    assert got.estimate[0] == pytest.approx(0.5)
    assert len(got.summary().splitlines()) == 4


def test_last_cumulative_step_is_the_full_model():
    case = CUMULATIVE[0]
    got = cumulative(case["yi"], case["vi"])
    full = influence(case["yi"], case["vi"])
    assert got.estimate[-1] == pytest.approx(case["estimate"][-1], rel=TOL["est"])
    assert sum(full.weight) == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: influence([0.1], [0.01]), r"field 'yi': influence diagnostics \(REML\) need at least 2"),
        (lambda: influence([0.1, 0.2, 0.3], [0.01, -0.02, 0.01]), r"row 2, field 'vi'"),
        (lambda: influence([0.1, 0.2, 0.3], [0.01, 0.02, 0.01], labels=["a"]), r"field 'labels': has 1 values"),
        (lambda: influence([0.1, 0.2, 0.3], [0.01, 0.02, 0.01], method="reml"), r"field 'method': must be one of"),
        (
            lambda: cumulative([0.1, 0.2, 0.3], [0.01, 0.02, 0.01], order=[1, None, 3]),
            r"row 2, field 'order': is missing",
        ),
        (lambda: cumulative([0.1, 0.2], [0.01, 0.02], order=[1, 2, 3]), r"field 'order': has 3 values"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(InputError, match=message):
        call()

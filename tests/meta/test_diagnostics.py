"""leave_one_out and egger_test against metafor 3.8-1 leave1out and regtest (tools/metafor_reference.R)."""

from __future__ import annotations

import contextlib
import math
import re

import pytest
from metafor_fixtures import NONPOSITIVE_VI, case_id, load_cases, nan_for_none, pm_control, refit_stop_messages

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import egger_test, leave_one_out

CASES = load_cases("diagnostics")
EGGER = [case for case in CASES if "regtest" in case]  # the refit-failure case checks leave1out only


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_leave_one_out_matches_metafor(case):
    # R: leave1out(rma(yi, vi, method=, test=)); EE/FE fits have no tau2, I2, H2 columns there. A refit
    # that does not converge is NA in metafor (null in the fixture): NaN here, with a warning naming it.
    fails = any(x is None for x in case["leave1out"]["estimate"])
    with pytest.warns(SecretomeWarning, match="did not converge") if fails else contextlib.nullcontext():
        got = leave_one_out(
            case["yi"], case["vi"], method=case["method"], test=case["test"], control=pm_control(case["method"])
        )
    for field, values in case["leave1out"].items():
        if values:
            expected = [math.nan if x is None else x for x in values]
            assert getattr(got, field) == pytest.approx(expected, rel=TOL["est"], abs=1e-12, nan_ok=True), field
    assert got.to_frame().shape == (len(case["yi"]), 12)


@pytest.mark.parametrize("case", EGGER, ids=case_id)
@pytest.mark.parametrize("model", ["rma", "lm"])
def test_egger_matches_metafor(case, model):
    # R: regtest(res) (a meta-regression on sei, the model's method and test) and regtest(res, model="lm")
    expected = case["regtest" if model == "rma" else "regtest_lm"]
    got = egger_test(
        case["yi"],
        case["vi"],
        model=model,
        method=case["method"],
        test=case["test"],
        control=pm_control(case["method"]),
    )
    for field in ("zval", "pval", "est", "ci_lb", "ci_ub"):
        assert getattr(got, field) == pytest.approx(expected[field], rel=TOL["est"]), field
    assert got.df == expected["df"]


def test_egger_summary_reads_like_metafor():
    case = CASES[0]
    # R: print(regtest(rma(yi, vi, data=dat.bcg RR))): z = -0.8033, p = 0.4218, b = -0.5104 (CI: -1.1182, 0.0974)
    text = egger_test(case["yi"], case["vi"]).summary()
    assert "Test for Funnel Plot Asymmetry: z = -0.8033, p = 0.4218" in text
    assert "Limit Estimate (as sei -> 0):   b = -0.5104 (CI: -1.1182, 0.0974)" in text


def test_leave_one_out_summary_has_one_row_per_study():
    case = CASES[0]
    lines = leave_one_out(case["yi"], case["vi"]).summary().splitlines()
    assert len(lines) == 1 + len(case["yi"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: egger_test([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], model="ols"), r"field 'model': must be one of"),
        (lambda: leave_one_out([0.1, 0.2], [0.01, 0.02], labels=["a"]), r"field 'labels': has 1 values"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(InputError, match=message):
        call()


VI_ZERO = [c for c in load_cases("vi_zero_diagnostics") if c["kind"] == "refits"]


@pytest.mark.parametrize("case", VI_ZERO, ids=case_id)
def test_leave_one_out_with_a_sampling_variance_of_0_as_metafor(case):
    # R: leave1out(rma(yi, vi, method=, test=)) on dat.bcg with vi[3] = 0
    # (tools/metafor_reference_vi_zero_diagnostics.R):
    # REML fits (Q, I^2, H^2 NA but where trial 3 is left out); DL stops at rma() ("DL estimator cannot be used when
    # there are non-positive sampling variances in the data.").
    if "error" in case:
        assert case["error"].startswith(f"{case['method']} estimator cannot be used")
        with pytest.raises(InputError, match=rf"^row 3, field 'vi': {re.escape(case['error'])}$"):
            leave_one_out(case["yi"], case["vi"], method=case["method"], test=case["test"])
        return
    with pytest.warns(SecretomeWarning) as caught:
        got = leave_one_out(case["yi"], case["vi"], method=case["method"], test=case["test"])
    # Once, as the model on all studies warns in metafor; the refits are quiet (its suppressWarnings).
    assert [str(w.message) for w in caught].count(NONPOSITIVE_VI) == 1
    for field, values in case["leave1out"].items():
        if field != "warnings" and values:  # knha: metafor's tval, not zval
            expected = [math.nan if x is None else x for x in values]
            assert getattr(got, field) == pytest.approx(expected, rel=TOL["est"], nan_ok=True), field


REFIT_ERRORS = [c for c in load_cases("refit_errors") if "leave1out" in c]


@pytest.mark.parametrize("case", REFIT_ERRORS, ids=case_id)
def test_leave_one_out_refit_that_stops_is_an_na_row_as_metafor(case):
    # R: leave1out(rma(yi, vi, method=, test=)) on a constructed set whose study 4 alone is heterogeneous and study 2
    # has vi = 0 (tools/metafor_reference_refit_errors.R): without study 4, REML and ML give tau^2 = 0 beside vi = 0,
    # rma stops inside metafor's try() and the row is NA; SJ (tau^2 > 0 on every subset) has none.
    expected = case["leave1out"]
    stops = [i + 1 for i, x in enumerate(expected["estimate"]) if x is None]
    assert stops == ([4] if case["method"] != "SJ" else [])
    with pytest.warns(SecretomeWarning) as caught:
        got = leave_one_out(case["yi"], case["vi"], method=case["method"], test=case["test"])
    for message in refit_stop_messages(caught, "leave-one-out", stops):
        assert message.startswith("leave-one-out: the refits without 4 stopped (")
    for field in ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2", "H2"):
        assert getattr(got, field) == pytest.approx(nan_for_none(expected[field]), rel=TOL["est"], nan_ok=True), field


REFUSALS = {c["id"]: c for c in load_cases("refusals")}  # by tools/metafor_reference_refusals.R


@pytest.mark.parametrize("method", ["REML", "FE"])
def test_leave_one_out_of_one_study_stops_in_metafors_words(method):
    # R: leave1out(rma(yi, vi)) on the first trial of dat.bcg: "Stopped because k = 1." (before any refit).
    case = REFUSALS["leave1out-k1"]
    with pytest.raises(InputError) as err:
        leave_one_out(case["yi"], case["vi"], method=method)
    assert (err.value.reason, err.value.field, err.value.value) == (case["error"], "yi", 1)

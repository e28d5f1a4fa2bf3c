"""influence and cumulative against metafor 3.8-1 influence() and cumul() (tools/metafor_reference_bias.R)."""

from __future__ import annotations

import contextlib
import math
import re

import pytest
from metafor_fixtures import NONPOSITIVE_VI, case_id, load_cases, nan_for_none, pm_control, refit_stop_messages

from conftest import TOL
from secretome.errors import ConvergenceError, InputError, SecretomeWarning
from secretome.meta import cumulative, influence, meta_regression

INFLUENCE = load_cases("influence")
CUMULATIVE = load_cases("cumulative")
INFLUENCE_MODS = load_cases("influence_mods")
FIELDS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight")


@pytest.mark.parametrize("case", INFLUENCE, ids=case_id)
def test_influence_matches_metafor(case):
    # R: influence(rma(yi, vi, method=, test=))$inf and $dfbs$intrcpt
    got = influence(
        case["yi"], case["vi"], method=case["method"], test=case["test"], control=pm_control(case["method"])
    )
    for field in FIELDS:
        assert getattr(got, field) == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    assert got.dfbetas[0] == pytest.approx(case["dfbetas"], rel=TOL["est"], abs=1e-12)
    assert got.coef_names == ("intrcpt",)
    assert list(got.influential) == case["influential"]  # R: influence(res)$is.infl


@pytest.mark.parametrize("case", INFLUENCE_MODS, ids=case_id)
def test_influence_of_a_meta_regression_matches_metafor(case):
    # R: influence(rma(yi, vi, mods = X, method=, test=))$inf, $dfbs (one column per coefficient) and $is.infl.
    # A refit in which a coefficient is inestimable is NA in metafor (null here): NaN, with a warning naming it.
    lost = [i - 1 for i in case["inestimable"]]
    labels = [f"s{i + 1}" for i in range(len(case["yi"]))]
    warns = pytest.warns(SecretomeWarning, match="a coefficient is not estimable")
    with warns if lost else contextlib.nullcontext() as caught:
        got = influence(case["yi"], case["vi"], case["mods"], method=case["method"], test=case["test"],
                        names=case["coef_names"][1:], labels=labels)  # fmt: skip
    if lost:
        assert ", ".join(labels[i] for i in lost) in str(caught[0].message)
    for field in FIELDS:
        expected = [math.nan if x is None else x for x in case[field]]
        assert getattr(got, field) == pytest.approx(expected, rel=TOL["est"], abs=1e-12, nan_ok=True), field
    for j, column in enumerate(case["dfbetas"]):
        expected = [math.nan if x is None else x for x in column]
        assert got.dfbetas[j] == pytest.approx(expected, rel=TOL["est"], abs=1e-12, nan_ok=True), j
    # R's is.infl is NA where the refit failed and no other criterion holds; it prints no "*" there.
    assert list(got.influential) == [bool(f) for f in case["influential"]]
    assert got.coef_names == ("intrcpt", *case["coef_names"][1:])
    # metafor 3.8-1's leave1out() and cumul() stop for models with moderators (influence() does not).
    assert case["leave1out_error"] == case["cumul_error"] == "Method only applicable to models without moderators."


def test_influence_of_a_meta_regression_covers_estimators_tests_and_na_rows():
    assert {(c["method"], c["test"]) for c in INFLUENCE_MODS} >= {("REML", "z"), ("REML", "knha"), ("DL", "z")}
    assert any(c["inestimable"] for c in INFLUENCE_MODS)
    assert {len(c["coef_names"]) for c in INFLUENCE_MODS} >= {2, 3, 9}


def test_influence_refit_that_does_not_converge_is_an_na_row(monkeypatch):
    # metafor's influence() skips a refit that errors (try-error): that study's row is NA but for hat and weight.
    case = next(c for c in INFLUENCE_MODS if c["id"] == "viechtbauer2021_dose-REML-z")

    def fails_without_study_6(yi, vi, mods, **options):
        if len(yi) < len(case["yi"]) and case["yi"][5] not in list(yi):
            raise ConvergenceError("REML did not converge")
        return meta_regression(yi, vi, mods, **options)

    monkeypatch.setattr("secretome.meta._influence.meta_regression", fails_without_study_6)
    with pytest.warns(SecretomeWarning, match="influence: the refits without 6 did not converge"):
        got = influence(case["yi"], case["vi"], case["mods"])
    for column in (got.rstudent, got.dffits, got.cook_d, got.tau2_del, got.dfbetas[1]):
        assert math.isnan(column[5])
    assert got.hat[5] == pytest.approx(case["hat"][5], rel=TOL["est"])
    assert got.rstudent[4] == pytest.approx(case["rstudent"][4], rel=TOL["est"])


def test_influence_summary_prints_na_and_a_dfbetas_column_per_coefficient():
    case = next(c for c in INFLUENCE_MODS if c["id"] == "viechtbauer2021_dose_factor-REML-z")
    with pytest.warns(SecretomeWarning):
        got = influence(case["yi"], case["vi"], case["mods"], names=case["coef_names"][1:])
    frame = got.to_frame()
    assert frame.columns.tolist()[-3:] == ["dfbetas_factor(dose)200", "dfbetas_factor(dose)250", "inf"]
    assert "NA" in got.summary().splitlines()[3]  # study 3 (the only one at dose 75): R prints NA


def test_influence_flags_studies_as_metafor_prints_them():
    case = next(c for c in INFLUENCE if c["id"] == "bcg-FE-z")
    frame = influence(case["yi"], case["vi"], method="FE").to_frame()
    assert frame["inf"].tolist() == ["*" if f else "" for f in case["influential"]]
    assert frame.columns.tolist() == ["study", *FIELDS, "dfbetas_intrcpt", "inf"]


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
        (lambda: influence([0.1, 0.2, 0.3], [0.01, "x", 0.01]), r"row 2, field 'vi': is not a number"),
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


SATURATED_REFITS = [c for c in load_cases("design_edges") if c["kind"] == "influence"]


@pytest.mark.parametrize("case", SATURATED_REFITS, ids=case_id)
def test_equal_effects_refits_with_as_many_coefficients_as_studies_match_metafor(case):
    # R: influence(rma(yi, vi, mods = ~ ablat, method = "EE" or "FE")) on three trials of dat.bcg: each refit without
    # a trial is the saturated fit (QE on 0 df), which metafor gives (tools/metafor_reference_design_edges.R).
    got = influence(case["yi"], case["vi"], case["ablat"], names=["ablat"], method=case["method"])
    assert case["warnings"] == []
    for field in ("rstudent", "dffits", "cook_d", "cov_r", "hat", "weight"):
        assert getattr(got, field) == pytest.approx(case[field], rel=TOL["est"]), field
    assert (got.tau2_del, got.QE_del) == (tuple(case["tau2_del"]), tuple(case["QE_del"]))
    for ours, theirs in zip(got.dfbetas, case["dfbetas"], strict=True):
        assert ours == pytest.approx(theirs, rel=TOL["est"])
    assert got.influential == tuple(case["influential"])


VI_ZERO = [c for c in load_cases("vi_zero_diagnostics") if c["kind"] == "refits"]


@pytest.mark.parametrize("case", VI_ZERO, ids=case_id)
def test_influence_with_a_sampling_variance_of_0_as_metafor(case):
    # R: influence(rma(yi, vi, method=, test=)) on dat.bcg with vi[3] = 0
    # (tools/metafor_reference_vi_zero_diagnostics.R):
    # REML fits (QE.del NA but without trial 3); DL stops at rma().
    if "error" in case:
        with pytest.raises(InputError, match=rf"^row 3, field 'vi': {re.escape(case['error'])}$"):
            influence(case["yi"], case["vi"], method=case["method"], test=case["test"])
        return
    with pytest.warns(SecretomeWarning) as caught:
        got = influence(case["yi"], case["vi"], method=case["method"], test=case["test"])
    # Once, from the model on all studies (metafor's rma); the refits are quiet.
    assert [str(w.message) for w in caught].count(NONPOSITIVE_VI) == 1
    expected = case["influence"]
    for field in FIELDS:
        want = [math.nan if x is None else x for x in expected[field]]
        assert getattr(got, field) == pytest.approx(want, rel=TOL["est"], nan_ok=True), field
    assert got.dfbetas[0] == pytest.approx(expected["dfbetas"], rel=TOL["est"])
    assert list(got.influential) == expected["influential"]


REFIT_ERRORS = load_cases("refit_errors")
SEQUENCE_FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2", "H2")


def _stopping(full: dict) -> pytest.RaisesContext:
    # metafor's model on all studies stops: "DL estimator cannot be used when there are non-positive sampling
    # variances in the data." or "Division by zero when computing the inverse variance weights." (FE).
    return pytest.raises(InputError, match=rf"^row \d+, field 'vi': {re.escape(full['error'])}( \(got 0\.0\))?$")


@pytest.mark.parametrize("case", [c for c in REFIT_ERRORS if "cumul" in c or "error" in c["full"]], ids=case_id)
def test_cumulative_with_a_sampling_variance_of_0_as_metafor(case):
    # R: cumul(rma(yi, vi, method=, test=)) (and order = year) on dat.bcg with trial 3 or 1 at vi = 0, and on the
    # constructed set (tools/metafor_reference_refit_errors.R): a step where tau^2 = 0 meets vi = 0 stops inside
    # metafor's try() and is NA; a first step of a study with vi = 0 is NA; DL and FE stop at rma().
    options = {"method": case["method"], "test": case["test"], "order": case.get("order")}
    if "error" in case["full"]:
        with _stopping(case["full"]):
            cumulative(case["yi"], case["vi"], **options)
        return
    expected = case["cumul"]
    stopped = [i for i, x in enumerate(expected["estimate"]) if x is None]  # none with SJ (tau^2 > 0 throughout)
    with pytest.warns(SecretomeWarning) as caught:
        got = cumulative(case["yi"], case["vi"], **options)
    messages = [str(w.message) for w in caught]
    # The model on all studies warns once; the steps that stop are named in one warning.
    assert messages.count(NONPOSITIVE_VI) == 1
    for message in refit_stop_messages(caught, "cumulative", stopped[:1]):  # one warning names every step
        assert all(f"with {got.labels[i]}" in message for i in stopped)
    for field in SEQUENCE_FIELDS:
        assert getattr(got, field) == pytest.approx(nan_for_none(expected[field]), rel=TOL["est"], nan_ok=True), field


@pytest.mark.parametrize("case", [c for c in REFIT_ERRORS if "influence" in c], ids=case_id)
def test_influence_refit_that_stops_is_an_na_row_as_metafor(case):
    # R: influence(rma(yi, vi, method=, test=)) on the constructed set (tools/metafor_reference_refit_errors.R):
    # without study 4 REML and ML give tau^2 = 0 beside study 2's vi = 0, the refit stops inside metafor's try(), and
    # that row is NA but for hat and weight; SJ (tau^2 > 0 on every subset) has no NA row.
    expected = case["influence"]
    stops = [i + 1 for i, x in enumerate(expected["rstudent"]) if x is None]
    assert stops == ([4] if case["method"] != "SJ" else [])
    with pytest.warns(SecretomeWarning) as caught:
        got = influence(case["yi"], case["vi"], method=case["method"], test=case["test"])
    for message in refit_stop_messages(caught, "influence", stops):
        assert message.startswith("influence: the refits without 4 stopped (")
    for field in FIELDS:
        assert getattr(got, field) == pytest.approx(nan_for_none(expected[field]), rel=TOL["est"], nan_ok=True), field
    assert got.dfbetas[0] == pytest.approx(nan_for_none(expected["dfbetas"]), rel=TOL["est"], nan_ok=True)


def test_influence_of_one_study_stops_in_metafors_words():
    # R: influence(rma(yi, vi)) on the first trial of dat.bcg: "Stopped because k = 1."
    case = next(c for c in load_cases("refusals") if c["id"] == "influence-k1")
    with pytest.raises(InputError) as err:
        influence(case["yi"], case["vi"], method=case["method"])
    assert (err.value.reason, err.value.field, err.value.value) == (case["error"], "yi", 1)


@pytest.mark.parametrize(
    "case", [c for c in load_cases("refusals") if c["id"].startswith("influence-mods")], ids=case_id
)
def test_influence_of_a_meta_regression_with_one_residual_df_as_metafor(case):
    # R: influence(rma(yi, vi, mods = ~ ablat, method=)) on dat.bcg's first 3 trials, where each refit has p = k and
    # stops (NA rows but hat and weight), and on the first 4 (tools/metafor_reference_refusals.R).
    mods = [[a] for a in case["ablat"]]
    stops = len(case["yi"]) == 3
    with pytest.warns(SecretomeWarning, match="Number of parameters") if stops else contextlib.nullcontext():
        got = influence(case["yi"], case["vi"], mods, method=case["method"])
    for field in ("rstudent", "cook_d", "tau2_del", "QE_del", "hat", "weight"):
        expected = nan_for_none(case[field])
        assert getattr(got, field) == pytest.approx(expected, rel=TOL["est"], abs=1e-12, nan_ok=True), field


def test_cumulative_of_no_study_stops_as_metafors_rma():
    # R: rma(numeric(0), numeric(0)), which cumul() needs first, stops: "Processing terminated since k = 0." (the
    # sentence of missing.json's none-left case, tools/metafor_reference_missing.R)
    k0 = next(c for c in load_cases("missing") if c["id"] == "none-left")["error"]
    with pytest.raises(InputError) as err:
        cumulative([], [])
    assert (err.value.field, err.value.reason) == ("yi", k0)

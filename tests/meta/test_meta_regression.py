"""meta_regression against metafor 3.8-1 rma.uni with mods (fixtures by tools/metafor_reference.R)."""

from __future__ import annotations

import contextlib
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import REGRESSION_METHODS, meta_regression

CASES = load_cases("rma_mods")
PER_COEF = ("beta", "se", "zval", "pval", "ci_lb", "ci_ub")
SCALARS = ("tau2", "se_tau2", "I2", "H2", "R2", "QE", "QE_pval", "QM", "QM_pval")


def _matches_estimator_record(got: dict, case: dict) -> None:
    """A fit's to_dict() against one record of tools/metafor_json.R's estimator_fields (metafor's names)."""
    for field in PER_COEF:
        assert got[field] == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    fields = {"tau2": "tau2", "se_tau2": "se_tau2", "I2": "I2", "H2": "H2", "R2": "R2", "QE": "QE"}
    fields |= {"QE_pval": "QEp", "QM": "QM", "QM_pval": "QMp"}
    for ours, theirs in fields.items():
        assert got[ours] == pytest.approx(case[theirs], rel=TOL["est"], abs=1e-12), ours
    assert got["weights"] == pytest.approx(case["weights"], rel=TOL["est"])
    assert got["resid_se"] == pytest.approx(case["resid_se"], rel=TOL["est"])


REML = next(c for c in CASES if c["id"] == "bcg-ablat-year-REML-z")


def _fit(case):
    # metafor's control names (tau2.max) are accepted as they are; a fallback chain is a list.
    control = case["control"]
    method = case["method"] if isinstance(case["method"], str) else tuple(case["method"])
    # We warn where metafor warns (Knapp-Hartung with EE/FE models), and when a chain falls back (metafor says so
    # only with verbose=TRUE); R^2 that is not available is a note, as metafor's NA comes without a warning.
    warns = bool(case["warnings"]) or case["method_used"] != method
    with pytest.warns(SecretomeWarning) if warns else contextlib.nullcontext():
        return meta_regression(
            case["yi"], case["vi"], np.array(case["X"])[:, 1:], method=method, test=case["test"], control=control
        )


KNHA_FE = [c for c in CASES if any(w.startswith("Knapp & Hartung") for w in c["warnings"])]


@pytest.mark.parametrize("case", KNHA_FE, ids=case_id)
def test_knapp_hartung_with_equal_effects_warns_in_metafors_words(case):
    # R: rma(yi, vi, mods=, method = "EE" or "FE", test = "knha") warns "Knapp & Hartung method is not meant to be used
    # in the context of EE models." (tools/metafor_reference.R)
    knapp = [w for w in case["warnings"] if w.startswith("Knapp & Hartung")]
    assert set(knapp) <= set(_fit(case).notes)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_meta_regression_matches_metafor(case):
    # R: rma(yi, vi, mods=case$mods, data=, method=, test=, control=) on dat.bcg, dat.molloy2014,
    # dat.normand1999, dat.gibson2002 and the homogeneous set (tools/metafor_reference.R)
    got = _fit(case).to_dict()
    for field in PER_COEF:
        assert got[field] == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    for field in SCALARS:
        if case[field] is None:
            assert got[field] is None, field
        else:
            assert got[field] == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    assert got["QM_df"][0] == case["QM_df"]
    assert got["method"] == case["method_used"]


def test_matrix_covers_every_method_test_and_data_set():
    # The matrix: every estimator x {z, knha} x each data set with moderators.
    single = {(c["dataset"], c["mods"], c["method"], c["test"]) for c in CASES if isinstance(c["method"], str)}
    designs = {(c["dataset"], c["mods"]) for c in CASES}
    assert {d for d, _ in designs} == {"bcg", "molloy2014", "normand1999", "gibson2002", "homogeneous"}
    # PMM and HSk have their own matrix on other data sets (test_estimator_matrix_covers_pmm_hsk_and_genq).
    assert len(single) == len(designs) * len(set(REGRESSION_METHODS) - {"PMM", "HSk"}) * 2
    # The tau^2 = 0 case: every estimator truncates at 0 there, except SJ, which is > 0 by construction.
    assert all(c["tau2"] == 0 for c in CASES if c["dataset"] == "homogeneous" and c["method"] != "SJ")


@pytest.mark.parametrize("case", [c for c in CASES if isinstance(c["method"], list)], ids=case_id)
def test_fallback_chain_says_which_method_was_used(case):
    # R: rma(yi, vi, mods=~ablat + year, method=c("REML", "DL"), control=list(maxiter=1))$method is "DL"
    res = _fit(case)
    assert res.method == case["method_used"] == "DL"
    assert any(note.startswith(f"{case['method'][0]} did not converge, used DL instead") for note in res.notes)
    summary = res.summary()
    assert summary.startswith("Mixed-Effects Model (k = 13; tau^2 estimator: DL)\n")
    assert "note: " + res.notes[0] in summary


def test_r2_is_none_when_the_model_without_moderators_fails():
    # R: rma(yi, vi, mods=~ablat + year, method="PM", control=list(tau2.max=0.2, tol=1e-12))$R2 is NA
    case = next(c for c in CASES if c["id"] == "bcg-ablat-year-PM-tau2max-z")
    assert case["R2"] is None
    res = _fit(case)
    assert res.R2 is None
    too_low = next(c for c in REFUSAL_CASES if c["id"] == "rma-tau2max-PM")["error"]  # metafor's rma() error
    assert res.notes[0].startswith(f"R^2 is not available: the model without moderators could not be fitted ({too_low}")
    assert "R^2 (amount of heterogeneity accounted for):            NA%" in res.summary().splitlines()


def test_names_come_from_a_data_frame():
    mods = pd.DataFrame(np.array(REML["X"])[:, 1:], columns=["ablat", "year"])
    res = meta_regression(REML["yi"], REML["vi"], mods)
    assert res.coef_names == ("intrcpt", "ablat", "year")
    assert res.beta == pytest.approx(REML["beta"], rel=TOL["est"])


def test_summary_reads_like_metafor():
    # R: print(rma(yi, vi, mods=~ablat + year, data=dat))
    res = meta_regression(REML["yi"], REML["vi"], np.array(REML["X"])[:, 1:], names=["ablat", "year"])
    lines = res.summary().splitlines()
    assert lines[0] == "Mixed-Effects Model (k = 13; tau^2 estimator: REML)"
    assert "tau^2 (estimated amount of residual heterogeneity):     0.1108 (SE = 0.0845)" in lines
    assert "R^2 (amount of heterogeneity accounted for):            64.63%" in lines
    assert "QE(df = 10) = 28.3251, p-val = 0.0016" in lines
    assert "QM(df = 2) = 12.2043, p-val = 0.0022" in lines
    assert "ablat     -0.0280   0.0102  -2.7371  0.0062   -0.0481  -0.0080" in lines


COLLINEAR = [c for c in CASES if "collinear" in c["id"]]


@pytest.mark.parametrize("case", COLLINEAR, ids=case_id)
def test_a_redundant_moderator_is_dropped_with_metafors_warning(case):
    # R: rma(yi, vi, mods = ~ ablat + I(2 * ablat) + year, data = dat.bcg, method=, test=) drops 2 x ablat; its
    # warnings, in order, are ours word for word (tools/metafor_reference.R). metafor's sentence names no column:
    # the fit's notes do.
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        got = meta_regression(case["yi"], case["vi"], np.array(case["X"])[:, 1:], names=["ablat", "ablat2", "year"],
                              method=case["method"], test=case["test"], control=case["control"])  # fmt: skip
    assert [str(w.message) for w in record] == case["warnings"]
    assert got.coef_names == ("intrcpt", "ablat", "year") == ("intrcpt", *case["coef_names"][1:])
    assert "dropped as redundant (collinear with the columns before them): ablat2" in got.notes
    assert "note: dropped as redundant (collinear with the columns before them): ablat2" in got.summary()
    assert got.beta == pytest.approx(case["beta"], rel=TOL["est"])


def test_collinear_cases_cover_every_method_and_both_tests():
    both = ("z", "knha")
    assert {(c["method"], c["test"]) for c in COLLINEAR} >= {(m, t) for m in ("EE", "DL", "REML") for t in both}
    assert all(c["warnings"][0] == "Redundant predictors dropped from the model." for c in COLLINEAR)


def test_a_redundant_numpy_column_is_dropped_as_a_named_one():
    x = np.column_stack([np.arange(13.0), 2 * np.arange(13.0)])
    with pytest.warns(SecretomeWarning, match=r"^Redundant predictors dropped from the model\.$"):
        got = meta_regression(REML["yi"], REML["vi"], x)
    plain = meta_regression(REML["yi"], REML["vi"], x[:, :1])
    assert got.coef_names == ("intrcpt", "mod1")
    assert got.notes[-1] == "dropped as redundant (collinear with the columns before them): mod2"
    assert got.beta == pytest.approx(plain.beta, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mods": [[1.0], [2.0]]}, r"field 'mods': needs one row per study \(13\)"),
        ({"mods": np.c_[np.arange(13.0), ["x"] + [1.0] * 12]}, r"row 1, field 'mod2': is not a number"),
        (
            {"method": "GENQX"},
            r"field 'method': must be one of 'EE', 'FE', 'DL', 'HE', 'HS', 'HSk', 'SJ', 'ML', 'REML', 'PM', "
            r"'PMM', 'EB'",
        ),
        ({"method": "GENQ"}, r"field 'weights': GENQ needs weights"),
        ({"method": "GENQM"}, r"field 'weights': GENQM needs weights"),
        ({"method": ()}, r"field 'method': needs at least one method"),
        ({"names": ["a"]}, r"field 'names': has 1 names for 2 moderators"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    args = {"mods": np.array(REML["X"])[:, 1:], **kwargs}
    with pytest.raises(InputError, match=message):
        meta_regression(REML["yi"], REML["vi"], **args)


def test_too_few_studies_for_the_coefficients():
    with pytest.raises(InputError, match=r"field 'yi': Number of parameters to be estimated is larger than the number"):
        meta_regression([0.1, 0.2, 0.4], [0.01, 0.01, 0.01], [[1, 0], [0, 1], [1, 1]])


# by tools/metafor_reference_refusals.R
REFUSAL_CASES = load_cases("refusals")
P_EQUALS_K = [c for c in REFUSAL_CASES if c["id"].startswith("rma-k2-")]


@pytest.mark.parametrize("case", [c for c in P_EQUALS_K if c["error"]], ids=case_id)
def test_as_many_coefficients_as_studies_stop_a_random_effects_model_as_metafor(case):
    # R: rma(yi, vi, mods = X, method=) on two trials of dat.bcg with ablat (p = k = 2), and with ablat + year, where
    # year is dropped as redundant first: a random-effects model stops in metafor's words ("Number of parameters to
    # be estimated is larger than the number of observations.").
    names = case["terms"].split("+")
    mods = np.column_stack([case[n] for n in names])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        with pytest.raises(InputError) as err:
            meta_regression(case["yi"], case["vi"], mods, method=case["method"], names=names)
    assert [str(w.message) for w in record] == case["warnings"]
    assert (err.value.reason, err.value.field, err.value.value) == (case["error"], "yi", 2)


# by tools/metafor_reference_design_edges.R
DESIGN_EDGES = load_cases("design_edges")
SATURATED = [c for c in DESIGN_EDGES if c["kind"] == "saturated"]


@pytest.mark.parametrize("case", SATURATED, ids=case_id)
def test_the_saturated_equal_effects_fit_matches_metafor(case):
    # R: rma(yi, vi, mods = X, method = "EE" or "FE") on two trials of dat.bcg with ablat (p = k), and with
    # ablat + year (year dropped with metafor's warning): metafor fits it, QE = 0 on 0 df (p = 1), I^2 = 0, H^2 = 1
    # and R^2 NA (tools/metafor_reference_design_edges.R).
    names = case["terms"].split("+")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        got = meta_regression(case["yi"], case["vi"], np.column_stack([case[n] for n in names]),
                              method=case["method"], names=names)  # fmt: skip
    assert [str(w.message) for w in record] == case["warnings"]
    assert got.coef_names == tuple(case["coef_names"])
    for field in PER_COEF:
        assert getattr(got, field) == pytest.approx(case[field], rel=TOL["est"]), field
    assert (got.QE, got.QE_df, got.QE_pval, got.I2, got.H2) == (case["QE"], 0, case["QEp"], case["I2"], case["H2"])
    assert got.R2 is None
    assert case["R2"] is None
    assert (got.QM, got.QM_pval) == pytest.approx((case["QM"], case["QMp"]), rel=TOL["est"])
    assert "note: as many coefficients as studies (2): the fit is exact, QE has 0 df and R^2 is NA (as metafor's)" \
        in got.summary()  # fmt: skip
    assert "QE(df = 0) = 0.0000, p-val = 1.0000" in got.summary()


ALL_REDUNDANT = [c for c in DESIGN_EDGES if c["kind"] == "redundant"]


@pytest.mark.parametrize("case", ALL_REDUNDANT, ids=case_id)
def test_every_moderator_redundant_fits_the_intercept_only_model_as_metafor(case):
    # R: rma(yi, vi, mods = X, method=) on dat.bcg with X a constant column (and it with its double): metafor drops
    # them with its warning and fits the intercept alone (int.only): QM tests the intercept (not printed), R^2 is
    # NULL, and it prints as rma(yi, vi) (tools/metafor_reference_design_edges.R).
    names = case["terms"].split("+")
    mods = np.column_stack([case["const"], 2 * np.array(case["const"])][: len(names)])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        got = meta_regression(case["yi"], case["vi"], mods, method=case["method"], names=names)
    assert [str(w.message) for w in record] == case["warnings"]
    assert case["int_only"]
    assert (got.p, got.coef_names) == (1, tuple(case["coef_names"]))
    assert got.notes[-1] == f"dropped as redundant (collinear with the columns before them): {', '.join(names)}"
    for field in PER_COEF:
        assert getattr(got, field) == pytest.approx(case[field], rel=TOL["est"]), field
    for ours, theirs in {"tau2": "tau2", "I2": "I2", "H2": "H2", "QE": "QE", "QE_pval": "QEp", "QM": "QM"}.items():
        assert getattr(got, ours) == pytest.approx(case[theirs], rel=TOL["est"], abs=1e-12), ours
    assert got.QM_pval == pytest.approx(case["QMp"], rel=TOL["est"])
    assert got.R2 is None
    assert case["R2"] is None
    text = got.summary()
    head = "Equal-Effects Model (k = 13)" if case["method"] == "EE" else f"Random-Effects Model (k = 13; tau^2 " \
        f"estimator: {case['method']})"  # fmt: skip
    assert text.startswith(head)
    assert "Q(df = 12) = 152.2330, p-val < .0001" in text
    assert "R^2" not in text
    assert "Test of Moderators" not in text


def test_the_saturated_fit_refuses_knapp_hartung_whose_df_are_zero():
    # metafor's Knapp-Hartung tests of the saturated EE fit are NA (its print stops on them): refused, said why.
    case = SATURATED[0]
    knha = r"field 'test': test='knha' needs more studies than coefficients \(2\)"
    kh_warning = "^Knapp & Hartung method is not meant to be used in the context of EE"
    with pytest.warns(SecretomeWarning, match=kh_warning), pytest.raises(InputError, match=knha):
        meta_regression(case["yi"], case["vi"], case["ablat"], method="EE", test="knha")


@pytest.mark.parametrize("method", [m for m in REGRESSION_METHODS if m not in ("EE", "FE")])
def test_two_studies_and_a_moderator_stop_every_estimator(method):
    k2 = REML["yi"][:2], REML["vi"][:2], [row[1] for row in REML["X"][:2]]
    error = next(c["error"] for c in P_EQUALS_K if c["error"])
    with pytest.raises(InputError) as err:
        meta_regression(*k2, method=method, weights=[1.0, 2.0] if method.startswith("GENQ") else None)
    assert err.value.reason == error


PLOT_FIELDS = ("weights", "fitted", "fitted_ci_lb", "fitted_ci_ub", "resid", "resid_se")


@pytest.mark.parametrize("case_id", ["bcg-ablat-year-REML-z", "bcg-ablat-year-REML-knha", "bcg-alloc-REML-z"])
def test_per_study_fits_match_metafor(case_id):
    # R: res <- rma(yi, vi, mods = ~ ablat + year (or ~ factor(alloc)), data = dat.bcg, test=); weights(res),
    # fitted(res), predict(res)$ci.lb and $ci.ub (t on k - p df for knha), rstandard(res)$resid and $se
    case = next(c for c in load_cases("plots") if c["id"] == case_id)
    x = np.array(case["X"], dtype=float)[:, 1:]
    res = meta_regression(case["yi"], case["vi"], x, test=case["test"])
    for field in PLOT_FIELDS:
        assert getattr(res, field) == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    assert res.yi == pytest.approx(case["yi"], rel=1e-15)
    assert res.labels == tuple(str(i) for i in range(1, 14))


def test_labels_are_checked():
    with pytest.raises(InputError, match=r"field 'labels': has 2 values but there are 4 studies"):
        meta_regression([0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1.0, 2.0, 3.0, 4.0], labels=["a", "b"])


# ---- PMM, HSk, GENQ and user weights on data sets the other fixtures do not use --------------------------
# (fixtures by tools/metafor_reference_estimators.R)

ESTIMATOR_CASES = load_cases("estimators")
ESTIMATOR_DATA = {c["id"].removeprefix("data-"): c for c in ESTIMATOR_CASES if c["kind"] == "data"}


@pytest.mark.parametrize("case", [c for c in ESTIMATOR_CASES if c["kind"] == "rma" and c["with_mods"]], ids=case_id)
def test_pmm_hsk_genq_and_weights_meta_regressions_match_metafor(case):
    # R: rma(yi, vi, [weights=,] mods=, method=, test=, control=list(tol=)); weights(res), rstandard(res)$se --
    # PMM at metafor's default tol and at 1e-12; GENQ and REML with the data set's weights.
    data = ESTIMATOR_DATA[case["data"]]
    weights = data["weights"] if case["weighted"] else None
    res = meta_regression(data["yi"], data["vi"], data["mods"], weights=weights, names=data["names"],
                          method=case["method"], test=case["test"], control={"tol": case["tol"]})  # fmt: skip
    got = res.to_dict()
    _matches_estimator_record(got, case)
    assert got["coef_names"] == ["intrcpt", *data["names"]]
    frame = res.to_frame()
    assert frame.loc[0, "tau2"] == got["tau2"]
    assert frame.loc[0, "method"] == case["method"]
    assert res.summary().startswith(f"Mixed-Effects Model (k = {len(data['yi'])}; tau^2 estimator: {case['method']})")


MORE_CASES = load_cases("estimators_more")  # by tools/metafor_reference_estimators_more.R
MORE_DATA = {c["id"].removeprefix("data-"): c for c in MORE_CASES if c["kind"] == "data"}


@pytest.mark.parametrize("case", [c for c in MORE_CASES if c["kind"] == "rma" and c["with_mods"]], ids=case_id)
def test_every_estimator_meta_regression_matches_metafor_on_more_datasets(case):
    # R: rma(yi, vi, mods=, method=, test=) on dat.damico2009 (~ conceal) and dat.anand1999 (~ year), metafor's
    # default control; weights(res), rstandard(res)$se
    data = MORE_DATA[case["data"]]
    res = meta_regression(data["yi"], data["vi"], data["mods"], names=data["names"], method=case["method"],
                          test=case["test"])  # fmt: skip
    got = res.to_dict()
    _matches_estimator_record(got, case)


def test_estimator_matrix_covers_pmm_hsk_and_genq():
    # Each data set x {PMM (two tolerances), HSk, GENQ, REML with weights} x {z, knha} x {with, without a
    # moderator}; one data set homogeneous, so that PMM, HSk and GENQ truncate tau^2 at 0 there.
    cases = [c for c in ESTIMATOR_CASES if c["kind"] == "rma"]
    combos = {(c["data"], c["method"], c["tol"], c["with_mods"], c["test"]) for c in cases}
    assert len(combos) == len(cases) == len(ESTIMATOR_DATA) * 5 * 2 * 2
    assert {c["method"] for c in cases} == {"PMM", "HSk", "GENQ", "REML"}
    assert {c["method"] for c in cases if c["weighted"]} == {"GENQ", "REML"}
    new = [c for c in cases if c["method"] != "REML"]
    assert all(c["tau2"] == 0 for c in new if c["data"] == "collins1985a")
    assert all(c["tau2"] > 0 for c in new if c["data"] != "collins1985a")


VI_ZERO_MODS = load_cases("vi_zero_mods")  # by tools/metafor_reference_control.R
ZERO_FIELDS = (*PER_COEF, "tau2", "se_tau2", "QM", "R2", "weights")


@pytest.mark.parametrize("case", VI_ZERO_MODS, ids=case_id)
def test_zero_sampling_variances_with_moderators_as_metafor(case):
    # R: rma(yi, vi, mods = X, [weights = ni,] method =, test =) on proportions with vi = 0 (dat.pagliaro1992,
    # dat.hasselblad1998) and a constructed set: HE, SJ, ML, REML, EB and GENQ are fitted (QE, I2, H2 NA, with
    # metafor's two warnings, ours one for one); DL, HS, HSk, PM and PMM stop, EE and FE divide by 0, in a
    # chain too when reached. Where the model without moderators stops, R^2 is NA (and we say so).
    method = case["method"][0] if len(case["method"]) == 1 else tuple(case["method"])
    x = np.array(case["X"])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        if case["error"] is not None:
            with pytest.raises(InputError) as err:
                meta_regression(case["yi"], case["vi"], x, weights=case["weights_given"], method=method,
                                test=case["test"])  # fmt: skip
            assert (err.value.field, err.value.reason) == ("vi", case["error"])
        else:
            res = meta_regression(case["yi"], case["vi"], x, weights=case["weights_given"], method=method,
                                  test=case["test"])  # fmt: skip
    if case["error"] is not None:
        assert not record
        return
    assert [str(w.message) for w in record] == case["warnings"]
    got = res.to_dict()
    for field in ZERO_FIELDS:
        if case[field] is None:
            assert got[field] is None, field
        else:
            assert got[field] == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    assert got["QM_pval"] == pytest.approx(case["QMp"], rel=TOL["pval"], abs=1e-12)
    assert (res.QE, res.QE_pval, res.I2, res.H2) == (None, None, None, None)
    assert "not available (a sampling variance is 0)" in res.summary()
    json.dumps(got, allow_nan=False)


def test_zero_variance_matrix_covers_every_method_and_both_tests():
    fitted = {(c["method"][0], c["test"]) for c in VI_ZERO_MODS if c["error"] is None and len(c["method"]) == 1}
    refused = {(c["method"][0], c["test"]) for c in VI_ZERO_MODS if c["error"] is not None and len(c["method"]) == 1}
    both = ("z", "knha")
    assert fitted == {(m, t) for m in ("HE", "SJ", "ML", "REML", "EB", "GENQ") for t in both}
    assert refused == {(m, t) for m in ("EE", "FE", "DL", "HS", "HSk", "PM", "PMM") for t in both}
    assert any(c["R2"] is None for c in VI_ZERO_MODS if c["error"] is None)


@pytest.mark.parametrize("case", [c for c in load_cases("vi_negative") if c["with_mods"]], ids=case_id)
def test_negative_sampling_variances_with_moderators_as_metafor(case):
    # R: rma(yi, vi, mods = ~ x, method =, test =) with two of six vi negative, and all six: set to 0 with
    # metafor's warning, then fitted or refused as vi = 0 (vi_negative.json, tools/metafor_reference_control.R).
    args = (case["yi"], case["vi"], np.array(case["x"]))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        if case["error"] is not None:
            with pytest.raises(InputError) as err:
                meta_regression(*args, method=case["method"], test=case["test"])
            assert (err.value.field, err.value.reason) == ("vi", case["error"])
        else:
            res = meta_regression(*args, method=case["method"], test=case["test"])
    if case["error"] is not None:
        assert not record
        return
    assert [str(w.message) for w in record] == case["warnings"]
    assert res.notes[res.notes.index(case["warnings"][1]) + 1].startswith("constrained to zero: row")
    got = res.to_dict()
    for field in ZERO_FIELDS:
        if case[field] is None:
            assert got[field] is None, field
        else:
            assert got[field] == pytest.approx(case[field], rel=TOL["est"], abs=1e-12), field
    assert (res.QE, res.I2, res.H2) == (None, None, None)


GENQM_CASES = load_cases("genqm")  # by tools/metafor_reference_genqm.R
GENQM_DATA = {c["id"].removeprefix("data-"): c for c in GENQM_CASES if c["kind"] == "data"}


@pytest.mark.parametrize("case", [c for c in GENQM_CASES if c["kind"] == "rma" and c["with_mods"]], ids=case_id)
def test_genqm_meta_regressions_match_metafor(case):
    # R: rma(yi, vi, weights=, mods=, method="GENQM", test=, control=list(tol=)); weights(res), rstandard(res)$se
    data = GENQM_DATA[case["data"]]
    res = meta_regression(data["yi"], data["vi"], data["mods"], weights=data["weights"], names=data["names"],
                          method="GENQM", test=case["test"], control={"tol": case["tol"]})  # fmt: skip
    got = res.to_dict()
    _matches_estimator_record(got, case)
    assert res.summary().startswith(f"Mixed-Effects Model (k = {len(data['yi'])}; tau^2 estimator: GENQM)")


def test_genqm_matrix_covers_three_data_sets_both_tests_and_both_tolerances():
    cases = [c for c in GENQM_CASES if c["kind"] == "rma"]
    combos = {(c["data"], c["with_mods"], c["test"], c["tol"]) for c in cases}
    assert len(combos) == len(cases) == len(GENQM_DATA) * 2 * 2 * 2 == 24

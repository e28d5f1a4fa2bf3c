"""random_effects against metafor 3.8-1 rma.uni, predict and confint (fixtures by tools/metafor_reference.R)."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest
from metafor_fixtures import NEGATIVE_VI, NONPOSITIVE_VI, case_id, load_cases

from conftest import TOL
from secretome.errors import ConvergenceError, InputError, SecretomeWarning
from secretome.meta import random_effects, tau2_confint

CASES = load_cases("rma_uni")
BCG = next(c for c in CASES if c["id"] == "bcg-REML-z")
REFUSALS = {c["id"]: c for c in load_cases("refusals")}  # by tools/metafor_reference_refusals.R
FIELDS = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "se_tau2", "I2", "H2", "Q", "Q_pval")
FIELDS += ("pi_lb", "pi_ub", "df")
TOL_BY_FIELD = {"tau2": TOL["var"], "se_tau2": TOL["se"], "se": TOL["se"], "pval": TOL["pval"], "Q_pval": TOL["pval"]}


def _fit(case, *, tight=False):
    # metafor warns for Knapp-Hartung with EE/FE models, and so do we; with identical effects its Knapp-Hartung
    # factor is 0 (SE = 0) without a word, which our notes say. The fixtures fit PM with control=list(tol=1e-12)
    # and take confint(res, control=list(tol=1e-12)): *tight* for the latter.
    warns = case["test"] == "knha" and case["method"] in ("EE", "FE")
    control = {"tol": 1e-12} if tight or case["method"] == "PM" else None
    with pytest.warns(SecretomeWarning) if warns else warnings.catch_warnings():
        if not warns:
            warnings.simplefilter("error", SecretomeWarning)
        res = random_effects(case["yi"], case["vi"], method=case["method"], test=case["test"], control=control)
    degenerate = case["test"] == "knha" and case["dataset"] == "identical"
    assert any(n.startswith("Knapp-Hartung factor is 0") for n in res.notes) == degenerate
    return res


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_model_matches_metafor(case):
    # R: res <- rma(yi, vi, method=, test=); predict(res) for pi.lb/pi.ub. R's Inf (z with SE = 0) and
    # NA (no se.tau2 or PI for EE/FE models) are null in the fixtures, as in our to_dict().
    got = _fit(case).to_dict()
    assert got["k"] == case["k"]
    for field in FIELDS:
        if case[field] is None:
            assert got[field] is None, field
        else:
            assert got[field] == pytest.approx(case[field], rel=TOL_BY_FIELD.get(field, TOL["est"]), abs=1e-12), field


@pytest.mark.parametrize("case", [c for c in CASES if "confint" in c], ids=case_id)
def test_q_profile_ci_matches_metafor(case):
    # R: confint(res, control=list(tol=1e-12))$random (tau^2, I^2(%), H^2 rows)
    got = _fit(case, tight=True).to_dict()
    for field, expected in case["confint"].items():
        assert got[field] == pytest.approx(expected, rel=TOL["var"], abs=1e-12), field


def test_to_dict_is_json_with_the_documented_keys():
    got = json.loads(json.dumps(random_effects(BCG["yi"], BCG["vi"]).to_dict(), allow_nan=False))
    keys = {"k", "estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "I2", "H2", "Q", "Q_pval", "pi_lb", "pi_ub"}
    assert keys | {"method", "test", "notes"} <= got.keys()
    assert got["method"] == "REML"
    assert got["notes"] == []


def test_to_frame_is_one_row_of_scalars():
    frame = random_effects(BCG["yi"], BCG["vi"]).to_frame()
    assert frame.shape[0] == 1
    assert "weights" not in frame.columns
    assert frame.loc[0, "tau2"] == pytest.approx(BCG["tau2"], rel=TOL["var"])


def test_fallback_chain_uses_the_next_method_and_says_so():
    with pytest.warns(SecretomeWarning, match=r"REML did not converge, used DL instead"):
        res = random_effects(BCG["yi"], BCG["vi"], method=("REML", "DL"), control={"maxiter": 1})
    dl = next(c for c in CASES if c["id"] == "bcg-DL-z")
    assert res.method == "DL"
    assert res.tau2 == pytest.approx(dl["tau2"], rel=TOL["var"])
    assert any("REML did not converge" in note for note in res.notes)


def test_fallback_chain_raises_when_every_method_fails():
    # R: rma(yi, vi, method = c("REML", "ML"), control = list(maxiter = 1)) stops at its last method
    reason = REFUSALS["rma-maxiter2-ML"]["error"]
    with pytest.warns(SecretomeWarning), pytest.raises(ConvergenceError, match=rf"^{re.escape(reason)} \(ML: 1 steps"):
        random_effects(BCG["yi"], BCG["vi"], method=("REML", "ML"), control={"maxiter": 1})


def test_weights_sum_to_100_percent_and_labels_default_to_row_numbers():
    res = random_effects(BCG["yi"], BCG["vi"])
    assert sum(res.weights) == pytest.approx(100)
    assert res.labels == tuple(str(i) for i in range(1, 14))


def test_shift_moves_the_estimate_and_keeps_tau2():
    yi, vi = np.array(BCG["yi"]), np.array(BCG["vi"])
    base, shifted = random_effects(yi, vi, method="DL"), random_effects(yi + 2.0, vi, method="DL")
    assert shifted.estimate == pytest.approx(base.estimate + 2.0)
    assert shifted.tau2 == pytest.approx(base.tau2)
    assert shifted.se == pytest.approx(base.se)


def test_study_order_does_not_matter():
    order = np.argsort(BCG["yi"])
    res = random_effects(np.array(BCG["yi"])[order], np.array(BCG["vi"])[order])
    assert res.estimate == pytest.approx(BCG["estimate"], rel=TOL["est"])
    assert res.tau2 == pytest.approx(BCG["tau2"], rel=TOL["var"])


def test_identical_studies_are_not_an_error():
    res = random_effects([0.4, 0.4, 0.4], [0.01, 0.02, 0.03])
    assert res.tau2 == 0.0
    assert res.I2 == 0.0
    assert res.estimate == pytest.approx(0.4)


def test_one_study_equal_effects_is_the_study_itself():
    res = random_effects([0.4], [0.04], method="EE")
    assert (res.estimate, res.se, res.Q, res.Q_pval, res.I2, res.H2) == (0.4, pytest.approx(0.2), 0.0, 1.0, 0.0, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"yi": [], "vi": []}, r"field 'yi': Processing terminated since k = 0\. \(got 0\)"),
        (
            {"vi": [0.1, -0.1, 0.1], "method": "DL"},
            # metafor: "DL estimator cannot be used when there are non-positive sampling variances in the data."
            r"row 2, field 'vi': DL estimator cannot be used when there are non-positive sampling variances in the",
        ),
        ({"yi": [0.1, "?", 0.3]}, r"row 2, field 'yi': is not a number \(got '\?'\)"),
        ({"method": "reml"}, r"field 'method': must be one of 'EE', 'FE', .* in random_effects \(got 'reml'\)"),
        ({"method": ()}, r"field 'method': needs at least one method"),
        ({"test": "t"}, r"field 'test': must be one of 'z', 'knha' in random_effects \(got 't'\)"),
        ({"level": 95}, r"field 'level': must be a proportion in \(0, 1\)"),
        ({"labels": ["a", "b"]}, r"field 'labels': has 2 values but there are 3 studies"),
    ],
)
def test_bad_input_is_named(kwargs, message):
    args = {"yi": [0.1, 0.2, 0.3], "vi": [0.1, 0.1, 0.1], **kwargs}
    with pytest.raises(InputError, match=message):
        random_effects(args.pop("yi"), args.pop("vi"), **args)


K1 = load_cases("k1")  # by tools/metafor_reference_k1.R


@pytest.mark.parametrize("case", K1, ids=case_id)
def test_one_study_is_the_study_itself_as_metafor(case):
    # R: rma(yi, vi, method=, test=) on one study: tau^2 0, Q(df = 0) = 0, p 1, I^2 0%, H^2 1, the prediction
    # interval the confidence interval (none for EE/FE), confint() "Stopped because k = 1.", test = "knha" replaced by
    # z with metafor's warning, and a sampling variance of 0 stops ("Division by zero ... inverse variance weights.").
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if "error" in case:
            with pytest.raises(InputError) as err:
                random_effects([case["yi"]], [case["vi"]], method=case["method"], test=case["test"])
            assert (err.value.row, err.value.field, err.value.reason) == (1, "vi", case["error"])
            return
        res = random_effects([case["yi"]], [case["vi"]], method=case["method"], test=case["test"])
    assert [str(w.message) for w in caught if issubclass(w.category, SecretomeWarning)] == case["warnings"]
    got = {"estimate": res.estimate, "se": res.se, "pval": res.pval, "ci_lb": res.ci_lb, "ci_ub": res.ci_ub,
           "tau2": res.tau2, "QE": res.Q, "QEp": res.Q_pval, "I2": res.I2, "H2": res.H2}  # fmt: skip
    for field, value in got.items():
        assert value == pytest.approx(case[field], rel=1e-12, abs=1e-15), field
    if case["pi_lb"] is None:
        assert (res.pi_lb, res.pi_ub) == (None, None)
    else:
        assert (res.pi_lb, res.pi_ub) == pytest.approx((case["pi_lb"], case["pi_ub"]), rel=1e-12)
    assert case["confint_error"] == "Stopped because k = 1."
    assert res.tau2_lb is None
    # metafor looks at k before the method, so an EE/FE model stops for k = 1 too.
    with pytest.raises(InputError) as err:
        tau2_confint(res)
    assert err.value.reason == case["confint_error"]


VI_ZERO = load_cases("vi_zero")  # by tools/metafor_reference_control.R


def _fit_or_refusal(case: dict, **options) -> tuple[object, list]:
    """random_effects on a zero/negative-variance fixture case: the fit (None where metafor stops, and then our
    one error must be metafor's, with the first study it is about) and the SecretomeWarnings it raised."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", SecretomeWarning)
        if case["error"] is None:
            return random_effects(case["yi"], case["vi"], **options), record
        with pytest.raises(InputError) as err:
            random_effects(case["yi"], case["vi"], **options)
        assert (err.value.field, err.value.reason) == ("vi", case["error"])
        assert case["vi"][err.value.row - 1] <= 0
        return None, record


@pytest.mark.parametrize("case", VI_ZERO, ids=case_id)
def test_zero_sampling_variances_as_metafor(case):
    # R: rma(yi, vi, method=[, weights = ni for GENQ]) with one vi = 0, and with every vi = 0: HE, SJ, ML, REML, EB
    # and GENQ are fitted (QE, I2, H2 are NA, with a warning unless every vi is 0); DL, HS, HSk, PM and PMM stop;
    # EE and FE divide by 0.
    # metafor's warnings ("There are outcomes with non-positive sampling variances.", "Cannot compute
    # Q-test, I^2, or H^2 ...") are ours, in its words and order, where it fits; the rows follow in the notes.
    # Where it stops, our error comes alone (one line in the CLI).
    res, record = _fit_or_refusal(case, weights=case["weights"], method=case["method"])
    if case["error"] is not None:
        assert not record
        return
    assert [str(w.message) for w in record] == case["warnings"]
    if case["zeros"] == "one":
        row = case["vi"].index(0) + 1
        assert res.notes[:2] == (case["warnings"][0], f"1 of {res.k} sampling variances are 0 or less: row {row}")
    for field in ("tau2", "se_tau2", "estimate", "se"):
        assert getattr(res, field) == pytest.approx(case[field], rel=TOL["est"]), field
    assert (res.Q, res.Q_pval, res.I2, res.H2, res.tau2_lb) == (None, None, None, None, None)
    assert "not available" in res.summary()
    json.dumps(res.to_dict(), allow_nan=False)


def test_zero_variance_cases_cover_every_method():
    # Every estimator random_effects takes, with one vi = 0 and with all: fitted or refused as metafor.
    methods = {"EE", "FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM", "GENQ"}
    assert {(c["zeros"], c["method"]) for c in VI_ZERO} == {(z, m) for z in ("one", "all") for m in methods}
    refused = {c["method"] for c in VI_ZERO if c["error"] is not None}
    assert refused == {"EE", "FE", "DL", "HS", "HSk", "PM", "PMM"}


# ---- PMM, HSk, GENQ and user weights on data sets the other fixtures do not use --------------------------
# (fixtures by tools/metafor_reference_estimators.R)

ESTIMATOR_CASES = load_cases("estimators")
ESTIMATOR_DATA = {c["id"].removeprefix("data-"): c for c in ESTIMATOR_CASES if c["kind"] == "data"}
ESTIMATOR_FIELDS = {"estimate": "beta", "se": "se", "zval": "zval", "pval": "pval", "ci_lb": "ci_lb", "ci_ub": "ci_ub"}


@pytest.mark.parametrize("case", [c for c in ESTIMATOR_CASES if c["kind"] == "rma" and not c["with_mods"]], ids=case_id)
def test_pmm_hsk_genq_and_weights_match_metafor(case):
    # R: rma(yi, vi, [weights=,] method=, test=, control=list(tol=)); predict(res), weights(res) -- PMM at
    # metafor's default tol and at 1e-12 (its root is found by R's uniroot step for step, so even at the
    # default tol, where it stops about 1e-3 short of the root, it stops where metafor stops); GENQ and REML
    # with the data set's weights (the weighted least-squares fit and its sandwich variance).
    data = ESTIMATOR_DATA[case["data"]]
    weights = data["weights"] if case["weighted"] else None
    got = random_effects(data["yi"], data["vi"], weights=weights, method=case["method"], test=case["test"],
                         control={"tol": case["tol"]}).to_dict()  # fmt: skip
    for ours, theirs in ESTIMATOR_FIELDS.items():
        assert got[ours] == pytest.approx(case[theirs][0], rel=TOL["est"], abs=1e-12), ours
    heterogeneity = {"tau2": "tau2", "se_tau2": "se_tau2", "Q": "QE", "Q_pval": "QEp", "I2": "I2", "H2": "H2"}
    for ours, theirs in (heterogeneity | {"pi_lb": "pi_lb", "pi_ub": "pi_ub"}).items():
        assert got[ours] == pytest.approx(case[theirs], rel=TOL["est"], abs=1e-12), ours
    assert got["weights"] == pytest.approx(case["weights"], rel=TOL["est"])
    assert got["method"] == case["method"]


# Every classic estimator at metafor's default control on two more datasets (metafor_reference_estimators_more.R).
MORE_CASES = load_cases("estimators_more")
MORE_DATA = {c["id"].removeprefix("data-"): c for c in MORE_CASES if c["kind"] == "data"}


@pytest.mark.parametrize("case", [c for c in MORE_CASES if c["kind"] == "rma" and not c["with_mods"]], ids=case_id)
def test_every_estimator_matches_metafor_on_more_datasets(case):
    # R: rma(yi, vi, method=, test=) on dat.damico2009 and dat.anand1999 (log odds ratios); predict(res), weights(res)
    data = MORE_DATA[case["data"]]
    got = random_effects(data["yi"], data["vi"], method=case["method"], test=case["test"]).to_dict()
    for ours, theirs in ESTIMATOR_FIELDS.items():
        assert got[ours] == pytest.approx(case[theirs][0], rel=TOL["est"], abs=1e-12), ours
    heterogeneity = {"tau2": "tau2", "se_tau2": "se_tau2", "Q": "QE", "Q_pval": "QEp", "I2": "I2", "H2": "H2"}
    for ours, theirs in (heterogeneity | {"pi_lb": "pi_lb", "pi_ub": "pi_ub"}).items():
        assert got[ours] == pytest.approx(case[theirs], rel=TOL["est"], abs=1e-12), ours
    assert got["weights"] == pytest.approx(case["weights"], rel=TOL["est"])


def test_more_datasets_cover_every_estimator_test_and_moderators():
    cases = [c for c in MORE_CASES if c["kind"] == "rma"]
    combos = {(c["data"], c["method"], c["with_mods"], c["test"]) for c in cases}
    assert len(combos) == len(cases) == 2 * 8 * 2 * 2
    assert {c["method"] for c in cases} == {"DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB"}


def test_genq_needs_weights_and_checks_them():
    data = ESTIMATOR_DATA["dorn2007"]
    with pytest.raises(InputError, match=r"field 'weights': GENQ needs weights"):
        random_effects(data["yi"], data["vi"], method="GENQ")
    bad = [*data["weights"][:2], -1.0, *data["weights"][3:]]
    with pytest.raises(InputError, match=r"row 3, field 'weights': must be finite and > 0 \(got -1.0\)"):
        random_effects(data["yi"], data["vi"], weights=bad, method="GENQ")
    with pytest.raises(InputError, match=r"field 'weights'"):
        random_effects(data["yi"], data["vi"], weights=data["weights"][:3], method="GENQ")


def test_genq_with_inverse_variance_weights_is_dl():
    # The generalised Q with a_i = 1/v_i is Cochran's Q: GENQ's tau^2 is then DerSimonian-Laird's.
    data = ESTIMATOR_DATA["baskerville2012"]
    genq = random_effects(data["yi"], data["vi"], weights=[1 / v for v in data["vi"]], method="GENQ")
    dl = random_effects(data["yi"], data["vi"], method="DL")
    assert genq.tau2 == pytest.approx(dl.tau2, rel=1e-12)
    assert genq.se_tau2 == pytest.approx(dl.se_tau2, rel=1e-12)


def test_pmm_at_metafors_default_tol_is_not_yet_the_root():
    # The two PMM fixtures differ (metafor's uniroot stops at tol = 1.2e-4): the test above can tell them apart.
    pick = {c["id"]: c["tau2"] for c in ESTIMATOR_CASES if c["kind"] == "rma"}
    default, tight = pick["baskerville2012-PMM-default-intercept-z"], pick["baskerville2012-PMM-tight-intercept-z"]
    assert abs(default - tight) / tight > 1e-4


def test_post_fit_analyses_refuse_a_fit_with_user_weights():
    # They refit or reweight with 1/(v + tau^2): on a user-weighted fit they would answer for another model.
    from secretome.meta import predict, robust, selection_model

    data = ESTIMATOR_DATA["dorn2007"]
    weighted = random_effects(data["yi"], data["vi"], weights=data["weights"], method="GENQ")
    for analysis in (predict, lambda fit: robust(fit, range(len(data["yi"]))), selection_model):
        with pytest.raises(InputError, match=r"field 'weights': .* is not available for a model fitted with user"):
            analysis(weighted)
    # Weights proportional to 1/(v + tau^2) give the inverse-variance fit itself, which the analyses take.
    fit = random_effects(data["yi"], data["vi"], method="DL")
    same = random_effects(data["yi"], data["vi"], weights=[3 / (v + fit.tau2) for v in data["vi"]], method="DL")
    assert predict(same).pred == pytest.approx(predict(fit).pred, rel=1e-12)


VI_NEGATIVE = load_cases("vi_negative")  # by tools/metafor_reference_control.R


@pytest.mark.parametrize("case", [c for c in VI_NEGATIVE if not c["with_mods"]], ids=case_id)
def test_negative_sampling_variances_are_constrained_to_zero_as_metafor(case):
    # R: rma(yi, vi, method =, test =) with two of six vi negative, and all six: metafor sets them to 0 with a
    # warning ("Negative sampling variances constrained to zero."), after "There are outcomes with non-positive
    # sampling variances.", and then fits or stops as with vi = 0. Our warnings are metafor's, in its words.
    res, record = _fit_or_refusal(case, method=case["method"], test=case["test"])
    if case["error"] is not None:
        assert not record
        return
    assert [str(w.message) for w in record] == case["warnings"]
    negative = ", ".join(str(i + 1) for i, v in enumerate(case["vi"]) if v < 0)
    assert res.notes[res.notes.index(NEGATIVE_VI) + 1] == f"constrained to zero: rows {negative}"
    assert res.vi == tuple(max(v, 0.0) for v in case["vi"])
    assert res.estimate == pytest.approx(case["beta"][0], rel=TOL["est"])
    for field in ("se", "ci_lb", "ci_ub", "pval"):
        assert getattr(res, field) == pytest.approx(case[field][0], rel=TOL["est"]), field
    for field in ("tau2", "se_tau2"):
        assert getattr(res, field) == pytest.approx(case[field], rel=TOL["est"]), field
    assert (res.Q, res.I2, res.H2) == (case["QE"], case["I2"], case["H2"]) == (None, None, None)


# ---- GENQM (fixtures by tools/metafor_reference_genqm.R) -------------------------------------------------------

GENQM_CASES = load_cases("genqm")
GENQM_DATA = {c["id"].removeprefix("data-"): c for c in GENQM_CASES if c["kind"] == "data"}


@pytest.mark.parametrize("case", [c for c in GENQM_CASES if c["kind"] == "rma" and not c["with_mods"]], ids=case_id)
def test_genqm_matches_metafor(case):
    # R: rma(yi, vi, weights=, method="GENQM", test=, control=list(tol=)); predict(res), weights(res) on
    # dat.mcdaniel1994, dat.linde2005 and dat.lehmann2018, at metafor's default tol (uniroot's iterates, step
    # for step) and at 1e-12.
    data = GENQM_DATA[case["data"]]
    res = random_effects(data["yi"], data["vi"], weights=data["weights"], method="GENQM", test=case["test"],
                         control={"tol": case["tol"]})  # fmt: skip
    got = res.to_dict()
    for ours, theirs in ESTIMATOR_FIELDS.items():
        assert got[ours] == pytest.approx(case[theirs][0], rel=TOL["est"], abs=1e-12), ours
    heterogeneity = {"tau2": "tau2", "se_tau2": "se_tau2", "Q": "QE", "Q_pval": "QEp", "I2": "I2", "H2": "H2"}
    for ours, theirs in (heterogeneity | {"pi_lb": "pi_lb", "pi_ub": "pi_ub"}).items():
        assert got[ours] == pytest.approx(case[theirs], rel=TOL["est"], abs=1e-12), ours
    assert got["weights"] == pytest.approx(case["weights"], rel=TOL["est"])
    assert res.summary().startswith(f"Random-Effects Model (k = {len(data['yi'])}; tau^2 estimator: GENQM)")
    assert res.to_frame().loc[0, "method"] == "GENQM"


def test_genqm_needs_weights():
    data = GENQM_DATA["linde2005"]
    with pytest.raises(InputError, match=r"field 'weights': GENQM needs weights"):
        random_effects(data["yi"], data["vi"], method="GENQM")


def test_genqm_with_a_too_small_tau2_max_says_so():
    # metafor: "Value of 'tau2.max' too low. Try increasing 'tau2.max' or switch to another 'method'."
    data = GENQM_DATA["linde2005"]
    with pytest.raises(ConvergenceError, match=r"\(GENQM: the generalised Q is still above its median at tau\^2 = "):
        random_effects(data["yi"], data["vi"], weights=data["weights"], method="GENQM", control={"tau2_max": 0.01})


def test_variance_warnings_name_the_rows_given():
    # The caller's row numbers (a table with row 2 left out) name the studies; without them, positions 1 to k.
    with pytest.warns(SecretomeWarning) as caught:
        random_effects([0.1, 0.3, 0.6, 0.2], [0.01, -0.02, 0.03, 0.0], rows=[1, 3, 4, 5])
    said = [str(w.message) for w in caught]
    assert said[:2] == [NONPOSITIVE_VI, NEGATIVE_VI]  # metafor's sentences name no row; the notes do
    with pytest.warns(SecretomeWarning):
        res = random_effects([0.1, 0.3, 0.6, 0.2], [0.01, -0.02, 0.03, 0.0], rows=[1, 3, 4, 5])
    assert res.notes[:4] == (NONPOSITIVE_VI, "2 of 4 sampling variances are 0 or less: rows 3, 5", NEGATIVE_VI,
                             "constrained to zero: row 3")  # fmt: skip
    with pytest.raises(InputError, match="field 'rows': needs one row number per study"):
        random_effects([0.1, 0.3], [0.01, 0.02], rows=[1])


# ---- rma()'s own errors and warnings when an iterative estimator does not get there --------------------------
# (fixtures by tools/metafor_reference_refusals.R)

RMA_CONTROL = [c for c in REFUSALS.values() if c["call"] == "rma" and "control" in c]


@pytest.mark.parametrize("case", RMA_CONTROL, ids=case_id)
def test_iterative_estimators_stop_in_metafors_words(case):
    # R: rma(yi, vi, [weights = 1/vi,] method =, control =) on dat.bcg: Fisher scoring (ML, REML, EB) past maxiter
    # stops with "Fisher scoring algorithm did not converge. ..."; PM, PMM and GENQM with the target still exceeded
    # at tau2.max with "Value of 'tau2.max' too low. ..."; a chain c("REML", "DL") moves on to DL; SJ ignores maxiter.
    # Our error leads with metafor's sentence; where it stopped follows in brackets.
    method = case["method"][0] if len(case["method"]) == 1 else tuple(case["method"])
    options = {"method": method, "control": case["control"]}
    if case["user_weights"]:
        options["weights"] = [1 / v for v in case["vi"]]
    if case["error"] is not None:
        with pytest.raises(ConvergenceError) as err:
            random_effects(case["yi"], case["vi"], **options)
        assert str(err.value).startswith(f"{case['error']} ({method}: ")
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SecretomeWarning)
        res = random_effects(case["yi"], case["vi"], **options)
    assert (res.tau2, res.estimate) == pytest.approx((case["tau2"], case["estimate"]), rel=TOL["est"])
    if isinstance(method, str):
        assert [str(w.message) for w in caught] == case["warnings"]
    else:  # metafor moves on silently (it says so only with verbose); we say so, once, and in the notes
        assert res.method == "DL"
        assert len(caught) == 1
        assert res.notes[0].startswith("REML did not converge, used DL instead (Fisher scoring algorithm did not")


def test_a_fisher_scoring_stuck_at_a_local_maximum_is_set_to_0_in_metafors_words():
    # R: rma(yi, vi, method = "ML") on four studies where ML stops below the likelihood at tau^2 = 0 (metafor's
    # ll0check): tau^2 = 0 and its two-line warning, here on one line.
    case = REFUSALS["rma-ll0check-ML"]
    with pytest.warns(SecretomeWarning) as caught:
        res = random_effects(case["yi"], case["vi"], method="ML")
    assert [str(w.message) for w in caught] == [w.replace("\n", " ") for w in case["warnings"]]
    assert res.tau2 == case["tau2"] == 0
    assert (res.estimate, res.se) == pytest.approx((case["estimate"], case["se"]), rel=TOL["est"])
    assert res.notes[1].startswith("ML: Fisher scoring had stopped at tau^2 = ")

"""The table-level models (one per model, and meta_from_table / meta_from_csv choosing one): columns named by the
user, errors in the user's terms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from metafor_fixtures import case_id, load_cases

from conftest import TOL
from secretome.errors import InputError, SecretomeWarning
from secretome.meta import (
    MetaRegressionResult,
    MultilevelRegressionResult,
    MultilevelResult,
    RandomEffectsResult,
    SubgroupResult,
    meta_from_csv,
    meta_from_table,
    meta_regression_from_table,
    multilevel_from_table,
    multilevel_regression_from_table,
    random_effects_from_table,
    subgroups_from_table,
)

BCG = next(c for c in load_cases("rma_uni") if c["id"] == "bcg-REML-z")
CHAIN = next(c for c in load_cases("rma_mods") if c["id"] == "bcg-ablat-year-chain-REML-DL-z")
MV_YEAR = next(c for c in load_cases("rma_mv") if c["id"] == "konstantopoulos2011-year-REML-z")
RR = next(c for c in load_cases("escalc") if c["id"] == "bcg-RR")


def test_yi_vi_columns_match_metafor():
    frame = pd.DataFrame({"lnrr": BCG["yi"], "v": BCG["vi"], "trial": [f"t{i}" for i in range(13)]})
    res = meta_from_table(frame, yi="lnrr", vi="v", slab="trial")
    assert res.estimate == pytest.approx(BCG["estimate"], rel=TOL["est"])
    assert res.labels[0] == "t0"


def test_raw_columns_match_metafor():
    # R: rma(escalc("RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg))
    frame = pd.DataFrame({"tp": RR["inputs"]["ai"], "tn": RR["inputs"]["bi"], "cp": RR["inputs"]["ci"]})
    frame["cn"] = RR["inputs"]["di"]
    res = meta_from_table(frame, measure="RR", columns={"ai": "tp", "bi": "tn", "ci": "cp", "di": "cn"})
    assert res.tau2 == pytest.approx(BCG["tau2"], rel=TOL["var"])


def test_error_names_the_users_column_and_file():
    frame = pd.DataFrame({"tp": [1, 2], "tn": [5, -1], "cp": [2, 2], "cn": [4, 4]})
    with pytest.raises(InputError, match=r"^file 'x.csv', row 2, field 'tn': count must be >= 0 \(got -1.0\)$"):
        meta_from_table(frame, measure="OR", columns={"ai": "tp", "bi": "tn", "ci": "cp", "di": "cn"}, file="x.csv")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"yi": "g", "vi": "v", "measure": "SMD"}, r"field 'measure': give either yi and vi columns or a measure"),
        ({"measure": "SMD", "columns": {"mean1": "g"}}, r"field 'columns': unknown escalc argument"),
        ({"yi": "g", "vi": "v", "slab": "name"}, r"field 'name': no such column"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(InputError, match=message):
        meta_from_table(pd.DataFrame({"g": [0.1, 0.2], "v": [0.1, 0.1]}), **kwargs)


def test_unreadable_csv_names_the_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(InputError, match=r"empty.csv', field|empty.csv': cannot be read as CSV"):
        meta_from_csv(path, yi="g", vi="v")


def test_text_moderators_are_dummy_coded_against_the_first_sorted_level():
    # R: model.matrix(~ factor(arm)) codes levels "a" (reference), "b", "c" as columns armb, armc.
    frame = pd.DataFrame({"g": [0.1, 0.5, 0.9, 0.4, 0.2], "v": [0.01, 0.02, 0.01, 0.02, 0.03]})
    frame["arm"] = ["c", "a", "b", "a", "c"]
    res = meta_from_table(frame, yi="g", vi="v", mods=["arm"], method="FE")
    assert res.coef_names == ("intrcpt", "armb", "armc")
    assert res.beta[0] == pytest.approx((0.5 / 0.02 + 0.4 / 0.02) / (1 / 0.02 + 1 / 0.02))  # level "a" alone


def test_fallback_chain_with_moderators_matches_metafor():
    # R: rma(yi, vi, mods=~ablat + year, data=dat.bcg, method=c("REML", "DL"), control=list(maxiter=1))
    case = CHAIN
    frame = pd.DataFrame({"g": case["yi"], "v": case["vi"], "ablat": [r[1] for r in case["X"]]})
    frame["year"] = [r[2] for r in case["X"]]
    with pytest.warns(SecretomeWarning, match=r"REML did not converge, used DL instead"):
        res = meta_from_table(
            frame, yi="g", vi="v", mods=["ablat", "year"], method=("REML", "DL"), control={"maxiter": 1}
        )
    assert res.method == "DL"
    assert res.beta == pytest.approx(case["beta"], rel=TOL["est"])
    assert pytest.approx(case["R2"], rel=TOL["est"]) == res.R2


@pytest.mark.parametrize("option", [{"subgroup": "arm"}, {"cluster": "arm"}])
def test_fallback_chain_with_subgroups_or_a_cluster_is_refused(option):
    frame = pd.DataFrame({"g": [0.1, 0.5, 0.9, 0.4], "v": [0.01] * 4, "arm": ["a", "a", "b", "b"]})
    with pytest.raises(InputError, match=r"field 'method': a fallback chain is not available with subgroups or a"):
        meta_from_table(frame, yi="g", vi="v", method=("REML", "DL"), **option)


def test_cluster_and_moderators_give_a_three_level_meta_regression():
    # R: rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, data = dat.konstantopoulos2011)
    case = MV_YEAR
    frame = pd.DataFrame({"g": case["yi"], "v": case["vi"], "district": case["study"]})
    frame["year"] = [r[1] for r in case["X"]]
    res = meta_from_table(frame, yi="g", vi="v", mods=["year"], cluster="district")
    assert res.coef_names == ("intrcpt", "year")
    assert res.beta == pytest.approx(case["beta"], rel=TOL["est"])
    assert pytest.approx(case["QM"], rel=TOL["est"]) == res.QM


def test_subgroup_column_gives_a_subgroup_analysis():
    frame = pd.DataFrame({"g": [0.1, 0.3, 0.8, 0.9], "v": [0.01, 0.02, 0.01, 0.02], "arm": ["a", "a", "b", "b"]})
    res = meta_from_table(frame, yi="g", vi="v", subgroup="arm", method="FE")
    # R: rma(yi, vi, mods=~factor(arm), method="FE")$QM = 33.33333
    assert (res.levels, round(res.QM, 4)) == (("a", "b"), 33.3333)


def test_subgroup_errors_name_the_column():
    frame = pd.DataFrame({"g": [0.1, 0.3, 0.8], "v": [0.01, 0.02, 0.01], "arm": ["a", "a", "b"]})
    with pytest.raises(InputError, match=r"^file 'f.csv', field 'arm': subgroup 'b' has 1 study"):
        meta_from_table(frame, yi="g", vi="v", subgroup="arm", file="f.csv")


def test_a_column_named_twice_is_an_error(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("yi,vi,yi\n0.1,0.01,5\n0.3,0.02,5\n", encoding="utf-8")
    # No row: the rows of a meta table's errors count its data rows (row 1 is the first study), so the
    # header is not 'row 1' (issue 12: a header error and the first study's error named the same row).
    with pytest.raises(InputError, match=r"^file '.*dup.csv', field 'yi': the header names this column twice") as info:
        meta_from_csv(path, yi="yi", vi="vi")
    assert info.value.row is None


def test_true_and_false_cells_are_not_read_as_one_and_zero(tmp_path):
    path = tmp_path / "tf.csv"
    path.write_text("yi,vi\nTrue,0.01\nFalse,0.02\nTrue,0.015\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"field 'yi': is not a number \(got 'True'\)"):
        meta_from_csv(path, yi="yi", vi="vi")


NESTED = {c["id"]: c for c in load_cases("mv_nested")}


@pytest.mark.parametrize(
    "case_id",
    ["assink2016-study-esid-V-REML-z", "assink2016-study-esid-V-year-REML-t", "assink2016-study-esid-V-year-ML-z"],
)
def test_cluster_with_an_assumed_rho_matches_metafor_with_vcalcs_v(case_id):
    # R: V <- vcalc(vi, cluster = study, obs = esid, rho = 0.6); rma.mv(yi, V, [mods = ~ year,]
    # random = ~ 1 | study/esid, data = dat.assink2016, method=, test=) (tools/metafor_reference_mv.R)
    case, data = NESTED[case_id], NESTED["data"]
    frame = pd.DataFrame({k: data[k] for k in ("yi", "vi", "study", "year")})
    mods = ["year"] if case["mods"] else []
    res = meta_from_table(frame, yi="yi", vi="vi", cluster="study", rho=0.6, mods=mods, method=case["method"],
                          test=case["test"])  # fmt: skip
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=1e-5)
    beta = res.beta if mods else [res.estimate]
    se = res.se if mods else [res.se]
    assert beta == pytest.approx(case["beta"], rel=1e-6)
    assert se == pytest.approx(case["se"], rel=1e-6)
    assert res.loglik == pytest.approx(case["logLik"], rel=1e-8)
    np.testing.assert_allclose(res.V, data["V"], rtol=1e-12)


def test_rho_needs_a_cluster():
    frame = pd.DataFrame({"yi": BCG["yi"], "vi": BCG["vi"]})
    with pytest.raises(InputError, match=r"^file 'x.csv', field 'rho': .* needs a cluster .*\(got 0.5\)$"):
        meta_from_table(frame, yi="yi", vi="vi", rho=0.5, file="x.csv")


def test_rows_with_a_missing_value_are_recorded_as_omitted():
    # R: rma(yi, vi, mods = ~ ablat) on dat.bcg with NAs in yi (trial 2), vi (trial 5), ablat (trial 7)
    # (tools/metafor_reference_missing.R): which(!res$not.na) - 1 = 1, 4, 6
    case = next(c for c in load_cases("missing") if c["id"] == "bcg-ablat-REML-z")
    frame = pd.DataFrame({"g": case["yi"], "v": case["vi"], "lat": case["mods"]["ablat"]}).astype(float)
    # metafor's warnings, in its words; the table's rows left out follow its sentence in the notes.
    with pytest.warns(SecretomeWarning) as caught:
        res = meta_from_table(frame, yi="g", vi="v", mods=["lat"])
    assert [str(w.message) for w in caught] == case["warnings"]
    assert res.notes[:2] == (case["warnings"][0], "omitted for a missing value: rows 2, 5, 7; k = 10")
    assert res.omitted == tuple(case["omitted"])
    assert list(res.beta) == pytest.approx(case["beta"], rel=TOL["est"])


MODS_KNHA = next(c for c in load_cases("rma_mods") if c["id"] == "bcg-ablat-year-REML-knha")
MV_ML_T = next(c for c in load_cases("rma_mv") if c["id"] == "konstantopoulos2011-ML-t")
SUBGROUPS = next(c for c in load_cases("subgroups") if c["id"] == "bcg-alloc-REML-z")


def test_random_effects_from_table_returns_metafors_model():
    # R: rma(yi, vi, data = dat.bcg) (tools/metafor_reference.R)
    frame = pd.DataFrame({"g": BCG["yi"], "v": BCG["vi"]})
    res = random_effects_from_table(frame, yi="g", vi="v")
    assert isinstance(res, RandomEffectsResult)
    assert (res.estimate, res.se, res.tau2) == pytest.approx((BCG["estimate"], BCG["se"], BCG["tau2"]), rel=TOL["est"])


def test_meta_regression_from_table_returns_metafors_model():
    # R: rma(yi, vi, mods = ~ ablat + year, data = dat.bcg, test = "knha")
    case = MODS_KNHA
    frame = pd.DataFrame({"g": case["yi"], "v": case["vi"], "ablat": [r[1] for r in case["X"]]})
    frame["year"] = [r[2] for r in case["X"]]
    res = meta_regression_from_table(frame, mods=["ablat", "year"], yi="g", vi="v", test="knha")
    assert isinstance(res, MetaRegressionResult)
    assert list(res.beta) == pytest.approx(case["beta"], rel=TOL["est"])
    assert list(res.se) == pytest.approx(case["se"], rel=TOL["est"])
    assert pytest.approx(case["QM"], rel=TOL["est"]) == res.QM


def test_subgroups_from_table_returns_metafors_subgroups():
    # R: rma(yi, vi, subset = alloc == level) per level; rma(yi, vi, mods = ~ factor(alloc)) for QM
    case = SUBGROUPS
    frame = pd.DataFrame({"g": case["yi"], "v": case["vi"], "alloc": case["group"]})
    res = subgroups_from_table(frame, subgroup="alloc", yi="g", vi="v")
    assert isinstance(res, SubgroupResult)
    assert [f.estimate for f in res.fits] == pytest.approx([s["estimate"] for s in case["subgroups"]], rel=TOL["est"])
    assert pytest.approx(case["QM"], rel=TOL["est"]) == res.QM


def test_multilevel_from_table_returns_metafors_three_level_model():
    # R: rma.mv(yi, vi, random = ~ 1 | district/school, data = dat.konstantopoulos2011, method = "ML", test = "t")
    case = MV_ML_T
    frame = pd.DataFrame({"g": case["yi"], "v": case["vi"], "district": case["study"]})
    res = multilevel_from_table(frame, cluster="district", yi="g", vi="v", method="ML", test="t")
    assert isinstance(res, MultilevelResult)
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=TOL["var"])
    assert (res.estimate, res.se) == pytest.approx((case["estimate"], case["se"]), rel=TOL["est"])
    assert res.loglik == pytest.approx(case["logLik"], rel=1e-8)


def test_the_per_model_functions_take_only_their_models_options():
    frame = pd.DataFrame({"g": BCG["yi"], "v": BCG["vi"]})
    with pytest.raises(TypeError, match="subgroup"):
        random_effects_from_table(frame, yi="g", vi="v", subgroup="arm")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="weights"):
        multilevel_from_table(frame, cluster="g", yi="g", vi="v", weights="v")  # type: ignore[call-arg]


def test_multilevel_regression_from_table_returns_metafors_three_level_regression():
    # R: V <- vcalc(vi, cluster = study, obs = esid, rho = 0.6); rma.mv(yi, V, mods = ~ year,
    # random = ~ 1 | study/esid, data = dat.assink2016, test = "t") (tools/metafor_reference_mv.R)
    case, data = NESTED["assink2016-study-esid-V-year-REML-t"], NESTED["data"]
    frame = pd.DataFrame({k: data[k] for k in ("yi", "vi", "study", "year")})
    res = multilevel_regression_from_table(frame, mods=["year"], cluster="study", rho=0.6, yi="yi", vi="vi", test="t")
    assert isinstance(res, MultilevelRegressionResult)
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=1e-5)
    assert list(res.beta) == pytest.approx(case["beta"], rel=1e-6)
    assert list(res.se) == pytest.approx(case["se"], rel=1e-6)
    assert res.loglik == pytest.approx(case["logLik"], rel=1e-8)


def test_multilevel_from_table_takes_no_moderators():
    # R: rma.mv(yi, V, random = ~ 1 | study/esid, data = dat.assink2016), V from vcalc(rho = 0.6)
    case, data = NESTED["assink2016-study-esid-V-REML-z"], NESTED["data"]
    frame = pd.DataFrame({k: data[k] for k in ("yi", "vi", "study")})
    res = multilevel_from_table(frame, cluster="study", rho=0.6, yi="yi", vi="vi")
    assert isinstance(res, MultilevelResult)
    assert [res.estimate] == pytest.approx(case["beta"], rel=1e-6)
    with pytest.raises(TypeError, match="mods"):
        multilevel_from_table(frame, cluster="study", yi="yi", vi="vi", mods=["year"])  # type: ignore[call-arg]


@pytest.mark.parametrize("function", [meta_regression_from_table, multilevel_regression_from_table])
def test_a_regression_without_moderators_is_refused_by_name(function):
    frame = pd.DataFrame({"g": BCG["yi"], "v": BCG["vi"], "trial": range(len(BCG["yi"]))})
    options = {"cluster": "trial"} if function is multilevel_regression_from_table else {}
    with pytest.raises(InputError, match=r"^file 'x.csv', field 'mods': a meta-regression needs at least one"):
        function(frame, mods=[], yi="g", vi="v", file="x.csv", **options)


@pytest.mark.parametrize("case", [c for c in load_cases("missing") if c.get("kind") == "rma.mv"], ids=case_id)
def test_multilevel_rows_with_a_missing_value_are_left_out_in_rma_mv_words(case):
    # R: rma.mv(yi, vi, random = ~ 1 | district/school, data = dat.konstantopoulos2011, method =) with NAs in yi
    # (row 3) and vi (row 10) (tools/metafor_reference_missing.R): "Rows with NAs omitted from model fitting."
    frame = pd.DataFrame({"g": case["yi"], "v": case["vi"], "district": case["district"]})
    frame[["g", "v"]] = frame[["g", "v"]].astype(float)
    with pytest.warns(SecretomeWarning) as caught:
        res = multilevel_from_table(frame, yi="g", vi="v", cluster="district", method=case["method"])
    assert [str(w.message) for w in caught] == case["warnings"]
    assert res.notes[:2] == (case["warnings"][0], f"omitted for a missing value: rows 3, 10; k = {case['k']}")
    assert res.k == case["k"]
    assert res.sigma2 == pytest.approx(case["sigma2"], rel=1e-5)  # iterative on both sides
    assert res.estimate == pytest.approx(case["beta"][0], rel=1e-5)
    assert res.se == pytest.approx(case["se"][0], rel=1e-5)

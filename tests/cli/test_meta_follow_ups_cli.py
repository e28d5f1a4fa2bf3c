"""``secretome meta`` with --random, --robust, --confint, --selmodel, --fsn and --profile, against metafor 3.8-1
fixtures (tools/metafor_reference_mv.R)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from secretome.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "metafor"


def _cases(name: str) -> dict[str, dict]:
    return {c["id"]: c for c in json.loads((FIXTURES / f"{name}.json").read_text())["cases"]}


NESTED = _cases("mv_nested")
ROBUST = _cases("robust")
FSN = _cases("fsn")
CONFINT = _cases("mv_confint")
REFUSALS = _cases("refusals")  # metafor's errors and warnings (tools/metafor_reference_refusals.R)


def _json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _assink(tmp_path: Path) -> str:
    d = NESTED["data"]
    path = tmp_path / "assink.csv"
    columns = {k: d[k] for k in ("yi", "vi", "study", "deltype", "esid", "year")}
    pd.DataFrame(columns).to_csv(path, index=False)
    return str(path)


def test_nested_levels_robust_and_confint(tmp_path, capsys):
    # R: rma.mv(yi, vi, random = ~ 1 | study/deltype/esid, data = dat.assink2016), confint(res), and
    # robust(rma.mv(yi, vi, random = ~ 1 | study/esid), cluster = study)
    path = _assink(tmp_path)
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--random", "study", "--random", "deltype", "--random", "esid"]
    got = _json(capsys, [*argv, "--confint", "--format", "json"])
    assert got["model"]["sigma2"] == pytest.approx(NESTED["assink2016-study-deltype-esid-REML-z"]["sigma2"], rel=1e-4)
    bounds = CONFINT["assink2016-nested"]["bounds"]
    assert got["confint"]["ci_ub"] == pytest.approx([b[2] for b in bounds], rel=1e-6)
    got = _json(capsys, ["meta", path, "--yi", "yi", "--vi", "vi", "--cluster", "study", "--robust", "study:CR2",
                         "--format", "json"])  # fmt: skip
    case = ROBUST["assink2016-CR2"]
    assert got["robust"]["se"] == pytest.approx(case["se"], rel=1e-5)
    assert got["robust"]["df"] == pytest.approx(case["df"], rel=1e-5)


@pytest.mark.parametrize("case_id", ["bcg-REML-CR1", "bcg-REML-CR2", "bcg-ablat-REML-CR1", "bcg-ablat-REML-CR2"])
def test_robust_cr1_and_cr2_match_metafor(tmp_path, capsys, case_id):
    # R: robust(rma(yi, vi, [mods = ~ ablat,] data = dat.bcg), cluster = grp, clubSandwich = FALSE (CR1) or TRUE
    # (CR2)) with six clusters of two or three trials (tools/metafor_reference_mv.R)
    case, data = ROBUST[case_id], ROBUST["data"]["bcg"]
    path = tmp_path / "bcg.csv"
    pd.DataFrame({name: data[name] for name in ("yi", "vi", "ablat", "grp")}).to_csv(path, index=False)
    mods = ["--mod", "ablat"] if case["mods"] else []
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", *mods, "--robust", f"grp:{case['vbest']}",
                         "--format", "json"])["robust"]  # fmt: skip
    assert got["vcov_type"] == case["vbest"]
    for field in ("beta", "se", "pval", "ci_lb", "ci_ub"):
        assert got[field] == pytest.approx(case[field], rel=1e-6), field
    # metafor keeps one df for CR1 (clusters minus coefficients), one per coefficient for CR2 (Satterthwaite).
    df = case["df"] if len(case["df"]) == len(case["beta"]) else case["df"] * len(case["beta"])
    assert got["df"] == pytest.approx(df, rel=1e-6)
    assert got["QM"] == pytest.approx(case["QM"], rel=1e-6)


def test_robust_of_a_meta_regression_with_a_redundant_moderator_is_metafors(tmp_path, capsys):
    # The copy of ablat is dropped ('Redundant predictors dropped from the model.'); robust() then tests the model
    # metafor fits, robust(rma(yi, vi, mods = ~ ablat), cluster = grp). Before, it refused the two columns.
    case, data = ROBUST["bcg-ablat-REML-CR1"], ROBUST["data"]["bcg"]
    path = tmp_path / "bcg.csv"
    pd.DataFrame({name: data[name] for name in ("yi", "vi", "ablat", "grp")}).assign(copy=data["ablat"]).to_csv(path)
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--mod", "ablat", "--mod", "copy", "--robust",
                         "grp", "--format", "json"])["robust"]  # fmt: skip
    assert got["beta"] == pytest.approx(case["beta"], rel=1e-6)
    assert got["se"] == pytest.approx(case["se"], rel=1e-6)


def test_fail_safe_n_and_selection_model(tmp_path, capsys):
    # R: fsn(yi, vi, type = "Rosenberg") and selmodel(rma(yi, vi), type = "stepfun", steps = 0.025) on dat.bcg
    case = FSN["bcg-Rosenberg"]
    path = tmp_path / "bcg.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--fsn", "Rosenberg", "--selmodel", "3PSM",
                         "--profile", str(tmp_path / "p.svg"), "--format", "json"])  # fmt: skip
    assert got["fsn"]["fsnum"] == case["fsnum"]
    assert got["selmodel"]["steps"] == [0.025, 1.0]
    assert (tmp_path / "p.svg").read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize("case_id", ["bcg-profile-REML", "konstantopoulos2011-profile"])
def test_profile_of_tau2_and_sigma2_matches_metafor(tmp_path, capsys, case_id):
    # R: profile(rma(yi, vi, data = dat.bcg), steps = 7) and profile(rma.mv(yi, vi, random = ~ 1 | district/school,
    # data = dat.konstantopoulos2011), sigma2 = 1, steps = 5) (tools/metafor_reference_mv.R). The CLI draws
    # metafor's default 20 steps over the same range: the ends of both grids are the same points.
    case = CONFINT[case_id]
    path, svg = tmp_path / "data.csv", tmp_path / "p.svg"
    if case["fit"] == "bcg":
        pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
        argv, parameter = ["meta", str(path), "--yi", "yi", "--vi", "vi"], "tau2"
    else:
        data = CONFINT["data"]["konstantopoulos2011"]
        pd.DataFrame({name: data[name] for name in ("yi", "vi", "district")}).to_csv(path, index=False)
        argv, parameter = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--cluster", "district"], "sigma2.1"
    got = _json(capsys, [*argv, "--profile", str(svg), "--format", "json"])["profile"]
    assert got["parameter"] == parameter
    assert len(got["values"]) == 20
    ends = [got["values"][0], got["values"][-1]]
    assert ends == pytest.approx([case["values"][0], case["values"][-1]], rel=1e-5)
    assert [got["loglik"][0], got["loglik"][-1]] == pytest.approx([case["ll"][0], case["ll"][-1]], rel=1e-6)
    assert svg.read_bytes().startswith(b"<?xml")


SELMODEL = _cases("selmodel")


@pytest.mark.parametrize("fsn", ["Rosenthal", "Orwin", "Rosenberg"])
def test_every_fail_safe_n_matches_metafor(tmp_path, capsys, fsn):
    # R: fsn(yi, vi, type =) on dat.hackshaw1998 (tools/metafor_reference_mv.R)
    case = FSN[f"hackshaw1998-{fsn}"]
    path = tmp_path / "h.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--fsn", fsn, "--format", "json"])["fsn"]
    assert got["fsnum"] == case["fsnum"]
    for field in ("pval", "meanes", "target"):
        assert got[field] == (None if case[field] is None else pytest.approx(case[field], rel=1e-9)), field


@pytest.mark.parametrize(
    ("spec", "case_id"),
    [
        ("3PSM", "hackshaw1998-stepfun-0.025-REML"),
        ("step:0.025,0.5", "hackshaw1998-stepfun-0.025-0.5-REML"),
        ("beta", "hackshaw1998-beta-REML"),
    ],
)
def test_every_selection_model_matches_metafor(tmp_path, capsys, spec, case_id):
    # R: selmodel(rma(yi, vi), type = "stepfun", steps = 0.025 or c(0.025, 0.5)) and type = "beta" on
    # dat.hackshaw1998 (tools/metafor_reference_mv.R); both optimise: the tolerances of tests/meta/test_selection.py.
    case = SELMODEL[case_id]
    path = tmp_path / "h.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--selmodel", spec, "--format", "json"])
    got = got["selmodel"]
    assert got["estimate"] == pytest.approx(case["beta"][0], rel=1e-3, abs=1e-4)
    assert got["tau2"] == pytest.approx(case["tau2"], rel=1e-3, abs=1e-5)
    assert got["delta"] == pytest.approx(case["delta"], rel=2e-3, abs=1e-4)
    assert got["LRT"] == pytest.approx(case["LRT"], rel=1e-3)
    assert got["LRT_df"] == case["LRT_df"]


REGTEST = _cases("regtest")


@pytest.mark.parametrize(
    "case_id",
    [
        "egger2001-rma-REML-z-ninv",
        "cohen1981-rma-REML-knha-sqrtni",
        "egger2001-rma-DL-z-vi",
        "egger2001-rma-REML-knha-ni",
        "egger2001-rma-REML-z-sei",
    ],
)
def test_regtest_with_a_predictor_matches_metafor(tmp_path, capsys, case_id):
    # R: regtest(rma(yi, vi, method=, test=), ni = ni, predictor=) (tools/metafor_reference_regtest.R)
    case = REGTEST[case_id]
    path = tmp_path / "data.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"], "n": case["ni"]}).to_csv(path, index=False)
    spec = case["predictor"] if case["predictor"] in ("sei", "vi") else f"{case['predictor']}:n"
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--method", case["method"], "--test",
                         case["test"], "--regtest", spec, "--format", "json"])  # fmt: skip
    for field in ("zval", "pval", "df", "est", "ci_lb", "ci_ub"):
        expected = case[field]
        assert got["regtest"][field] == (None if expected is None else pytest.approx(expected, rel=1e-6)), field


REGTEST_WEIGHTS = _cases("regtest_weights")


@pytest.mark.parametrize("case_id", ["bcg-weights-REML-knha-sei", "bcg-weights-FE-z-vi"])
def test_regtest_of_a_weighted_model_refits_with_the_weights_as_metafor(tmp_path, capsys, case_id):
    # R: regtest(rma(yi, vi, weights = n, method=, test=), predictor=) on dat.bcg, n the total sample size
    # (tools/metafor_reference_regtest_weights.R)
    case = REGTEST_WEIGHTS[case_id]
    path = tmp_path / "data.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"], "n": case["weights"]}).to_csv(path, index=False)
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--weights", "n", "--method", case["method"],
                         "--test", case["test"], "--regtest", case["predictor"], "--format", "json"])  # fmt: skip
    for field in ("zval", "pval", "est", "ci_lb", "ci_ub"):
        assert got["regtest"][field] == pytest.approx(case[field], rel=1e-6), field


def test_regtest_errors_name_the_option_or_the_column(tmp_path, capsys):
    case = REGTEST["egger2001-rma-REML-z-ni"]
    path = tmp_path / "data.csv"
    ni = [*case["ni"][:2], -5, *case["ni"][3:]]
    study = [i // 2 for i in range(len(ni))]
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"], "n": ni, "s": study}).to_csv(path, index=False)
    argv = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--regtest"]
    assert main([*argv, "ninv"]) == 2
    assert "field '--regtest': ninv needs the column of sample sizes: ninv:COLUMN" in capsys.readouterr().err
    assert main([*argv, "size"]) == 2
    assert "field '--regtest': is PREDICTOR or PREDICTOR:COLUMN" in capsys.readouterr().err
    assert main([*argv, "ninv:n"]) == 2
    assert f"file '{path}', row 3, field 'n': must be > 0 (got -5.0)" in capsys.readouterr().err
    assert main([*argv, "sei", "--cluster", "s"]) == 2
    assert "field '--regtest': the regression test takes a model with one effect per study" in capsys.readouterr().err


REGTEST_MODS = _cases("regtest_mods")


@pytest.mark.parametrize("case_id", ["bcg-rma-REML-knha-ninv", "bangertdrowns2004-rma-DL-z-sei"])
def test_regtest_of_a_meta_regression_matches_metafor(tmp_path, capsys, case_id):
    # R: regtest(rma(yi, vi, mods = ~ x, method=, test=), ni = ni, predictor=) (tools/metafor_reference_regtest_mods.R)
    case = REGTEST_MODS[case_id]
    path = tmp_path / "data.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"], "n": case["ni"], "x": case["mods"]}).to_csv(path, index=False)
    spec = case["predictor"] if case["predictor"] in ("sei", "vi") else f"{case['predictor']}:n"
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--mod", "x", "--method", case["method"],
                         "--test", case["test"], "--regtest", spec, "--format", "json"])  # fmt: skip
    for field in ("zval", "pval"):
        assert got["regtest"][field] == pytest.approx(case[field], rel=1e-6), field
    assert (got["regtest"]["df"], got["regtest"]["est"], got["regtest"]["moderators"]) == (case["df"], None, ["x"])


INFLUENCE_MODS = _cases("influence_mods")


def test_influence_of_a_meta_regression_matches_metafor(tmp_path, capsys):
    # R: influence(rma(yi, vi, mods = ~ age + diag.ab, method = "ML", test = "knha")) on dat.laopaiboon2015
    # (tools/metafor_reference_influence_mods.R)
    case = INFLUENCE_MODS["laopaiboon2015_age_diag-ML-knha"]
    path = tmp_path / "data.csv"
    table = {
        "yi": case["yi"],
        "vi": case["vi"],
        "children": [r[0] for r in case["mods"]],
        "ab": [r[1] for r in case["mods"]],
    }
    pd.DataFrame(table).to_csv(path, index=False)
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--mod", "children", "--mod", "ab",
                         "--method", "ML", "--test", "knha", "--influence", "--format", "json"])  # fmt: skip
    for field in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "hat"):
        assert got["influence"][field] == pytest.approx(case[field], rel=1e-6), field
    assert got["influence"]["dfbetas"][2] == pytest.approx(case["dfbetas"][2], rel=1e-6)
    assert main(["meta", str(path), "--yi", "yi", "--vi", "vi", "--mod", "ab", "--leave1out"]) == 2
    # metafor 3.8-1's leave1out() stops for a model with moderators; ours too, in its words.
    assert capsys.readouterr().err == f"error: field '--leave1out': {case['leave1out_error']}\n"


def test_leave_one_out_and_influence_without_moderators(tmp_path, capsys):
    # R: leave1out(rma(yi, vi)) and influence(rma(yi, vi)) on dat.bcg (tools/metafor_reference.R, _bias.R)
    case = _cases("diagnostics")["bcg-REML-z"]
    path = tmp_path / "data.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--leave1out", "--influence", "--format",
                         "json"])  # fmt: skip
    for field in ("estimate", "se", "tau2", "I2"):
        assert got["leave1out"][field] == pytest.approx(case["leave1out"][field], rel=1e-6), field
    infl = _cases("influence")["bcg-REML-z"]
    assert got["influence"]["cook_d"] == pytest.approx(infl["cook_d"], rel=1e-6)


def test_bad_follow_up_options_exit_2(tmp_path, capsys):
    case = FSN["bcg-Rosenberg"]
    path = tmp_path / "bcg.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
    assert main(["meta", str(path), "--yi", "yi", "--vi", "vi", "--selmodel", "steps"]) == 2
    assert "field '--selmodel': is 3PSM, beta or step:P1,P2,..." in capsys.readouterr().err
    assert main(["meta", str(path), "--yi", "yi", "--vi", "vi", "--robust", "nope"]) == 2
    assert "field 'nope': no such column" in capsys.readouterr().err


GOSH = _cases("gosh")
PERMUTEST = _cases("permutest")


def test_gosh_and_a_permutation_test_on_a_local_cluster(tmp_path, capsys):
    # R: gosh(rma(yi, vi, data=bcg[1:6, ])) (all 63 subsets) and permutest(rma(yi, vi, mods = ~ ablat,
    # data=bcg[1:6, ]), exact=TRUE) (6! / 2! = 360 distinct permutations: exact with --permutest 1000)
    case, perm = next(c for c in GOSH.values() if c["method"] == "REML"), PERMUTEST["bcg6-ablat-REML-z"]
    assert perm["yi"] == pytest.approx(case["yi"], rel=1e-12)
    path = tmp_path / "bcg6.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"], "ablat": [x[1] for x in perm["X"]]}).to_csv(path, index=False)
    plot = tmp_path / "gosh.svg"
    base = ["meta", str(path), "--yi", "yi", "--vi", "vi"]
    got = _json(capsys, [*base, "--gosh", str(plot), "--scheduler", "processes", "--format", "json"])
    assert got["gosh"]["exact"] is True
    assert got["gosh"]["estimate"] == pytest.approx(case["estimate"], rel=1e-6)
    assert got["gosh"]["I2"] == pytest.approx(case["I2"], rel=1e-6, abs=1e-8)
    assert plot.read_bytes().startswith(b"<?xml")
    got = _json(
        capsys, [*base, "--mod", "ablat", "--permutest", "1000", "--scheduler", "processes", "--format", "json"]
    )
    assert got["permutest"]["exact"] is True
    assert got["permutest"]["iter"] == perm["iter"]
    assert got["permutest"]["pval"] == pytest.approx(perm["pval"], rel=1e-6)
    assert got["permutest"]["QM_pval"] == pytest.approx(perm["QM_pval"], rel=1e-6)


def test_random_gosh_subsets_and_permutations_follow_the_seed(tmp_path, capsys):
    case = next(c for c in GOSH.values() if c["method"] == "DL")
    path = tmp_path / "bcg6.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
    argv = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--method", "DL", "--gosh", str(tmp_path / "g.pdf")]
    first = _json(capsys, [*argv, "--subsets", "20", "--permutest", "30", "--seed", "5", "--format", "json"])
    again = _json(capsys, [*argv, "--subsets", "20", "--permutest", "30", "--seed", "5", "--format", "json"])
    other = _json(capsys, [*argv, "--subsets", "20", "--permutest", "30", "--seed", "6", "--format", "json"])
    assert first["gosh"]["exact"] is False
    assert len(first["gosh"]["estimate"]) == 20
    assert first["permutest"]["iter"] == 30
    assert first == again
    assert first["gosh"]["incl"] != other["gosh"]["incl"]
    assert main([*argv, "--subsets", "20"]) == 0
    assert capsys.readouterr().out.count("== gosh ==") == 1


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--gosh", "g.png"], "field '--gosh': the GOSH plot is written as .svg or .pdf (got 'g.png')"),
        (["--gosh", "g.svg", "--mod", "x"], "field '--gosh': GOSH takes a model without moderators"),
        (["--permutest", "100", "--subgroup", "g"], "field '--permutest': a permutation test takes one effect"),
        (["--permutest", "100", "--mod", "g"], "field 'g': is not a number (got 'a')"),
        (
            ["--permutest", "100", "--scheduler", "tcp://"],
            "field '--scheduler': a scheduler address is tcp://host:port",
        ),
        (["--gosh", "g.svg", "--scheduler", "cluster"], "field '--scheduler': is 'local', 'processes' or a Dask"),
        (["--permutest", "1"], "Invalid value for '--permutest'"),
    ],
)
def test_bad_gosh_and_permutest_options_are_one_line(tmp_path, monkeypatch, capsys, extra, expected):
    monkeypatch.chdir(tmp_path)
    frame = pd.DataFrame({"yi": [0.1, 0.3, 0.5, 0.2], "vi": [0.01, 0.02, 0.03, 0.02], "x": [1, 2, 3, 5]})
    frame.assign(g=["a", "b", "a", "b"]).to_csv("d.csv", index=False)
    assert main(["meta", "d.csv", "--yi", "yi", "--vi", "vi", *extra]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


@pytest.mark.parametrize("mods", [[], ["--mod", "x"]])
def test_confint_with_a_sampling_variance_of_0_is_one_line_naming_the_study(tmp_path, capsys, mods):
    # R: confint(rma(c(.1, .5, .3, .6, .2, .4), c(.01, NA, -.02, .03, 0, .02))) stops: "Cannot compute CI for
    # tau^2 when there are non-positive sampling variances in the data." (metafor 3.8-1); the first such study
    # is the file's row 3 (its negative variance constrained to 0), named by its position as metafor's slab.
    path = tmp_path / "data.csv"
    pd.DataFrame(
        {"yi": [0.1, 0.5, 0.3, 0.6, 0.2, 0.4], "vi": [0.01, None, -0.02, 0.03, 0.0, 0.02], "x": [1, 2, 3, 4, 5, 6]}
    ).to_csv(path, index=False)
    assert main(["meta", str(path), "--yi", "yi", "--vi", "vi", *mods, "--confint"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "error: record '3', field 'vi': Cannot compute CI for tau^2 when there are non-positive sampling variances "
        "in the data. (got 0.0)"
    )
    assert all(line.startswith("warning: ") for line in err[:-1])


PLOTS = _cases("plots_extra")
BIAS = _cases("bias")


def _bcg(tmp_path: Path) -> str:
    """dat.bcg with its 2x2 counts, the latitude, escalc's RR (the fixtures' yi and vi) and two halves."""
    counts, bcg = PLOTS["bcg-labbe-RR"], next(c["bcg"] for c in ROBUST.values() if "bcg" in c)
    table = {cell: counts[cell] for cell in ("ai", "bi", "ci", "di")} | {k: bcg[k] for k in ("yi", "vi", "ablat")}
    table["half"] = ["first"] * 7 + ["second"] * 6
    path = tmp_path / "bcg.csv"
    pd.DataFrame(table).to_csv(path, index=False)
    return str(path)


COUNTS = ["--ai", "ai", "--bi", "bi", "--ci", "ci", "--di", "di"]


def _points(svg: Path) -> int:
    ids = {e.get("id") for e in ET.fromstring(svg.read_bytes()).iter()}
    return sum(1 for i in range(1, 100) if f"study-{i}" in ids)


@pytest.mark.parametrize(
    ("option", "extra", "case_id", "fields"),
    [
        ("--baujat", [], "bcg-REML", {"x": "baujat_x", "y": "baujat_y"}),
        ("--baujat", ["--mod", "ablat"], "bcg-ablat-REML", {"x": "baujat_x", "y": "baujat_y"}),
        ("--radial", ["--method", "FE"], "bcg-FE", {"x": "radial_x", "y": "radial_y"}),
        ("--qqnorm", [], "bcg-REML", {"x": "qq_x", "y": "qq_y"}),
        ("--qqnorm", ["--mod", "ablat"], "bcg-ablat-REML", {"x": "qq_x", "y": "qq_y"}),
        ("--labbe", ["--measure", "OR"], "bcg-labbe-OR", {"x": "x", "y": "y"}),
    ],
)
def test_diagnostic_plots_put_a_point_per_study_where_metafor_does(tmp_path, capsys, option, extra, case_id, fields):
    # R: baujat(res), radial(res), qqnorm(res) and labbe(res) of rma(..., data = dat.bcg) (tools/metafor_reference_mv.R)
    path = _bcg(tmp_path)
    data = COUNTS if "--measure" in extra else ["--yi", "yi", "--vi", "vi"]
    plot = tmp_path / "plot.svg"
    got = _json(capsys, ["meta", path, *data, *extra, option, str(plot), "--format", "json"])
    name = option.removeprefix("--")
    for ours, theirs in fields.items():
        assert got[name][ours] == pytest.approx(PLOTS[case_id][theirs], rel=1e-6), ours
    assert _points(plot) == 13


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--baujat", "b.png"], "file 'b.png', field '--baujat': a plot is written as .svg or .pdf"),
        (["--radial", "r.svg", "--mod", "ablat"], "field '--radial': the radial plot takes a model without moderators"),
        (["--labbe", "l.svg"], "field '--labbe': the L'Abbe plot draws a model of 2x2 tables"),
        ([*COUNTS, "--measure", "RR", "--labbe", "l.svg", "--mod", "ablat"], "field '--labbe': the L'Abbe plot takes"),
        (["--qqnorm", "q.svg", "--cluster", "ablat"], "field '--qqnorm': the QQ plot takes one effect per study"),
        (["--baujat", "b.svg", "--subgroup", "half"], "field '--baujat': the Baujat plot takes one effect per study"),
        (["--trimfill", "up"], "field '--trimfill': is SIDE or SIDE:ESTIMATOR"),
        # metafor 3.8-1's words (refusals.json, tools/metafor_reference_refusals.R: trimfill-mods).
        (["--trimfill", "auto", "--mod", "ablat"], f"field '--trimfill': {REFUSALS['trimfill-mods']['error']}"),
        (["--ranktest", "--cluster", "ablat"], "field '--ranktest': the rank correlation test takes one effect"),
        (["--rho", "0.5"], "field '--rho': an assumed correlation of the sampling errors needs a cluster"),
        (["--rho", "2", "--cluster", "ablat"], "field '--rho': must be in [-1, 1] (got 2.0)"),
        # A plot is written only once every analysis asked for has run.
        (["--baujat", "b.svg", "--anova", "7"], "field '--anova'"),
    ],
)
def test_diagnostics_refused_for_a_model_they_do_not_apply_to(tmp_path, monkeypatch, capsys, extra, expected):
    path = _bcg(tmp_path)
    monkeypatch.chdir(tmp_path)
    data = ["--yi", "yi", "--vi", "vi"] if "--measure" not in extra else []
    assert main(["meta", path, *data, *extra]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bcg.csv"]


@pytest.mark.parametrize("case_id", ["bcg-REML-z", "hackshaw1998-DL-z", "ties-REML-z"])
def test_ranktest_matches_metafor(tmp_path, capsys, case_id):
    # R: ranktest(rma(yi, vi, method=)) (tools/metafor_reference_bias.R)
    case = BIAS[case_id]
    path = tmp_path / "data.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
    argv = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--method", case["method"], "--ranktest"]
    got = _json(capsys, [*argv, "--format", "json"])
    assert got["ranktest"]["tau"] == pytest.approx(case["ranktest"]["tau"], rel=1e-6)
    assert got["ranktest"]["pval"] == pytest.approx(case["ranktest"]["pval"], rel=1e-6)
    assert main(argv) == 0
    tau, pval = case["ranktest"]["tau"], case["ranktest"]["pval"]
    assert f"Kendall's tau = {tau:.4f}, p = {pval:.4f}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("case_id", "spec", "key"),
    [
        ("bcg-REML-z", "auto", "trimfill_L0_auto"),
        ("bcg-FE-z", "right:R0", "trimfill_R0_right"),
        ("hackshaw1998-DL-z", "left", "trimfill_L0_left"),
        ("hackshaw1998-REML-z", "auto:R0", "trimfill_R0_auto"),
        ("bcg-REML-knha", "right", "trimfill_L0_right"),
    ],
)
def test_trimfill_matches_metafor(tmp_path, capsys, case_id, spec, key):
    # R: trimfill(rma(yi, vi, method=, test=), estimator=, side=) (tools/metafor_reference_bias.R)
    case, expected = BIAS[case_id], BIAS[case_id][key]
    path = tmp_path / "data.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
    argv = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--method", case["method"], "--test", case["test"],
            "--trimfill", spec]  # fmt: skip
    got = _json(capsys, [*argv, "--format", "json"])["trimfill"]
    assert (got["k0"], got["side"]) == (expected["k0"], expected["side"])
    assert got["p_k0"] == (None if expected["p_k0"] is None else pytest.approx(expected["p_k0"], rel=1e-6))
    for field in ("se_k0", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2"):
        assert got[field] == pytest.approx(expected[field], rel=1e-6, abs=1e-12), field
    assert main(argv) == 0
    side = expected["side"]
    assert f"Estimated number of missing studies on the {side} side: {expected['k0']}" in capsys.readouterr().out


RHO = _cases("mv_rho")


@pytest.mark.parametrize("case_id", ["bcg-1-REML", "bcg-1-ML", "bcg--1-REML", "bcg-0.999-ML"])
def test_cluster_with_rho_1_or_minus_1_fits_as_metafor(tmp_path, capsys, case_id):
    # R: V <- vcalc(vi, cluster = ablat, obs = trial, rho =); rma.mv(yi, V, random = ~ 1 | ablat/trial, method =)
    # on dat.bcg (tools/metafor_reference_rho.R): with rho = +-1 V is singular in each latitude with two trials, and
    # metafor fits with the warning "'V' appears to be not positive definite."
    case = RHO[case_id]
    path = tmp_path / "bcg.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"], "ablat": case["cluster"]}).to_csv(path, index=False)
    argv = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--cluster", "ablat", "--rho", str(case["rho"]),
            "--method", case["method"], "--format", "json"]  # fmt: skip
    got = _json(capsys, argv)
    # metafor reports a component whose maximum is at 0 as about 1e-10 (nlminb on log sigma^2), we report 0.
    assert got["sigma2"] == pytest.approx(case["sigma2"], rel=1e-6, abs=1e-9)
    assert got["estimate"] == pytest.approx(case["estimate"], rel=1e-6)
    assert got["se"] == pytest.approx(case["se"], rel=1e-6)
    assert got["loglik"] == pytest.approx(case["loglik"], rel=1e-6)
    for warning in case["warnings"]:
        assert any(warning.rstrip(".") in note for note in got["notes"]), (warning, got["notes"])


def test_cluster_with_a_rho_where_metafor_stops_is_refused_by_name(tmp_path, capsys):
    # R: the same with dat.konstantopoulos2011[1:30, ] clustered by district, rho = -1: V is indefinite in the
    # districts of more than 2 schools and rma.mv stops with "Final variance-covariance matrix not positive definite."
    case = RHO["konstantopoulos30--1-REML"]
    path = tmp_path / "k.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"], "district": case["cluster"]}).to_csv(path, index=False)
    argv = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--cluster", "district", "--rho", "-1"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"error: file '{path}', field '--rho': {case['error']}")
    assert err.endswith("(got -1.0)")


V_CASES = ["assink2016-study-esid-V-REML-z", "assink2016-study-esid-V-year-REML-t", "assink2016-study-esid-V-year-ML-z"]


@pytest.mark.parametrize("case_id", V_CASES)
def test_cluster_with_rho_matches_metafor_with_vcalcs_v(tmp_path, capsys, case_id):
    # R: V <- vcalc(vi, cluster = study, obs = esid, rho = 0.6); rma.mv(yi, V, [mods = ~ year,]
    # random = ~ 1 | study/esid, data = dat.assink2016, method=, test=) (tools/metafor_reference_mv.R)
    case = NESTED[case_id]
    path = _assink(tmp_path)
    mods = ["--mod", "year"] if case["mods"] else []
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--cluster", "study", "--rho", "0.6", *mods, "--method",
            case["method"], "--test", case["test"], "--format", "json"]  # fmt: skip
    got = _json(capsys, argv)
    assert got["sigma2"] == pytest.approx(case["sigma2"], rel=1e-5)
    beta, se = (got["beta"], got["se"]) if mods else ([got["estimate"]], [got["se"]])
    assert beta == pytest.approx(case["beta"], rel=1e-6)
    assert se == pytest.approx(case["se"], rel=1e-6)
    assert got["loglik"] == pytest.approx(case["logLik"], rel=1e-8)
    if not mods:
        # --random study --random esid is the same model: the refit keeps V.
        nested = _json(capsys, [*argv, "--random", "study", "--random", "esid"])
        assert nested["sigma2"] == pytest.approx(case["sigma2"], rel=1e-5)
        assert nested["se"] == pytest.approx(case["se"][0], rel=1e-6)


@pytest.mark.parametrize("case_id", ["regtest-EE-k2-sei", "regtest-EE-k2-vi"])
def test_regtest_of_two_studies_refits_the_saturated_equal_effects_model_as_metafor(tmp_path, capsys, case_id):
    # R: regtest(rma(yi, vi, method = "EE"), predictor=) on two trials of dat.bcg: the refit with the predictor has
    # as many coefficients as studies, and metafor gives it (tools/metafor_reference_design_edges.R).
    case = _cases("design_edges")[case_id]
    path = tmp_path / "data.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
    got = _json(capsys, ["meta", str(path), "--yi", "yi", "--vi", "vi", "--method", "EE", "--regtest",
                         case["predictor"], "--format", "json"])  # fmt: skip
    for field in ("zval", "pval", "est", "ci_lb", "ci_ub"):
        assert got["regtest"][field] == pytest.approx(case[field], rel=1e-6), field
    assert got["regtest"]["df"] is None

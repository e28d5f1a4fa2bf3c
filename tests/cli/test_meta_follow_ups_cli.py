"""``secretome meta`` with --random, --robust, --confint, --selmodel, --fsn and --profile, against metafor 3.8-1
fixtures (tools/metafor_reference_mv.R)."""

from __future__ import annotations

import json
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


REGTEST = _cases("regtest")


@pytest.mark.parametrize(
    "case_id", ["egger2001-rma-REML-z-ninv", "cohen1981-rma-REML-knha-sqrtni", "egger2001-rma-DL-z-vi"]
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


def test_regtest_errors_name_the_option_or_the_column(tmp_path, capsys):
    case = REGTEST["egger2001-rma-REML-z-ni"]
    path = tmp_path / "data.csv"
    ni = [*case["ni"][:2], -5, *case["ni"][3:]]
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"], "n": ni}).to_csv(path, index=False)
    argv = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--regtest"]
    assert main([*argv, "ninv"]) == 2
    assert "field '--regtest': ninv needs the column of sample sizes: ninv:COLUMN" in capsys.readouterr().err
    assert main([*argv, "size"]) == 2
    assert "field '--regtest': is PREDICTOR or PREDICTOR:COLUMN" in capsys.readouterr().err
    assert main([*argv, "ninv:n"]) == 2
    assert f"file '{path}', row 3, field 'n': must be > 0 (got -5.0)" in capsys.readouterr().err
    assert main([*argv, "sei", "--mod", "n"]) == 2
    assert "field '--regtest': the regression test takes a model without moderators" in capsys.readouterr().err


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
    assert "field '--leave1out': leave-one-out takes a model without moderators" in capsys.readouterr().err


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
        "error: field 'vi': the CI of tau^2 needs every sampling variance > 0; study 3's is 0 "
        "(metafor's confint stops too) (got 0.0)"
    )
    assert all(line.startswith("warning: ") for line in err[:-1])

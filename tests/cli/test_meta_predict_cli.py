"""``secretome meta`` with --predict, --transf, --blup, --vif, --anova and --confint (tau^2), against metafor 3.8-1
fixtures (tools/metafor_reference_predict.R)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from secretome.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "metafor"
CASES = {c["id"]: c for c in json.loads((FIXTURES / "predict.json").read_text())["cases"]}


def _json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _table(tmp_path: Path, name: str, columns: list[str]) -> str:
    """The dataset as a CSV with yi, vi and the moderators under the CLI-friendly *columns*."""
    d = CASES[f"data-{name}"]
    frame = pd.DataFrame({"yi": d["yi"], "vi": d["vi"]})
    for j, column in enumerate(columns):
        frame[column] = [row[j] for row in d["mods"]]
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_predict_blup_and_confint_of_a_meta_regression(tmp_path, capsys):
    # R: res <- rma(yi, vi, mods = ~ weeks.c, data = dat.raudenbush1985); predict(res, newmods = c(0, 3)); blup(res);
    # confint(res)
    path = _table(tmp_path, "raudenbush1985", ["weeks"])
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--mod", "weeks", "--predict", "weeks=0", "--predict", "weeks=3"]
    got = _json(capsys, [*argv, "--blup", "--confint", "--format", "json"])
    case = CASES["predict-raudenbush1985-REML-z-none-newmods"]
    for field in ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        assert got["predict"][field] == pytest.approx([case[field][0], case[field][3]], rel=1e-6), field
    blup = CASES["blup-raudenbush1985-REML-z-mods-none"]["blup"]
    assert got["blup"]["pred"] == pytest.approx(blup["pred"], rel=1e-6)
    ci = CASES["confint-raudenbush1985-REML-z-mods-deftol"]
    assert got["confint"]["tau2_ub"] == pytest.approx(ci["tau2"][2], rel=1e-8)


def test_back_transformed_predictions_at_new_moderator_values(tmp_path, capsys):
    # R: predict(rma(yi, vi, mods = ~ time + method, data = dat.curtis1998), newmods = rbind(c(10, 0, 0),
    # c(100, 1, 0), c(300, 0, 1)), transf = exp) (tools/metafor_reference_predict.R)
    case = CASES["predict-curtis1998-REML-z-exp-newmods"]
    names = CASES["data-curtis1998"]["names"]
    path = _table(tmp_path, "curtis1998", names)
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--transf", "exp", "--format", "json"]
    for name in names:
        argv += ["--mod", name]
    for row in case["newmods"]:
        argv += ["--predict", ",".join(f"{name}={value}" for name, value in zip(names, row, strict=True))]
    got = _json(capsys, argv)["predict"]
    for field in ("pred", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
        assert got[field] == pytest.approx(case[field], rel=1e-6), field


def test_back_transformed_pooled_estimate(tmp_path, capsys):
    # R: predict(rma(yi, vi, data = escalc("OR", ..., data = dat.li2007)), transf = exp)
    path = _table(tmp_path, "li2007", [])
    got = _json(capsys, ["meta", path, "--yi", "yi", "--vi", "vi", "--transf", "exp", "--format", "json"])
    case = CASES["predict-li2007-REML-z-exp-fitted"]
    assert got["predict"]["pred"] == pytest.approx(case["pred"], rel=1e-6)
    assert got["predict"]["pi_ub"] == pytest.approx(case["pi_ub"], rel=1e-6)
    assert got["predict"]["se"] is None


def test_vif_and_wald_test(tmp_path, capsys):
    # R: res <- rma(yi, vi, mods = ~ factor(grade) + length + ..., data = dat.bangertdrowns2004); vif(res);
    # anova(res, btt = 2:4)
    columns = ["grade2", "grade3", "grade4", "length", "wic", "feedback", "info", "pers", "imag", "meta"]
    path = _table(tmp_path, "bangertdrowns2004", columns)
    mods = [arg for column in columns for arg in ("--mod", column)]
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", *mods, "--vif", "--anova", "grade2,grade3,grade4"]
    got = _json(capsys, [*argv, "--format", "json"])
    assert got["vif"]["vif"] == pytest.approx(CASES["vif-bangertdrowns2004-REML-z"]["vif"], rel=1e-9)
    assert got["anova"]["QM"] == pytest.approx(CASES["wald-bangertdrowns2004-REML-z-2.3.4"]["QM"], rel=1e-9)
    assert main([*argv[:-2], "--anova", "2,3,4"]) == 0
    text = capsys.readouterr().out
    assert "Test of Moderators (coefficients grade2, grade3, grade4):" in text
    assert "== vif ==" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--predict", "weeks=x"], "field '--predict': the value of weeks is not a number (got 'x')"),
        (["--predict", "week=1"], "field '--predict': is NAME=VALUE,... with NAME one of weeks (got 'week=1')"),
        (["--transf", "log"], "field '--transf': is one of exp, ilogit, ztor, iarcsin (got 'log')"),
        (["--anova", "7"], "field '--anova': must be a coefficient number from 1 to 2 (got 7)"),
    ],
)
def test_bad_options_exit_2_with_one_line(tmp_path, capsys, extra, message):
    path = _table(tmp_path, "raudenbush1985", ["weeks"])
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--mod", "weeks", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


REFUSALS = {c["id"]: c for c in json.loads((FIXTURES / "refusals.json").read_text())["cases"]}


def test_vif_and_new_moderator_values_need_moderators(tmp_path, capsys):
    # R: vif(rma(yi, vi)) and predict(rma(yi, vi), newmods = 30) stop (tools/metafor_reference_refusals.R).
    path = _table(tmp_path, "li2007", [])
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--vif"]) == 2
    assert capsys.readouterr().err == f"error: field '--vif': {REFUSALS['vif-intercept-only']['error']}\n"
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--predict", "x=30"]) == 2
    expected = REFUSALS["predict-newmods-intercept-only"]["error"]
    assert capsys.readouterr().err == f"error: field '--predict': {expected}\n"


def test_predict_and_wald_test_of_a_three_level_model(tmp_path, capsys):
    # R: res <- rma.mv(yi, vi, mods = ~ I(year - 1980), random = ~ 1 | district/school, method = "ML",
    # data = dat.konstantopoulos2011); predict(res, newmods = -5); anova(res, btt = 2)
    d = CASES["data-konstantopoulos2011"]
    path = tmp_path / "schools.csv"
    pd.DataFrame({"yi": d["yi"], "vi": d["vi"], "district": d["district"], "year": [r[0] for r in d["mods"]]}).to_csv(
        path, index=False
    )
    argv = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--cluster", "district", "--mod", "year", "--method", "ML"]
    got = _json(capsys, [*argv, "--predict", "year=-5", "--anova", "year", "--vif", "--format", "json"])
    case = CASES["mv-konstantopoulos2011-ML-z-year"]
    assert got["predict"]["pred"] == pytest.approx(case["pred"][:1], rel=1e-6)
    assert got["predict"]["pi_ub"] == pytest.approx(case["pi_ub"][:1], rel=1e-6)
    assert got["anova"]["QM"] == pytest.approx(case["wald"]["QM"], rel=1e-6)
    assert got["vif"]["vif"] == [1.0]


@pytest.mark.parametrize("case_id", ["mv-konstantopoulos2011-REML-z-intercept", "mv-konstantopoulos2011-ML-z-year"])
def test_random_effects_of_a_three_level_model(tmp_path, capsys, case_id):
    # R: ranef(rma.mv(yi, vi, [mods = ~ I(year - 1980),] random = ~ 1 | district/school, method=,
    # data = dat.konstantopoulos2011)): per district and per school (tools/metafor_reference_predict.R)
    case, d = CASES[case_id], CASES["data-konstantopoulos2011"]
    columns = {"yi": d["yi"], "vi": d["vi"], "district": d["district"], "school": d["school"]}
    path = tmp_path / "schools.csv"
    pd.DataFrame({**columns, "year": [r[0] for r in d["mods"]]}).to_csv(path, index=False)
    mods = ["--mod", "year"] if case["with_mods"] else []
    argv = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--cluster", "district", "--random", "district", "--random",
            "school", *mods, "--method", case["method"]]  # fmt: skip
    got = _json(capsys, [*argv, "--ranef", "--format", "json"])["ranef"]
    assert len(got["pred"]) == len(case["ranef_factors"]) == 2
    for j, expected in enumerate(case["ranef"]):
        assert got["levels"][j] == expected["levels"]
        for field in ("pred", "se", "pi_lb", "pi_ub"):
            assert got[field][j] == pytest.approx(expected[field], rel=1e-5, abs=1e-8), (j, field)


def test_random_effects_of_one_effect_per_study_and_their_refusals(tmp_path, capsys):
    # R: ranef(rma(yi, vi, mods = ~ weeks.c, data = dat.raudenbush1985)) (tools/metafor_reference_predict.R)
    case = CASES["blup-raudenbush1985-REML-z-mods-none"]
    path = _table(tmp_path, "raudenbush1985", ["weeks"])
    got = _json(capsys, ["meta", path, "--yi", "yi", "--vi", "vi", "--mod", "weeks", "--ranef", "--format", "json"])
    assert got["ranef"]["pred"] == pytest.approx(case["ranef"]["pred"], rel=1e-6, abs=1e-12)
    schools = tmp_path / "s.csv"
    pd.DataFrame({"yi": [0.1, 0.3, 0.2, 0.5], "vi": [0.01, 0.02, 0.01, 0.03], "d": [1, 1, 2, 2]}).to_csv(schools)
    argv = ["meta", str(schools), "--yi", "yi", "--vi", "vi", "--cluster", "d", "--ranef", "--transf", "exp"]
    assert main(argv) == 2
    assert "field '--transf': the random effects of a multilevel model are not back-transformed" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("method", "case_id"),
    [("ML", "lrt-curtis1998-ML-ML-mods-intercept"), ("REML", "lrt-curtis1998-REML-REML-mods-intercept-refit")],
)
def test_likelihood_ratio_test_against_the_model_without_moderators(tmp_path, capsys, method, case_id):
    # R: anova(rma(yi, vi, mods = ~ time + method, method=), rma(yi, vi, method=), refit = TRUE) on dat.curtis1998
    # (the ML fits compared directly; metafor refits REML fits with ML)
    path = _table(tmp_path, "curtis1998", ["time", "methodGH", "methodOTC"])
    mods = [arg for column in ("time", "methodGH", "methodOTC") for arg in ("--mod", column)]
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", *mods, "--method", method, "--lrt", "time,methodGH,4"]
    got = _json(capsys, [*argv, "--format", "json"])["lrt"]
    case = CASES[case_id]
    assert got["LRT"] == pytest.approx(case["LRT"], rel=1e-6)
    assert got["pval"] == pytest.approx(case["pval"], rel=1e-6)
    assert (got["df_full"], got["df_reduced"]) == (case["parms_full"], case["parms_reduced"])


def test_likelihood_ratio_test_of_a_three_level_model_refits_with_ml(tmp_path, capsys):
    # R: anova(rma.mv(yi, vi, mods = ~ year_c, random = ~ 1 | district/school), rma.mv(yi, vi, random = ...),
    # refit = TRUE) on dat.konstantopoulos2011 (tools/metafor_reference_mv_edges.R): both refitted with ML.
    edges = json.loads((FIXTURES / "mv_edges.json").read_text())["cases"]
    case = next(c for c in edges if c["id"] == "mv-lrt-REML-year-refit")
    path = tmp_path / "schools.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"], "district": case["district"], "year": case["year"]}).to_csv(
        path, index=False
    )
    argv = ["meta", str(path), "--yi", "yi", "--vi", "vi", "--cluster", "district", "--mod", "year", "--lrt", "year"]
    got = _json(capsys, [*argv, "--format", "json"])["lrt"]
    assert got["methods"] == ["ML", "ML"]
    assert got["LRT"] == pytest.approx(case["LRT"], rel=1e-5)
    assert got["pval"] == pytest.approx(case["pval"], rel=1e-5)
    assert (got["df_full"], got["df_reduced"]) == (case["parms_full"], case["parms_reduced"])


@pytest.mark.parametrize(
    ("mods", "lrt", "message"),
    [
        (["--mod", "weeks"], "week", "field '--lrt': names no moderator coefficient; the moderators are 2 weeks (got"),
        ([], "1", "field '--lrt': a likelihood-ratio test here compares a meta-regression (mods) with a smaller one"),
    ],
)
def test_a_likelihood_ratio_test_needs_moderators_it_can_drop(tmp_path, capsys, mods, lrt, message):
    path = _table(tmp_path, "raudenbush1985", ["weeks"])
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", *mods, "--lrt", lrt]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1

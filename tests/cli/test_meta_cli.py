"""``secretome meta DATA.csv`` end to end, against metafor 3.8-1 fixtures (tools/metafor_reference.R)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from secretome.cli import main
from secretome.meta._tau2 import Control

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "metafor"
ESCALC = {c["id"]: c for c in json.loads((FIXTURES / "escalc.json").read_text())["cases"]}
RMA = {c["id"]: c for c in json.loads((FIXTURES / "rma_uni.json").read_text())["cases"]}
MODS = {c["id"]: c for c in json.loads((FIXTURES / "rma_mods.json").read_text())["cases"]}
# metafor's warnings on sampling variances of 0 and below (rma(yi, vi) with vi[2], vi[5] < 0, vi_negative.json).
NONPOSITIVE_VI, NEGATIVE_VI = next(
    c for c in json.loads((FIXTURES / "vi_negative.json").read_text())["cases"] if c["id"] == "two-intercept-REML-z"
)["warnings"][:2]
MISSING = {c["id"]: c for c in json.loads((FIXTURES / "missing.json").read_text())["cases"]}
KEYS = ("estimate", "se", "pval", "ci_lb", "ci_ub", "tau2", "I2", "H2", "Q", "Q_pval", "pi_lb", "pi_ub")


def _csv(tmp_path: Path, columns: dict[str, list]) -> str:
    path = tmp_path / "data.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return str(path)


def _json(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _json_and_warnings(capsys, argv: list[str]) -> tuple[dict, str]:
    """The JSON printed and the stderr lines, where the CLI prints each engine warning as one line."""
    assert main([*argv, "--format", "json"] if "--format" not in argv else argv) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def _assert_matches(got: dict, case: dict) -> None:
    assert got["k"] == case["k"]
    for key in KEYS:
        assert got[key] == pytest.approx(case[key], rel=1e-6, abs=1e-12), key


def test_yi_vi_columns_match_metafor(tmp_path, capsys):
    # R: rma(yi, vi) on dat.bcg log risk ratios, test="knha"
    case = RMA["bcg-REML-knha"]
    path = _csv(tmp_path, {"logrr": case["yi"], "var": case["vi"]})
    got = _json(capsys, ["meta", path, "--yi", "logrr", "--vi", "var", "--test", "knha", "--format", "json"])
    _assert_matches(got, case)
    assert (got["method"], got["test"], got["notes"]) == ("REML", "knha", [])


def test_smd_from_means_matches_metafor(tmp_path, capsys):
    # R: rma(escalc("SMD", m1i, sd1i, n1i, m2i, sd2i, n2i, data=dat.normand1999), method="DL")
    raw = ESCALC["normand1999-SMD"]["inputs"]
    path = _csv(tmp_path, {"mt": raw["m1i"], "st": raw["sd1i"], "nt": raw["n1i"], "mc": raw["m2i"], "sc": raw["sd2i"],
                           "nc": raw["n2i"]})  # fmt: skip
    argv = ["meta", path, "--measure", "SMD", "--m1", "mt", "--sd1", "st", "--n1", "nt", "--m2", "mc"]
    got = _json(capsys, [*argv, "--sd2", "sc", "--n2", "nc", "--method", "DL", "--format", "json"])
    _assert_matches(got, RMA["normand1999-DL-z"])


@pytest.mark.parametrize("by_sizes", [False, True], ids=["cells", "group-sizes"])
def test_risk_ratio_from_counts_matches_metafor(tmp_path, capsys, by_sizes):
    # R: rma(escalc("RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg), method="PM", control=list(tol=1e-12))
    raw = ESCALC["bcg-RR"]["inputs"]
    n1 = [a + b for a, b in zip(raw["ai"], raw["bi"], strict=True)]
    n2 = [c + d for c, d in zip(raw["ci"], raw["di"], strict=True)]
    path = _csv(
        tmp_path, {"tpos": raw["ai"], "tneg": raw["bi"], "cpos": raw["ci"], "cneg": raw["di"], "nt": n1, "nc": n2}
    )
    groups = ["--n1i", "nt", "--n2i", "nc"] if by_sizes else ["--bi", "tneg", "--di", "cneg"]
    argv = ["meta", path, "--measure", "RR", "--ai", "tpos", "--ci", "cpos", *groups, "--method", "PM"]
    argv += ["--control", "tol=1e-12"]
    _assert_matches(_json(capsys, [*argv, "--format", "json"]), RMA["bcg-PM-z"])


def test_fisher_z_from_correlations_matches_metafor(tmp_path, capsys):
    # R: rma(escalc("ZCOR", ri, ni, data=dat.molloy2014))
    raw = ESCALC["molloy2014-ZCOR"]["inputs"]
    path = _csv(tmp_path, {"r": raw["ri"], "n": raw["ni"]})
    got = _json(capsys, ["meta", path, "--measure", "ZCOR", "--ri", "r", "--ni", "n", "--format", "json"])
    _assert_matches(got, RMA["molloy2014-REML-z"])


def test_text_output_is_the_summary(tmp_path, capsys):
    case = RMA["bcg-REML-z"]
    assert main(["meta", _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"]}), "--yi", "yi", "--vi", "vi"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Random-Effects Model (k = 13; tau^2 estimator: REML)\n")


def test_zero_cell_correction_reaches_the_notes(tmp_path, capsys):
    path = _csv(tmp_path, {"a": [0, 4, 6], "b": [10, 6, 4], "c": [3, 2, 5], "d": [7, 8, 5]})
    argv = ["meta", path, "--measure", "OR", "--ai", "a", "--bi", "b", "--ci", "c", "--di", "d", "--format", "json"]
    assert _json(capsys, argv)["notes"][0] == "added 0.5 to each cell of 1 table(s) (row 1; to='only0', as metafor)"


GOOD = {"g": [0.1, 0.5, 0.9], "var": [0.01, 0.02, 0.03]}
MEANS = {"mt": [10, 11, 12], "st": [2, 2, 2], "nt": [8, 9, 10], "mc": [8, 9, 9], "sc": [2, 3, 2], "nc": [8, 9, 10]}
YV = ["--yi", "g", "--vi", "var"]
MEAN_ARGS = ["--measure", "SMD", "--m1", "mt", "--sd1", "st", "--n1", "nt", "--m2", "mc", "--sd2", "sc", "--n2", "nc"]


@pytest.mark.parametrize(
    ("table", "args", "message"),
    [
        ({**GOOD, "var": [0.01, 0.02, -0.1]}, [*YV, "--method", "DL"], "row 3, field 'var': DL estimator cannot be"),
        ({**GOOD, "g": [0.1, "big", 0.9]}, YV, "row 2, field 'g': is not a number (got 'big')"),
        ({**GOOD, "g": [0.1, None, 0.9]}, [*YV, "--na-action", "fail"], "row 2, field 'g': Missing values in data."),
        (GOOD, ["--yi", "g", "--vi", "v"], "field 'v': no such column; the columns are 'g', 'var'"),
        (GOOD, ["--yi", "g"], "field 'vi': give both yi and vi columns"),
        (GOOD, [], "field 'yi': name the yi and vi columns, or a measure"),
        (GOOD, [*YV, "--method", "REMLX"], "field 'method': must be one of"),
        (GOOD, [*YV, "--test", "t"], "field 'test': must be one of 'z', 'knha'"),
        ({**MEANS, "sc": [2, -1, 2]}, MEAN_ARGS, "row 2, field 'sc': standard deviation must be >= 0 (got -1.0)"),
        ({**MEANS, "nt": [8, 9, 0]}, MEAN_ARGS, "row 3, field 'nt': group size must be > 0 (got 0.0)"),
        (MEANS, [*MEAN_ARGS, "--measure", "NMD"], "field 'measure': must be one of"),
        # Declared limits (issue 12: yi = 1e300 divided by zero, vi = 1e-320 printed 'estimate nan').
        ({**GOOD, "g": [0.1, 1e300, 0.9]}, YV, "row 2, field 'g': must lie within +-1e+30 (a declared limit)"),
        ({**GOOD, "var": [1e-320, 0.02, 0.03]}, YV, "row 1, field 'var': must lie in [1e-30, 1e+30] (a declared"),
        ({**GOOD, "var": [0.01, 0.02, 1e300]}, [*YV, "--method", "ML"], "row 3, field 'var': must lie in [1e-30,"),
    ],
)  # fmt: skip
def test_bad_input_names_file_row_and_column(tmp_path, capsys, table, args, message):
    path = _csv(tmp_path, table)
    assert main(["meta", path, *args]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"error: file '{path}'" in err
    assert message in err


@pytest.mark.parametrize("separator", [";", "\t"])
@pytest.mark.parametrize("args", [YV, ["--method", "MH", "--measure", "OR", "--ai", "a", "--n1i", "n", "--ci", "c",
                                       "--n2i", "n"]])  # fmt: skip
def test_a_table_separated_otherwise_than_by_commas_is_named_as_such(tmp_path, capsys, separator, args):
    # Spreadsheets saved with a decimal comma write ';'; before, the one-column header was listed without a word.
    path = tmp_path / "data.csv"
    path.write_text(separator.join(["g", "var"]) + "\n" + separator.join(["0,1", "0,01"]) + "\n", encoding="utf-8")
    assert main(["meta", str(path), *args]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"(the header is separated by {separator!r}: save the table as comma-separated CSV)" in err


@pytest.mark.parametrize(("method", "metafor"), [("REML", 0.3417502), ("DL", 0.3354836)])
def test_variances_far_apart_give_metafors_numbers_or_one_line(tmp_path, capsys, method, metafor):
    # vi from 1e-12 to 1e3: the estimators' sums cancel (a ZeroDivisionError or a math domain error
    # escaped before). metafor fits it, with its warning about the ratio of the variances.
    path = _csv(tmp_path, {"g": [0.3, 0.3, 0.2, 0.5], "var": [1e3, 1e-12, 0.03, 0.01]})
    code = main(["meta", path, *YV, "--method", method, "--format", "json"])
    captured = capsys.readouterr()
    if code == 0:
        # R: coef(rma(c(.3, .3, .2, .5), c(1e3, 1e-12, .03, .01), method = method))
        assert json.loads(captured.out)["estimate"] == pytest.approx(metafor, abs=1e-6)
    else:
        assert code == 1
        assert captured.err.startswith(f"error: {method}: tau^2 could not be computed")
        assert captured.err.count("\n") == 1


def test_missing_file_is_bad_input(tmp_path, capsys):
    assert main(["meta", str(tmp_path / "none.csv"), "--yi", "g", "--vi", "v"]) == 2
    assert "none.csv': no such file" in " ".join(capsys.readouterr().err.split())


def test_forest_and_funnel_plots_are_written(tmp_path, capsys):
    out, funnel = tmp_path / "forest.svg", tmp_path / "funnel.pdf"
    path = _csv(tmp_path, {**GOOD, "study": ["Ann", "Bo", "Cy"]})
    argv = ["meta", path, *YV, "--slab", "study", "--forest", str(out), "--funnel", str(funnel), "--format", "json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["labels"] == ["Ann", "Bo", "Cy"]
    assert b">Bo<" in out.read_bytes()
    assert funnel.read_bytes().startswith(b"%PDF")


def test_forest_plot_with_a_bad_suffix_writes_nothing(tmp_path, capsys):
    out = tmp_path / "forest.png"
    assert main(["meta", _csv(tmp_path, GOOD), *YV, "--forest", str(out)]) == 2
    assert "field '--forest': a plot is written as .svg or .pdf" in capsys.readouterr().err
    assert not out.exists()


def _bcg_with_moderators(tmp_path: Path) -> str:
    # dat.bcg's ablat, year and alloc, recovered from the model matrices metafor used.
    numeric, factor = MODS["bcg-ablat-year-REML-z"], MODS["bcg-alloc-REML-z"]
    alloc = ["random" if r[1] else "systematic" if r[2] else "alternate" for r in factor["X"]]
    ablat, year = [r[1] for r in numeric["X"]], [r[2] for r in numeric["X"]]
    return _csv(tmp_path, {"yi": numeric["yi"], "vi": numeric["vi"], "ablat": ablat, "year": year, "alloc": alloc})


@pytest.mark.parametrize(
    ("mods", "case_id"), [(["ablat", "year"], "bcg-ablat-year-REML-knha"), (["alloc"], "bcg-alloc-DL-z")]
)
def test_moderators_give_a_meta_regression_matching_metafor(tmp_path, capsys, mods, case_id):
    # R: rma(yi, vi, mods=~ablat + year, test="knha", data=dat) and rma(yi, vi, mods=~factor(alloc), method="DL")
    case = MODS[case_id]
    argv = ["meta", _bcg_with_moderators(tmp_path), "--yi", "yi", "--vi", "vi", "--method", case["method"]]
    argv += ["--test", case["test"], *[a for m in mods for a in ("--mod", m)], "--format", "json"]
    got = _json(capsys, argv)
    assert got["beta"] == pytest.approx(case["beta"], rel=1e-6)
    assert got["se"] == pytest.approx(case["se"], rel=1e-6)
    for key in ("tau2", "QM", "QM_pval", "QE", "R2"):
        assert got[key] == pytest.approx(case[key], rel=1e-6, abs=1e-12), key
    assert got["coef_names"][1:] == (mods if mods != ["alloc"] else ["allocrandom", "allocsystematic"])


def test_moderator_errors_name_the_column(tmp_path, capsys):
    path = _csv(tmp_path, {**GOOD, "dose": [1.0, None, 3.0]})
    assert main(["meta", path, *YV, "--mod", "dose", "--method", "FE", "--na-action", "fail"]) == 2
    # metafor's na.fail error, "Missing values in data." (missing.json), with the cell it is about
    assert f"row 2, field 'dose': {MISSING['na-fail']['error']}" in capsys.readouterr().err


def test_rows_with_a_missing_value_are_left_out_as_metafor(tmp_path, capsys):
    # R: rma(yi = c(.1, .5, .3, .6, .2), vi = c(.01, NA, .02, .03, .015)) warns "Studies with NAs omitted from
    # model fitting." and gives 0.26722299 (SE 0.09702336), tau^2 0.02023002, k = 4; with mods = ~ x where
    # x = c(1, 2, NA, 4, 5): intercept 0.1013574661, slope 0.0557692308, tau^2 0.0871153846, k = 3.
    path = _csv(tmp_path, {"yi": [0.1, 0.5, 0.3, 0.6, 0.2], "vi": [0.01, None, 0.02, 0.03, 0.015],
                           "x": [1, 2, None, 4, 5]})  # fmt: skip
    columns = ["--yi", "yi", "--vi", "vi"]
    got = _json(capsys, ["meta", path, *columns, "--format", "json"])
    assert (got["k"], got["estimate"], got["se"], got["tau2"]) == pytest.approx((4, 0.26722299, 0.09702336, 0.02023002))
    got, warned = _json_and_warnings(capsys, ["meta", path, *columns, "--mod", "x"])
    assert got["beta"] == pytest.approx([0.1013574661, 0.0557692308], rel=1e-8)
    assert (got["k"], got["tau2"]) == pytest.approx((3, 0.0871153846), rel=1e-8)
    # metafor's sentence as it is (missing.json); the file's rows it left out in the notes.
    assert warned.splitlines() == [f"warning: {MISSING['none-left']['warnings'][0]}"]
    assert "omitted for a missing value: rows 2, 3; k = 3" in got["notes"]


def test_variance_warnings_name_the_files_rows_when_rows_are_left_out(tmp_path, capsys):
    # R: rma(yi = c(.1, .5, .3, .6, .2, .4), vi = c(.01, NA, -.02, .03, 0, .02)) drops study 2, constrains
    # study 3's variance to 0 and gives 0.267588347641 (SE 0.053076756597), tau^2 0.008361813842, I^2 NA,
    # k = 5; with mods = ~ x (x = 1:6): intercept 0.13845979272, slope 0.03787004311, tau^2 0.01700585490.
    # Its slab keeps each study's position in the data: 1, 3, 4, 5, 6.
    path = _csv(tmp_path, {"yi": [0.1, 0.5, 0.3, 0.6, 0.2, 0.4], "vi": [0.01, None, -0.02, 0.03, 0.0, 0.02],
                           "x": [1, 2, 3, 4, 5, 6]})  # fmt: skip
    columns = ["--yi", "yi", "--vi", "vi"]
    got, warned = _json_and_warnings(capsys, ["meta", path, *columns])
    assert (got["k"], got["estimate"], got["se"], got["tau2"]) == pytest.approx(
        (5, 0.267588347641, 0.053076756597, 0.008361813842), rel=1e-8
    )
    assert got["I2"] is None
    assert got["labels"] == ["1", "3", "4", "5", "6"]
    # metafor's warnings, in its words; the rows (the file's, as metafor's slab) follow in the notes.
    assert f"warning: {NONPOSITIVE_VI}" in warned
    assert f"warning: {NEGATIVE_VI}" in warned
    assert "2 of 5 sampling variances are 0 or less: rows 3, 5" in got["notes"]
    assert "constrained to zero: row 3" in got["notes"]
    got, warned = _json_and_warnings(capsys, ["meta", path, *columns, "--mod", "x"])
    assert (*got["beta"], got["tau2"]) == pytest.approx((0.13845979272, 0.03787004311, 0.01700585490), rel=1e-7)
    assert f"warning: {NONPOSITIVE_VI}" in warned
    assert f"warning: {NEGATIVE_VI}" in warned
    assert "2 of 5 sampling variances are 0 or less: rows 3, 5" in got["notes"]


def test_subgroup_analysis_matches_metafor(tmp_path, capsys):
    # R: rma(yi, vi, subset=alloc==level, data=dat) per level; rma(yi, vi, mods=~factor(alloc)) for QM
    case = json.loads((FIXTURES / "subgroups.json").read_text())["cases"][0]
    path = _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"], "alloc": case["group"]})
    got = _json(capsys, ["meta", path, "--yi", "yi", "--vi", "vi", "--subgroup", "alloc", "--format", "json"])
    assert got["levels"] == ["alternate", "random", "systematic"]
    assert [f["estimate"] for f in got["fits"]] == pytest.approx([s["estimate"] for s in case["subgroups"]], rel=1e-6)
    assert got["QM"] == pytest.approx(case["QM"], rel=1e-6)


def test_subgroup_forest_plot_is_written(tmp_path, capsys):
    # R: rma(yi, vi, subset=alloc==level) per level; rma(yi, vi, mods=~factor(alloc)): QM(df = 2) = 1.7675
    case = json.loads((FIXTURES / "subgroups.json").read_text())["cases"][0]
    path = _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"], "alloc": case["group"]})
    out = tmp_path / "forest.svg"
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--subgroup", "alloc", "--forest", str(out)]) == 0
    svg = out.read_text()
    assert all(f'id="subgroup-{j}"' in svg for j in (1, 2, 3))
    assert 'id="pooled"' in svg
    assert f"QM = {case['QM']:.2f}, df = 2, p = {case['QM_pval']:.3f}" in svg


def test_moderators_draw_a_forest_of_fitted_values_and_a_funnel_of_residuals(tmp_path, capsys):
    # R: res <- rma(yi, vi, mods = ~ ablat + year, data = dat.bcg); forest(res) (grey polygons at fitted(res),
    # no overall polygon); funnel(res) (rstandard(res) residuals, xlab "Residual Value")
    forest, funnel = tmp_path / "forest.svg", tmp_path / "funnel.svg"
    path = _bcg_with_moderators(tmp_path)
    table = pd.read_csv(path).assign(trial=[f"Trial {i}" for i in range(1, 14)])
    table.to_csv(path, index=False)
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--mod", "ablat", "--mod", "year", "--slab", "trial"]
    assert main([*argv, "--forest", str(forest), "--funnel", str(funnel)]) == 0, capsys.readouterr().err
    assert "Mixed-Effects Model (k = 13" in capsys.readouterr().out
    svg = forest.read_text()
    assert all(f'id="fitted-{i}"' in svg for i in range(1, 14))
    assert 'id="pooled"' not in svg
    assert ">Trial 13<" in svg
    assert 'id="moderator-test"' in svg
    funnel_svg = funnel.read_text()
    assert ">Residual Value<" in funnel_svg
    assert 'id="refline"' in funnel_svg


def test_subgroup_funnel_plots_the_residuals_of_the_factor_model(tmp_path, capsys):
    # R: funnel(rma(yi, vi, mods = ~ factor(alloc), data = dat.bcg))
    case = json.loads((FIXTURES / "subgroups.json").read_text())["cases"][0]
    path = _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"], "alloc": case["group"]})
    out = tmp_path / "funnel.pdf"
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--subgroup", "alloc", "--funnel", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    svg = tmp_path / "funnel.svg"
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--subgroup", "alloc", "--funnel", str(svg)]) == 0
    assert ">Residual Value<" in svg.read_text()


def test_regression_plot_is_written_for_one_numeric_moderator(tmp_path, capsys):
    # R: regplot(rma(yi, vi, mods = ~ ablat, data = dat.bcg), mod = "ablat")
    out = tmp_path / "bubble.pdf"
    argv = ["meta", _bcg_with_moderators(tmp_path), "--yi", "yi", "--vi", "vi", "--mod", "ablat", "--regplot", str(out)]
    assert main(argv) == 0, capsys.readouterr().err
    assert "Mixed-Effects Model (k = 13" in capsys.readouterr().out
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("mods", "message"),
    [
        (["alloc"], "field 'alloc': is a factor (not numeric)"),
        (["ablat", "year"], "field 'moderator': the model has 2 moderators"),
        ([], "field 'mods': a regression plot needs a moderator column"),
    ],
)
def test_regression_plot_needs_one_numeric_moderator(tmp_path, capsys, mods, message):
    out = tmp_path / "bubble.svg"
    argv = ["meta", _bcg_with_moderators(tmp_path), "--yi", "yi", "--vi", "vi", "--regplot", str(out)]
    assert main([*argv, *[a for m in mods for a in ("--mod", m)]]) == 2
    assert message in " ".join(capsys.readouterr().err.split())
    assert not out.exists()


# ---- --cluster: the three-level model (secretome.meta.multilevel) ------------------------------

MV = {c["id"]: c for c in json.loads((FIXTURES / "rma_mv.json").read_text())["cases"]}


@pytest.mark.parametrize("case_id", ["konstantopoulos2011-REML-z", "konstantopoulos2011-REML-t"])
def test_cluster_fits_the_three_level_model_of_metafor(tmp_path, capsys, case_id):
    # R: rma.mv(yi, vi, random = ~ 1 | district/school, data = dat.konstantopoulos2011, test=)
    case = MV[case_id]
    path = _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"], "district": case["study"]})
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--cluster", "district", "--test", case["test"]]
    argv += ["--format", "json"]
    got = _json(capsys, argv)
    assert got["sigma2"] == pytest.approx(case["sigma2"], rel=1e-6)
    for key in ("estimate", "se", "pval", "ci_lb", "ci_ub", "Q", "I2"):
        assert got[key] == pytest.approx(case[key], rel=1e-6), key


def test_cluster_text_output_and_bad_column(tmp_path, capsys):
    case = MV["konstantopoulos2011-REML-z"]
    path = _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"], "district": case["study"]})
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--cluster", "district"]) == 0
    assert "Multilevel Meta-Analysis Model (k = 56; method: REML)" in capsys.readouterr().out
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--cluster", "school"]) == 2
    assert "field 'school': no such column" in " ".join(capsys.readouterr().err.split())


def test_cluster_draws_a_forest_row_per_effect_size_and_the_funnel_around_the_pooled_estimate(tmp_path, capsys):
    # R: res <- rma.mv(yi, vi, random = ~ 1 | district/school, data = dat.konstantopoulos2011); forest(res); funnel(res)
    case = MV["konstantopoulos2011-REML-z"]
    path = _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"], "district": case["study"]})
    forest, funnel = tmp_path / "f.svg", tmp_path / "u.pdf"
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--cluster", "district", "--forest", str(forest)]
    assert main([*argv, "--funnel", str(funnel)]) == 0, capsys.readouterr().err
    assert "Multilevel Meta-Analysis Model (k = 56" in capsys.readouterr().out
    svg = forest.read_text()
    assert 'id="study-56"' in svg
    assert 'id="study-57"' not in svg
    assert 'id="pooled"' in svg
    assert f"{case['estimate']:.2f} [{case['ci_lb']:.2f}, {case['ci_ub']:.2f}]" in svg
    assert funnel.read_bytes().startswith(b"%PDF")


def test_cluster_with_a_moderator_draws_fitted_values_and_residuals(tmp_path, capsys):
    # R: res <- rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school); forest(res); funnel(res)
    case = MV["konstantopoulos2011-year-REML-z"]
    table = {"yi": case["yi"], "vi": case["vi"], "district": case["study"], "year": [r[1] for r in case["X"]]}
    forest, funnel = tmp_path / "f.svg", tmp_path / "u.svg"
    argv = ["meta", _csv(tmp_path, table), "--yi", "yi", "--vi", "vi", "--cluster", "district", "--mod", "year"]
    assert main([*argv, "--forest", str(forest), "--funnel", str(funnel)]) == 0, capsys.readouterr().err
    assert 'id="fitted-56"' in forest.read_text()
    assert 'id="pooled"' not in forest.read_text()
    assert ">Residual Value<" in funnel.read_text()


def test_cluster_with_a_regression_plot_is_refused_and_writes_nothing(tmp_path, capsys):
    case = MV["konstantopoulos2011-year-REML-z"]
    table = {"yi": case["yi"], "vi": case["vi"], "district": case["study"], "year": [r[1] for r in case["X"]]}
    out, forest = tmp_path / "bubble.svg", tmp_path / "f.svg"
    argv = ["meta", _csv(tmp_path, table), "--yi", "yi", "--vi", "vi", "--cluster", "district", "--mod", "year"]
    assert main([*argv, "--regplot", str(out), "--forest", str(forest)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "field 'district': the regression plot draws a two-level meta-regression, not a three-level model" in err
    assert not out.exists()
    assert not forest.exists()


# ---- --mod with every estimator, a fallback chain, and with --cluster ---------------------------


@pytest.mark.parametrize("method", ["EE", "FE", "DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB"])
def test_moderators_work_with_every_method(tmp_path, capsys, method):
    # R: rma(yi, vi, mods=~ablat + year, data=dat, method=, test="knha") (PM and EB with control=list(tol=1e-12))
    case = MODS[f"bcg-ablat-year-{method}-knha"]
    argv = ["meta", _bcg_with_moderators(tmp_path), "--yi", "yi", "--vi", "vi", "--mod", "ablat", "--mod", "year"]
    argv += ["--method", method, "--test", "knha", "--format", "json"]
    argv += ["--control", "tol=1e-12"] if method in ("PM", "EB") else []
    got, err = _json_and_warnings(capsys, argv)
    assert ("warning: " in err) == bool(case["warnings"])
    assert got["method"] == method
    for key in ("beta", "se", "pval"):
        assert got[key] == pytest.approx(case[key], rel=1e-6), key
    for key in ("tau2", "QM", "QM_pval", "QE", "I2", "R2"):
        assert got[key] == pytest.approx(case[key], rel=1e-6, abs=1e-12), key


def test_moderators_with_a_fallback_chain(tmp_path, capsys):
    # REML converges on dat.bcg with ~ ablat + year, so the chain REML,DL gives metafor's REML fit.
    case = MODS["bcg-ablat-year-REML-z"]
    argv = ["meta", _bcg_with_moderators(tmp_path), "--yi", "yi", "--vi", "vi", "--mod", "ablat", "--mod", "year"]
    got = _json(capsys, [*argv, "--method", "REML,DL", "--format", "json"])
    assert (got["method"], got["notes"]) == ("REML", [])
    assert got["tau2"] == pytest.approx(case["tau2"], rel=1e-6)


@pytest.mark.parametrize("case_id", ["konstantopoulos2011-year-REML-z", "konstantopoulos2011-year-ML-t"])
def test_cluster_with_a_moderator_is_a_three_level_meta_regression(tmp_path, capsys, case_id):
    # R: rma.mv(yi, vi, mods = ~ year, random = ~ 1 | district/school, data = dat.konstantopoulos2011, method=, test=)
    case = MV[case_id]
    table = {"yi": case["yi"], "vi": case["vi"], "district": case["study"], "year": [r[1] for r in case["X"]]}
    argv = ["meta", _csv(tmp_path, table), "--yi", "yi", "--vi", "vi", "--cluster", "district", "--mod", "year"]
    got = _json(capsys, [*argv, "--method", case["method"], "--test", case["test"], "--format", "json"])
    assert got["sigma2"] == pytest.approx(case["sigma2"], rel=1e-6)
    for key in ("beta", "se", "pval", "ci_lb", "ci_ub"):
        assert got[key] == pytest.approx(case[key], rel=1e-6), key
    for key in ("QM", "QM_pval", "QE", "I2"):
        assert got[key] == pytest.approx(case[key], rel=1e-6), key
    assert main([*argv, "--method", case["method"], "--test", case["test"]]) == 0
    assert "Test of Moderators (coefficients 2:2):" in capsys.readouterr().out


def test_shared_control_splits_n2_as_a_hand_split_table_does(tmp_path, capsys):
    # Two treatment arms against one control of 10 (rows 1-2) and a study with its own control.
    table = {"mt": [5.1, 6.0, 4.4], "st": [1.2, 1.4, 1.1], "nt": [8, 8, 9], "mc": [4.0, 4.0, 4.1],
             "sc": [1.3, 1.3, 1.0], "group": ["s1/ctrl", "s1/ctrl", "s2/ctrl"]}  # fmt: skip
    argv = ["--measure", "SMD", "--m1", "mt", "--sd1", "st", "--n1", "nt", "--m2", "mc", "--sd2", "sc", "--n2", "nc"]
    shared = _csv(tmp_path, {**table, "nc": [10, 10, 9]})
    got = _json(capsys, ["meta", shared, *argv, "--shared-control", "group", "--format", "json"])
    hand = tmp_path / "hand.csv"
    pd.DataFrame({**table, "nc": [5, 5, 9]}).to_csv(hand, index=False)
    want = _json(capsys, ["meta", str(hand), *argv, "--format", "json"])
    for key in KEYS:
        assert got[key] == pytest.approx(want[key], rel=1e-12), key


def test_shared_control_needs_raw_group_sizes(tmp_path, capsys):
    path = _csv(tmp_path, {"g": [0.1, 0.4], "v": [0.02, 0.03], "group": ["a", "a"]})
    assert main(["meta", path, "--yi", "g", "--vi", "v", "--shared-control", "group"]) == 2
    assert "field 'group': splitting a shared control needs a measure with n2i" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--funnel", "--forest", "--regplot", "--profile"])
def test_every_plot_path_is_checked_before_anything_is_fitted_or_written(tmp_path, capsys, option):
    # A bad second plot name was found only after the first plot had been written (a half-written
    # output), and its error named the engine's 'path' instead of the option (issue 12).
    path = _csv(tmp_path, {**GOOD, "dose": [1, 2, 3]})
    other = "--forest" if option != "--forest" else "--funnel"
    first, bad = tmp_path / "first.svg", tmp_path / "plot.png"
    argv = ["meta", path, *YV, other, str(first), option, str(bad)]
    assert main([*argv, *(["--mod", "dose"] if option == "--regplot" else [])]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: file '{bad}', field '{option}': a plot is written as .svg or .pdf")
    assert err.count("\n") == 1
    assert not first.exists()


def test_a_multilevel_table_beyond_the_declared_limits_is_one_line(tmp_path, capsys):
    # multilevel reads yi and vi itself: yi = 1e300 escaped as numpy's LinAlgError (issue 12).
    path = _csv(tmp_path, {"study": ["A", "A", "B", "B", "C"], "g": [1e300, 0.2, 0.3, 0.4, 0.5],
                           "var": [0.01, 0.02, 0.03, 0.02, 0.01]})  # fmt: skip
    assert main(["meta", path, *YV, "--cluster", "study"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: file '{path}', row 1, field 'g': must lie within +-1e+30 (a declared limit)")
    assert err.count("\n") == 1


CONTROL = {c["id"]: c for c in json.loads((FIXTURES / "control.json").read_text())["cases"]}


@pytest.mark.parametrize("setting", ["default", "tight"])
def test_control_option_gives_metafors_digits_at_its_setting(tmp_path, capsys, setting):
    # R: rma(yi, vi, method="PM"[, control=list(tol=1e-12, threshold=1e-10, maxiter=1000)]) on dat.fine1993
    # (tools/metafor_reference_control.R): 0.0044317 at metafor's default tol, 0.0044161 at the root.
    case = CONTROL[f"fine1993-PM-{setting}"]
    path = _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"]})
    extra = ["--control", "tol=1e-12", "--control", "threshold=1e-10", "--control", "maxiter=1000"]
    got = _json(capsys, ["meta", path, "--yi", "yi", "--vi", "vi", "--method", "PM", "--format", "json",
                         *(extra if setting == "tight" else [])])  # fmt: skip
    assert got["tau2"] == pytest.approx(case["tau2"], rel=1e-9)
    assert got["tau2_ub"] == pytest.approx(case["confint"]["tau2_ub"], rel=1e-9)


@pytest.mark.parametrize("case_id", ["fine1993-REML-stepadj", "raudenbush1985-REML-stepadj"])
def test_control_stepadj_gives_metafors_iterates(tmp_path, capsys, case_id):
    # R: rma(yi, vi, method = "REML", control = list(stepadj = 0.5)) (tools/metafor_reference_control.R): the halved
    # Fisher-scoring steps stop at metafor's tau^2, not at the root.
    case = CONTROL[case_id]
    path = _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"]})
    got = _json(capsys, ["meta", path, "--yi", "yi", "--vi", "vi", "--method", "REML", "--control", "stepadj=0.5",
                         "--format", "json"])  # fmt: skip
    assert got["tau2"] == pytest.approx(case["tau2"], rel=1e-9)
    assert got["estimate"] == pytest.approx(case["beta"][0], rel=1e-9)


@pytest.mark.parametrize(
    ("value", "message"),
    [("tol", r"--control.*NAME=VALUE"), ("tol=-1", r"--control.*'tol' must be a number > 0"),
     ("tolerance=1", r"--control.*unknown control setting")],
)  # fmt: skip
def test_bad_control_setting_is_one_line(tmp_path, capsys, value, message):
    path = _csv(tmp_path, {"yi": [0.1, 0.5, 0.9], "vi": [0.01, 0.02, 0.03]})
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--control", value]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err), err
    assert len(err.strip().splitlines()) == 1


# ---- PMM and HSk (fixtures by tools/metafor_reference_estimators.R) -------------------------------


ESTIMATORS = {c["id"]: c for c in json.loads((FIXTURES / "estimators.json").read_text())["cases"]}
# The CLI fits at the engine's default control; PMM's fixtures exist at metafor's default tol and at 1e-12.
PMM_TOL = "default" if Control().tol == ESTIMATORS["dorn2007-PMM-default-intercept-z"]["tol"] else "tight"


@pytest.mark.parametrize(
    ("method", "mods", "test"), [("PMM", False, "z"), ("PMM", True, "knha"), ("HSk", False, "knha"), ("HSk", True, "z")]
)
def test_pmm_and_hsk_match_metafor(tmp_path, capsys, method, mods, test):
    # R: rma(yi, vi, [mods=~year,] method="PMM" or "HSk", test=) on dat.dorn2007's log risk ratios
    data = ESTIMATORS["data-dorn2007"]
    tol = PMM_TOL if method == "PMM" else "default"
    case = ESTIMATORS[f"dorn2007-{method}-{tol}-{'mods' if mods else 'intercept'}-{test}"]
    path = _csv(tmp_path, {"yi": data["yi"], "vi": data["vi"], "year": [row[0] for row in data["mods"]]})
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--method", method, "--test", test, "--format", "json"]
    got = _json(capsys, [*argv, "--mod", "year"] if mods else argv)
    assert got["method"] == method
    assert got["tau2"] == pytest.approx(case["tau2"], rel=1e-6)
    if mods:
        assert got["beta"] == pytest.approx(case["beta"], rel=1e-6)
        assert got["se"] == pytest.approx(case["se"], rel=1e-6)
        assert got["QM"] == pytest.approx(case["QM"], rel=1e-6)
    else:
        assert (got["estimate"], got["se"]) == pytest.approx((case["beta"][0], case["se"][0]), rel=1e-6)
        assert (got["ci_lb"], got["ci_ub"]) == pytest.approx((case["ci_lb"][0], case["ci_ub"][0]), rel=1e-6)
        assert got["I2"] == pytest.approx(case["I2"], rel=1e-6)


def test_unknown_estimator_lists_pmm_and_hsk(tmp_path, capsys):
    path = _csv(tmp_path, {"yi": [0.1, 0.3, 0.5], "vi": [0.01, 0.02, 0.03]})
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--method", "GENQX"]) == 2
    err = capsys.readouterr().err
    assert "field 'method': must be one of" in err
    assert "'HSk'" in err
    assert "'PMM'" in err
    assert "(got 'GENQX')" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(("mods", "test"), [(False, "knha"), (True, "z")])
def test_genq_with_a_weights_column_matches_metafor(tmp_path, capsys, mods, test):
    # R: rma(yi, vi, weights=n.a + n.p, [mods=~year,] method="GENQ", test=) on dat.dorn2007's log risk ratios
    data = ESTIMATORS["data-dorn2007"]
    case = ESTIMATORS[f"dorn2007-GENQ-default-{'mods' if mods else 'intercept'}-{test}"]
    year = [row[0] for row in data["mods"]]
    path = _csv(tmp_path, {"yi": data["yi"], "vi": data["vi"], "n": data["weights"], "year": year})
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--weights", "n", "--method", "GENQ", "--test", test]
    got = _json(capsys, [*argv, *(["--mod", "year"] if mods else []), "--format", "json"])
    assert got["tau2"] == pytest.approx(case["tau2"], rel=1e-6)
    assert got["weights"] == pytest.approx(case["weights"], rel=1e-6)
    if mods:
        assert got["beta"] == pytest.approx(case["beta"], rel=1e-6)
        assert got["se"] == pytest.approx(case["se"], rel=1e-6)
    else:
        assert (got["estimate"], got["se"], got["ci_lb"]) == pytest.approx(
            (case["beta"][0], case["se"][0], case["ci_lb"][0]), rel=1e-6
        )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "field 'weights': GENQ needs weights"),
        (["--method", "GENQM"], "field 'weights': GENQM needs weights"),
        (["--weights", "w"], "row 2, field 'w': must be finite and > 0 (got -1.0)"),
        (
            ["--weights", "w", "--permutest", "10", "--regtest", "sei"],
            "field '--weights': user weights are for the model fit and --regtest alone: not with --permutest (got 'w')",
        ),
        (["--weights", "nope"], "field 'nope': no such column"),
    ],
)
def test_genq_and_weights_errors_are_one_line(tmp_path, capsys, extra, message):
    path = _csv(tmp_path, {"yi": [0.1, 0.3, 0.5], "vi": [0.01, 0.02, 0.03], "w": [1.0, -1.0, 2.0]})
    assert main(["meta", path, "--yi", "yi", "--vi", "vi", "--method", "GENQ", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


NEGATIVE = {c["id"]: c for c in json.loads((FIXTURES / "vi_negative.json").read_text())["cases"]}


@pytest.mark.parametrize("case_id", ["two-intercept-REML-z", "two-mods-SJ-knha"])
def test_negative_sampling_variances_are_set_to_zero_with_a_warning(tmp_path, capsys, case_id):
    # R: rma(yi, vi[, mods = ~ x], method =, test =) with vi[2] and vi[5] negative: metafor constrains them to 0
    # and warns (vi_negative.json); the CLI fits the same model and prints each warning as one line.
    case = NEGATIVE[case_id]
    table = {"g": case["yi"], "var": case["vi"]} | ({"x": case["x"]} if case["with_mods"] else {})
    argv = ["meta", _csv(tmp_path, table), *YV, "--method", case["method"], "--test", case["test"]]
    got, err = _json_and_warnings(capsys, [*argv, *(["--mod", "x"] if case["with_mods"] else [])])
    assert [line.removeprefix("warning: ") for line in err.splitlines()] == case["warnings"]
    assert "constrained to zero: rows 2, 5" in got["notes"]
    assert got["tau2"] == pytest.approx(case["tau2"], rel=1e-6)
    if case["with_mods"]:
        assert got["beta"] == pytest.approx(case["beta"], rel=1e-6)
        assert got["se"] == pytest.approx(case["se"], rel=1e-6)
        assert got["QE"] is None
    else:
        assert (got["estimate"], got["se"]) == pytest.approx((case["beta"][0], case["se"][0]), rel=1e-6)
        assert got["Q"] is None


GENQM = {c["id"]: c for c in json.loads((FIXTURES / "genqm.json").read_text())["cases"]}


@pytest.mark.parametrize(("mods", "test"), [(False, "z"), (True, "knha")])
def test_genqm_with_a_weights_column_matches_metafor(tmp_path, capsys, mods, test):
    # R: rma(yi, vi, weights = n1i + n2i, [mods = ~ duration,] method = "GENQM", test =) on dat.linde2005's log
    # risk ratios (tools/metafor_reference_genqm.R), at metafor's default tol as the CLI.
    data = GENQM["data-linde2005"]
    case = GENQM[f"linde2005-default-{'mods' if mods else 'intercept'}-{test}"]
    duration = [row[0] for row in data["mods"]]
    path = _csv(tmp_path, {"yi": data["yi"], "vi": data["vi"], "n": data["weights"], "duration": duration})
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--weights", "n", "--method", "GENQM", "--test", test]
    got = _json(capsys, [*argv, *(["--mod", "duration"] if mods else []), "--format", "json"])
    assert got["method"] == "GENQM"
    assert (got["tau2"], got["se_tau2"]) == pytest.approx((case["tau2"], case["se_tau2"]), rel=1e-6)
    if mods:
        assert got["beta"] == pytest.approx(case["beta"], rel=1e-6)
        assert got["R2"] == pytest.approx(case["R2"], rel=1e-6)
    else:
        assert (got["estimate"], got["ci_lb"]) == pytest.approx((case["beta"][0], case["ci_lb"][0]), rel=1e-6)


EFFECTS = {c["id"]: c for c in json.loads((FIXTURES / "effects.json").read_text())["cases"]}


@pytest.mark.parametrize(
    ("case_id", "flags"),
    [
        ("molloy2014-COR", {"ri": "--ri", "ni": "--ni"}),
        ("hart1999-IR", {"xi": "--xi", "ti": "--ti"}),
        ("hart1999-IRR", {"x1i": "--x1i", "x2i": "--x2i", "t1i": "--t1i", "t2i": "--t2i"}),
    ],
)
def test_correlation_and_incidence_measures_reach_the_model_as_metafor_computes_them(tmp_path, capsys, case_id, flags):
    # R: escalc("COR", ri, ni, data=dat.molloy2014), escalc("IR", xi=x1i, ti=t1i), escalc("IRR", x1i, x2i, t1i, t2i) on
    # dat.hart1999 (tools/metafor_reference_effects.R); the model pools the effects metafor computes.
    case = EFFECTS[case_id]
    path = _csv(tmp_path, {arg: case["inputs"][arg] for arg in flags})
    argv = ["meta", path, "--measure", case["measure"]]
    for arg, flag in flags.items():
        argv += [flag, arg]
    got = _json(capsys, [*argv, "--format", "json"])
    assert got["k"] == len(case["yi"])
    assert got["yi"] == pytest.approx(case["yi"], rel=1e-12)
    assert got["vi"] == pytest.approx(case["vi"], rel=1e-12)


@pytest.mark.parametrize("case_id", ["bcg-ablat-collinear-year-REML-z", "bcg-ablat-collinear-year-DL-knha"])
def test_a_collinear_moderator_is_dropped_with_a_warning_as_metafor(tmp_path, capsys, case_id):
    # R: rma(yi, vi, mods = ~ ablat + I(2 * ablat) + year, data = dat.bcg, method=, test=) drops 2 x ablat with
    # "Redundant predictors dropped from the model." and fits the rest (tools/metafor_reference.R).
    case = MODS[case_id]
    x = case["X"]
    columns = {"yi": case["yi"], "vi": case["vi"], "ablat": [r[1] for r in x], "ablat2": [r[2] for r in x]}
    path = _csv(tmp_path, {**columns, "year": [r[3] for r in x]})
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--mod", "ablat", "--mod", "ablat2", "--mod", "year",
            "--method", case["method"], "--test", case["test"]]  # fmt: skip
    got, err = _json_and_warnings(capsys, argv)
    assert [line.removeprefix("warning: ") for line in err.splitlines()] == case["warnings"]
    # metafor's sentence names no column; the result's notes name the one dropped.
    assert "dropped as redundant (collinear with the columns before them): ablat2" in got["notes"]
    assert got["coef_names"] == case["coef_names"]
    for field in ("beta", "se", "pval", "ci_lb", "ci_ub"):
        assert got[field] == pytest.approx(case[field], rel=1e-6), field
    assert got["tau2"] == pytest.approx(case["tau2"], rel=1e-6, abs=1e-12)


K1 = {c["id"]: c for c in json.loads((FIXTURES / "k1.json").read_text())["cases"]}


@pytest.mark.parametrize("case_id", ["bcg1-REML-knha", "bcg1-FE-z"])
def test_one_study_is_reported_as_itself_as_metafor(tmp_path, capsys, case_id):
    # R: rma(yi, vi, method=, test=) on the first trial of dat.bcg (tools/metafor_reference_k1.R): the study itself,
    # tau^2 0, with metafor's warning where test = "knha" is replaced by z.
    case = K1[case_id]
    path = _csv(tmp_path, {"yi": [case["yi"]], "vi": [case["vi"]]})
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--method", case["method"], "--test", case["test"]]
    got, err = _json_and_warnings(capsys, argv)
    assert [line.removeprefix("warning: ") for line in err.splitlines()] == case["warnings"]
    for field in ("estimate", "se", "pval", "ci_lb", "ci_ub", "tau2"):
        assert got[field] == pytest.approx(case[field], rel=1e-12, abs=1e-15), field


DESIGN_EDGES = {c["id"]: c for c in json.loads((FIXTURES / "design_edges.json").read_text())["cases"]}


def test_a_moderator_the_same_for_every_study_leaves_metafors_intercept_only_model(tmp_path, capsys):
    # R: rma(yi, vi, mods = cbind(const = 5), data = dat.bcg) drops the constant column with metafor's warning and
    # fits the intercept alone (tools/metafor_reference_design_edges.R).
    case = DESIGN_EDGES["all-redundant-const-REML"]
    path = _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"], "const": case["const"]})
    got, err = _json_and_warnings(capsys, ["meta", path, "--yi", "yi", "--vi", "vi", "--mod", "const"])
    assert [line.removeprefix("warning: ") for line in err.splitlines()] == case["warnings"]
    assert got["coef_names"] == case["coef_names"]
    assert got["beta"] == pytest.approx(case["beta"], rel=1e-6)
    assert got["tau2"] == pytest.approx(case["tau2"], rel=1e-6)
    assert got["R2"] is None
    assert got["notes"][-1] == "dropped as redundant (collinear with the columns before them): const"


def test_a_saturated_equal_effects_meta_regression_is_fitted_as_metafor(tmp_path, capsys):
    # R: rma(yi, vi, mods = ~ ablat, method = "EE") on two trials of dat.bcg: QE = 0 on 0 df, p = 1
    # (tools/metafor_reference_design_edges.R).
    case = DESIGN_EDGES["saturated-k2-ablat-EE"]
    path = _csv(tmp_path, {"yi": case["yi"], "vi": case["vi"], "ablat": case["ablat"]})
    argv = ["meta", path, "--yi", "yi", "--vi", "vi", "--mod", "ablat", "--method", "EE"]
    got, err = _json_and_warnings(capsys, argv)
    assert err == ""
    assert got["beta"] == pytest.approx(case["beta"], rel=1e-6)
    assert (got["QE"], got["QE_df"], got["QE_pval"]) == (case["QE"], 0, case["QEp"])

"""``secretome meta`` with reported statistics, counts, change scores, MH/Peto pooling and combined p-values.

Reference values are metafor 3.8-1's (and base R's) from tools/metafor_reference_effects.R.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from secretome.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "metafor"
EFFECTS = {c["id"]: c for c in json.loads((FIXTURES / "effects.json").read_text())["cases"]}
POOLING = {c["id"]: c for c in json.loads((FIXTURES / "effects_pooling.json").read_text())["cases"]}
PVALUES = {c["id"]: c for c in json.loads((FIXTURES / "effects_pvalues.json").read_text())["cases"]}


def _csv(tmp_path: Path, columns: dict[str, list]) -> str:
    path = tmp_path / "data.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return str(path)


def _json(capsys, argv: list[str]) -> dict:
    assert main([*argv, "--format", "json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _json_and_warnings(capsys, argv: list[str]) -> tuple[dict, str]:
    """The JSON printed and the stderr lines, where the CLI prints each engine warning as one line."""
    assert main([*argv, "--format", "json"] if "--format" not in argv else argv) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_smd_from_p_values_with_bounds_and_directions(tmp_path, capsys):
    # R: escalc("SMD", ti = sign(p) qt(|p|/2, n1+n2-2, lower.tail=FALSE)) with p at its bound for 'P < x'
    case = EFFECTS["SMD-pi-bounds-direction"]
    raw = case["inputs"]
    path = _csv(tmp_path, {"p": raw["pi"], "dir": raw["direction"], "nt": raw["n1i"], "nc": raw["n2i"]})
    argv = ["meta", path, "--measure", "SMD", "--pi", "p", "--direction", "dir", "--n1", "nt", "--n2", "nc"]
    got, err = _json_and_warnings(capsys, argv)
    assert "warning: SMD: rows 1, 2, 5 computed at the bound" in err
    assert got["yi"] == pytest.approx(case["yi"], rel=1e-6)
    assert any("lower bound" in note for note in got["notes"])


@pytest.mark.parametrize(("case_id", "args"), [("SMD-se", ["--se1", "s1", "--se2", "s2"]),
                                               ("SMD-ci-t-0.95", ["--ci1", "l1,u1", "--ci2", "l2,u2"]),
                                               ("SMD-ci-z-0.9", ["--ci1", "l1,u1", "--ci2", "l2,u2", "--ci-level",
                                                                 "0.9", "--ci-dist", "z"])])  # fmt: skip
def test_smd_from_standard_errors_and_confidence_intervals(tmp_path, capsys, case_id, args):
    # R: escalc("SMD", sd = SE sqrt(n)) and sd = sqrt(n) (ub - lb) / (2 q), q from t(n-1) or the normal
    raw = EFFECTS[case_id]["inputs"]
    table = {"m1": raw["m1i"], "n1": raw["n1i"], "m2": raw["m2i"], "n2": raw["n2i"]}
    table |= {"s1": raw.get("se1i"), "s2": raw.get("se2i"), "l1": raw.get("lb1i"), "u1": raw.get("ub1i")}
    table |= {"l2": raw.get("lb2i"), "u2": raw.get("ub2i")}
    path = _csv(tmp_path, {k: v for k, v in table.items() if v is not None})
    argv = ["meta", path, "--measure", "SMD", "--m1", "m1", "--n1", "n1", "--m2", "m2", "--n2", "n2", *args]
    assert _json(capsys, argv)["yi"] == pytest.approx(EFFECTS[case_id]["yi"], rel=1e-6)


def test_zero_cell_rules_reach_escalc(tmp_path, capsys):
    # R: escalc("OR", ai, n1i, ci, n2i, add=1/2, to="all") on dat.nielweise2007
    case = EFFECTS["nielweise2007-OR-all-drop00=FALSE"]
    raw = case["inputs"]
    path = _csv(tmp_path, {"a": raw["ai"], "n1": raw["n1i"], "c": raw["ci"], "n2": raw["n2i"]})
    argv = ["meta", path, "--measure", "OR", "--ai", "a", "--n1i", "n1", "--ci", "c", "--n2i", "n2", "--to", "all"]
    got = _json(capsys, argv)
    assert got["yi"] == pytest.approx(case["yi"], rel=1e-6)
    assert "to='all'" in got["notes"][0]


@pytest.mark.parametrize("case_id", ["nielweise2007-MH-OR", "hine1989-MH-RD", "nielweise2007-PETO"])
def test_mantel_haenszel_and_peto_match_metafor(tmp_path, capsys, case_id):
    # R: rma.mh(measure=, ai, n1i, ci, n2i) and rma.peto(ai, n1i, ci, n2i)
    case = POOLING[case_id]
    data = case["data"]
    path = _csv(tmp_path, {"a": data["ai"], "n1": data["n1i"], "c": data["ci"], "n2": data["n2i"]})
    measure = (case["options"] or {}).get("measure", "OR")
    argv = ["meta", path, "--method", case["method"], "--measure", measure, "--ai", "a", "--n1i", "n1", "--ci", "c"]
    got, err = _json_and_warnings(capsys, [*argv, "--n2i", "n2"])
    assert ("warning: " in err) == bool(case["warnings"])
    for key in ("estimate", "se", "pval", "ci_lb", "ci_ub", "Q", "I2"):
        assert got[key] == pytest.approx(case[key], rel=1e-6), key
    assert got["k"] == case["k"]


@pytest.mark.parametrize("follow_up", [["--fsn", "Rosenthal"], ["--regtest", "sei"], ["--influence"]])
def test_a_follow_up_with_mantel_haenszel_is_refused_not_dropped(tmp_path, capsys, follow_up):
    d = POOLING["bcg-MH-OR"]["data"]
    path = _csv(tmp_path, {"a": d["ai"], "b": d["bi"], "c": d["ci"], "d": d["di"]})
    argv = ["meta", path, "--method", "MH", "--ai", "a", "--bi", "b", "--ci", "c", "--di", "d", *follow_up]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"field '{follow_up[0]}'" in err
    assert "refit a random-effects model" in err


@pytest.mark.parametrize(
    ("option", "field"),
    [(["--mod", "a"], "--mod"), (["--subgroup", "b"], "--subgroup"), (["--cluster", "c"], "--cluster"),
     (["--weights", "d"], "--weights"), (["--control", "tol=1e-8"], "--control")],
)  # fmt: skip
def test_a_model_option_with_mantel_haenszel_is_refused_not_dropped(tmp_path, capsys, option, field):
    d = POOLING["bcg-MH-OR"]["data"]
    path = _csv(tmp_path, {"a": d["ai"], "b": d["bi"], "c": d["ci"], "d": d["di"]})
    argv = ["meta", path, "--method", "MH", "--ai", "a", "--bi", "b", "--ci", "c", "--di", "d", *option]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"field '{field}'" in err
    assert "an option of the random-effects model" in err


def test_an_albatross_plot_without_combined_p_values_is_refused(tmp_path, capsys):
    d = POOLING["bcg-MH-OR"]["data"]
    path = _csv(tmp_path, {"a": d["ai"], "b": d["bi"], "c": d["ci"], "d": d["di"]})
    argv = ["meta", path, "--method", "MH", "--ai", "a", "--bi", "b", "--ci", "c", "--di", "d"]
    assert main([*argv, "--albatross", str(tmp_path / "a.svg")]) == 2
    assert "field '--albatross': draws combined p-values: give --combine-p" in capsys.readouterr().err
    assert not (tmp_path / "a.svg").exists()


def test_mantel_haenszel_text_is_metafors_print(tmp_path, capsys):
    case = POOLING["bcg-MH-OR"]
    d = case["data"]
    path = _csv(tmp_path, {"a": d["ai"], "b": d["bi"], "c": d["ci"], "d": d["di"]})
    argv = ["meta", path, "--method", "MH", "--ai", "a", "--bi", "b", "--ci", "c", "--di", "d"]
    assert main(argv) == 0
    assert "Cochran-Mantel-Haenszel Test:    CMH = 135.6889, df = 1,  p-val < 0.0001" in capsys.readouterr().out


def test_combined_p_and_albatross(tmp_path, capsys):
    # R: pnorm(sum(sqrt(n) qnorm(one-sided p, lower=F)) / sqrt(sum(n)), lower=F)
    case = PVALUES["mixed-direction"]
    path = _csv(tmp_path, {"p": case["p"], "dir": case["direction"], "n": case["n"]})
    plot = tmp_path / "albatross.svg"
    argv = ["meta", path, "--combine-p", "stouffer", "--pi", "p", "--direction", "dir", "--ni", "n"]
    got = _json(capsys, [*argv, "--albatross", str(plot)])
    assert got["statistic"] == pytest.approx(case["weighted"], rel=1e-10)
    assert got["weighted"]
    assert b'id="study-6"' in plot.read_bytes()
    fisher = _json(capsys, ["meta", path, "--combine-p", "fisher", "--pi", "p", "--direction", "dir"])
    assert fisher["pval"] == pytest.approx(case["fisher_pval"], rel=1e-8)


def test_change_scores_with_an_assumed_correlation_and_its_sensitivity(tmp_path, capsys):
    # R: escalc("SMCR", ..., ri = 0.5) and rma(method="REML") per r on the first five studies of the fixture
    raw = EFFECTS["change-SMCR-r=0.5"]["inputs"]
    table = {name: raw[name][:5] for name in ("m1i", "m2i", "sd1i", "ni")}
    path = _csv(tmp_path, table)
    argv = ["meta", path, "--measure", "SMCR", "--m1", "m1i", "--m2", "m2i", "--sd1", "sd1i", "--ni", "ni"]
    one = _json(capsys, [*argv, "--ri", "0.5"])
    assert one["yi"] == pytest.approx(EFFECTS["change-SMCR-r=0.5"]["yi"][:5], rel=1e-6)
    sweep = _json(capsys, [*argv, "--ri", "0.3,0.5,0.7"])
    assert sweep["r"] == [0.3, 0.5, 0.7]
    assert len(sweep["pooled"]) == 3
    assert sweep["pooled"][1]["estimate"] == pytest.approx(one["estimate"], rel=1e-12)


@pytest.mark.parametrize(
    ("table", "args", "message"),
    [
        ({"p": [0.04]}, ["--ci1", "lo", "--measure", "SMD"], "field '--ci1': give the two columns as LOWER,UPPER"),
        ({"p": [0.04]}, ["--combine-p", "stouffer"], "field 'pi': combining p-values needs the p-value column"),
        ({"p": ["P > 0.05"]}, ["--combine-p", "fisher", "--pi", "p"], "row 1, field 'p': a p-value given as 'P > x'"),
        ({"a": [1], "n": [9]}, ["--method", "PETO", "--measure", "RR", "--ai", "a"], "field 'measure': Peto's method"),
        ({"a": [1], "n": [9]}, ["--method", "MH", "--ai", "a", "--xi", "n"], "field 'xi': is not a column of MH"),
    ],
)
def test_bad_input_names_file_and_field(tmp_path, capsys, table, args, message):
    path = _csv(tmp_path, table)
    assert main(["meta", path, *args]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err


@pytest.mark.parametrize(
    ("case_id", "columns"),
    [
        ("molloy2014-COR", {"ri": "--ri", "ni": "--ni"}),
        ("hart1999-IR", {"xi": "--xi", "ti": "--ti"}),
        ("hart1999-IRR", {"x1i": "--x1i", "x2i": "--x2i", "t1i": "--t1i", "t2i": "--t2i"}),
    ],
)
def test_correlations_and_incidence_rates_reach_escalc(tmp_path, capsys, case_id, columns):
    # R: escalc("COR", ri, ni, data = dat.molloy2014); escalc("IR", xi, ti) and escalc("IRR", x1i, x2i, t1i, t2i)
    # on dat.hart1999 (tools/metafor_reference_effects.R): the CLI fits the model on metafor's yi and vi.
    case = EFFECTS[case_id]
    path = _csv(tmp_path, {name: case["inputs"][name] for name in columns})
    argv = ["meta", path, "--measure", case["measure"]]
    for name, flag in columns.items():
        argv += [flag, name]
    got = _json(capsys, argv)
    assert got["yi"] == pytest.approx(case["yi"], rel=1e-12)
    assert got["vi"] == pytest.approx(case["vi"], rel=1e-12)


FOREST_COUNTS = {c["id"]: c for c in json.loads((FIXTURES / "forest_counts.json").read_text())["cases"]}


@pytest.mark.parametrize("case_id", ["sparse-MH-RD", "bcg-PETO"])
def test_forest_of_mantel_haenszel_and_peto_is_written(tmp_path, capsys, case_id):
    # R: forest(rma.mh(measure = "RD", ai, n1i, ci, n2i), showweights = TRUE) on sparse adverse-event tables (tables 1,
    # 3, 4 double-zero: not drawn) and forest(rma.peto(ai, bi, ci, di), showweights = TRUE) on dat.bcg
    # (tools/metafor_reference_forest_counts.R): the weight and the estimate of each drawn table, and the model's.
    case = FOREST_COUNTS[case_id]
    d = case["data"]
    out = tmp_path / "forest.svg"
    if "n1i" in d:
        path = _csv(tmp_path, {"a": d["ai"], "n1": d["n1i"], "c": d["ci"], "n2": d["n2i"]})
        argv = ["meta", path, "--method", case["method"], "--measure", case["measure"], "--ai", "a", "--n1i", "n1"]
        argv += ["--ci", "c", "--n2i", "n2"]
    else:
        path = _csv(tmp_path, {"a": d["ai"], "b": d["bi"], "c": d["ci"], "d": d["di"]})
        argv = ["meta", path, "--method", case["method"], "--ai", "a", "--bi", "b", "--ci", "c", "--di", "d"]
    got = _json(capsys, [*argv, "--forest", str(out)])
    assert got["estimate"] == pytest.approx(case["estimate"], rel=1e-8)
    root = ET.fromstring(out.read_bytes())
    texts = [" ".join("".join(e.itertext()).split()) for e in root.iter("{http://www.w3.org/2000/svg}text")]
    for line in [*case["annotations"], case["pooled_annotation"]]:
        weight, estimate = (" ".join(part.split()) for part in line.split("%", 1))
        assert f"{weight}%" in texts
        assert estimate in texts
    drawn = {e.get("id") for e in root.iter() if (e.get("id") or "").startswith("study-ci-")}
    assert drawn == {f"study-ci-{i}" for i in case["rows"]}


@pytest.mark.parametrize("plot", ["--funnel", "--regplot"])
def test_a_plot_mantel_haenszel_cannot_draw_is_refused_not_dropped(tmp_path, capsys, plot):
    d = POOLING["bcg-MH-OR"]["data"]
    path = _csv(tmp_path, {"a": d["ai"], "b": d["bi"], "c": d["ci"], "d": d["di"]})
    out, forest = tmp_path / "plot.svg", tmp_path / "forest.svg"
    argv = ["meta", path, "--method", "MH", "--ai", "a", "--bi", "b", "--ci", "c", "--di", "d", plot, str(out)]
    assert main([*argv, "--forest", str(forest)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"field '{plot}'" in err
    assert "MH and PETO draw --forest" in err
    assert not out.exists()
    assert not forest.exists()

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


def test_bad_follow_up_options_exit_2(tmp_path, capsys):
    case = FSN["bcg-Rosenberg"]
    path = tmp_path / "bcg.csv"
    pd.DataFrame({"yi": case["yi"], "vi": case["vi"]}).to_csv(path, index=False)
    assert main(["meta", str(path), "--yi", "yi", "--vi", "vi", "--selmodel", "steps"]) == 2
    assert "field '--selmodel': is 3PSM, beta or step:P1,P2,..." in capsys.readouterr().err
    assert main(["meta", str(path), "--yi", "yi", "--vi", "vi", "--robust", "nope"]) == 2
    assert "field 'nope': no such column" in capsys.readouterr().err

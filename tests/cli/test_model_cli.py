"""`secretome model ...`: params, simulate and export-sbml print or write what the engine returns."""

from __future__ import annotations

import json

import pytest

from secretome.cli import main


def test_params_text_and_json(capsys):
    assert main(["model", "params", "--preset", "rat-mia"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Parameters of 'rat-mia'")
    assert "assumed, prior" in out
    assert main(["model", "params", "--preset", "baker2017", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["parameters"]) == 15
    assert all(p["source"] and not p["assumed"] for p in data["parameters"])


def test_simulate_json_shape(capsys):
    assert main(["model", "simulate", "--preset", "rat-focal-defect-cm", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["time"][0] == 0.0
    assert data["time"][-1] == 120.0
    assert {"p", "a", "m", "f", "cm", "G", "C", "N"} <= set(data["species"])
    assert len(data["species"]["G"]) == len(data["time"])
    assert data["outcomes"]["aggrecan"] == "gag_content"
    assert len(data["doses"]) == 5


def test_simulate_with_a_regimen_subjects_and_out(tmp_path, capsys):
    regimen = tmp_path / "r.yaml"
    regimen.write_text("end_time: 14\ndoses:\n  - {species: cm, amount: 1, time: 7}\n")
    out = tmp_path / "sim.csv"
    args = ["model", "simulate", "--preset", "rat-mia", "--regimen", str(regimen), "--subjects", "2", "--out", str(out)]
    assert main(args) == 0
    assert "subjects = 2" in capsys.readouterr().out
    assert out.read_text().startswith("subject,time,kind,variable,value,unit,outcome")


@pytest.mark.parametrize(
    ("regimen", "field"),
    [
        ("doses:\n  - {species: cm, amount: 1, time: 500}\n", "doses[1].time"),
        ("doses: []\nparameters: {k_cl_cm: -1}\n", "parameters.k_cl_cm"),
        ("doses: {a: 1}\n", "doses"),
    ],
)
def test_bad_regimens_are_input_errors(tmp_path, capsys, regimen, field):
    path = tmp_path / "r.yaml"
    path.write_text(regimen)
    assert main(["model", "simulate", "--preset", "rat-mia", "--regimen", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"field '{field}'" in err
    assert str(path) in err


def test_unknown_preset_is_an_input_error(capsys):
    assert main(["model", "params", "--preset", "rabbit-mia"]) == 2
    assert "field '--preset': unknown preset" in capsys.readouterr().err


def test_export_sbml(tmp_path, capsys):
    out = tmp_path / "model.xml"
    assert main(["model", "export-sbml", "--preset", "rat-focal-defect-cm", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("<?xml")
    assert text.count("<event ") == 5
    assert main(["model", "export-sbml", "--preset", "rat-mia", "--out", str(tmp_path / "no" / "m.xml")]) == 2


@pytest.mark.parametrize("command", ["cohort", "sensitivity"])
def test_commands_not_built_yet_say_so(command, capsys):
    assert main(["model", command]) == 1
    assert "not available yet" in capsys.readouterr().err

"""Regimen files: repeated schedules, overrides and input errors that name the field."""

from __future__ import annotations

import pytest

from secretome.errors import InputError
from secretome.model import apply_regimen, parse_regimen, preset


def test_schedule_single_dose_end_time_and_overrides():
    data = {
        "end_time": 60,
        "doses": [
            {"species": "cm", "amount": 1, "start": 7, "every": 7, "count": 3},
            {"species": "ev", "amount": 2.0, "time": 10},
        ],
        "parameters": {"k_prot": 8.0},
    }
    model = parse_regimen(data, preset("rat-mia"))
    assert [(d.time, d.species, d.amount) for d in model.doses] == [
        (7.0, "cm", 1.0), (10.0, "ev", 2.0), (14.0, "cm", 1.0), (21.0, "cm", 1.0)
    ]  # fmt: skip
    assert model.t_end == 60.0
    assert model.parameter("k_prot").value == 8.0


def test_an_empty_list_means_untreated():
    assert parse_regimen({"doses": []}, preset("rat-focal-defect-cm")).doses == ()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "doses"),
        ({"dose": []}, "dose"),
        ({"doses": {"species": "cm"}}, "doses"),
        ({"doses": ["cm"]}, "doses[1]"),
        ({"doses": [{"species": "cm", "amount": 1, "time": 1, "colour": 2}]}, "doses[1].colour"),
        ({"doses": [{"amount": 1, "time": 1}]}, "doses[1].species"),
        ({"doses": [{"species": "cm", "time": 1}]}, "doses[1].amount"),
        ({"doses": [{"species": "cm", "amount": -1, "time": 1}]}, "doses[1].amount"),
        ({"doses": [{"species": "cm", "amount": "lots", "time": 1}]}, "doses[1].amount"),
        ({"doses": [{"species": "xx", "amount": 1, "time": 1}]}, "doses[1].species"),
        ({"doses": [{"species": "cm", "amount": 1, "start": 1, "every": 0, "count": 2}]}, "doses[1].every"),
        ({"doses": [{"species": "cm", "amount": 1, "start": 1, "every": 7, "count": 1.5}]}, "doses[1].count"),
        ({"doses": [{"species": "cm", "amount": 1, "start": 1, "every": 7}]}, "doses[1].count"),
        ({"doses": [{"species": "cm", "amount": 1, "time": 1, "start": 1}]}, "doses[1].time"),
        ({"doses": [{"species": "cm", "amount": 1, "time": 121}]}, "doses[1].time"),  # after end time (120)
        (
            {"end_time": 30, "doses": [{"species": "cm", "amount": 1, "start": 7, "every": 7, "count": 5}]},
            "doses[1].time",
        ),
        ({"end_time": -1, "doses": []}, "end_time"),
        ({"doses": [], "parameters": {"k_G": -0.1}}, "parameters.k_G"),  # negative rate constant
        ({"doses": [], "parameters": {"nope": 1}}, "parameters.nope"),
        ({"doses": [], "parameters": [1]}, "parameters"),
    ],
)
def test_malformed_regimens_name_the_field(data, field):
    with pytest.raises(InputError) as info:
        parse_regimen(data, preset("rat-mia"), file="r.yaml")
    assert info.value.field == field
    assert info.value.file == "r.yaml"


def test_files(tmp_path):
    good = tmp_path / "weekly.yaml"
    good.write_text("doses:\n  - {species: cm, amount: 1, start: 7, every: 7, count: 5}\n")
    assert len(apply_regimen(preset("rat-mia"), good).doses) == 5
    bad = tmp_path / "bad.yaml"
    bad.write_text("doses: [\n")
    with pytest.raises(InputError, match="not valid YAML") as info:
        apply_regimen(preset("rat-mia"), bad)
    assert info.value.file == str(bad)
    with pytest.raises(InputError, match="cannot read"):
        apply_regimen(preset("rat-mia"), tmp_path / "missing.yaml")


def test_doses_by_product_use_its_unit_and_composition():
    data = {
        "doses": [
            {"product": "ev", "amount": 2e9, "time": 7},  # particles/kg -> ev in 1e9 particles/kg
            {"product": "msc", "amount": 1e6, "start": 14, "every": 14, "count": 2},  # cells/kg -> 1e6 cells/kg
        ]
    }
    model = parse_regimen(data, preset("rat-mia"))
    assert [(d.time, d.species, d.amount) for d in model.doses] == [
        (7.0, "ev", pytest.approx(2.0)),
        (14.0, "msc", pytest.approx(1.0)),
        (28.0, "msc", pytest.approx(1.0)),
    ]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"product": "pills", "amount": 1, "time": 1}, "doses[1].product"),
        ({"product": "cm", "species": "cm", "amount": 1, "time": 1}, "doses[1].product"),
        ({"product": "cm", "amount": 1, "time": 130}, "doses[1].time"),
    ],
)
def test_bad_product_doses(entry, field):
    with pytest.raises(InputError) as info:
        parse_regimen({"doses": [entry]}, preset("rat-mia"))
    assert info.value.field == field


def test_the_documented_example_is_valid():
    """docs/regimen-format.md: its YAML example must run on the rat presets as written."""
    from pathlib import Path

    import yaml

    doc = (Path(__file__).resolve().parents[2] / "docs" / "regimen-format.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    model = parse_regimen(yaml.safe_load(example), preset("rat-mia"))
    assert len(model.doses) == 7
    assert model.parameter("k_prot").value == 16.6

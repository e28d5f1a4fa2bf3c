"""`secretome model params --preset NAME` is honest for every preset: a source, or `assumed` with a prior."""

from __future__ import annotations

import json

import pytest

from secretome.cli import main
from secretome.model import PRESETS


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_params_lists_a_source_or_a_prior_for_every_parameter(name, capsys):
    assert main(["model", "params", "--preset", name, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["parameters"]
    for p in data["parameters"]:
        if p["assumed"]:
            assert not p["source"], p["name"]
            assert p["prior"][0] <= p["value"] <= p["prior"][1], p["name"]
        else:
            assert p["source"], p["name"]
            assert p["prior"] is None, p["name"]
    assert main(["model", "params", "--preset", name]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Parameters of {name!r}")


def test_presets_lists_one_line_per_preset():
    from typer.testing import CliRunner

    from secretome.cli import app
    from secretome.model import PRESETS

    result = CliRunner().invoke(app, ["model", "presets"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == len(PRESETS)
    assert {line.split()[0] for line in lines} == set(PRESETS)

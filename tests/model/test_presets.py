"""Presets: every name builds a valid model named after itself; unknown names are input errors."""

from __future__ import annotations

import pytest

from secretome.errors import InputError
from secretome.model import PRESETS, preset


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_builds_and_carries_its_name(name):
    model = preset(name)
    assert model.name == name
    assert all(d.time <= model.t_end for d in model.doses)


def test_the_review_protocol_and_the_single_vs_repeated_pair():
    assert {"rat-mia", "rat-focal-defect-cm", "rat-mia-cm-weekly", "rat-mia-cm-single"} <= set(PRESETS)


def test_unknown_preset_names_the_field():
    with pytest.raises(InputError, match="unknown preset") as info:
        preset("rabbit-acl")
    assert info.value.field == "preset"  # the parameter; the CLI names its option
    assert info.value.value == "rabbit-acl"


# Species x induction presets: each runs, stays near healthy without induction, and is damaged with it.
INDUCED = {
    "rat-aclt": "oarsi_score",
    "mouse-dmm": "oarsi_mouse_score",
    "mouse-collagenase": "oarsi_mouse_score",
    "human-knee-oa": "oarsi_score",
}


def _uninduced(model):
    """The same organism's joint without induction (rest state, normal load)."""
    from secretome.model._cartilage import cartilage_model

    return cartilage_model(model.name.split("-")[0]).with_doses((), t_end=model.t_end)


@pytest.mark.parametrize("name", sorted(INDUCED))
def test_species_presets_stay_healthy_without_induction(name):
    from secretome.model import simulate

    model = preset(name)
    res = simulate(_uninduced(model), times=[0.0, model.t_end])
    assert res.status == ("ok",)
    for readout in ("aggrecan", "collagen_ii", "chondrocytes"):
        assert res.readout_series(readout)[-1] == pytest.approx(res.readout_series(readout)[0], abs=1.0), readout


@pytest.mark.parametrize("name", sorted(INDUCED))
def test_species_presets_damage_cartilage_with_induction(name):
    from secretome.model import simulate

    model = preset(name)
    res = simulate(model, times=[0.0, model.t_end])
    assert res.status == ("ok",)
    healthy = simulate(_uninduced(model), times=[0.0, model.t_end])
    oarsi = {r.name: r for r in model.readouts}["oarsi"]
    assert oarsi.outcome == INDUCED[name]
    assert res.readout_series("oarsi")[-1] > healthy.readout_series("oarsi")[-1]
    assert res.readout_series("thickness")[-1] < healthy.readout_series("thickness")[-1]
    assert res.readout_series("aggrecan")[-1] < healthy.readout_series("aggrecan")[-1]


def test_people_progress_slower_than_rodents():
    """Human matrix turnover is years (Heinemeier 2016; Maroudas 1998), rodent turnover days to weeks."""
    from secretome.model import simulate

    rat, human = preset("rat-aclt"), preset("human-knee-oa")
    assert human.parameter("k_C").value < rat.parameter("k_C").value / 100
    day_56 = [0.0, 56.0]
    loss = {
        name: 100.0 - simulate(model, times=day_56).readout_series("aggrecan")[-1]
        for name, model in (("rat", rat), ("human", human))
    }
    assert loss["human"] < loss["rat"] / 3


def test_species_facts_are_sourced():
    from secretome.model._cartilage import ORGANISMS

    assert {p.value for p in (preset(n).parameter("h0") for n in ("rat-aclt", "mouse-dmm", "human-knee-oa"))} == {
        166.5,
        90.0,
        2400.0,
    }
    assert all(not o.parameters[0].assumed for o in ORGANISMS.values())


def test_preset_lines_give_one_line_per_preset():
    from secretome.model import preset_lines

    lines = dict(preset_lines())
    assert set(lines) == set(PRESETS)
    assert all("\n" not in line for line in lines.values())
    assert "CM 30 ug per joint" in lines["rat-focal-defect-cm"]

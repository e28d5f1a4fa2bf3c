"""Readout mappings: each on its vocabulary outcome's scale, inside its range, and worse with more damage.

The readouts are evaluated on synthetic states (no integration), so these tests are fast and test the
mappings alone: bounds over the whole state space and over the corners of the priors, and direction.
"""

from __future__ import annotations

import numpy as np
import pytest

from secretome.model import preset, simulate
from secretome.model._readout_values import readout_values
from secretome.model._readouts import MANKIN_SUBSCORES, cartilage_readouts, outcome_readouts
from secretome.vocab import OUTCOMES, SCALES

CARTILAGE_PRESETS = ["rat-mia", "mouse-dmm", "human-knee-oa"]
HEALTHY = {
    "il1b": 0.04, "tnfa": 0.04, "il6": 0.6, "il10": 0.06, "mmp": 1.0, "S": 1.0, "Z": 1.0, "N": 1.0, "Na": 0.0,
    "G": 1.0, "C": 1.0, "M1": 2 / 3, "M2": 1 / 3,
}  # fmt: skip


def _evaluate(model, states: dict[str, np.ndarray], values: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Readouts of *model* at the given states (one time point per state), parameters overridden by *values*."""
    n = len(next(iter(states.values())))
    y = np.zeros((1, n, len(model.species)))
    for i, s in enumerate(model.species):
        y[0, :, i] = states.get(s.name, np.full(n, HEALTHY.get(s.name, 0.0)))
    k = np.array([[(values or {}).get(p.name, p.value) for p in model.parameters]])
    out = readout_values(model, y, k)
    return {r.name: out[0, :, j] for j, r in enumerate(model.readouts)}


def _random_states(n: int = 2000) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "il1b": rng.uniform(0.0, 10.0, n),
        "tnfa": rng.uniform(0.0, 10.0, n),
        "il6": rng.uniform(0.0, 100.0, n),
        "il10": rng.uniform(0.0, 10.0, n),
        "mmp": rng.uniform(1.0, 10.0, n),
        "S": rng.uniform(0.0, 5.0, n),
        "N": rng.uniform(0.0, 1.0, n),
        "Na": rng.uniform(0.0, 1.0, n),
        "G": rng.uniform(0.0, 1.0, n),
        "C": rng.uniform(0.0, 1.0, n),
        "ra": rng.uniform(0.0, 1e6, n),
        "M1": rng.uniform(0.01, 5.0, n),
        "M2": rng.uniform(0.0, 5.0, n),
    }


def _bounds(readout) -> tuple[float, float]:
    outcome = OUTCOMES[readout.outcome]
    if outcome.scale is not None and readout.unit == outcome.unit:
        return SCALES[outcome.scale].minimum, SCALES[outcome.scale].maximum
    if readout.unit == "% positive":
        return 0.0, 100.0
    return 0.0, np.inf


@pytest.mark.parametrize("name", CARTILAGE_PRESETS)
def test_every_readout_maps_to_a_vocab_outcome(name):
    assert {r.outcome for r in preset(name).readouts} <= set(OUTCOMES)


@pytest.mark.parametrize("name", CARTILAGE_PRESETS)
def test_each_outcome_has_a_readout_in_its_unit(name):
    """The report compares predictions with evidence on the outcome's own scale."""
    chosen = outcome_readouts(preset(name).readouts)
    on_scale = [
        "odriscoll_score", "mankin_score", "cartilage_thickness", "ihc_sox9", "ihc_aggrecan",
        "ihc_col2", "ihc_mmp13", "col2a1_expression", "acan_expression", "apoptosis_rate", "il1b_level",
        "tnfa_level", "il6_level", "il10_level",
    ]  # fmt: skip
    if name == "human-knee-oa":
        on_scale += ["joint_space_width", "womac_total", "vas_pain"]
    on_scale.append("oarsi_mouse_score" if name.startswith("mouse") else "oarsi_score")
    for outcome in on_scale:
        assert chosen[outcome].unit == OUTCOMES[outcome].unit, outcome


def test_oarsi_uses_the_species_scale():
    rat = {r.name: r for r in preset("rat-mia").readouts}["oarsi"]
    mouse = {r.name: r for r in preset("mouse-dmm").readouts}["oarsi"]
    assert (rat.outcome, mouse.outcome) == ("oarsi_score", "oarsi_mouse_score")
    damaged = {"G": np.zeros(1), "C": np.zeros(1)}
    assert _evaluate(preset("rat-mia"), damaged)["oarsi"][0] == pytest.approx(SCALES["oarsi_pritzker"].maximum)
    assert _evaluate(preset("mouse-dmm"), damaged)["oarsi"][0] == pytest.approx(SCALES["oarsi_mouse"].maximum)


def test_mankin_subscores_fill_the_scale():
    assert sum(points for _, points, _ in MANKIN_SUBSCORES) == SCALES["mankin"].maximum


def test_clinical_readouts_only_for_people():
    assert "womac" not in {r.name for r in preset("rat-mia").readouts}
    assert {"jsw", "womac", "vas"} <= {r.name for r in preset("human-knee-oa").readouts}


@pytest.mark.parametrize("name", CARTILAGE_PRESETS)
@pytest.mark.parametrize("corner", ["nominal", "low", "high"])
def test_readouts_stay_on_their_scale(name, corner):
    """Over random states and at the corners of the priors, every readout stays inside its range."""
    model = preset(name)
    values = {}
    if corner != "nominal":
        values = {p.name: p.prior[0 if corner == "low" else 1] for p in model.parameters if p.assumed}
    out = _evaluate(model, _random_states(), values)
    for readout in model.readouts:
        low, high = _bounds(readout)
        series = out[readout.name]
        assert np.all(np.isfinite(series)), readout.name
        assert np.all((series >= low - 1e-9) & (series <= high + 1e-9)), readout.name


@pytest.mark.parametrize("name", CARTILAGE_PRESETS)
def test_more_matrix_damage_gives_worse_scores(name):
    """Lower aggrecan, collagen II and chondrocytes (together) never improve a structural readout."""
    model = preset(name)
    level = np.linspace(1.0, 0.0, 25)  # from healthy to no tissue
    out = _evaluate(model, {"G": level, "C": level, "N": level})
    worse_up = ["oarsi", "mankin"] + (["womac", "vas"] if name == "human-knee-oa" else [])
    worse_down = ["odriscoll", "thickness", "ihc_aggrecan", "ihc_col2"] + (["jsw"] if name == "human-knee-oa" else [])
    for readout in worse_up:
        assert np.all(np.diff(out[readout]) >= 0), readout
        assert out[readout][-1] > out[readout][0], readout
    for readout in worse_down:
        assert np.all(np.diff(out[readout]) <= 0), readout
        assert out[readout][-1] < out[readout][0], readout


@pytest.mark.parametrize("name", CARTILAGE_PRESETS)
def test_more_cytokine_and_protease_gives_higher_readouts(name):
    model = preset(name)
    level = np.linspace(0.0, 5.0, 25)
    out = _evaluate(model, {"il1b": level, "tnfa": level, "il6": level, "il10": level, "mmp": 1.0 + level})
    for readout in ["il1b", "tnfa", "il6", "il10", "ihc_mmp13"] + (["womac", "vas"] if "human" in name else []):
        assert np.all(np.diff(out[readout]) >= 0), readout
        assert out[readout][-1] > out[readout][0], readout
    volume = model.parameter("V_sf").value
    assert out["il1b"][-1] == pytest.approx(5.0 / volume)  # pg per joint / mL: pg/mL, no scale factor


def test_apoptosis_is_the_apoptotic_share_of_chondrocytes():
    out = _evaluate(preset("rat-mia"), {"N": np.array([1.0, 0.9, 0.0]), "Na": np.array([0.0, 0.1, 0.0])})
    assert out["apoptosis"][0] == 0.0
    assert out["apoptosis"][1] == pytest.approx(100 * 0.1 / 1.001)
    assert out["apoptosis"][2] == 0.0


def test_m2_share_rises_with_m2():
    out = _evaluate(preset("rat-mia"), {"M1": np.full(3, 0.5), "M2": np.array([0.0, 0.5, 1.5])})
    assert list(out["m2_share"]) == pytest.approx([0.0, 50.0, 75.0])


def test_less_sox9_lowers_col2a1_and_sox9_staining():
    model = preset("rat-mia")
    out = _evaluate(model, {"S": np.array([1.0, 0.5])})
    for readout in ("col2a1", "acan", "ihc_sox9"):
        assert out[readout][1] < out[readout][0], readout


def test_healthy_state_reads_healthy():
    """The nominal maps put the healthy joint (the organism's rest state) at the good end of each scale, and the
    composition readouts at 100 % and the sourced healthy thickness."""
    model = preset("rat-mia")
    out = _evaluate(model, {s: np.array([model.parameter(f"{s}_rest").value]) for s in ("G", "C", "N")})
    for readout in ("aggrecan", "collagen_ii", "chondrocytes"):
        assert out[readout][0] == pytest.approx(100.0)
    assert out["oarsi"][0] < 1.0
    assert out["mankin"][0] < 1.0
    assert out["odriscoll"][0] > 23.0
    assert out["thickness"][0] == pytest.approx(166.5)
    assert 10.0 < out["ihc_mmp13"][0] < 25.0  # Hui et al. 2016: about 16 % MMP-13+ cells in young mice


def test_mapping_parameters_are_assumed_with_priors_and_h0_is_sourced():
    params, _ = cartilage_readouts(signals={"drive": "x"}, clinical=True)
    maps = [p for p in params if p.assumed]
    assert all(p.group == "readout" and p.prior[0] <= p.value <= p.prior[1] for p in maps)
    assert {p.name for p in params if not p.assumed} == {"G_rest", "C_rest", "N_rest"}  # definitions
    for name in ("rat-mia", "mouse-dmm", "human-knee-oa"):
        h0 = preset(name).parameter("h0")
        assert h0.source
        assert not h0.assumed


def test_unknown_oarsi_outcome_is_rejected():
    with pytest.raises(ValueError, match="oarsi_outcome"):
        cartilage_readouts(signals={"drive": "x"}, oarsi_outcome="mankin_score")


def test_histology_maps_read_the_loss_of_tissue():
    """0 for healthy tissue, (1 + K^n)/2 of the maximum at a loss of K_hist, the maximum for none (analytic)."""
    model = preset("rat-mia")
    k, n = 0.1, 2.0
    level = np.array([1.0, 1.0 - k, 0.0])
    out = _evaluate(model, {"G": level, "C": level}, {"K_hist": k, "n_hist": n, "w_G": 0.5, "G_rest": 1.0,
                                                       "C_rest": 1.0})  # fmt: skip
    maximum = SCALES["oarsi_pritzker"].maximum
    assert list(out["oarsi"]) == pytest.approx([0.0, maximum * (1 + k**n) / 2, maximum])
    above = _evaluate(model, {"G": np.array([1.001]), "C": np.array([1.001])})
    assert above["oarsi"][0] == 0.0  # an overshoot above healthy is no damage


def test_mankin_and_oarsi_have_maps_of_their_own():
    """A Mankin point calibrates the Mankin map and leaves the OARSI map where it was."""
    model = preset("rat-mia")
    level = {"G": np.array([0.8]), "C": np.array([0.9]), "N": np.array([0.5])}
    low, high = (_evaluate(model, level, {"K_mankin": k}) for k in (0.05, 0.5))
    assert low["mankin"][0] > high["mankin"][0]
    assert low["oarsi"][0] == high["oarsi"][0]


@pytest.mark.parametrize("organism", ["rat", "mouse", "rabbit", "human"])
def test_the_rest_state_reads_healthy_on_every_score(organism):
    """Scores read loss from the organism's rest state, so the model's healthy joint scores 0 (24 on O'Driscoll)."""
    from secretome.model._cartilage import cartilage_model

    res = simulate(cartilage_model(organism), times=[0.0, 1.0])
    for name, healthy in (("oarsi", 0.0), ("mankin", 0.0), ("odriscoll", 24.0)):
        assert res.readout_series(name)[0] == pytest.approx(healthy, abs=1e-6), name

"""Global sensitivity: SALib wiring against analytic indices, a preset's ranking, errors and views."""

from __future__ import annotations

import math

import numpy as np
import pytest

from secretome.errors import InputError
from secretome.model import Model, Parameter, Process, Readout, Species, preset
from secretome.model._sensitivity import SensitivityResult, _indices, _to_prior, sensitivity


def _linear() -> Model:
    """Readout a + 2 b with a, b, c ~ U(0, 1): S1 = ST = (1/5, 4/5, 0) (variances 1/12 and 4/12)."""
    return Model(
        name="linear",
        description="a readout linear in two parameters; c has no effect",
        time_unit="day",
        species=[Species("x", 1.0, "1", "inert")],
        parameters=[Parameter(n, 0.5, "1", n, assumed=True, prior=(0.0, 1.0)) for n in ("a", "b", "c")],
        processes=[Process("hold", "0*c*x", {"x": -1})],
        readouts=[Readout("y", "a + 2*b + 0*x", "1", "gag_content", "linear")],
        t_end=1.0,
    )


def test_sobol_wiring_reproduces_the_ishigami_indices():
    # Ishigami (a = 7, b = 0.1) analytic indices as given in SALib's own tests (tests/test_sobol.py):
    # S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437.
    from SALib.test_functions import Ishigami

    table, runs = _indices("sobol", ["x1", "x2", "x3"], lambda u: Ishigami.evaluate(-math.pi + 2 * math.pi * u),
                           1024, 0)  # fmt: skip
    assert runs == 1024 * (3 + 2)
    np.testing.assert_allclose(table[:, 0], [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(table[:, 2], [0.5576, 0.4424, 0.2437], atol=0.03)


def test_sobol_on_a_model_finds_the_inert_parameter():
    res = sensitivity(_linear(), method="sobol", samples=256, readout="y", at_time=1.0, workers=1)
    frame = res.to_frame().set_index("parameter")
    np.testing.assert_allclose(frame["S1"], [0.2, 0.8, 0.0], atol=0.03)
    np.testing.assert_allclose(frame["ST"], [0.2, 0.8, 0.0], atol=0.03)
    assert frame.loc["c", "ST"] == pytest.approx(0.0, abs=1e-12)  # c never touches the output
    assert res.ranking()["parameter"].tolist() == ["b", "a", "c"]
    assert res.evaluations == 256 * 5


def test_morris_on_a_model_gives_the_analytic_elementary_effects():
    # Every elementary effect of a + 2 b over the unit range is exactly 1 (a), 2 (b) and 0 (c).
    res = sensitivity(_linear(), method="morris", samples=10, readout="y", at_time=1.0, workers=1)
    frame = res.to_frame().set_index("parameter")
    np.testing.assert_allclose(frame["mu_star"], [1.0, 2.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(frame["sigma"], [0.0, 0.0, 0.0], atol=1e-9)
    assert list(res.to_frame().columns) == ["parameter", "mu_star", "mu_star_conf", "sigma", "mu"]


def test_on_a_preset_proliferation_drives_chondrocytes_and_an_undosed_product_does_nothing():
    # rat-focal-defect-cm doses conditioned medium only: EV clearance cannot matter; the chondrocyte
    # readout is governed by proliferation r_N (repair of the defect) and inflammation-driven apoptosis.
    res = sensitivity(preset("rat-focal-defect-cm"), method="morris", samples=4, readout="chondrocytes",
                      at_time=60.0, parameters=["r_N", "k_ap", "K_prot", "k_cl_ev"], workers=1)  # fmt: skip
    ranking = res.ranking()
    assert ranking["parameter"].iloc[0] == "r_N"
    ev = res.to_frame().set_index("parameter").loc["k_cl_ev"]
    assert ev["mu_star"] == pytest.approx(0.0, abs=1e-6)
    text = res.summary()
    assert text.startswith("Global sensitivity of 'chondrocytes' at t = 60 day in 'rat-focal-defect-cm'")
    assert "1     r_N" in text
    data = res.to_dict()
    assert data["indices"][0]["parameter"] == "r_N"
    assert isinstance(res, SensitivityResult)


def test_readout_maps_are_screened_only_when_asked():
    """A score's own map moves it whatever the biology does; by default only the mechanism is varied."""
    model = preset("rat-mia")
    maps = {p.name for p in model.parameters if p.group == "readout" and p.assumed}
    mechanism = {p.name for p in model.parameters if p.group == "mechanism" and p.assumed}
    default = sensitivity(model, method="morris", samples=2, readout="oarsi", at_time=3.0, workers=1)
    assert set(default.parameters) == mechanism
    assert "readout-map parameters held" in default.notes[0]
    both = sensitivity(model, method="morris", samples=2, readout="oarsi", at_time=3.0, workers=1,
                       readout_maps=True)  # fmt: skip
    assert set(both.parameters) == mechanism | maps
    effects = both.to_frame().set_index("parameter")["mu_star"]
    assert effects["K_hist"] > 0.0  # the map moves the score
    assert effects["K_ihc"] == 0.0  # a map the OARSI readout does not use


def test_priors_are_sampled_on_the_cohort_scale():
    unit = np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]])
    out = _to_prior(unit, [(0.01, 1.0), (0.0, 4.0)])
    np.testing.assert_allclose(out[:, 0], [0.01, 0.1, 1.0])  # log-uniform: the midpoint is the geometric mean
    np.testing.assert_allclose(out[:, 1], [0.0, 2.0, 4.0])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"method": "fast"}, "method"),
        ({"samples": 100}, "samples"),
        ({"readout": "pain"}, "readout"),
        ({"at_time": -1.0}, "at_time"),
        ({"parameters": ["Pbp", "r_N"]}, "parameters"),
        ({"parameters": ["r_N"]}, "parameters"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(InputError, match=f"field '{field}'"):
        sensitivity(preset("rat-mia"), **kwargs)


def test_samples_beyond_the_declared_limit_are_refused_before_sampling(monkeypatch):
    # samples = 10**8 would draw a 10**8 x 69 Morris matrix (issue 12: limits checked before work).
    from secretome.model import _sensitivity

    def sampled(*args, **kwargs):
        raise AssertionError("sampling started")

    monkeypatch.setattr(_sensitivity, "_indices", sampled)
    with pytest.raises(InputError, match=r"field 'samples': must be an integer from 2 to 8192 \(a declared limit\)"):
        sensitivity(_linear(), method="morris", samples=100_000_000, readout="y", at_time=1.0)

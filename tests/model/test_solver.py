"""The compiled Rosenbrock solver: analytic cases, dose events, failures, and libroadrunner on every preset."""

from __future__ import annotations

import math

import numpy as np
import pytest

from secretome.model import PRESETS, Dose, Model, Parameter, Process, Readout, Species, draw_subjects, preset
from secretome.model._batch import batch_runner, run_batch


def _decay(doses=()) -> Model:
    return Model(
        name="decay",
        description="first-order clearance of boluses, and a fast equilibrium with a second pool",
        time_unit="day",
        species=[Species("x", 1.0, "ng", "drug"), Species("z", 0.0, "ng", "bound drug")],
        parameters=[
            Parameter("k", 0.5, "1/day", "clearance", assumed=True, prior=(0.1, 5.0)),
            Parameter("kon", 1e4, "1/day", "fast binding: a stiff pair", source="test"),
        ],
        processes=[
            Process("out", "k*(x + z)", {"x": -0.5, "z": -0.5}),
            Process("bind", "kon*(x - z)", {"x": -1, "z": 1}),
        ],
        readouts=[Readout("total", "x + z", "ng", "gag_content", "both pools")],
        doses=doses,
        t_end=10.0,
    )


def test_boluses_decay_exponentially_through_a_stiff_equilibrium():
    # Total s = x + z obeys s' = -k s with doses added: s(t) = sum_j a_j exp(-k (t - t_j)) (analytic).
    doses = [Dose(2.0, "x", 2.0), Dose(5.0, "z", 1.0), Dose(10.0, "x", 3.0)]
    model = _decay(doses)
    times = np.array([0.0, 1.0, 2.0, 3.3, 5.0, 7.5, 10.0])
    ks = np.array([0.2, 0.5, 3.0])
    _, readouts, status, _ = run_batch(model, {"k": ks}, times, rtol=1e-10, atol=1e-12, workers=2)
    assert status == ("ok",) * 3
    given = [(0.0, 1.0), *((d.time, d.amount) for d in doses)]
    for s, k in enumerate(ks):
        # An output at a dose time reports the state after the dose, as the SBML events and scipy do.
        expected = [sum(a * math.exp(-k * (t - tj)) for tj, a in given if tj <= t) for t in times]
        assert readouts[s, :, 0] == pytest.approx(expected, rel=1e-8)


def test_a_blow_up_is_a_failed_subject_not_an_error():
    model = Model(
        name="growth", description="x' = r x", time_unit="day", species=[Species("x", 1.0, "1", "amount")],
        parameters=[Parameter("r", 1.0, "1/day", "rate", assumed=True, prior=(0.0, 60.0))],
        processes=[Process("grow", "r*x", {"x": 1})], t_end=1.0,
    )  # fmt: skip
    values, _, status, _ = run_batch(model, {"r": np.array([1.0, 40.0])}, np.array([0.0, 1.0]))
    assert status[0] == "ok"
    assert values[0, -1, 0] == pytest.approx(math.e, rel=1e-5)
    assert status[1].startswith("failed: a species exceeded 1e+12 at t = 0.69")  # exp(40 t) = 1e12 at t = 0.691
    assert np.all(np.isnan(values[1]))


def test_the_scipy_reference_simulator_agrees():
    model = preset("rat-mia-ev-weekly").with_doses(preset("rat-mia-ev-weekly").doses, t_end=60.0)
    draws = draw_subjects(model, 3, seed=4)
    times = np.linspace(0.0, 60.0, 31)
    ours = run_batch(model, draws, times, rtol=1e-10, atol=1e-12)
    reference = run_batch(model, draws, times, simulator="scipy", rtol=1e-10, atol=1e-12)
    assert ours[2] == reference[2] == ("ok",) * 3
    scale = np.maximum(np.abs(reference[0]).max(axis=(0, 1)), 1e-3)
    assert np.max(np.abs(ours[0] - reference[0]) / scale) < 1e-7


def test_the_calibration_runner_gives_the_batch_result():
    model = preset("rat-mia")
    times = np.array([0.0, 7.0, 14.0])
    rows = np.array([[0.05, 0.02], [0.2, 0.1]])
    values, readouts, status = batch_runner(model, ("k_G", "r_N"), times, rtol=1e-8, atol=1e-10)(rows)
    batch = run_batch(model, {"k_G": rows[:, 0], "r_N": rows[:, 1]}, times, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(values, batch[0])
    np.testing.assert_array_equal(readouts, batch[1])
    assert status == batch[2]


@pytest.mark.slow
@pytest.mark.needs_roadrunner
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_roadrunner_gives_the_same_readouts_on_every_preset(name):
    # libroadrunner (CVODE) on the exported SBML; the nominal parameters and two prior draws.
    model = preset(name)
    if any(p.assumed for p in model.parameters):
        draws = draw_subjects(model, 2, seed=7)
        parameters = {k: np.concatenate([[model.parameter(k).value], v]) for k, v in draws.items()}
    else:
        parameters = {model.parameters[0].name: np.array([model.parameters[0].value])}
    dose_times = {d.time for d in model.doses}
    times = np.array([t for t in np.linspace(0.0, model.t_end, 49) if t not in dose_times or t == 0.0])
    times[-1] = model.t_end
    tight = {"rtol": 1e-10, "atol": 1e-12}
    ours = run_batch(model, parameters, times, **tight)
    theirs = run_batch(model, parameters, times, simulator="roadrunner", workers=1, **tight)
    assert ours[2] == theirs[2]
    ok = np.array([s == "ok" for s in ours[2]])
    scale = np.maximum(np.abs(theirs[1][ok]).max(axis=(0, 1)), 1e-3)
    assert np.max(np.abs(ours[1][ok] - theirs[1][ok]) / scale) < 1e-5

"""The reference simulator: analytic cases, dose events, subjects, failures and the result's views."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import TOL
from secretome.errors import InputError, NumericalError, SecretomeWarning
from secretome.model import Dose, Model, Parameter, Process, Species, baker2017, simulate


def _decay(**changes) -> Model:
    base = {
        "name": "decay",
        "description": "first-order clearance of a bolus",
        "time_unit": "day",
        "species": [Species("x", 0.0, "ng", "drug in the joint")],
        "parameters": [Parameter("k", 0.5, "1/day", "clearance", assumed=True, prior=(0.1, 5.0))],
        "processes": [Process("x_clearance", "k*x", {"x": -1})],
        "t_end": 10.0,
    }
    base.update(changes)
    return Model(**base)


def test_a_bolus_decays_exponentially():
    res = simulate(_decay(doses=[Dose(1.0, "x", 2.0)]), times=[0.0, 0.5, 1.0, 3.0, 10.0])
    expected = [0.0, 0.0, 2.0, 2.0 * math.exp(-1.0), 2.0 * math.exp(-4.5)]  # analytic; post-dose at t = 1
    assert res.species_series("x") == pytest.approx(expected, rel=TOL["ode"], abs=1e-12)


def test_model_names_may_be_those_of_the_generated_code():
    # dy/dt = -k y with parameters named like the generated right-hand side's own t, k and r_0.
    model = _decay(
        species=[Species("y", 2.0, "ng", "drug")],
        parameters=[
            Parameter("k", 0.5, "1/day", "clearance", assumed=True, prior=(0.1, 5.0)),
            Parameter("t", 3.0, "1", "unused", assumed=True, prior=(1.0, 5.0)),
            Parameter("r_0", 1.0, "1", "a factor of 1", assumed=True, prior=(0.5, 2.0)),
        ],
        processes=[Process("y_clearance", "r_0*k*y", {"y": -1})],
    )
    res = simulate(model, times=[0.0, 2.0])
    assert res.species_series("y")[-1] == pytest.approx(2.0 * math.exp(-1.0), rel=TOL["ode"])


def test_repeated_doses_superpose():
    doses = [Dose(t, "x", 1.0) for t in (0.0, 2.0, 4.0)]
    res = simulate(_decay(doses=doses), times=[0.0, 5.0])
    expected = sum(math.exp(-0.5 * (5.0 - t)) for t in (0.0, 2.0, 4.0))
    assert res.species_series("x")[-1] == pytest.approx(expected, rel=TOL["ode"])


def test_many_subjects_from_parameter_arrays():
    res = simulate(_decay(doses=[Dose(0.0, "x", 1.0)]), times=[0.0, 2.0], parameters={"k": [0.1, 1.0, 2.0]})
    assert res.n_subjects == 3
    assert res.values[:, -1, 0] == pytest.approx(np.exp(-2.0 * np.array([0.1, 1.0, 2.0])), rel=TOL["ode"])
    assert res.status == ("ok", "ok", "ok")


def test_a_failing_subject_is_flagged_not_fatal():
    grow = _decay(
        species=[Species("x", 1.0, "ng", "x")],
        processes=[Process("x_blowup", "k*pow(x, 2)", {"x": 1})],  # blows up at t = 1/k
    )
    with pytest.warns(SecretomeWarning, match="1 of 2 subjects failed"):
        res = simulate(grow, times=[0.0, 0.5], parameters={"k": [0.1, 5.0]})
    assert res.status[0] == "ok"
    assert res.status[1] != "ok"
    assert np.isnan(res.values[1]).all()
    assert res.species_series("x", 0)[-1] == pytest.approx(1 / (1 - 0.05), rel=1e-6)
    with pytest.raises(NumericalError, match="integration failed"):
        simulate(grow, times=[0.0, 0.5], parameters={"k": 5.0})


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"parameters": {"k": -1.0}}, "k"),
        ({"parameters": {"q": 1.0}}, "q"),
        ({"parameters": {"k": [1.0, float("nan")]}}, "k"),
        ({"times": [0.0, 20.0], "t_end": 10.0}, "times"),
        ({"times": [1.0, 0.5]}, "times"),
        ({"doses": [Dose(12.0, "x", 1.0)]}, "time"),
        ({"method": "RK45"}, "method"),
    ],
)
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(InputError) as info:
        simulate(_decay(), **kwargs)
    assert info.value.field == field


def test_negative_rate_in_a_subject_names_its_row():
    with pytest.raises(InputError, match="a rate constant must be >= 0") as info:
        simulate(_decay(), parameters={"k": [1.0, -1.0]})
    assert info.value.row == 2


def test_methods_agree():
    times = np.linspace(0, 100, 11)
    results = [simulate(baker2017(), times=times, method=m).values for m in ("LSODA", "BDF", "Radau")]
    for other in results[1:]:
        assert other == pytest.approx(results[0], abs=1e-6)


def test_views_of_the_result():
    res = simulate(baker2017(), times=[0, 50, 100])
    frame = res.to_frame()
    assert list(frame.columns) == ["subject", "time", "kind", "variable", "value", "unit", "outcome"]
    assert len(frame) == 3 * (4 + 2)
    d = res.to_dict()
    assert d["time"] == [0.0, 50.0, 100.0]
    assert set(d["species"]) == {"p", "a", "m", "f"}
    assert d["species"]["p"][0] == 5.0
    assert set(d["readouts"]) == {"pro_inflammatory", "anti_inflammatory"}
    text = res.summary()
    assert text.startswith("Simulation of 'baker2017' (subjects = 1; failed = 0;")
    assert "il1b_level" in text
    with pytest.raises(InputError, match="unknown species"):
        res.species_series("zz")


def test_progress_is_reported_per_subject():
    seen = []
    simulate(_decay(), parameters={"k": [0.1, 0.2]}, progress=lambda *a: seen.append(a))
    assert seen == [("simulate", 0, 2), ("simulate", 1, 2), ("simulate", 2, 2)]

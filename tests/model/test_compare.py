"""Two arms compared per readout: the paired difference is analytic on a linear model; one warning per batch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from secretome.errors import InputError, SecretomeWarning
from secretome.model import Model, Parameter, Process, Readout, Species, compare, compare_times, preset


def _decay() -> Model:
    """x' = -k x from x(0) = 1, k assumed on (0.5, 2): a dose A at t = 1 adds A exp(-k (t - 1)) at t."""
    return Model(
        name="decay", description="first-order clearance", time_unit="day",
        species=[Species("x", 1.0, "1", "amount")],
        parameters=[Parameter("k", 1.0, "1/day", "clearance", assumed=True, prior=(0.5, 2.0))],
        processes=[Process("out", "k*x", {"x": -1})], readouts=[Readout("level", "x", "1", "gag_content", "x")],
        t_end=2.0,
    )  # fmt: skip


def test_the_paired_difference_is_the_dose_left_at_the_end(tmp_path):
    path = tmp_path / "dose.yaml"
    path.write_text("doses:\n  - {species: x, amount: 3, time: 1}\n")
    res = compare(_decay(), path, subjects=400, seed=1, simulator="scipy")
    assert res.difference[0] == pytest.approx(3.0 * math.exp(-1.0), rel=1e-4)  # default subject, k = 1
    # k log-uniform on (0.5, 2): the q-quantile of 3 exp(-k) is 3 exp(-2^(2(1 - q) - 1)) (k falls as q rises).
    expected = [3.0 * math.exp(-(2.0 ** (2.0 * (1.0 - q) - 1.0))) for q in (0.05, 0.5, 0.95)]
    assert res.band[:, 0] == pytest.approx(expected, rel=0.05)


def test_several_times_from_one_simulation_are_the_dose_left_at_each_time(tmp_path):
    # Before the dose nothing differs; at t = 1 the whole dose is there (applied before the readout, as
    # compare() at t = 1 has it); after it the dose decays as 3 exp(-k (t - 1)), k = 1 for the default subject.
    path = tmp_path / "dose.yaml"
    path.write_text("doses:\n  - {species: x, amount: 3, time: 1}\n")
    results = compare_times(_decay(), path, [1.5, 0.5, 1.0, 2.0], subjects=50, seed=1, simulator="scipy")
    assert [r.at_time for r in results] == [1.5, 0.5, 1.0, 2.0]
    expected = [3.0 * math.exp(-0.5), 0.0, 3.0, 3.0 * math.exp(-1.0)]
    assert [float(r.difference[0]) for r in results] == pytest.approx(expected, rel=1e-4, abs=1e-9)
    single = compare(_decay(), path, at_time=1.0, subjects=50, seed=1, simulator="scipy")
    assert results[2].band == pytest.approx(single.band, rel=1e-4)


def test_no_time_is_an_input_error(tmp_path):
    path = tmp_path / "dose.yaml"
    path.write_text("doses:\n  - {species: x, amount: 3, time: 1}\n")
    with pytest.raises(InputError, match="at least one time"):
        compare_times(_decay(), path, [], subjects=2, simulator="scipy")


@pytest.mark.needs_roadrunner
def test_solver_messages_become_one_warning_and_nothing_is_printed(tmp_path, capfd):
    # Prior draws of rat MIA under weekly EVs make CVODE print "t + h = t" at the dose times (seen on
    # seed 0); v1 printed those lines once per subject on standard output.
    path = tmp_path / "ev.yaml"
    path.write_text("doses: [{product: ev, amount: 1.0e+9, start: 7, every: 7, count: 5}]\n")
    with pytest.warns(SecretomeWarning) as caught:
        res = compare(preset("rat-mia"), path, subjects=40, seed=0, at_time=28.0, simulator="roadrunner")
    assert len(caught) == 1
    assert "the solver printed" in str(caught[0].message)
    assert np.all(np.isfinite(res.band))
    printed = capfd.readouterr()
    assert printed.out == ""
    assert printed.err == ""

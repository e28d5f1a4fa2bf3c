"""Calibration: recovery of known parameters from noisy synthetic data, profile intervals, bad tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from secretome.errors import InputError, SecretomeWarning
from secretome.model import Model, Parameter, Process, Readout, Species, preset, simulate
from secretome.model._calibrate import CalibrationResult, calibrate

TRUTH = {"k_in": 2.0, "k_out": 0.5}


def _inflow() -> Model:
    """x' = k_in - k_out x from x(0) = 0: x(t) = k_in/k_out (1 - exp(-k_out t))."""
    return Model(
        name="inflow",
        description="zero-order input, first-order clearance",
        time_unit="day",
        species=[Species("x", 0.0, "ng", "drug")],
        parameters=[
            Parameter("k_in", 1.0, "ng/day", "input", assumed=True, prior=(0.1, 10.0)),
            Parameter("k_out", 1.0, "1/day", "clearance", assumed=True, prior=(0.05, 5.0)),
        ],
        processes=[Process("input", "k_in", {"x": 1}), Process("clearance", "k_out*x", {"x": -1})],
        readouts=[Readout("level", "x", "ng", "gag_content", "x itself")],
        t_end=10.0,
    )


def _synthetic(sd: float = 0.1, seed: int = 11) -> pd.DataFrame:
    times = np.array([0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10.0])
    exact = TRUTH["k_in"] / TRUTH["k_out"] * (1 - np.exp(-TRUTH["k_out"] * times))
    noisy = exact + np.random.default_rng(seed).normal(0.0, sd, times.size)
    return pd.DataFrame({"observable": "level", "time": times, "value": noisy, "noise_sd": sd})


def test_recovers_known_parameters_and_the_intervals_cover_them():
    res = calibrate(_inflow(), _synthetic(), parameters=["k_in", "k_out"], starts=20, seed=0)
    assert isinstance(res, CalibrationResult)
    est = dict(zip(res.parameters, res.estimates, strict=True))
    assert est["k_in"] == pytest.approx(TRUTH["k_in"], rel=0.1)
    assert est["k_out"] == pytest.approx(TRUTH["k_out"], rel=0.1)
    for name, lo, hi in zip(res.parameters, res.ci_lower, res.ci_upper, strict=True):
        assert lo < TRUTH[name] < hi
        assert lo < est[name] < hi
    assert res.at_best >= 10  # most of the 20 starts find the same optimum: it is not a local one
    assert res.chi2 == pytest.approx(sum(r**2 for r in res.residuals))
    assert res.chi2 < 2 * res.n_data  # chi^2 near its degrees of freedom with the true noise SD
    # The profile is a valley: its minimum is the best fit, and it reaches the threshold at the CI ends.
    _, chis = res.profiles["k_out"]
    assert min(chis) >= res.chi2 - 1e-6
    assert max(chis) >= res.chi2 + 3.84


def test_the_profile_interval_matches_a_brute_force_grid():
    # One parameter, analytic model x = exp(-k t): the 95% interval is where chi^2(k) - min chi^2 = 3.841,
    # found here on a fine grid without the simulator or the optimiser.
    model = Model(
        name="decay",
        description="first-order clearance",
        time_unit="day",
        species=[Species("x", 1.0, "ng", "drug")],
        parameters=[Parameter("k_el", 1.0, "1/day", "clearance", assumed=True, prior=(0.01, 10.0))],
        processes=[Process("out", "k_el*x", {"x": -1})],
        t_end=4.0,
    )
    t = np.array([1.0, 2.0, 4.0])
    y = np.array([0.61, 0.37, 0.13])
    data = pd.DataFrame({"observable": "x", "time": t, "value": y, "noise_sd": 0.02})
    res = calibrate(model, data, parameters=["k_el"], starts=3)
    grid = np.linspace(0.4, 0.6, 200_001)
    chi2 = (((np.exp(-np.outer(grid, t)) - y) / 0.02) ** 2).sum(axis=1)
    inside = grid[chi2 - chi2.min() <= 3.841458820694124]
    assert res.estimates[0] == pytest.approx(grid[chi2.argmin()], abs=1e-5)
    assert res.ci_lower[0] == pytest.approx(inside[0], abs=5e-4)  # linear interpolation between profile steps
    assert res.ci_upper[0] == pytest.approx(inside[-1], abs=5e-4)


def test_more_noise_gives_wider_intervals():
    narrow = calibrate(_inflow(), _synthetic(sd=0.05), parameters=["k_in", "k_out"], starts=5)
    wide = calibrate(_inflow(), _synthetic(sd=0.2), parameters=["k_in", "k_out"], starts=5)
    for i in range(2):
        assert wide.ci_upper[i] - wide.ci_lower[i] > narrow.ci_upper[i] - narrow.ci_lower[i]


def test_views_and_a_file_table(tmp_path):
    path = tmp_path / "data.tsv"
    _synthetic().rename(columns={"noise_sd": "noise"}).to_csv(path, sep="\t", index=False)
    res = calibrate(_inflow(), path, parameters=["k_out"], bounds={"k_out": (0.05, 5.0)}, starts=3)
    frame = res.to_frame()
    assert list(frame.columns) == ["parameter", "estimate", "ci_lower", "ci_upper", "bound_low", "bound_high"]
    assert res.to_dict()["parameters"] == ["k_out"]
    text = res.summary()
    assert text.startswith("Calibration of 'inflow' (n = 10 measurements; parameters = 1; starts = 3)")
    assert "profile likelihood, 95%" in text


def test_an_unidentifiable_parameter_has_an_open_interval():
    # Data only at t = 0.1: k_out barely acts, so the data cannot bound it from below.
    data = pd.DataFrame({"observable": "level", "time": [0.1], "value": [0.2], "noise_sd": [0.05]})
    model = _inflow().with_values(k_in=2.0)
    with pytest.warns(SecretomeWarning, match="not identifiable"):
        res = calibrate(model, data, parameters=["k_out"], starts=2)
    assert np.isnan(res.ci_lower[0])
    assert "k_out: the profile stays below the threshold up to the lower bound" in res.notes[0]


@pytest.mark.parametrize(
    ("change", "row", "field"),
    [
        (lambda t: t.drop(columns="noise_sd"), None, "noise_sd"),
        (lambda t: t.assign(value=t["value"].astype(object).where(t.index != 2, "n/a")), 3, "value"),
        (lambda t: t.assign(observable=t["observable"].where(t.index != 4, "il6")), 5, "observable"),
        (lambda t: t.assign(noise_sd=t["noise_sd"].where(t.index != 0, -0.1)), 1, "noise_sd"),
        (lambda t: t.assign(time=t["time"].where(t.index != 1, -1.0)), 2, "time"),
    ],
)
def test_a_bad_table_names_row_and_field(change, row, field):
    with pytest.raises(InputError, match=f"field '{field}'") as info:
        calibrate(_inflow(), change(_synthetic()), parameters=["k_in"], starts=1)
    assert info.value.row == row


def test_bad_options_name_the_field():
    with pytest.raises(InputError, match="field 'bounds'"):
        calibrate(preset("rat-mia"), _synthetic(), parameters=["h0"])  # sourced: needs bounds
    with pytest.raises(InputError, match="field 'parameter'"):
        calibrate(_inflow(), _synthetic(), parameters=["k_nope"])
    with pytest.raises(InputError, match="field 'starts'"):
        calibrate(_inflow(), _synthetic(), parameters=["k_in"], starts=0)


@pytest.mark.slow
def test_recovers_a_preset_parameter_from_its_own_simulation():
    model = preset("rat-mia")
    times = [14.0, 28.0, 56.0, 84.0, 120.0]
    truth = simulate(model.with_values(k_G=0.1), times=[0.0, *times])
    level = truth.readout_series("aggrecan")[1:]
    data = pd.DataFrame({"observable": "aggrecan", "time": times, "value": level, "noise_sd": 1.0})
    res = calibrate(model, data, parameters=["k_G"], starts=4)
    assert res.estimates[0] == pytest.approx(0.1, rel=0.02)
    assert res.ci_lower[0] < 0.1 < res.ci_upper[0]

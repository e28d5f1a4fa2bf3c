"""Virtual cohorts: bands, what is varied, failed subjects, the two engines agree, views."""

from __future__ import annotations

import math

import numpy as np
import pytest

from secretome.errors import InputError, SecretomeWarning
from secretome.model import Model, Parameter, Process, Readout, Species, draw_subjects, preset
from secretome.model._batch import run_batch
from secretome.model._cohort import QUANTILES, CohortResult, cohort


def _growth(prior: tuple[float, float] = (0.0, 1.0)) -> Model:
    """x' = r*x from x(0) = 1: x(t) = exp(r t), with r assumed on *prior* and a sourced, unused c."""
    return Model(
        name="growth",
        description="exponential growth",
        time_unit="day",
        species=[Species("x", 1.0, "1", "amount")],
        parameters=[
            Parameter("r", 0.5, "1/day", "rate", assumed=True, prior=prior),
            Parameter("c", 2.0, "1", "unused constant", source="test"),
        ],
        processes=[Process("grow", "r*x", {"x": 1})],
        readouts=[Readout("level", "x", "1", "gag_content", "x itself")],
        t_end=1.0,
    )


def test_bands_match_the_analytic_quantiles():
    # r ~ U(0, 1) (prior starts at 0, so uniform): the q-quantile of exp(r) is exp(q) at t = 1.
    res = cohort(_growth(), subjects=4000, seed=3, times=[0.0, 1.0], workers=1)
    assert res.varied == ("r",)
    assert res.fixed == ("c",)
    assert res.label == "prior-driven"
    assert res.bands[:, 0, 0] == pytest.approx([1.0] * 5)
    expected = [math.exp(q) for q in QUANTILES]
    assert res.bands[:, 1, 0] == pytest.approx(expected, abs=0.03)  # sampling error at n = 4000


def test_the_seed_makes_the_cohort_reproducible():
    a = cohort(_growth(), subjects=50, seed=1, times=[0.0, 1.0], simulator="scipy")
    b = cohort(_growth(), subjects=50, seed=1, times=[0.0, 1.0], simulator="scipy")
    c = cohort(_growth(), subjects=50, seed=2, times=[0.0, 1.0], simulator="scipy")
    np.testing.assert_array_equal(a.bands, b.bands)
    assert not np.array_equal(a.bands, c.bands)


def test_views_are_tidy_and_json_safe():
    res = cohort(_growth(), subjects=20, times=[0.0, 0.5, 1.0], simulator="scipy")
    assert isinstance(res, CohortResult)
    frame = res.to_frame()
    assert list(frame.columns[:4]) == ["time", "readout", "quantile", "value"]
    assert len(frame) == 5 * 3 * 1
    median = frame[(frame["quantile"] == 0.5) & (frame["time"] == 1.0)]["value"].item()
    assert median == pytest.approx(res.band("level").loc[1.0, 0.5])
    data = res.to_dict()
    assert data["label"] == "prior-driven"
    assert data["varied"] == ["r"]
    assert len(data["bands"]["level"]["0.95"]) == 3
    text = res.summary()
    assert text.startswith("Virtual cohort of 'growth' (prior-driven; subjects = 20; failed = 0")
    with pytest.raises(InputError, match="unknown readout"):
        res.band("nope")


def test_a_failed_subject_is_flagged_not_fatal():
    # r up to 60: exp(60 t) passes the scipy simulator's blow-up guard (1e12) for some subjects.
    wide = _growth(prior=(0.0, 60.0))
    with pytest.warns(SecretomeWarning, match="subjects failed"):
        res = cohort(wide, subjects=20, seed=0, times=[0.0, 1.0], simulator="scipy")
    assert 0 < len(res.failed) < 20
    assert all(res.status[i].startswith("failed") for i in res.failed)
    assert np.all(np.isfinite(res.bands))
    assert "left out of the bands" in res.notes[-1]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"subjects": 1}, "subjects"), ({"simulator": "cvode"}, "simulator"), ({"t_end": 5.0}, "time")],
)
def test_bad_arguments_name_the_field(kwargs, field):
    model = preset("rat-focal-defect-cm")  # doses up to day 35, so t_end = 5 leaves doses outside
    with pytest.raises(InputError, match=field):
        cohort(model, **{"subjects": 4, **kwargs})


def test_a_model_without_assumed_parameters_is_refused():
    with pytest.raises(InputError, match="no assumed parameters"):
        cohort(preset("baker2017"), subjects=4)


@pytest.mark.needs_roadrunner
def test_roadrunner_and_scipy_engines_agree():
    model = preset("rat-mia-cm-weekly").with_doses(preset("rat-mia-cm-weekly").doses, t_end=42.0)
    draws = draw_subjects(model, 3, seed=5)
    times = np.linspace(0.0, 42.0, 15)
    kwargs = {"rtol": 1e-9, "atol": 1e-12}
    rr = run_batch(model, draws, times, simulator="roadrunner", workers=1, **kwargs)
    sp = run_batch(model, draws, times, simulator="scipy", **kwargs)
    assert rr[2] == sp[2] == ("ok",) * 3
    scale = np.maximum(np.abs(sp[1]).max(axis=(0, 1)), 1e-3)
    assert np.max(np.abs(rr[1] - sp[1]) / scale) < 1e-5


@pytest.mark.needs_roadrunner
def test_worker_processes_give_the_single_process_result():
    model = preset("rat-mia")
    a = cohort(model, subjects=60, seed=2, t_end=14.0, workers=1, simulator="roadrunner")
    b = cohort(model, subjects=60, seed=2, t_end=14.0, workers=2, simulator="roadrunner")
    np.testing.assert_allclose(a.bands, b.bands, rtol=1e-12)
    assert a.simulator == "roadrunner"
    seen = []
    cohort(model, subjects=60, seed=2, t_end=14.0, workers=2, progress=lambda *a: seen.append(a))
    assert seen[0] == ("cohort", 0, 60)
    assert seen[-1] == ("cohort", 60, 60)


def test_a_regimen_file_is_applied(tmp_path):
    # A bolus of 1 at t = 0.5 grows too: x(1) = exp(r) + exp(r / 2), monotone in r, so the median is at r = 1/2.
    path = tmp_path / "r.yaml"
    path.write_text("doses:\n  - {species: x, amount: 1, time: 0.5}\n")
    res = cohort(_growth(), subjects=2001, seed=0, regimen=path, times=[0.0, 1.0], workers=1)
    assert res.band("level").loc[1.0, 0.5] == pytest.approx(math.exp(0.5) + math.exp(0.25), abs=0.02)


@pytest.mark.needs_roadrunner
@pytest.mark.parametrize("simulator", ["rodas", "roadrunner"])
def test_failed_subjects_give_one_warning_and_nothing_on_stderr(simulator, capfd):
    # x' = r x^2 from x(0) = 1 blows up at t = 1/r: every subject with r > 1 fails before t = 1.
    model = Model(
        name="blowup", description="finite-time blow-up", time_unit="day", species=[Species("x", 1.0, "1", "x")],
        parameters=[Parameter("r", 0.5, "1/day", "rate", assumed=True, prior=(0.1, 3.0))],
        processes=[Process("grow", "r*x*x", {"x": 1})], readouts=[Readout("level", "x", "1", "gag_content", "x")],
        t_end=1.0,
    )  # fmt: skip
    with pytest.warns(SecretomeWarning) as caught:
        res = cohort(model, subjects=40, seed=0, times=[0.0, 1.0], simulator=simulator, workers=1)
    assert len(caught) == 1
    assert 0 < len(res.failed) < 40
    assert capfd.readouterr().err == ""


def test_worker_threads_give_the_single_thread_result_and_report_progress():
    model = preset("rat-mia")
    a = cohort(model, subjects=150, seed=2, t_end=14.0, workers=1)
    seen = []
    b = cohort(model, subjects=150, seed=2, t_end=14.0, workers=2, progress=lambda *args: seen.append(args))
    np.testing.assert_array_equal(a.bands, b.bands)
    assert a.simulator == b.simulator == "rodas"
    assert seen[0] == ("cohort", 0, 150)
    assert seen[-1] == ("cohort", 150, 150)
    assert len(seen) == 4  # one step per chunk of 64 subjects


def test_a_cohort_takes_up_to_a_million_subjects_and_says_so_beyond():
    # Its bands are streamed, so a cohort may be 10x larger than a simulation, whose trajectories are all held.
    with pytest.raises(InputError, match=r"field 'subjects': must be an integer from 2 to 1000000 \(got 1000001\)"):
        cohort(preset("rat-mia"), subjects=1_000_001)
    with pytest.raises(InputError, match=r"field 'subjects': must be an integer from 1 to 100000 \(got 100001\)"):
        draw_subjects(preset("rat-mia"), 100_001)


def test_chunked_draws_give_the_bands_of_the_whole_draws_bit_for_bit():
    # cohort draws each chunk of 64 subjects alone as it runs; here all 300 are drawn at once and integrated
    # together, and the bands are numpy's quantiles over them (300 subjects: the sketch is exact).
    model = preset("rat-mia")
    res = cohort(model, subjects=300, seed=4, t_end=28.0, workers=2)
    whole = draw_subjects(model, 300, seed=4)
    _, readouts, status, _ = run_batch(model.with_doses(model.doses, t_end=28.0), whole, res.time, workers=1)
    ok = np.array([s == "ok" for s in status])
    np.testing.assert_array_equal(res.bands, np.quantile(readouts[ok], QUANTILES, axis=0))

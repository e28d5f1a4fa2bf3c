"""The SBML export validates and runs unmodified in libroadrunner and COPASI with the same trajectories.

Reference: libroadrunner (CVODE, rtol 1e-12, atol 1e-14) on the exported file; every species is compared
at every output time. COPASI (its own SBML importer and LSODA) reads the same file, so the export is
checked by two independent SBML implementations, as users open it in COPASI or tellurium.
"""

from __future__ import annotations

import json
import locale
from pathlib import Path

import numpy as np
import pytest

from secretome.model import PRESETS, Dose, preset, sbml_errors, simulate, to_sbml

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "model" / "roadrunner.json"


def _fixture() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _roadrunner(text: str, times: np.ndarray) -> tuple[list[str], np.ndarray]:
    import roadrunner

    rr = roadrunner.RoadRunner(text)
    rr.integrator.relative_tolerance = 1e-12
    rr.integrator.absolute_tolerance = 1e-14
    rr.integrator.maximum_num_steps = 1_000_000
    # The export's species are amounts (hasOnlySubstanceUnits); roadrunner's default selection is concentrations.
    ids = list(rr.model.getFloatingSpeciesIds())
    rr.timeCourseSelections = ["time", *ids]
    return ids, np.asarray(rr.simulate(times=[float(t) for t in times]))[:, 1:]


def _grid(model) -> np.ndarray:
    # Off the dose times: at a dose time both tools report the post-dose state, but a grid point on an
    # event is where a one-step difference in event handling would show, not a model difference.
    times = np.linspace(0.0, model.t_end, 97)
    dose_times = {d.time for d in model.doses}
    return np.array([t for t in times if t not in dose_times or t == 0.0])


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_exports_valid_sbml(name):
    assert sbml_errors(to_sbml(preset(name))) == []


@pytest.mark.needs_roadrunner
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_roadrunner_reproduces_every_species(name):
    model = preset(name)
    times = _grid(model)
    ids, reference = _roadrunner(to_sbml(model), times)
    ours = simulate(model, times=times)
    assert ids == list(ours.species)
    scale = np.maximum(np.abs(reference).max(axis=0), 1e-3)
    assert np.abs(ours.values[0] - reference).max(axis=0) / scale == pytest.approx(0, abs=1e-6)


def _copasi(text: str, t_end: float, steps: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    # Importing COPASI switches the whole process to the C locale (ASCII text I/O); it is put back after, so
    # that the tests that run later in this process, in whatever order pytest-xdist gives them, keep UTF-8.
    saved_locale = locale.setlocale(locale.LC_ALL)
    import COPASI

    data = COPASI.CRootContainer.addDatamodel()
    try:
        assert data.importSBMLFromString(text), COPASI.CCopasiMessage.getAllMessageText()
        task = data.getTask("Time-Course")
        task.setMethodType(COPASI.CTaskEnum.Method_deterministic)
        problem = task.getProblem()
        problem.setDuration(t_end)
        problem.setStepNumber(steps)
        problem.setTimeSeriesRequested(True)
        method = task.getMethod()
        method.getParameter("Relative Tolerance").setDblValue(1e-12)
        method.getParameter("Absolute Tolerance").setDblValue(1e-14)
        method.getParameter("Max Internal Steps").setIntValue(1_000_000)
        assert task.process(True), COPASI.CCopasiMessage.getAllMessageText()
        series, model = task.getTimeSeries(), data.getModel()
        metabolites = [model.getMetabolite(i) for i in range(model.getNumMetabs())]
        sbml_id = {m.getKey(): m.getSBMLId() for m in metabolites}
        # COPASI reports concentrations; the export's species are amounts, so scale by the compartment size.
        size = {m.getKey(): m.getCompartment().getInitialValue() for m in metabolites}
        rows = range(series.getRecordedSteps())
        times = np.array([series.getData(j, 0) for j in rows])
        species = {
            sbml_id[series.getKey(i)]: size[series.getKey(i)]
            * np.array([series.getConcentrationData(j, i) for j in rows])
            for i in range(1, series.getNumVariables())
            if series.getKey(i) in sbml_id
        }
        return times, species
    finally:
        COPASI.CRootContainer.removeDatamodel(data)
        locale.setlocale(locale.LC_ALL, saved_locale)


@pytest.mark.needs_copasi
@pytest.mark.needs_roadrunner
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_copasi_reads_the_export_as_roadrunner_does(name):
    model = preset(name)
    text = to_sbml(model)
    times, copasi = _copasi(text, model.t_end, 96)
    ids, reference = _roadrunner(text, times)
    assert set(copasi) == set(ids)
    scale = np.maximum(np.abs(reference).max(axis=0), 1e-3)
    for j, species in enumerate(ids):
        assert np.abs(copasi[species] - reference[:, j]).max() / scale[j] < 1e-6, species


@pytest.mark.needs_copasi
@pytest.mark.parametrize(("name", "time", "rate"), [("rat-mia", "d", "1/d"), ("baker2017", "1", None)])
def test_copasi_reads_days_and_dimensionless_quantities(name, time, rate):
    """Without units COPASI would label time in seconds and species in mol."""
    # Importing COPASI switches the whole process to the C locale (ASCII text I/O); it is put back after, so
    # that the tests that run later in this process, in whatever order pytest-xdist gives them, keep UTF-8.
    saved_locale = locale.setlocale(locale.LC_ALL)
    import COPASI

    data = COPASI.CRootContainer.addDatamodel()
    try:
        assert data.importSBMLFromString(to_sbml(preset(name)))
        model = data.getModel()
        assert (model.getTimeUnitName(), model.getQuantityUnitName(), model.getVolumeUnitName()) == (time, "1", "1")
        if rate is not None:
            assert model.getModelValue("k_G").getUnitExpression() == rate
    finally:
        COPASI.CRootContainer.removeDatamodel(data)
        locale.setlocale(locale.LC_ALL, saved_locale)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_species_matches_the_committed_roadrunner_fixture(name):
    """Fixture made by tools/make_model_fixtures.py (libroadrunner version recorded in its meta)."""
    case = _fixture()["cases"][name]
    ours = simulate(preset(name), times=case["time"])
    assert list(case["species"]) == list(ours.species)
    for j, species in enumerate(ours.species):
        reference = np.asarray(case["species"][species])
        scale = max(np.abs(reference).max(), 1e-3)
        assert np.abs(ours.values[0, :, j] - reference).max() / scale < 1e-6, species


def test_the_fixture_covers_every_preset():
    assert set(_fixture()["cases"]) == set(PRESETS)
    assert _fixture()["meta"]["tool"].startswith("libroadrunner")


@pytest.mark.needs_roadrunner
def test_dose_events_match_roadrunner():
    model = preset("baker2017").with_doses([Dose(0.0, "p", 1.0), Dose(30.0, "a", 2.0), Dose(60.0, "p", 3.0)])
    times = np.concatenate([[0.0], np.arange(0.5, 100.0, 1.0)])
    ids, reference = _roadrunner(to_sbml(model), times)
    assert ids == ["p", "a", "m", "f"]
    assert simulate(model, times=times).values[0] == pytest.approx(reference, abs=1e-6)


def test_parameters_carry_their_provenance():
    text = to_sbml(preset("baker2017"))
    assert "Source: Baker, Brook &amp; Owen 2017" in text
    assert text.count("<event ") == 0
    dosed = to_sbml(preset("baker2017").with_doses([Dose(t, "a", 1.0) for t in (10.0, 20.0)]))
    assert dosed.count("<event ") == 2

"""The cache of model artefacts: found where it should be, never stale, never fatal."""

from __future__ import annotations

import pandas as pd

from secretome.model import preset
from secretome.report._artefacts import BUNDLED, artefact_name, cached_frame
from secretome.report._mechanism import EXPERIMENTS, bands_artefact


def test_a_cached_frame_is_computed_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRETOME_CACHE_DIR", str(tmp_path))
    calls = []

    def compute():
        calls.append(1)
        return pd.DataFrame({"x": [1.5, 2.5]})

    first = cached_frame("demo-x-0000.csv", compute)
    again = cached_frame("demo-x-0000.csv", compute)
    assert calls == [1]
    pd.testing.assert_frame_equal(first, again)


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SECRETOME_CACHE_DIR", str(blocker))
    assert cached_frame("demo-y-0000.csv", lambda: pd.DataFrame({"y": [1]}))["y"].tolist() == [1]


def test_the_name_changes_with_the_model():
    a = artefact_name("cohort", "rat-mia", repr(preset("rat-mia")), 1000)
    b = artefact_name("cohort", "rat-mia", repr(preset("rat-mia-cm-weekly")), 1000)
    assert a != b
    assert a == artefact_name("cohort", "rat-mia", repr(preset("rat-mia")), 1000)


def test_the_package_ships_the_default_report_artefacts():
    # If this fails, a preset, the calibration or the version changed: rerun tools/make_report_artefacts.py, or
    # the first 'secretome report' after install computes the bands for minutes.
    for experiment in EXPERIMENTS:
        for name in (experiment.untreated, *(p for _, p in experiment.arms)):
            expected = bands_artefact(name, subjects=1000)
            assert (BUNDLED / expected).is_file(), expected


def test_the_bands_file_is_named_by_the_calibration_when_one_is_shipped():
    name = bands_artefact("rat-mia", subjects=1000)
    shipped = (BUNDLED / "calibration-ensemble.csv").is_file()
    assert name.startswith("calibrated-rat-mia-" if shipped else "cohort-rat-mia-")

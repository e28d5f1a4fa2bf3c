"""The synthetic corpus that drives every path of the report (invented data; see data/synthetic/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from secretome.evidence import load_corpus

SYNTHETIC = Path(__file__).with_name("data") / "synthetic"

# Small model settings: the report's paths are the same at any cohort size, and 1000 subjects would
# take minutes per preset.
MODEL = {"subjects": 20, "trajectories": 2}


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Model artefacts go to a folder of this test session, never to the user's cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("SECRETOME_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def model_settings() -> dict[str, int]:
    return dict(MODEL)


@pytest.fixture(scope="session")
def synthetic_corpus() -> Path:
    return SYNTHETIC


@pytest.fixture(scope="session")
def synthetic_studies():
    return load_corpus(SYNTHETIC).studies


@pytest.fixture(scope="session")
def built(synthetic_corpus, model_settings, tmp_path_factory):
    """The report of the synthetic corpus, built once for the tests that only read it (test_build, test_browser):
    a build simulates every preset's experiments and takes most of a minute on a busy machine."""
    from secretome.report import build_report

    return build_report(tmp_path_factory.mktemp("report") / "out", corpus=synthetic_corpus, **model_settings)

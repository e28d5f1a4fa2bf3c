"""The synthetic corpus that drives every path of the report (invented data; see data/synthetic/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from secretome.evidence import load_corpus

SYNTHETIC = Path(__file__).with_name("data") / "synthetic"


@pytest.fixture(scope="session")
def synthetic_corpus() -> Path:
    return SYNTHETIC


@pytest.fixture(scope="session")
def synthetic_studies():
    return load_corpus(SYNTHETIC).studies

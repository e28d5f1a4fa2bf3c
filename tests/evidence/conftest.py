"""Shared fixtures of the evidence tests: the synthetic corpus and stores on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).with_name("data")
SYNTHETIC_CORPUS = DATA / "corpus"
IMPORTS = DATA / "imports"


@pytest.fixture
def synthetic_corpus() -> Path:
    """The folder of the synthetic test corpus (one study file)."""
    return SYNTHETIC_CORPUS


@pytest.fixture
def imports_dir() -> Path:
    """The folder of the sample literature exports."""
    return IMPORTS


@pytest.fixture
def synthetic_study_data() -> dict:
    """The synthetic study file as parsed YAML (a fresh copy each time, to mutate)."""
    import yaml

    return yaml.safe_load((SYNTHETIC_CORPUS / "example-2020-synthetic.yaml").read_text(encoding="utf-8"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.needs_postgres)])
def store_url(request, tmp_path):
    """The URL of a store that does not exist yet: a SQLite file, or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'evidence.db'}"
    else:
        yield request.getfixturevalue("postgres_url")

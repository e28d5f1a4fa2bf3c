"""Shared fixtures of the evidence tests: the synthetic corpus and stores on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

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


def _postgres_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    base = os.environ["SECRETOME_TEST_POSTGRES_URL"]
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def postgres_url():
    """The URL of an empty PostgreSQL schema (tests using it are marked ``needs_postgres``)."""
    yield from _postgres_url()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.needs_postgres)])
def store_url(request, tmp_path):
    """The URL of a store that does not exist yet: a SQLite file, or an empty PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'evidence.db'}"
    else:
        yield from _postgres_url()

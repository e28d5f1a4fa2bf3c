"""Fixtures of the workbench tests: a store with the synthetic serve corpus and the example imports."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from secretome.evidence import create_store, dedupe_records, import_files

ROOT = Path(__file__).parents[2]
CORPUS = Path(__file__).with_name("data") / "corpus"
EXAMPLES = ROOT / "examples"


def fill_store(url: str):
    """Create the store at *url*: the 4 synthetic studies, the two example exports, de-duplicated."""
    store = create_store(url, corpus=CORPUS)
    import_files(store, [EXAMPLES / "pubmed.nbib", EXAMPLES / "scopus.ris"])
    dedupe_records(store)
    return store


@pytest.fixture
def store_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'review.db'}"


@pytest.fixture
def store(store_url):
    with fill_store(store_url) as opened:
        yield opened


def make_client(app):
    with warnings.catch_warnings():
        # Starlette 1.x suggests httpx2 for its test client; httpx works the same for these tests.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient

        return TestClient(app, base_url="https://testserver", follow_redirects=True)


@pytest.fixture
def local_client(store, store_url):
    """A client of a local-mode workbench (SQLite, one user named alice)."""
    from secretome.serve import ServeSettings, create_app

    with make_client(create_app(ServeSettings(db=store_url, reviewer="alice", order="store"), store=store)) as client:
        yield client


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)

"""Team screening decisions under concurrency: one decision per reviewer, record and stage, on both backends."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from secretome.errors import InputError, StoreBusyError
from secretome.evidence import _models as orm
from secretome.evidence import decide
from secretome.evidence._imports import import_files
from secretome.evidence._store import create_store


def test_simultaneous_identical_decisions_of_one_reviewer_store_one(store_url, imports_dir):
    # Eight requests of one reviewer (a double click, a retried form) decide one record at once: one decision
    # is stored and the others are refused, never two identical rows (SQLite ignores SELECT ... FOR UPDATE, so
    # the lock is taken by writing to the record's row).
    store = create_store(store_url)
    import_files(store, [imports_dir / "sample.nbib"])
    with store.session() as session:
        record_id = session.scalar(sa.select(sa.func.min(orm.Record.id)))

    def decide_once(_: int) -> str:
        try:
            decide(store, record_id, "include", "kh")
        except InputError as exc:
            return f"refused: {exc}"
        except StoreBusyError:
            return "busy"
        return "saved"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(decide_once, range(8)))
    assert outcomes.count("saved") == 1, outcomes
    assert all("decided this record at title_abstract already" in o for o in outcomes if o.startswith("refused"))
    with store.session() as session:
        rows = session.scalar(sa.select(sa.func.count()).select_from(orm.ScreeningDecision))
    assert rows == 1

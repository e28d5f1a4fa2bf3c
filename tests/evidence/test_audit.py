"""The audit log on SQLite and PostgreSQL: imports made before imports were logged are counted, not made up."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from secretome.evidence import _models as orm
from secretome.evidence._audit import audit_log
from secretome.evidence._imports import import_files
from secretome.evidence._store import create_store
from secretome.evidence._workbench_models import AuditEvent

EARLY = datetime(2025, 11, 3, 10, 15, tzinfo=UTC)
LATER = datetime(2025, 11, 20, 16, 40, tzinfo=UTC)


def _as_before_imports_were_logged(store, file_name: str, imported_at: datetime) -> None:
    """The state a store imported into before ``records.import`` existed: the batch, and no event for it."""
    with store.session() as session:
        batch = session.scalar(sa.select(orm.ImportBatch).where(orm.ImportBatch.file_name == file_name))
        batch.imported_at = imported_at
        (event,) = [e for e in session.scalars(sa.select(AuditEvent)) if e.detail.get("batch_id") == batch.id]
        session.delete(event)


def test_every_import_logged_means_no_unlogged_imports(store_url, imports_dir):
    with create_store(store_url) as store:
        import_files(store, [imports_dir / "sample.ris"], actor="kh")
        log = audit_log(store)
    assert (log.n_unlogged_imports, log.unlogged_until) == (0, None)
    assert "not logged" not in log.summary()


def test_imports_before_imports_were_logged_are_counted_up_to_the_latest(store_url, imports_dir):
    with create_store(store_url) as store:
        import_files(store, [imports_dir / "sample.ris", imports_dir / "sample.nbib", imports_dir / "dedupe.ris"])
        _as_before_imports_were_logged(store, "sample.ris", EARLY)
        _as_before_imports_were_logged(store, "sample.nbib", LATER)
        log = audit_log(store)
        # Also for one reviewer's log: the note is about the store, whoever asks.
        assert audit_log(store, actor="nobody").unlogged_until == LATER
    assert (log.n_unlogged_imports, log.unlogged_until) == (2, LATER)
    assert [e.target for e in log.entries if e.action == "records.import"] == ["dedupe.ris"]
    assert "not logged: 2 files imported up to 2025-11-20 16:40, before imports were logged" in log.summary()
    assert log.to_dict()["n_unlogged_imports"] == 2

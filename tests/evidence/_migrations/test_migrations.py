from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from secretome.errors import StoreError
from secretome.evidence import _models as orm
from secretome.evidence._dedupe import dedupe_records
from secretome.evidence._models import Base
from secretome.evidence._store import _alembic_config, create_store, describe_store, open_store, schema_head


def test_head_schema_equals_the_models(store_url, synthetic_corpus):
    # An empty diff means the migrations build exactly the tables the models describe.
    with create_store(store_url, corpus=synthetic_corpus) as store, store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_downgrade_to_base_and_upgrade_again(store_url, synthetic_corpus):
    with create_store(store_url, corpus=synthetic_corpus) as store:
        with store.engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "base")
        with store.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        with store.engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")
            assert MigrationContext.configure(conn).get_current_revision() == schema_head()


def test_populated_store_at_the_first_revision_upgrades_to_head(store_url, synthetic_corpus):
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0001")
        conn.execute(
            sa.text(
                "INSERT INTO import_batch (id, file_name, sha256, file_format, imported_at, n_records) "
                "VALUES (1, 'old.ris', :sha, 'ris', CURRENT_TIMESTAMP, 2)"
            ),
            {"sha": "a" * 64},
        )
        for position, title in ((1, "An old record"), (2, "An old record")):
            conn.execute(
                sa.text(
                    "INSERT INTO record (batch_id, position, authors, title, keywords, doi) "
                    "VALUES (1, :position, '[]', :title, '[]', '10.5555/old')"
                ),
                {"position": position, "title": title},
            )
        # rows that point at records: a batch migration that copies the record table must keep them
        conn.execute(sa.text("UPDATE record SET duplicate_of = 1 WHERE position = 2"))
        conn.execute(
            sa.text(
                "INSERT INTO screening_decision (record_id, stage, decision, reviewer, decided_at) "
                "VALUES (1, 'title_abstract', 'include', 'A', CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()
    with pytest.raises(StoreError, match="schema revision 0001"):
        open_store(store_url)
    with create_store(store_url, corpus=synthetic_corpus) as store:
        assert describe_store(store).revision == schema_head() != "0001"
        records = _records(store)
        assert [(r.title, r.duplicate_of) for r in records] == [("An old record", None), ("An old record", 1)]
        with store.session() as session:
            assert session.scalar(sa.select(orm.ScreeningDecision.record_id)) == 1
        assert dedupe_records(store).merges == ()  # already linked


def _records(store):
    with store.session() as session:
        return session.scalars(sa.select(orm.Record).order_by(orm.Record.id)).all()

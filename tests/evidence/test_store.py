from __future__ import annotations

import pytest
import sqlalchemy as sa

from secretome.errors import InputError, StoreError
from secretome.evidence import _models as orm
from secretome.evidence._store import compile_corpus, create_store, describe_store, open_store, schema_head


def _count(store, table):
    with store.session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(table))


def test_open_store_without_url_compiles_the_bundled_corpus():
    with open_store() as store:
        summary = describe_store(store)
    assert store.url == "bundled corpus"
    assert summary.revision == schema_head()
    assert summary.n_studies > 50
    assert summary.n_results > 0


def test_open_store_without_url_compiles_a_given_corpus(synthetic_corpus):
    with open_store(corpus=synthetic_corpus) as store:
        assert _count(store, orm.Study) == 1
        assert _count(store, orm.Arm) == 2
        with store.session() as session:
            results = session.scalars(sa.select(orm.Result).order_by(orm.Result.position)).all()
    assert [r.kind for r in results] == ["arm_data", "effect", "direction"]
    first = results[0]
    assert first.arm_data == {"cm": {"n": 8, "mean": 18.5, "sd": 2.1}, "control": {"n": 8, "mean": 9.0, "sd": 1.8}}
    assert (first.source, first.location, first.status) == ("doi:10.5555/secretome.test.2020", "Table 2", "verbatim")
    assert "18.5 ± 2.1" in first.quote
    assert first.outcome_domain == "histology"


def test_missing_sqlite_file_is_a_store_error_and_nothing_is_created(tmp_path):
    path = tmp_path / "missing.db"
    with pytest.raises(StoreError, match="no such store") as info:
        open_store(f"sqlite:///{path}")
    assert info.value.file == str(path)
    assert not path.exists()


def test_corrupt_sqlite_file_is_a_store_error_naming_it(tmp_path):
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a database") as info:
        open_store(f"sqlite:///{path}")
    assert str(path) in info.value.file


def test_a_database_without_our_tables_is_a_store_error(tmp_path):
    path = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    with pytest.raises(StoreError, match="has no evidence tables"):
        open_store(f"sqlite:///{path}")


def test_not_a_url_is_a_store_error():
    with pytest.raises(StoreError, match="not a database URL"):
        open_store("evidence.db")


def test_corpus_only_goes_with_the_in_memory_store(tmp_path, synthetic_corpus):
    with pytest.raises(StoreError, match="in-memory"):
        open_store(f"sqlite:///{tmp_path / 'x.db'}", corpus=synthetic_corpus)


def test_create_store_in_a_missing_folder_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="folder does not exist"):
        create_store(f"sqlite:///{tmp_path / 'no' / 'x.db'}")


# ------------------------------------------------------------------------------------------
# the same tests on SQLite and PostgreSQL (store_url)


def test_create_then_open_store(store_url, synthetic_corpus):
    with create_store(store_url, corpus=synthetic_corpus) as created:
        assert describe_store(created).n_studies == 1
    with open_store(store_url) as store:
        summary = describe_store(store)
    assert (summary.revision, summary.n_studies, summary.n_results) == (schema_head(), 1, 3)
    assert "password" not in summary.url or "***" in summary.url


def test_create_store_twice_recompiles_without_duplicating(store_url, synthetic_corpus):
    create_store(store_url, corpus=synthetic_corpus).close()
    with create_store(store_url, corpus=synthetic_corpus) as store:
        assert (_count(store, orm.Study), _count(store, orm.Reference), _count(store, orm.Result)) == (1, 1, 3)


def test_failed_compile_leaves_the_store_unchanged(store_url, synthetic_corpus, tmp_path):
    text = (synthetic_corpus / "example-2020-synthetic.yaml").read_text(encoding="utf-8")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "example-2020-synthetic.yaml").write_text(
        text.replace("mean: 18.5", "mean: 18.6"), encoding="utf-8"
    )
    with create_store(store_url, corpus=synthetic_corpus) as store:
        with pytest.raises(InputError, match="not stated in its quote"):
            compile_corpus(store, tmp_path / "bad")
        assert _count(store, orm.Result) == 3


def test_recompiling_keeps_record_links_to_studies_still_there(store_url, synthetic_corpus):
    with create_store(store_url, corpus=synthetic_corpus) as store:
        with store.session() as session:
            batch = orm.ImportBatch(
                file_name="x.ris", sha256="0" * 64, file_format="ris", imported_at=sa.func.now(), n_records=1
            )
            batch.records.append(
                orm.Record(position=1, authors=[], keywords=[], title="t", study_id="example-2020-synthetic")
            )
            session.add(batch)
        compile_corpus(store, synthetic_corpus)
        with store.session() as session:
            assert session.scalar(sa.select(orm.Record.study_id)) == "example-2020-synthetic"


def test_screening_decision_must_be_include_or_exclude(store_url, synthetic_corpus):
    with create_store(store_url, corpus=synthetic_corpus) as store:
        with store.session() as session:
            batch = orm.ImportBatch(
                file_name="x.ris", sha256="1" * 64, file_format="ris", imported_at=sa.func.now(), n_records=1
            )
            record = orm.Record(position=1, authors=[], keywords=[], title="t")
            batch.records.append(record)
            session.add(batch)
        with pytest.raises(sa.exc.IntegrityError), store.session() as session:
            session.add(
                orm.ScreeningDecision(
                    record_id=record.id,
                    stage="title_abstract",
                    decision="maybe",
                    reviewer="A",
                    decided_at=sa.func.now(),
                )
            )


def test_foreign_keys_are_enforced_after_migrating(store_url, synthetic_corpus):
    # SQLite enforces them only when asked; the migration switches them off for a while.
    with (
        create_store(store_url, corpus=synthetic_corpus) as store,
        pytest.raises(sa.exc.IntegrityError),
        store.session() as session,
    ):
        session.add(orm.Record(batch_id=999, position=1, authors=[], keywords=[], title="orphan"))
    with open_store() as memory, pytest.raises(sa.exc.IntegrityError), memory.session() as session:
        session.add(orm.Record(batch_id=999, position=1, authors=[], keywords=[], title="orphan"))


@pytest.mark.needs_postgres
def test_a_value_postgresql_cannot_hold_is_one_store_error(postgres_url, synthetic_corpus, tmp_path):
    # SQLite text holds a NUL character; PostgreSQL's cannot.
    source = (synthetic_corpus / "example-2020-synthetic.yaml").read_text(encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    title = next(line for line in source.splitlines() if line.startswith("  title: "))
    (corpus / "example-2020-synthetic.yaml").write_text(
        source.replace(title, '  title: "NUL\\0 in a title"'), encoding="utf-8"
    )
    with pytest.raises(StoreError, match=r"the database refused a value \(PostgreSQL text fields cannot contain NUL"):
        create_store(postgres_url, corpus=corpus)

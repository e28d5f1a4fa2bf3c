"""Opening, creating and filling the evidence store (SQLite by default, PostgreSQL by URL).

- :func:`open_store` with no URL compiles the bundled corpus into an in-memory SQLite store; with
  a URL it opens an *existing* store and never creates one: a missing SQLite file, a database
  without our tables or at an older schema revision is a :class:`~secretome.errors.StoreError`.
- :func:`create_store` is the one way to make a store (``secretome evidence init``): it migrates
  the database to the newest schema revision with Alembic and compiles the curated corpus into it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from secretome import vocab
from secretome._limits import STORE_BUSY_TIMEOUT
from secretome._progress import ProgressCallback, track
from secretome._result import Result
from secretome.errors import InputError, OutputError, StoreBusyError, StoreError
from secretome.evidence import _models as orm
from secretome.evidence._corpus import corpus_files, read_study_document
from secretome.evidence._schema import ARM_STATISTICS, ArmData, Study, parse_study

__all__ = [
    "Store",
    "StoreSummary",
    "compile_corpus",
    "create_store",
    "describe_store",
    "open_store",
    "schema_head",
    "study_row",
]

_MIGRATIONS = Path(__file__).with_name("_migrations")
_INIT_HINT = "create or upgrade it first (create_store; `secretome evidence init`)"


class Store:
    """An open evidence store: an SQLAlchemy engine and the URL it was opened with.

    Use it as a context manager, or call :meth:`close`. :meth:`session` is a transaction: it commits
    when the block ends and rolls everything back on an error.
    """

    def __init__(self, engine: sa.Engine, url: str) -> None:
        self.engine = engine
        self.url = url

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction (committed on success, rolled back on any error).

        On SQLite, concurrent writers queue: each waits up to
        :data:`~secretome._limits.STORE_BUSY_TIMEOUT` seconds for the write lock, then fails with
        one line.

        Raises
        ------
        StoreBusyError
            Another writer held the store past the busy timeout; nothing was written.
        StoreError
            The database refused a value (PostgreSQL text cannot hold a NUL character, for one).
        OutputError
            The store cannot be written (a read-only file, a full disk); nothing was written.
        """
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except sa.exc.OperationalError as exc:
            _raise_if_busy(exc, self.url)
            _raise_if_unwritable(exc, self.url)
            raise
        except sa.exc.DataError as exc:
            raise StoreError(f"the database refused a value ({_reason(exc)})", file=self.url) from exc

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"


def _reason(exc: sa.exc.DBAPIError) -> str:
    """The driver's message, first line only."""
    return (str(exc.orig).strip().splitlines() or [type(exc).__name__])[0] if exc.orig else type(exc).__name__


def _raise_if_busy(exc: sa.exc.OperationalError, shown: str) -> None:
    reason = _reason(exc)
    if "locked" in reason or "busy" in reason:
        raise StoreBusyError(
            f"store {shown}: busy (another process kept it locked for {STORE_BUSY_TIMEOUT:g} s); "
            "nothing was written, try again"
        ) from exc


# What sqlite and PostgreSQL say when the store itself cannot take a write (a read-only file or
# database, a full disk, a failing device): the output, not the input, is at fault.
_UNWRITABLE = ("readonly", "read-only", "disk is full", "disk i/o error", "no space left")


def _raise_if_unwritable(exc: sa.exc.OperationalError, shown: str) -> None:
    reason = _reason(exc)
    if any(marker in reason.lower() for marker in _UNWRITABLE):
        raise OutputError(f"cannot write to the store ({reason}); nothing was written", file=shown) from exc


def _alembic_config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache  # the migration scripts ship with the package: read once per process
def schema_head() -> str:
    """The newest schema revision (Alembic) that this version of secretome writes.

    >>> schema_head()
    '0004'
    """
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()  # type: ignore[return-value]


def _shown(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def _engine(url: str | sa.URL) -> sa.Engine:
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError("not a database URL (sqlite:///file.db or postgresql+psycopg://...)", file=str(url)) from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        # One shared connection, or every new connection would see a new empty database.
        engine = sa.create_engine(parsed, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        arguments = {"timeout": STORE_BUSY_TIMEOUT} if parsed.get_backend_name() == "sqlite" else {}
        try:
            engine = sa.create_engine(parsed, connect_args=arguments)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot use this database URL ({exc})", file=_shown(parsed)) from exc
    if parsed.get_backend_name() == "sqlite":
        # SQLite ignores foreign keys unless asked; ask, so that it behaves like PostgreSQL.
        sa.event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA foreign_keys=ON"))
    return engine


def _revision(engine: sa.Engine, shown: str) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except sa.exc.DBAPIError as exc:
        if isinstance(exc, sa.exc.OperationalError):
            _raise_if_busy(exc, shown)
        raise StoreError(f"cannot open the store ({_reason(exc)})", file=shown) from exc


def open_store(url: str | None = None, *, corpus: str | Path | None = None) -> Store:
    """Open the evidence store at *url*, or compile a corpus into a new in-memory store.

    Parameters
    ----------
    url : str, optional
        ``sqlite:///path/evidence.db`` or ``postgresql+psycopg://user:pw@host/db``. The store must
        exist (:func:`create_store`). Without a URL, the corpus is compiled into memory.
    corpus : str or Path, optional
        Only without *url*: the folder of study files to compile; default: the bundled corpus.

    Returns
    -------
    Store

    Raises
    ------
    StoreError
        The SQLite file is missing or not a database, the server cannot be reached, the database
        has no evidence tables or an older schema revision. Nothing is created.
    InputError
        Without *url*: a study file fails validation (file, record, field and value are named).

    Examples
    --------
    >>> open_store("sqlite:///no/such/evidence.db")
    Traceback (most recent call last):
    ...
    secretome.errors.StoreError: file 'no/such/evidence.db': no such store; create or upgrade it first ...
    """
    if url is None:
        # The URL shown in summaries says what the in-memory store holds.
        store = Store(_engine("sqlite://"), "bundled corpus" if corpus is None else f"corpus {corpus}")
        _migrate(store)
        compile_corpus(store, corpus)
        return store
    if corpus is not None:
        raise StoreError("a corpus folder is compiled only into the in-memory store (no url)", file=url)
    engine = _engine(url)
    database = engine.url.database
    # Checked before connecting: SQLite would silently create an empty file.
    if (
        engine.url.get_backend_name() == "sqlite"
        and database not in (None, "", ":memory:")
        and not Path(database).is_file()
    ):
        raise StoreError(f"no such store; {_INIT_HINT}", file=database)
    shown = _shown(engine.url)
    revision = _revision(engine, shown)
    head = schema_head()
    if revision != head:
        engine.dispose()
        state = "has no evidence tables" if revision is None else f"is at schema revision {revision}, not {head}"
        raise StoreError(f"the database {state}; {_INIT_HINT}", file=shown)
    return Store(engine, shown)


def _migrate(store: Store) -> None:
    try:
        _upgrade(store)
    except sa.exc.OperationalError as exc:
        _raise_if_busy(exc, store.url)
        _raise_if_unwritable(exc, store.url)
        raise


def _upgrade(store: Store) -> None:
    with store.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            with connection.begin():
                command.upgrade(_alembic_config(connection), "head")
            return
        # Batch migrations copy a table and drop the old one, which SQLite refuses while it enforces
        # foreign keys (rows of other tables point at it): enforcement is off during the migration,
        # and the keys are checked before it commits. The pragma only works outside a transaction.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        try:
            with connection.begin():
                command.upgrade(_alembic_config(connection), "head")
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(f"the migration would break foreign keys ({broken[:3]})", file=store.url)
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def create_store(url: str, *, corpus: str | Path | None = None, progress: ProgressCallback | None = None) -> Store:
    """Create the store at *url* (or upgrade an existing one) and compile the corpus into it.

    Parameters
    ----------
    url : str
        Database URL; a SQLite file is created, a PostgreSQL database must exist (tables are created).
    corpus : str or Path, optional
        Folder of study files; default: the bundled corpus.
    progress : callable, optional
        Called as ``progress(task, done, total)``.

    Returns
    -------
    Store
        Open, at the newest schema revision (:func:`schema_head`), with the curated studies.

    Raises
    ------
    StoreError
        The database cannot be reached or written.
    InputError
        A study file fails validation; the store then holds no half-compiled corpus.
    """
    engine = _engine(url)
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database and not Path(database).parent.is_dir():
        raise StoreError("the folder does not exist", file=database)
    store = Store(engine, _shown(engine.url))
    _revision(store.engine, store.url)  # a clear error if the database cannot be reached
    _migrate(store)
    compile_corpus(store, corpus, progress=progress)
    return store


def compile_corpus(store: Store, corpus: str | Path | None = None, *, progress: ProgressCallback | None = None) -> int:
    """Replace the curated studies of *store* with those of a corpus folder, in one transaction.

    Studies imported from extraction sheets stay; imported records keep their link to a study that
    is still there.

    Returns
    -------
    int
        The number of studies compiled.

    Raises
    ------
    InputError
        A study file fails validation, or its id is taken by a study imported from a sheet.
    """
    documents = []
    for path in track(corpus_files(corpus), "validating study files", progress):
        document = read_study_document(path)
        documents.append((parse_study(document, file=path), document))
    curated = sa.select(orm.Study.id).where(orm.Study.batch_id.is_(None))
    with store.session() as session:
        imported = set(session.scalars(sa.select(orm.Study.id).where(orm.Study.batch_id.is_not(None))))
        for study, _ in documents:
            if study.id in imported:
                raise InputError("a study imported from an extraction sheet has this id", file=study.file, field="id")
        linked = sa.select(orm.Record.id, orm.Record.study_id).where(orm.Record.study_id.in_(curated))
        links = {row[0]: row[1] for row in session.execute(linked)}
        session.execute(sa.update(orm.Record).where(orm.Record.id.in_(links)).values(study_id=None))
        references = list(session.scalars(sa.select(orm.Study.reference_id).where(orm.Study.batch_id.is_(None))))
        for table in (orm.Result, orm.Arm):
            session.execute(sa.delete(table).where(table.study_id.in_(curated)))
        session.execute(sa.delete(orm.Study).where(orm.Study.batch_id.is_(None)))
        session.execute(sa.delete(orm.Reference).where(orm.Reference.id.in_(references)))
        session.add_all(study_row(study, document) for study, document in documents)
        session.flush()
        kept = {study.id for study, _ in documents}
        for record_id, study_id in links.items():
            if study_id in kept:
                session.execute(sa.update(orm.Record).where(orm.Record.id == record_id).values(study_id=study_id))
    return len(documents)


def study_row(study: Study, document: dict[str, Any]) -> orm.Study:
    """The store rows of a validated study (reference, study, arms, results), not yet added to a session."""
    ref = study.reference
    reference = orm.Reference(
        authors=list(ref.authors),
        year=ref.year,
        title=ref.title,
        journal=ref.journal,
        volume=ref.volume,
        issue=ref.issue,
        pages=ref.pages,
        doi=ref.doi,
        pmid=ref.pmid,
        url=ref.url,
        keywords=list(ref.keywords),
        licence=ref.licence,
        abstract=ref.abstract,
    )
    cls = study.classification
    row = orm.Study(
        id=study.id,
        schema_version=study.schema_version,
        reference=reference,
        design=study.design,
        msc_sources=list(cls.msc_sources) if cls else [],
        products=list(cls.products) if cls else [],
        species=list(cls.species) if cls else [],
        outcome_domains=list(cls.outcome_domains) if cls else [],
        document=document,
    )
    for arm in study.arms:
        given = arm.intervention
        row.arms.append(
            orm.Arm(
                arm_key=arm.id,
                role=arm.role,
                label=arm.label,
                n=arm.n,
                product=given.product if given else None,
                msc_source=given.msc_source if given else None,
                dose_value=given.dose.value if given and given.dose else None,
                dose_unit=given.dose.unit if given and given.dose else None,
                route=given.route if given else None,
            )
        )
    for position, res in enumerate(study.results):
        prov, effect = res.provenance, res.effect
        row.results.append(
            orm.Result(
                position=position,
                outcome=res.outcome,
                outcome_domain=vocab.OUTCOMES[res.outcome].domain,
                timepoint=res.timepoint,
                timepoint_days=res.timepoint_days,
                treatment=res.treatment,
                control=res.control,
                kind=res.kind,
                arm_data={d.arm: {k: v for k, v in _arm_stats(d).items() if v is not None} for d in res.arm_data}
                or None,
                measure=effect.measure if effect else None,
                estimate=effect.estimate if effect else None,
                ci_lb=effect.ci_lb if effect else None,
                ci_ub=effect.ci_ub if effect else None,
                se=effect.se if effect else None,
                level=effect.level if effect else None,
                direction=res.direction,
                significant=res.significant,
                p=res.p,
                source=prov.source,
                location=prov.location,
                quote=prov.quote,
                status=prov.status,
                method=prov.method,
            )
        )
    return row


def _arm_stats(data: ArmData) -> dict[str, Any]:
    return {name: getattr(data, name) for name in ARM_STATISTICS}


@dataclass(frozen=True, slots=True)
class StoreSummary(Result):
    """What a store holds: its schema revision and how many studies, results, records and imports."""

    url: str
    revision: str | None
    n_studies: int
    n_results: int
    n_records: int
    n_import_batches: int

    def summary(self) -> str:
        """Two lines.

        >>> print(StoreSummary("sqlite:///e.db", "0001", 2, 5, 10, 1).summary())
        Evidence store sqlite:///e.db (schema revision 0001)
        studies: 2   results: 5   imported records: 10 (from 1 files)
        """
        return (
            f"Evidence store {self.url} (schema revision {self.revision})\n"
            f"studies: {self.n_studies}   results: {self.n_results}   "
            f"imported records: {self.n_records} (from {self.n_import_batches} files)"
        )


def describe_store(store: Store) -> StoreSummary:
    """Count what *store* holds (see :class:`StoreSummary`)."""
    with store.session() as session:
        revision = MigrationContext.configure(session.connection()).get_current_revision()
        counts = [session.scalar(sa.select(sa.func.count()).select_from(t)) or 0 for t in _COUNTED]
    return StoreSummary(store.url, revision, *counts)


_COUNTED = (orm.Study, orm.Result, orm.Record, orm.ImportBatch)

"""The tables of the evidence store (SQLAlchemy 2.0 declarative models), schema version 1.

::

    reference  1──* study 1──* arm             (study.batch_id: the extraction sheet it came from, if any)
                          1──* result          (one row per result; provenance in its own columns)
    import_batch 1──* record ──> record        (duplicate_of: a duplicate points at its canonical record)
                          1──* screening_decision
    merge        1──* record                   (merge_id: the dedupe merge that linked a duplicate; undoable)

Every value taken from a paper keeps its provenance (``source``, ``location``, ``quote``, ``status``,
``method``) beside it. Imported records are never deleted: a duplicate is linked to its canonical
record through ``duplicate_of``. Study, arm and result rows are compiled from the study files and
keep the validated file content in ``study.document``, so a study read back is the study written.
Types are portable (``JSON``, not ``JSONB``): the same tables serve SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Arm",
    "Base",
    "ImportBatch",
    "Merge",
    "Record",
    "Reference",
    "Result",
    "ScreeningDecision",
    "Study",
]

# Named constraints so that Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of the evidence store."""

    metadata = sa.MetaData(naming_convention=_NAMING)


class Reference(Base):
    """A bibliographic reference of a curated study."""

    __tablename__ = "reference"

    id: Mapped[int] = mapped_column(primary_key=True)
    authors: Mapped[list[str]] = mapped_column(sa.JSON)
    year: Mapped[int | None]
    title: Mapped[str] = mapped_column(sa.Text)
    journal: Mapped[str | None] = mapped_column(sa.Text)
    volume: Mapped[str | None] = mapped_column(sa.String(32))
    issue: Mapped[str | None] = mapped_column(sa.String(32))
    pages: Mapped[str | None] = mapped_column(sa.String(64))
    doi: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    pmid: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    url: Mapped[str | None] = mapped_column(sa.Text)
    keywords: Mapped[list[str]] = mapped_column(sa.JSON)
    licence: Mapped[str | None] = mapped_column(sa.String(32))
    abstract: Mapped[str | None] = mapped_column(sa.Text)


class Study(Base):
    """A curated study; ``document`` is its validated study file, as parsed YAML."""

    __tablename__ = "study"

    id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    schema_version: Mapped[int]
    reference_id: Mapped[int] = mapped_column(sa.ForeignKey("reference.id"))
    design: Mapped[str] = mapped_column(sa.String(40), index=True)
    msc_sources: Mapped[list[str]] = mapped_column(sa.JSON)
    products: Mapped[list[str]] = mapped_column(sa.JSON)
    species: Mapped[list[str]] = mapped_column(sa.JSON)
    outcome_domains: Mapped[list[str]] = mapped_column(sa.JSON)
    document: Mapped[dict] = mapped_column(sa.JSON)
    # None for a study compiled from the curated corpus; the import batch of an extraction sheet otherwise.
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id"), index=True)  # since 0003

    reference: Mapped[Reference] = relationship()
    arms: Mapped[list[Arm]] = relationship(back_populates="study", cascade="all, delete-orphan", order_by="Arm.id")
    results: Mapped[list[Result]] = relationship(
        back_populates="study", cascade="all, delete-orphan", order_by="Result.position"
    )


class Arm(Base):
    """A group of a study, with what it received."""

    __tablename__ = "arm"
    __table_args__ = (sa.UniqueConstraint("study_id", "arm_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[str] = mapped_column(sa.ForeignKey("study.id", ondelete="CASCADE"), index=True)
    arm_key: Mapped[str] = mapped_column(sa.String(40))
    role: Mapped[str] = mapped_column(sa.String(40))
    label: Mapped[str] = mapped_column(sa.Text)
    n: Mapped[int | None]
    product: Mapped[str | None] = mapped_column(sa.String(40))
    msc_source: Mapped[str | None] = mapped_column(sa.String(40))
    dose_value: Mapped[float | None]
    dose_unit: Mapped[str | None] = mapped_column(sa.String(20))
    route: Mapped[str | None] = mapped_column(sa.String(40))

    study: Mapped[Study] = relationship(back_populates="arms")


class Result(Base):
    """One outcome at one time point of a study, with the provenance of its numbers.

    ``kind`` is ``arm_data`` (per-arm statistics in ``arm_data``), ``effect`` (``measure``,
    ``estimate``, ``ci_lb``, ``ci_ub``, ``se``, ``level``) or ``direction`` (``direction`` and
    ``significant``, no number).
    """

    __tablename__ = "result"
    __table_args__ = (sa.UniqueConstraint("study_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[str] = mapped_column(sa.ForeignKey("study.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    outcome: Mapped[str] = mapped_column(sa.String(60), index=True)
    outcome_domain: Mapped[str] = mapped_column(sa.String(40))
    timepoint: Mapped[str | None] = mapped_column(sa.Text)
    timepoint_days: Mapped[float | None]
    treatment: Mapped[str] = mapped_column(sa.String(40))
    control: Mapped[str | None] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(10))
    arm_data: Mapped[dict | None] = mapped_column(sa.JSON)
    measure: Mapped[str | None] = mapped_column(sa.String(8))
    estimate: Mapped[float | None]
    ci_lb: Mapped[float | None]
    ci_ub: Mapped[float | None]
    se: Mapped[float | None]
    level: Mapped[float | None]
    direction: Mapped[str | None] = mapped_column(sa.String(20))
    significant: Mapped[bool | None]
    p: Mapped[str | None] = mapped_column(sa.String(40))
    source: Mapped[str] = mapped_column(sa.Text)
    location: Mapped[str] = mapped_column(sa.Text)
    quote: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(30))
    method: Mapped[str | None] = mapped_column(sa.Text)

    study: Mapped[Study] = relationship(back_populates="results")


class ImportBatch(Base):
    """One imported file; ``sha256`` of its bytes makes re-importing the same file a no-op."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    file_format: Mapped[str] = mapped_column(sa.String(20))
    source_database: Mapped[str | None] = mapped_column(sa.String(80))
    imported_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    n_records: Mapped[int]

    records: Mapped[list[Record]] = relationship(back_populates="batch", order_by="Record.position")


class Record(Base):
    """One imported bibliographic record; a duplicate points at its canonical record, never deleted."""

    __tablename__ = "record"
    __table_args__ = (sa.UniqueConstraint("batch_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("import_batch.id"), index=True)
    position: Mapped[int]  # 1-based position in its file
    source_database: Mapped[str | None] = mapped_column(sa.String(80))
    record_type: Mapped[str | None] = mapped_column(sa.String(40))
    authors: Mapped[list[str]] = mapped_column(sa.JSON)
    year: Mapped[int | None]
    title: Mapped[str | None] = mapped_column(sa.Text)
    journal: Mapped[str | None] = mapped_column(sa.Text)
    volume: Mapped[str | None] = mapped_column(sa.String(32))
    issue: Mapped[str | None] = mapped_column(sa.String(32))
    pages: Mapped[str | None] = mapped_column(sa.String(64))
    doi: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    pmid: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    url: Mapped[str | None] = mapped_column(sa.Text)
    keywords: Mapped[list[str]] = mapped_column(sa.JSON)
    # The user's own store: abstracts are kept for screening and never redistributed by secretome.
    abstract: Mapped[str | None] = mapped_column(sa.Text)
    duplicate_of: Mapped[int | None] = mapped_column(sa.ForeignKey("record.id"), index=True)
    merge_id: Mapped[int | None] = mapped_column(sa.ForeignKey("merge.id"), index=True)  # since revision 0002
    study_id: Mapped[str | None] = mapped_column(sa.ForeignKey("study.id"))

    batch: Mapped[ImportBatch] = relationship(back_populates="records")
    decisions: Mapped[list[ScreeningDecision]] = relationship(back_populates="record")


class Merge(Base):
    """One de-duplication merge: which records were linked to which canonical record, why, and if undone.

    ``record_ids`` keeps the linked duplicates after an undo (their ``merge_id`` is then cleared), so
    that a later ``dedupe`` never links the same records again.
    """

    __tablename__ = "merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: record.merge_id already points here, and a cycle of keys would block batch migrations.
    canonical_id: Mapped[int]
    record_ids: Mapped[list[int]] = mapped_column(sa.JSON)
    rule: Mapped[str] = mapped_column(sa.String(20))
    score: Mapped[float | None]
    reason: Mapped[str] = mapped_column(sa.Text)
    merged_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    undone_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ScreeningDecision(Base):
    """An include/exclude decision on a record at a screening stage, by whom and when."""

    __tablename__ = "screening_decision"
    __table_args__ = (
        sa.CheckConstraint("decision IN ('include', 'exclude')", name="decision"),
        sa.CheckConstraint("stage IN ('title_abstract', 'full_text')", name="stage"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("record.id"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(20))
    decision: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    reviewer: Mapped[str] = mapped_column(sa.String(80))
    decided_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    record: Mapped[Record] = relationship(back_populates="decisions")

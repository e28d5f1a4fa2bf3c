"""Initial tables: reference, study, arm, result, import_batch, record, screening_decision.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26 00:34:52.193571
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_format", sa.String(length=20), nullable=False),
        sa.Column("source_database", sa.String(length=80), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
        sa.UniqueConstraint("sha256", name=op.f("uq_import_batch_sha256")),
    )
    op.create_table(
        "reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("journal", sa.Text(), nullable=True),
        sa.Column("volume", sa.String(length=32), nullable=True),
        sa.Column("issue", sa.String(length=32), nullable=True),
        sa.Column("pages", sa.String(length=64), nullable=True),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("pmid", sa.String(length=16), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("licence", sa.String(length=32), nullable=True),
        sa.Column("abstract", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference")),
    )
    with op.batch_alter_table("reference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_doi"), ["doi"], unique=False)
        batch_op.create_index(batch_op.f("ix_reference_pmid"), ["pmid"], unique=False)

    op.create_table(
        "study",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("reference_id", sa.Integer(), nullable=False),
        sa.Column("design", sa.String(length=40), nullable=False),
        sa.Column("msc_sources", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("species", sa.JSON(), nullable=False),
        sa.Column("outcome_domains", sa.JSON(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["reference_id"], ["reference.id"], name=op.f("fk_study_reference_id_reference")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study")),
    )
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_study_design"), ["design"], unique=False)

    op.create_table(
        "arm",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.String(length=80), nullable=False),
        sa.Column("arm_key", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("product", sa.String(length=40), nullable=True),
        sa.Column("msc_source", sa.String(length=40), nullable=True),
        sa.Column("dose_value", sa.Double(), nullable=True),
        sa.Column("dose_unit", sa.String(length=20), nullable=True),
        sa.Column("route", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_arm_study_id_study"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arm")),
        sa.UniqueConstraint("study_id", "arm_key", name=op.f("uq_arm_study_id_arm_key")),
    )
    with op.batch_alter_table("arm", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_arm_study_id"), ["study_id"], unique=False)

    op.create_table(
        "record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_database", sa.String(length=80), nullable=True),
        sa.Column("record_type", sa.String(length=40), nullable=True),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("journal", sa.Text(), nullable=True),
        sa.Column("volume", sa.String(length=32), nullable=True),
        sa.Column("issue", sa.String(length=32), nullable=True),
        sa.Column("pages", sa.String(length=64), nullable=True),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("pmid", sa.String(length=16), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=True),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("study_id", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"], name=op.f("fk_record_batch_id_import_batch")),
        sa.ForeignKeyConstraint(["duplicate_of"], ["record.id"], name=op.f("fk_record_duplicate_of_record")),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_record_study_id_study")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record")),
        sa.UniqueConstraint("batch_id", "position", name=op.f("uq_record_batch_id_position")),
    )
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_doi"), ["doi"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_duplicate_of"), ["duplicate_of"], unique=False)
        batch_op.create_index(batch_op.f("ix_record_pmid"), ["pmid"], unique=False)

    op.create_table(
        "result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=60), nullable=False),
        sa.Column("outcome_domain", sa.String(length=40), nullable=False),
        sa.Column("timepoint", sa.Text(), nullable=True),
        sa.Column("timepoint_days", sa.Double(), nullable=True),
        sa.Column("treatment", sa.String(length=40), nullable=False),
        sa.Column("control", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("arm_data", sa.JSON(), nullable=True),
        sa.Column("measure", sa.String(length=8), nullable=True),
        sa.Column("estimate", sa.Double(), nullable=True),
        sa.Column("ci_lb", sa.Double(), nullable=True),
        sa.Column("ci_ub", sa.Double(), nullable=True),
        sa.Column("se", sa.Double(), nullable=True),
        sa.Column("level", sa.Double(), nullable=True),
        sa.Column("direction", sa.String(length=20), nullable=True),
        sa.Column("significant", sa.Boolean(), nullable=True),
        sa.Column("p", sa.String(length=40), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("method", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_result_study_id_study"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result")),
        sa.UniqueConstraint("study_id", "position", name=op.f("uq_result_study_id_position")),
    )
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_result_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_result_study_id"), ["study_id"], unique=False)

    op.create_table(
        "screening_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.String(length=80), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("decision IN ('include', 'exclude')", name=op.f("ck_screening_decision_decision")),
        sa.CheckConstraint("stage IN ('title_abstract', 'full_text')", name=op.f("ck_screening_decision_stage")),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_screening_decision_record_id_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_decision")),
    )
    with op.batch_alter_table("screening_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_decision_record_id"), ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("screening_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_decision_record_id"))

    op.drop_table("screening_decision")
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_study_id"))
        batch_op.drop_index(batch_op.f("ix_result_outcome"))

    op.drop_table("result")
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_pmid"))
        batch_op.drop_index(batch_op.f("ix_record_duplicate_of"))
        batch_op.drop_index(batch_op.f("ix_record_doi"))
        batch_op.drop_index(batch_op.f("ix_record_batch_id"))

    op.drop_table("record")
    with op.batch_alter_table("arm", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_arm_study_id"))

    op.drop_table("arm")
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_study_design"))

    op.drop_table("study")
    with op.batch_alter_table("reference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_pmid"))
        batch_op.drop_index(batch_op.f("ix_reference_doi"))

    op.drop_table("reference")
    op.drop_table("import_batch")

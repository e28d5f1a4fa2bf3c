"""Studies imported from extraction sheets: study.batch_id (null for the curated corpus).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 00:50:04.708010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_study_batch_id"), ["batch_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_study_batch_id_import_batch"), "import_batch", ["batch_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_study_batch_id_import_batch"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_study_batch_id"))
        batch_op.drop_column("batch_id")

"""De-duplication merges: table merge, and record.merge_id linking a duplicate to its merge.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:44:31.450515
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canonical_id", sa.Integer(), nullable=False),
        sa.Column("record_ids", sa.JSON(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge")),
    )
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merge_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_record_merge_id"), ["merge_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_record_merge_id_merge"), "merge", ["merge_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("record", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_record_merge_id_merge"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_record_merge_id"))
        batch_op.drop_column("merge_id")

    op.drop_table("merge")

"""Alembic environment: migrate the connection that :mod:`secretome.evidence._store` passes in.

Alembic runs this file itself; imported any other way (pytest's doctest collection) it does nothing.
"""

from __future__ import annotations

from alembic import context

from secretome.evidence._models import Base


def run_migrations() -> None:
    """Run the pending migrations on ``config.attributes["connection"]``."""
    connection = context.config.attributes["connection"]
    # render_as_batch: SQLite cannot ALTER most things; Alembic's batch mode copies the table instead.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):
    run_migrations()

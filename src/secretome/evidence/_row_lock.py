"""A row lock that holds on SQLite as on PostgreSQL, for the store's read-then-write paths."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

__all__ = ["lock_row"]


def lock_row(session: Session, table: type[Any], key: object, *, column: str) -> Any:
    """The row of *table* whose ``id`` is *key*, read after taking the write lock on it (``None`` if there is none).

    Touching the row (``column = column``) is the lock: a row lock on PostgreSQL, and on SQLite the database's
    write lock. ``SELECT ... FOR UPDATE`` would not do: SQLite ignores it and its driver begins a transaction only
    at the first write, so two sessions could both read "not there yet" and both write.
    """
    touch = sa.update(table).where(table.id == key).values({column: getattr(table, column)})
    session.execute(touch.execution_options(synchronize_session=False))
    return session.scalar(sa.select(table).where(table.id == key))

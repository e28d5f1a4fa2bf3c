"""Turning user data into float columns, with errors that name the row and the field.

Used by the effect sizes (``m1i``, ``ai``, ...) and by the models (``yi``, ``vi``, study labels):
every column that enters the engine passes here once, so every caller reports bad cells the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from secretome.errors import InputError

__all__: list[str] = []

FloatArray = NDArray[np.float64]


def as_column(values: ArrayLike, field: str, *, length: int | None = None) -> FloatArray:
    """Return *values* as a 1-d float array of finite numbers.

    Rows in messages are 1-based, because users read them against their spreadsheet.

    >>> as_column([1, "2.5"], "vi")
    array([1. , 2.5])
    >>> as_column([0.1, "n/a"], "vi")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: row 2, field 'vi': is not a number (got 'n/a')
    """
    raw = np.asarray(values, dtype=object).reshape(-1) if not isinstance(values, np.ndarray) else values.reshape(-1)
    try:
        column = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        column = np.empty(raw.size, dtype=np.float64)
        for i, cell in enumerate(raw):
            try:
                column[i] = float(cell)
            except (TypeError, ValueError):
                raise InputError("is not a number", row=i + 1, field=field, value=cell) from None
    if length is not None and column.size != length:
        raise InputError(f"has {column.size} values but the other columns have {length}", field=field)
    bad = np.flatnonzero(~np.isfinite(column))
    if bad.size:
        i = int(bad[0])
        reason = "is missing" if np.isnan(column[i]) else "is not finite"
        raise InputError(reason, row=i + 1, field=field, value=raw[i] if raw.dtype == object else float(column[i]))
    return column


def require(column: FloatArray, field: str, ok: Callable[[FloatArray], NDArray[np.bool_]], reason: str) -> None:
    """Raise :class:`InputError` at the first row of *column* where ``ok`` is false.

    >>> require(np.array([0.2, -0.1]), "sd1i", lambda x: x > 0, "must be > 0")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: row 2, field 'sd1i': must be > 0 (got -0.1)
    """
    bad = np.flatnonzero(~ok(column))
    if bad.size:
        raise InputError(reason, row=int(bad[0]) + 1, field=field, value=float(column[bad[0]]))


def study_labels(labels: Sequence[object] | None, k: int) -> tuple[str, ...]:
    """The *k* study labels as strings; ``"1"``, ``"2"``, ... when none are given (metafor's default slab).

    >>> study_labels(None, 3)
    ('1', '2', '3')
    >>> study_labels(["A"], 2)
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'labels': has 1 values but there are 2 studies
    """
    names = tuple(str(i) for i in range(1, k + 1)) if labels is None else tuple(str(s) for s in labels)
    if len(names) != k:
        raise InputError(f"has {len(names)} values but there are {k} studies", field="labels")
    return names


def check_level(level: float) -> None:
    """Refuse a confidence *level* outside (0, 1) (a percentage such as 95 is the usual slip).

    >>> check_level(95)
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: field 'level': must be a proportion in (0, 1), e.g. 0.95 (got 95)
    """
    if not 0 < level < 1:
        raise InputError("must be a proportion in (0, 1), e.g. 0.95", field="level", value=level)

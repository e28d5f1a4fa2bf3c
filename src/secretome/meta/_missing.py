"""Leaving out the studies with a missing value, as metafor's default ``na.action = "na.omit"``.

:func:`random_effects` and :func:`meta_regression` take their columns through :func:`complete_cases`:
a study whose effect size, sampling variance, user weight or moderator is missing (NaN, ``None``,
``pandas.NA``) is left out of the fit with a warning naming its position, and the result records the
positions left out, as metafor's ``rma.uni`` keeps ``not.na`` and warns "Studies with NAs omitted from
model fitting.".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from secretome.errors import InputError, check_choice
from secretome.meta._effect_result import row_list
from secretome.meta._notes import warn_note

__all__ = ["MISSING", "NA_OMITTED", "NO_STUDY", "ROWS_OMITTED", "omitted_note"]

NA_OMITTED = "Studies with NAs omitted from model fitting."
"""metafor's warning (``rma.uni``, ``na.action = "na.omit"``) when it leaves out studies with a missing value."""
ROWS_OMITTED = "Rows with NAs omitted from model fitting."
"""metafor's warning (``rma.mv``) when it leaves out rows with a missing value."""
MISSING = "Missing values in data."
"""metafor's error (``rma.uni``, ``rma.mv``) for a missing value under ``na.action = "na.fail"``."""
NO_STUDY = "Processing terminated since k = 0."
"""metafor's error (``rma.uni``) when no study is left to fit."""

NaAction = Literal["omit", "fail"]
"""metafor's ``na.action``: ``"omit"`` (``"na.omit"``, its default) or ``"fail"`` (``"na.fail"``)."""

_Fit = TypeVar("_Fit")


@dataclasses.dataclass(frozen=True)
class CompleteCases:
    """The columns of the studies kept, and the 0-based positions of those left out (in the order given)."""

    yi: ArrayLike
    vi: ArrayLike
    weights: ArrayLike | None
    mods: ArrayLike | pd.DataFrame | None
    labels: Sequence[str] | None
    rows: Sequence[int] | None
    omitted: tuple[int, ...]
    kept: NDArray[np.intp]
    note: str = ""

    @contextmanager
    def located(self) -> Iterator[None]:
        """Name a bad cell found while fitting by its position in the columns given, not among the kept ones."""
        try:
            yield
        except InputError as err:
            if not self.omitted or err.row is None:
                raise
            where = {"value": err.value} if err.value is not None else {}
            raise InputError(err.reason, row=int(self.kept[err.row - 1]) + 1, field=err.field, **where) from err

    def said(self, notes: list[str], sentence: str = NA_OMITTED) -> None:
        """Warn metafor's :data:`NA_OMITTED` (or rma.mv's *sentence*) at the caller of the model function, and record
        it in *notes* with the rows left out (metafor's sentence names none).

        The model calls this once it is fitted, before its other warnings, as the table-level models do:
        metafor's first warning, and when the fit fails its error is the one line the user sees.
        """
        if self.omitted:
            warn_note(notes, sentence, self.note, stacklevel=4)

    def recorded(self, result: _Fit) -> _Fit:
        """*result* with the positions left out."""
        if not self.omitted:
            return result
        return dataclasses.replace(result, omitted=self.omitted)  # type: ignore[type-var]


def complete_cases(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    mods: ArrayLike | pd.DataFrame | None = None,
    labels: Sequence[str] | None = None,
    rows: Sequence[int] | None = None,
    na_action: NaAction = "omit",
) -> CompleteCases:
    """The studies with every value given (metafor's complete cases of yi, vi, weights and mods).

    Without a missing value the columns pass unchanged (their own checks then name any other bad
    cell). With one, ``na_action="omit"`` keeps the other studies: study labels default to each
    study's 1-based position in the columns given, and *rows* (the warnings' row numbers) to the
    same, as metafor keeps the position in the data as the default ``slab`` after ``na.omit``;
    ``"fail"`` is metafor's error for ``na.action = "na.fail"`` ("Missing values in data."), an
    :class:`InputError` whose row and field name the first such study. No study left is metafor's
    "Processing terminated since k = 0.".

    >>> cc = complete_cases([0.1, None, 0.3], [0.01, 0.02, float("nan")])
    >>> cc.omitted, list(cc.labels)
    ((1, 2), ['1'])
    >>> complete_cases([0.1, None], [0.01, 0.02], na_action="fail")
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: row 2, field 'yi': Missing values in data.
    """
    check_choice("na_action", na_action, ("omit", "fail"))
    columns: dict[str, NDArray[np.bool_]] = {"yi": _missing(yi), "vi": _missing(vi)}
    if weights is not None:
        columns["weights"] = _missing(weights)
    if mods is not None:
        columns["mods"] = _missing_rows(mods)
    k = columns["yi"].size
    absent = np.zeros(k, dtype=bool)
    for missing in columns.values():
        # A column of another length is refused by the model's own checks (or below, once a study is left out).
        if missing.size == k:
            absent |= missing
    if not absent.any():
        return CompleteCases(yi, vi, weights, mods, labels, rows, (), np.arange(k))
    gone = np.flatnonzero(absent)
    if na_action == "fail":
        field = next(f for f, missing in columns.items() if missing.size == k and missing[gone[0]])
        raise InputError(MISSING, row=int(gone[0]) + 1, field=field)
    sizes = {f: m.size for f, m in columns.items()}
    sizes |= {f: len(g) for f, g in (("labels", labels), ("rows", rows)) if g is not None}
    for field, size in sizes.items():
        if size != k:
            raise InputError(f"has {size} values but yi has {k}", field=field)
    kept = np.flatnonzero(~absent)
    if not kept.size:
        raise InputError(NO_STUDY, field="yi", value=0)
    named = gone if rows is None else np.array([rows[i] for i in gone]) - 1
    return CompleteCases(
        yi=_column(yi)[kept],
        vi=_column(vi)[kept],
        weights=None if weights is None else _column(weights)[kept],
        mods=None if mods is None else _kept_rows(mods, kept),
        labels=[str(i + 1) for i in kept] if labels is None else [labels[i] for i in kept],
        rows=list(kept + 1) if rows is None else [rows[i] for i in kept],
        omitted=tuple(int(i) for i in gone),
        kept=kept,
        note=omitted_note(named, kept.size),
    )


def omitted_note(rows: Sequence[int] | NDArray[np.intp], k: int) -> str:
    """The note that follows metafor's :data:`NA_OMITTED`: the rows left out (0-based positions, said 1-based; a
    table's caller gives the file's rows) and the k fitted, which metafor's sentence does not say.

    >>> omitted_note([1, 4], 11)
    'omitted for a missing value: rows 2, 5; k = 11'
    """
    return f"omitted for a missing value: {row_list(rows)}; k = {k}"


def _column(values: ArrayLike) -> NDArray[np.object_] | NDArray[np.float64]:
    if isinstance(values, np.ndarray):
        return values.reshape(-1)
    return np.asarray(values, dtype=object).reshape(-1)


def _missing(values: ArrayLike) -> NDArray[np.bool_]:
    """Which cells are NaN, ``None`` or ``pandas.NA``; a cell that is not a number is left to the column checks."""
    try:
        return np.isnan(np.asarray(values, dtype=np.float64).reshape(-1))
    except (TypeError, ValueError):
        return np.asarray(pd.isna(_column(values)), dtype=bool)


def _missing_rows(mods: ArrayLike | pd.DataFrame) -> NDArray[np.bool_]:
    """Which rows of the moderators have a missing cell (a 1-d array is one moderator)."""
    if isinstance(mods, pd.DataFrame):
        return mods.isna().to_numpy().any(axis=1)
    raw = np.asarray(mods, dtype=object)
    missing = np.asarray(pd.isna(raw), dtype=bool)
    return missing.reshape(raw.shape[0], -1).any(axis=1) if raw.ndim else missing.reshape(-1)


def _kept_rows(mods: ArrayLike | pd.DataFrame, kept: NDArray[np.intp]) -> ArrayLike | pd.DataFrame:
    if isinstance(mods, pd.DataFrame):
        return mods.iloc[kept].reset_index(drop=True)
    return np.asarray(mods, dtype=object)[kept]

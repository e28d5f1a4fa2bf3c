"""Reading a table (one row per study) into arrays for a model, with every error in the user's terms.

Each table-level model function (:mod:`secretome.meta._table`) names the columns it uses; this module checks
them, computes the effect sizes, leaves out incomplete rows as metafor's ``na.action = "na.omit"`` does, calls
the model and re-locates any error in the user's file, 1-based data row (counting the rows left out) and column.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from secretome.errors import InputError, SecretomeWarning, check_choice
from secretome.meta._columns import FloatArray
from secretome.meta._conversions import split_shared_control
from secretome.meta._csv_tables import require_columns
from secretome.meta._effect_sizes import ESCALC_ARGUMENTS, Measure, escalc
from secretome.meta._missing import MISSING, NA_OMITTED, omitted_note
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult
from secretome.meta._subgroups import SubgroupResult

__all__ = ["EffectColumns", "Table", "complete_rows", "effect_sizes", "fit_table", "moderator_matrix"]

R = TypeVar("R")


@dataclasses.dataclass(frozen=True)
class EffectColumns:
    """Where a table's effect sizes come from: *yi* and *vi* columns, or an escalc *measure* of raw columns.

    *columns* maps escalc arguments to column names; *shared_control* names each row's control group (its
    n2i is split among the rows sharing it); *slab* the study labels; *options* further escalc options.
    """

    yi: str | None = None
    vi: str | None = None
    measure: Measure | None = None
    columns: Mapping[str, str] | None = None
    slab: str | None = None
    shared_control: str | None = None
    options: Mapping[str, object] | None = None

    def check(self, file: object) -> None:
        """Refuse contradictory or incomplete choices, naming the option."""
        unknown = sorted(set(self.columns or {}) - set(ESCALC_ARGUMENTS))
        if unknown:
            known = ", ".join(ESCALC_ARGUMENTS)
            raise InputError(f"unknown escalc argument; known: {known}", field="columns", value=unknown[0])
        if (self.yi is None) != (self.vi is None):
            raise InputError("give both yi and vi columns", file=file, field="vi" if self.vi is None else "yi")
        if self.yi is not None and self.measure is not None:
            raise InputError("give either yi and vi columns or a measure, not both", file=file, field="measure")
        if self.yi is None and self.measure is None:
            reason = "name the yi and vi columns, or a measure and its raw-data columns"
            raise InputError(reason, file=file, field="yi")
        if self.shared_control is not None and "n2i" not in (self.columns or {}):
            reason = "splitting a shared control needs a measure with n2i"
            raise InputError(reason, file=file, field=self.shared_control)

    def names(self) -> dict[str, str]:
        """Internal argument name -> the user's column, for the columns that define the effect sizes."""
        columns = dict(self.columns or {})
        names = {"yi": self.yi, "vi": self.vi} if self.yi is not None else columns
        if self.slab is not None:
            names = {**names, "slab": self.slab}
        if self.shared_control is not None:
            names = {**names, "control": self.shared_control, "n": columns["n2i"]}
        return {arg: name for arg, name in names.items() if name is not None}


@dataclasses.dataclass(frozen=True)
class Table:
    """The complete rows of a table, ready for a model.

    ``frame`` holds the rows kept, ``y`` and ``v`` their effect sizes and variances, ``labels`` the study
    labels (the file's positions when no slab is named, as metafor's default), ``rows`` their 1-based rows
    in the file.
    """

    frame: pd.DataFrame
    y: FloatArray
    v: FloatArray
    labels: list[str] | None
    rows: NDArray[np.int_]


def effect_sizes(frame: pd.DataFrame, effect: EffectColumns) -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
    """yi, vi and escalc's notes from the columns named (already checked to exist)."""
    if effect.measure is None:
        return frame[effect.yi].to_numpy(), frame[effect.vi].to_numpy(), ()
    raw = {arg: frame[name].to_numpy() for arg, name in (effect.columns or {}).items()}
    if effect.shared_control is not None:
        raw["n2i"] = split_shared_control(raw["n2i"], frame[effect.shared_control].tolist())
    es = escalc(effect.measure, **raw, **(effect.options or {}))  # type: ignore[arg-type]
    return es.yi, es.vi, es.notes


def complete_rows(frame: pd.DataFrame, y: FloatArray, v: FloatArray, by: Sequence[str]) -> NDArray[np.bool_]:
    """Rows with an effect size, a variance and every column of *by* (metafor's complete cases)."""
    missing = pd.isna(pd.Series(y, dtype=object)).to_numpy() | pd.isna(pd.Series(v, dtype=object)).to_numpy()
    if by:
        missing |= frame[list(by)].isna().any(axis=1).to_numpy()
    return ~missing


def moderator_matrix(frame: pd.DataFrame, mods: Sequence[str], file: object) -> pd.DataFrame:
    """The moderator columns, factors dummy-coded against their first sorted level (R's treatment coding)."""
    parts = []
    for name in mods:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column):
            parts.append(column.rename(name))
            continue
        missing = column.isna().to_numpy().nonzero()[0]
        if missing.size:
            raise InputError("is missing", file=file, row=int(missing[0]) + 1, field=name)
        levels = sorted(column.astype(str).unique())
        parts += [(column.astype(str) == level).astype(float).rename(f"{name}{level}") for level in levels[1:]]
    return pd.concat(parts, axis=1)


def fit_table(
    frame: pd.DataFrame,
    effect: EffectColumns,
    fit: Callable[[Table], R],
    *,
    roles: Mapping[str, str] | None = None,
    na_action: Literal["omit", "fail"] = "omit",
    file: object = None,
    renamed: Mapping[str, tuple[str, object]] | None = None,
    omitted: str = NA_OMITTED,
) -> R:
    """Read *frame* and return ``fit(table)`` with the table's notes and left-out rows attached.

    *roles* maps the model's argument names to the further columns it uses (``"groups"``, ``"study"``,
    ``"weights"``, ``"mod:<name>"``); a row missing any of them, or its effect size, is left out with
    metafor's warning *omitted* (``na_action="omit"``; rma.uni's by default, rma.mv's says "Rows") or is
    metafor's ``na.fail`` error (``"fail"``). An :class:`InputError` from
    the reading or the model names *file*, the file's row and the user's column; *renamed* maps a model's
    field to the option and value the user gave for it (the sampling covariance ``V`` made from an assumed
    ``rho``).
    """
    effect.check(file)
    check_choice("na_action", na_action, ("omit", "fail"))
    extra = dict(roles or {})
    to_column = {**effect.names(), **extra}
    require_columns(frame, to_column.values(), file)
    labels = None if effect.slab is None else [str(s) for s in frame[effect.slab]]
    kept = np.arange(len(frame))
    left_out: tuple[int, ...] = ()
    try:
        y, v, notes = effect_sizes(frame, effect)
        keep = complete_rows(frame, y, v, list(extra.values()))
        if not keep.all():
            rows = np.flatnonzero(~keep) + 1
            if na_action == "fail":
                first = frame.iloc[int(rows[0]) - 1]
                given = [c for c in (effect.yi, effect.vi, *extra.values()) if c is not None]
                field = next((c for c in given if pd.isna(first[c])), None)
                # metafor's na.fail error; the field is the empty cell, or yi where escalc gave no effect size.
                raise InputError(MISSING, row=int(rows[0]), field=field or "yi")
            # Warned once the model is fitted: a bad cell elsewhere is the one line the user sees. The rows are the
            # file's (the frame's positions, as metafor's default slab), in the wording of the Python functions.
            notes = (*notes, omitted, omitted_note(rows - 1, int(keep.sum())))
            left_out = tuple(int(i) for i in np.flatnonzero(~keep))
            kept = kept[keep]
            frame, y, v = frame[keep].reset_index(drop=True), y[keep], v[keep]
            # Without a slab, metafor names each study by its position in the data, also after na.omit.
            labels = [str(i + 1) for i in kept] if labels is None else [labels[i] for i in kept]
        # The fit's warnings wait until it has succeeded, so that metafor's NA warning, its first, leads them.
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            result = fit(Table(frame, y, v, labels, kept + 1))
    except InputError as err:
        # Re-locate the error in the user's terms: their file, row (counting the rows left out) and column.
        # Before any row is left out, kept is every row, so a row maps to itself.
        where = {"value": err.value} if err.value is not None else {}
        field = to_column.get(err.field or "", err.field)
        if renamed and err.field in renamed:
            field, value = renamed[err.field]
            where = {"value": value}
        row = None if err.row is None else int(kept[err.row - 1]) + 1
        raise InputError(err.reason, file=file, row=row, field=field, **where) from err
    if left_out:
        warnings.warn(omitted, SecretomeWarning, stacklevel=3)
    for warning in said:
        warnings.warn(warning.message, warning.category, stacklevel=3)
    if notes and not isinstance(result, SubgroupResult):
        result = dataclasses.replace(result, notes=(*notes, *result.notes))  # type: ignore[type-var]
    if left_out and isinstance(result, RandomEffectsResult | MetaRegressionResult):
        result = dataclasses.replace(result, omitted=left_out)
    return result

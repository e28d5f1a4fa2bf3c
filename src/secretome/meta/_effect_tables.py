"""From a CSV table to Mantel-Haenszel or Peto pooling, combined p-values and the change-score sensitivity
analysis: the table-to-arrays step the CLI calls for them, with errors in the user's terms (file, 1-based
row, the column name they gave).

Random-effects models of a table are ``_table.meta_from_csv``'s; these are the analyses that are not.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from secretome.errors import InputError, check_choice
from secretome.meta._albatross import albatross_plot
from secretome.meta._change_scores import ChangeScoreSensitivity, change_score_sensitivity
from secretome.meta._combined_p import CombinedPResult, combine_p
from secretome.meta._csv_tables import read_csv_table, require_columns
from secretome.meta._mantel_haenszel import MantelHaenszelResult, PetoResult, mantel_haenszel, peto

__all__ = ["change_sensitivity_from_csv", "combine_p_from_csv", "pool_counts_from_csv"]

_COUNTS = ("ai", "bi", "ci", "di", "n1i", "n2i", "x1i", "x2i", "t1i", "t2i")


def pool_counts_from_csv(
    path: str | Path,
    *,
    method: Literal["MH", "PETO"],
    measure: str | None,
    columns: Mapping[str, str],
    slab: str | None = None,
    add: float | None = None,
    to: str | None = None,
    drop00: bool | None = None,
    level: float = 0.95,
) -> MantelHaenszelResult | PetoResult:
    """Pool the 2x2 tables (or person-time data) of the CSV table at *path*: :func:`mantel_haenszel` or :func:`peto`.

    *columns* maps ``ai, bi, ci, di, n1i, n2i`` (or ``x1i, x2i, t1i, t2i`` for IRR) to column names;
    *add*, *to*, *drop00* are passed on when given (else metafor's defaults of ``rma.mh`` and
    ``rma.peto``). Peto's method pools odds ratios: *measure* must be None or ``"OR"``.

    Raises :class:`~secretome.errors.InputError` naming the file, row and column.
    """
    check_choice("method", method, ("MH", "PETO"), owner="pool_counts_from_csv")
    if method == "PETO" and measure not in (None, "OR"):
        raise InputError("Peto's method pools odds ratios (measure OR)", file=path, field="measure", value=measure)
    unknown = sorted(set(columns) - set(_COUNTS))
    if unknown:
        reason = f"is not a column of {method} pooling (it takes {', '.join(_COUNTS)})"
        raise InputError(reason, file=path, field=unknown[0])
    frame = read_csv_table(path)
    data = _arrays(frame, columns, path)
    options: dict[str, object] = {k: v for k, v in (("add", add), ("to", to), ("drop00", drop00)) if v is not None}
    labels = _labels(frame, slab, path)
    with _located(path, columns):
        if method == "PETO":
            return peto(**data, level=level, labels=labels, **options)  # type: ignore[arg-type]
        return mantel_haenszel(measure or "OR", **data, level=level, labels=labels, **options)  # type: ignore[arg-type]


def combine_p_from_csv(
    path: str | Path,
    *,
    columns: Mapping[str, str],
    method: Literal["fisher", "stouffer"] = "stouffer",
    slab: str | None = None,
    albatross: str | Path | None = None,
) -> CombinedPResult:
    """Combine the p-values of the CSV table at *path* with :func:`combine_p`; draw the :func:`albatross_plot` too.

    *columns* maps ``pi`` (required; numbers or text such as ``"P < 0.05"``), ``direction`` and
    ``ni`` to column names; the albatross plot needs ``ni``.
    """
    if "pi" not in columns:
        raise InputError("combining p-values needs the p-value column (pi)", file=path, field="pi")
    if albatross is not None and "ni" not in columns:
        raise InputError("the albatross plot needs the sample sizes (ni)", file=path, field="ni")
    frame = read_csv_table(path)
    data = _arrays(frame, columns, path)
    labels = _labels(frame, slab, path)
    renamed = {"pi": "p", **{k: k for k in ("direction", "ni")}}
    with _located(path, {renamed.get(k, k): v for k, v in columns.items()}):
        result = combine_p(data["pi"], direction=data.get("direction"), ni=data.get("ni"), method=method, labels=labels)
        if albatross is not None:
            albatross_plot(data["pi"], data["ni"], direction=data.get("direction"), labels=labels, path=albatross)
    return result


def change_sensitivity_from_csv(
    path: str | Path,
    *,
    measure: Literal["MC", "SMCC", "SMCR"],
    columns: Mapping[str, str],
    r: Sequence[float],
    method: str = "REML",
    test: Literal["z", "knha"] = "z",
    slab: str | None = None,
) -> ChangeScoreSensitivity:
    """The change scores of the CSV table at *path* and their pooled estimate for each assumed correlation in *r*.

    *columns* maps ``m1i, m2i, sd1i, sd2i, se1i, se2i, ni`` to column names (see
    :func:`change_score_sensitivity`).
    """
    allowed = ("m1i", "m2i", "sd1i", "sd2i", "se1i", "se2i", "ni")
    unknown = sorted(set(columns) - set(allowed))
    if unknown:
        reason = f"is not a column of a change-score analysis (it takes {', '.join(allowed)})"
        raise InputError(reason, file=path, field=unknown[0])
    frame = read_csv_table(path)
    data = _arrays(frame, columns, path)
    with _located(path, columns):
        return change_score_sensitivity(
            measure,
            m1i=data.get("m1i"),  # type: ignore[arg-type]
            m2i=data.get("m2i"),  # type: ignore[arg-type]
            sd1i=data.get("sd1i"),
            sd2i=data.get("sd2i"),
            se1i=data.get("se1i"),
            se2i=data.get("se2i"),
            ni=data.get("ni"),  # type: ignore[arg-type]
            r=r,
            method=method,  # type: ignore[arg-type]
            test=test,
            labels=_labels(frame, slab, path),
        )


def _arrays(frame: pd.DataFrame, columns: Mapping[str, str], path: str | Path) -> dict[str, np.ndarray]:
    require_columns(frame, columns.values(), path)
    return {arg: frame[name].to_numpy() for arg, name in columns.items()}


def _labels(frame: pd.DataFrame, slab: str | None, path: str | Path) -> list[str] | None:
    if slab is None:
        return None
    return [str(s) for s in _arrays(frame, {"slab": slab}, path)["slab"]]


@contextlib.contextmanager
def _located(path: str | Path, columns: Mapping[str, str]) -> Iterator[None]:
    """Re-raise an engine's InputError with the file and the user's column name for its field."""
    try:
        yield
    except InputError as err:
        where = {"value": err.value} if err.value is not None else {}
        field = columns.get(err.field or "", err.field)
        raise InputError(err.reason, file=path, row=err.row, field=field, **where) from err

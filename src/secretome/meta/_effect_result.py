"""The result of :func:`escalc` and the rules every measure shares: input cells that may be missing, and
metafor's NA rows (value NA, a warning naming the rows) instead of rejecting the whole call.

Used by the two-group measures (``_effect_sizes``), the counts (``_effect_counts``) and the change
scores (``_change_scores``).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from secretome._result import Result
from secretome.errors import InputError, SecretomeWarning
from secretome.meta._columns import FloatArray, study_labels

__all__ = ["INFINITE", "EffectSizes"]

INFINITE = "Some 'yi' and/or 'vi' values equal to +-Inf. Recoded to NAs."
"""metafor's warning (``escalc``) when an effect size or sampling variance comes out +-Inf; it makes both NA."""

BoolArray = NDArray[np.bool_]


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class EffectSizes(Result):
    """One effect size per row, as metafor's ``escalc`` returns them, with what each row rests on.

    Attributes
    ----------
    measure : str
        The measure (``"SMD"``, ``"RR"``, ``"SMCR"``, ...).
    yi : numpy.ndarray
        Effect sizes (log scale for OR, RR, IRR and ROM; Fisher's z for ZCOR), read-only; NaN where
        metafor gives NA (``na_reason`` says why, and a warning named the rows).
    vi : numpy.ndarray
        Their sampling variances, read-only; NaN where metafor gives NA. ZCOR and COR with ``ni <= 3``
        keep ``yi`` and have no ``vi``, as in metafor.
    labels : tuple of str
        Row labels (``"1"``, ``"2"``, ... when none were given).
    source : tuple of str
        What each effect was computed from: ``"sd"`` (means and SDs), ``"se"`` or ``"ci.t"``/``"ci.z"``
        (SDs from standard errors or confidence intervals of the means; ``"sd+se"`` when the two
        groups differ), ``"d"``, ``"t"``, ``"F"``, ``"p"`` (a test statistic), ``"counts"``,
        ``"ri"`` (a correlation), or ``""`` where nothing usable was given.
    bound : numpy.ndarray of bool
        True where the effect was computed at the bound of a p-value reported as an inequality
        (``P < 0.05``): the true effect is at least this large in magnitude. Never pool these rows
        without saying so.
    corrected : numpy.ndarray of bool
        True where a continuity correction was added to the counts (``add``, ``to``).
    na_reason : tuple of str
        Why ``yi`` or ``vi`` is NA in a row (empty where both are defined).
    ri : numpy.ndarray or None
        For MC, SMCC and SMCR: the pre-post correlation assumed in each row (an assumption a
        report must state).
    notes : tuple of str
        What was done or noticed on the way (corrections, NA rows, bound rows), metafor-style.
    """

    measure: str
    yi: FloatArray
    vi: FloatArray
    labels: tuple[str, ...]
    source: tuple[str, ...]
    bound: BoolArray
    corrected: BoolArray
    na_reason: tuple[str, ...]
    ri: FloatArray | None = None
    notes: tuple[str, ...] = ()

    @property
    def k(self) -> int:
        """Number of rows (NA rows included)."""
        return int(self.yi.size)

    def to_frame(self) -> pd.DataFrame:
        """One row per study: ``label, measure, yi, vi, source, bound, corrected, na_reason`` (and ``ri``)."""
        frame = pd.DataFrame(
            {
                "label": list(self.labels),
                "measure": self.measure,
                "yi": self.yi,
                "vi": self.vi,
                "source": list(self.source),
                "bound": self.bound,
                "corrected": self.corrected,
                "na_reason": list(self.na_reason),
            }
        )
        if self.ri is not None:
            frame["ri"] = self.ri
        return frame

    def summary(self) -> str:
        """The per-row table, laid out like metafor's print of an ``escalc`` object, with the flags."""
        lines = [f"Effect sizes (measure: {self.measure}; k = {self.k})", ""]
        width = max(len(s) for s in ("", *self.labels))
        lines.append(f"{'':>{width}} {'yi':>8} {'vi':>8}  source")
        for i in range(self.k):
            flags = [
                *(["bound"] if self.bound[i] else []),
                *(["corrected"] if self.corrected[i] else []),
                *([f"ri = {self.ri[i]:g}"] if self.ri is not None else []),
                *([f"NA: {self.na_reason[i]}"] if self.na_reason[i] else []),
            ]
            row = f"{self.labels[i]:>{width}} {_cell(self.yi[i]):>8} {_cell(self.vi[i]):>8}  {self.source[i]}"
            lines.append((row + ("  " + "; ".join(flags) if flags else "")).rstrip())
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _cell(x: float) -> str:
    return "NA" if math.isnan(x) else f"{x:.4f}"


def hedges_correction(m: FloatArray) -> FloatArray:
    """Hedges' exact small-sample correction c(m), NaN for m <= 1 (metafor's ``.cmicalc``).

    m = n1 + n2 - 2 for SMD and SMDH, n - 1 for SMCC and SMCR.
    """
    # Exact gamma form (Hedges 1981, eq. 6b), not the approximation 1 - 3/(4m - 1): metafor uses the
    # exact one, and the approximation differs by up to 5e-5 in g at the group sizes of animal studies.
    safe = np.where(m > 1, m, np.nan)
    return np.exp(gammaln(safe / 2) - np.log(np.sqrt(safe / 2)) - gammaln((safe - 1) / 2))


def optional_column(values: ArrayLike | None, field: str, length: int | None, *, broadcast: bool = False) -> FloatArray:
    """*values* as floats, a missing cell (None, NaN, empty text) as NaN: metafor turns such rows into NA.

    Text that is not a number, or an infinite number, is an error naming the 1-based row and *field*.
    With *broadcast*, one value stands for every row (an assumed correlation, say).
    """
    if values is None:
        return np.full(length or 0, np.nan)
    cells = np.asarray(values, dtype=object).reshape(-1)
    if broadcast and length is not None and cells.size == 1 and length != 1:
        cells = np.repeat(cells, length)
    if length is not None and cells.size != length:
        raise InputError(f"has {cells.size} values but the other columns have {length}", field=field)
    try:
        # The common case, numbers and None (which becomes NaN), in one step; anything else cell by cell.
        out = np.asarray(cells, dtype=np.float64)
    except (TypeError, ValueError):
        out = np.empty(cells.size)
    else:
        bad = np.flatnonzero(np.isinf(out))
        if bad.size:
            raise InputError("is not finite", row=int(bad[0]) + 1, field=field, value=float(out[bad[0]]))
        return out
    for i, cell in enumerate(cells):
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            out[i] = np.nan
            continue
        try:
            out[i] = float(cell)
        except (TypeError, ValueError):
            raise InputError("is not a number", row=i + 1, field=field, value=cell) from None
        if np.isinf(out[i]):
            raise InputError("is not finite", row=i + 1, field=field, value=float(out[i]))
    return out


def refuse(column: FloatArray, field: str, bad: BoolArray, reason: str) -> None:
    """Raise :class:`InputError` at the first row where *bad* holds (metafor stops there too)."""
    rows = np.flatnonzero(bad)
    if rows.size:
        raise InputError(reason, row=int(rows[0]) + 1, field=field, value=float(column[rows[0]]))


def row_list(rows: Sequence[int] | NDArray[np.intp]) -> str:
    """``"row 3"`` or ``"rows 1, 4, 7"`` (1-based), the form every note and warning uses."""
    rows = [int(r) + 1 for r in rows]
    return f"row {rows[0]}" if len(rows) == 1 else "rows " + ", ".join(str(r) for r in rows)


def finish(
    measure: str,
    yi: FloatArray,
    vi: FloatArray,
    *,
    labels: Sequence[object] | None,
    source: Sequence[str],
    reasons: Mapping[str, BoolArray],
    bound: BoolArray | None = None,
    corrected: BoolArray | None = None,
    vi_na: BoolArray | None = None,
    ri: FloatArray | None = None,
    notes: Sequence[str] = (),
    said: Sequence[str] = (),
    warn: bool = True,
) -> EffectSizes:
    """Apply metafor's NA rules to *yi*, *vi* and build the result, warning about NA and bound rows.

    As metafor's ``escalc``: a row where ``yi`` or ``vi`` is infinite or not a number becomes NA in
    both; a negative ``vi`` becomes NA; rows in *vi_na* lose only ``vi`` (ZCOR and COR with
    ``ni <= 3``). The warnings are metafor's where it gives one: the measure's own (*said*, such as
    ZCOR's "Cannot estimate the sampling variance when ni <= 3."), then :data:`INFINITE` for a value
    of +-Inf. Every NA row is named in ``notes``, after those sentences, with the first of *reasons*
    (an ordered mapping reason -> rows) that holds for it; where metafor makes rows NA silently (a
    NaN, a negative variance, a missing input), that note is the warning, so that no NA is silent.
    """
    yi = np.array(yi, dtype=np.float64)
    vi = np.array(vi, dtype=np.float64)
    k = yi.size
    # metafor drops these variances before it looks for infinite values, so their yi survive.
    vi_only = np.zeros(k, dtype=bool) if vi_na is None else np.asarray(vi_na, dtype=bool)
    vi[vi_only] = np.nan
    infinite = np.isinf(yi) | (np.isinf(vi) & ~vi_only)
    undefined = ~np.isfinite(yi) | (~np.isfinite(vi) & ~vi_only)
    # A missing input only takes out what depends on it (R's NA propagates: MD's vi needs no means);
    # anything else that is not finite takes out both, as metafor's Inf and NaN rule.
    missing = reasons.get("missing input", np.zeros(k, dtype=bool))
    undefined &= ~missing | np.isinf(yi) | (np.isinf(vi) & ~vi_only)
    yi[undefined] = np.nan
    vi[undefined] = np.nan
    vi[vi < 0] = np.nan
    why = [""] * k
    for i in np.flatnonzero(np.isnan(yi) | np.isnan(vi)):
        why[i] = next((r for r, rows in reasons.items() if rows[i]), f"{measure} is not defined for these values")
    bound = np.zeros(k, dtype=bool) if bound is None else np.asarray(bound, dtype=bool) & ~np.isnan(yi)
    found = [*notes, *said]
    warned = list(said)
    if infinite.any():
        found.append(INFINITE)
        warned.append(INFINITE)
    if any(why):
        by_reason: dict[str, list[int]] = {}
        for i, reason in enumerate(why):
            if reason:
                by_reason.setdefault(reason, []).append(i)
        parts = "; ".join(f"{row_list(rows)} ({reason})" for reason, rows in by_reason.items())
        found.append(f"{measure}: yi/vi set to NA in {parts}, as metafor's escalc does")
        if not warned:
            warned.append(found[-1])
    if bound.any():
        found.append(
            f"{measure}: {row_list(np.flatnonzero(bound))} computed at the bound of a p-value given as 'P < x': "
            "each |yi| is a lower bound (flagged in 'bound')"
        )
        warned.append(found[-1])
    if warn:
        for note in warned:
            warnings.warn(note, SecretomeWarning, stacklevel=3)
    return EffectSizes(
        measure=measure,
        yi=_frozen(yi),
        vi=_frozen(vi),
        labels=study_labels(labels, k),
        source=tuple(source),
        bound=_frozen_bool(bound),
        corrected=_frozen_bool(np.zeros(k, dtype=bool) if corrected is None else corrected),
        na_reason=tuple(why),
        ri=None if ri is None else _frozen(ri),
        notes=tuple(found),
    )


def _frozen(x: ArrayLike) -> FloatArray:
    out = np.array(x, dtype=np.float64)
    out.flags.writeable = False
    return out


def _frozen_bool(x: ArrayLike) -> BoolArray:
    out = np.array(x, dtype=bool)
    out.flags.writeable = False
    return out

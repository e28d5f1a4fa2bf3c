"""Effect sizes from counts, as metafor's ``escalc``: 2x2 tables (OR, RR, RD, PETO), one proportion (PR,
PLO, PAS, PFT), incidence rates (IR, IRR), with metafor's zero-cell rules (``add``, ``to``, ``drop00``);
and the back-transformations of these measures to their natural scale.

The zero-cell rules are shared with the Mantel-Haenszel and Peto pooling (``_mantel_haenszel``),
which apply them a second time to the tables they pool, as ``rma.mh`` and ``rma.peto`` do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from secretome.errors import InputError, check_choice
from secretome.meta._columns import FloatArray
from secretome.meta._effect_result import BoolArray, EffectSizes, finish, optional_column, refuse

__all__ = ["back_transform"]

TABLE_MEASURES = ("OR", "RR", "RD", "PETO")
PROPORTION_MEASURES = ("PR", "PLO", "PAS", "PFT")
RATE_MEASURES = ("IR", "IRR")
COUNT_MEASURES = TABLE_MEASURES + PROPORTION_MEASURES + RATE_MEASURES
_TO = ("only0", "all", "if0all", "none")


@dataclasses.dataclass(frozen=True)
class ZeroCells:
    """metafor's zero-cell rules: add *add* to every cell of the tables *to* selects; *drop00* makes
    tables without events (or with only events) in both groups NA. ``add=None`` is metafor's default
    for the measure (1/2; 0 for PAS and PFT)."""

    add: float | None = None
    to: str = "only0"
    drop00: bool = False

    def amount(self, measure: str) -> float:
        add = (0.0 if measure in ("PAS", "PFT") else 0.5) if self.add is None else float(self.add)
        if not np.isfinite(add) or add < 0:
            raise InputError("must be a finite number >= 0", field="add", value=self.add)
        return add

    def which(self, has_zero: BoolArray) -> BoolArray:
        """The tables to correct, given which have a zero cell (NA tables count as without one)."""
        check_choice("to", self.to, _TO, owner="escalc")
        if self.to == "all":
            return np.ones(has_zero.size, dtype=bool)
        if self.to == "if0all":
            return np.full(has_zero.size, bool(has_zero.any()))
        if self.to == "only0":
            return has_zero.copy()
        return np.zeros(has_zero.size, dtype=bool)


def table_cells(given: Mapping[str, ArrayLike]) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The four cells ``ai, bi, ci, di`` of 2x2 tables from ``ai, bi|n1i, ci, di|n2i`` (NaN where missing).

    Checks as metafor: ``n1i`` must equal ``ai + bi`` when both are given, counts must be >= 0 and
    events no larger than the group. Errors name the 1-based row and the field.
    """
    for needed, alternative in (("ai", None), ("bi", "n1i"), ("ci", None), ("di", "n2i")):
        if needed not in given and (alternative is None or alternative not in given):
            name = needed if alternative is None else f"{needed} (or {alternative})"
            raise InputError(f"2x2 tables need {name}", field=needed)
    k = _rows(given)
    c = {name: optional_column(values, name, k) for name, values in given.items()}
    a, cc = c["ai"], c["ci"]
    b = c["bi"] if "bi" in c else np.full(k, np.nan)
    d = c["di"] if "di" in c else np.full(k, np.nan)
    for group, events, other, size in ((1, a, b, "n1i"), (2, cc, d, "n2i")):
        if size not in c:
            continue
        n = c[size]
        refuse(
            n,
            size,
            ~np.isnan(other) & ~np.isnan(n) & (n != events + other),
            f"must equal the sum of the group's cells (group {group})",
        )
        refuse(n, size, n < events, f"events exceed the group size {size}")
        other[np.isnan(other)] = (n - events)[np.isnan(other)]
    for name, cell in (("ai", a), ("bi", b), ("ci", cc), ("di", d)):
        refuse(cell, name if name in c else ("n1i" if name == "bi" else "n2i"), cell < 0, "count must be >= 0")
    return a, b, cc, d


def _rows(given: Mapping[str, ArrayLike]) -> int:
    first = next(iter(given.values()))
    return int(np.asarray(first, dtype=object).reshape(-1).size)


def double_zero(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> BoolArray:
    """Tables with no events, or only events, in both groups (metafor's ``drop00``)."""
    return ((a == 0) & (c == 0)) | ((b == 0) & (d == 0))


def corrected_tables(
    cells: Sequence[FloatArray], zero: ZeroCells, measure: str
) -> tuple[list[FloatArray], BoolArray, float, tuple[str, ...]]:
    """*cells* after the continuity correction, which tables got it, the amount and the note about it."""
    add = zero.amount(measure)
    has_zero = np.zeros(cells[0].size, dtype=bool)
    for cell in cells:
        has_zero |= cell == 0
    chosen = zero.which(has_zero) & ~np.any([np.isnan(cell) for cell in cells], axis=0)
    if add == 0 or not chosen.any():
        return list(cells), np.zeros(chosen.size, dtype=bool), add, ()
    rows = ", ".join(str(i + 1) for i in np.flatnonzero(chosen))
    note = f"added {add:g} to each cell of {int(chosen.sum())} table(s) (row {rows}; to={zero.to!r}, as metafor)"
    return [cell + add * chosen for cell in cells], chosen, add, (note,)


def from_counts(
    measure: str,
    given: Mapping[str, ArrayLike],
    zero: ZeroCells,
    *,
    labels: Sequence[object] | None = None,
    warn: bool = True,
) -> EffectSizes:
    """OR, RR, RD, PETO, PR, PLO, PAS, PFT, IR or IRR from counts, as metafor's ``escalc`` (vtype "LS").

    With the corrected cells, :math:`p_1 = a/(a+b)`, :math:`p_2 = c/(c+d)`: log RR
    :math:`\\log p_1 - \\log p_2`, variance :math:`1/a - 1/n_1 + 1/c - 1/n_2`; log OR
    :math:`\\log(ad/(bc))`, variance :math:`1/a + 1/b + 1/c + 1/d`; RD :math:`p_1 - p_2`, variance
    :math:`p_1(1-p_1)/n_1 + p_2(1-p_2)/n_2`; PETO :math:`(a - E)/V`, variance :math:`1/V`, with
    :math:`E = (a+c)n_1/N`, :math:`V = (a+c)(b+d)n_1 n_2/(N^2(N-1))` (Yusuf et al. 1985). One
    proportion :math:`p = x/n`: PR (variance :math:`p(1-p)/n`), PLO :math:`\\log(x/m)` (variance
    :math:`1/x + 1/m`), PAS :math:`\\arcsin\\sqrt p` (variance :math:`1/(4n)`), PFT
    :math:`\\tfrac12[\\arcsin\\sqrt{x/(n+1)} + \\arcsin\\sqrt{(x+1)/(n+1)}]` (Freeman & Tukey 1950;
    variance :math:`1/(4n+2)`). IR :math:`x/t` (variance :math:`x/t^2`); IRR :math:`\\log((x_1/t_1)/(x_2/t_2))`
    (variance :math:`1/x_1 + 1/x_2`).
    """
    if measure in TABLE_MEASURES:
        a, b, c, d = table_cells(given)
        missing = np.isnan(a) | np.isnan(b) | np.isnan(c) | np.isnan(d)
        source = np.where(missing, "", "counts").tolist()
        dropped = zero.drop00 & double_zero(a, b, c, d)
        a, b, c, d = (np.where(dropped, np.nan, x) for x in (a, b, c, d))
        (a, b, c, d), corrected, _, notes = corrected_tables((a, b, c, d), zero, measure)
        yi, vi = _table_effects(measure, a, b, c, d)
        empty = (a + b == 0) | (c + d == 0)
        reasons = {"missing input": missing, "no events or only events in both groups (drop00=True)": dropped}
        reasons["an empty group"] = empty
        reasons["a zero cell without continuity correction"] = ~corrected & ((a == 0) | (b == 0) | (c == 0) | (d == 0))
    elif measure in PROPORTION_MEASURES:
        x, m = _proportion_counts(given)
        missing = np.isnan(x) | np.isnan(m)
        source = np.where(missing, "", "counts").tolist()
        (x, m), corrected, _, notes = corrected_tables((x, m), zero, measure)
        yi, vi = _proportion_effects(measure, x, m)
        reasons = {"missing input": missing, "a zero count without continuity correction": (x == 0) | (m == 0)}
    else:
        x1, x2, t1, t2, rate_missing = _rate_counts(measure, given)
        source = np.where(rate_missing, "", "counts").tolist()
        dropped = zero.drop00 & (x1 == 0) & (x2 == 0) if measure == "IRR" else np.zeros(x1.size, dtype=bool)
        x1, x2 = (np.where(dropped, np.nan, x) for x in (x1, x2))
        cells = (x1, x2) if measure == "IRR" else (x1,)
        corrected_cells, corrected, _, notes = corrected_tables(cells, zero, measure)
        x1 = corrected_cells[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            if measure == "IRR":
                x2 = corrected_cells[1]
                yi, vi = np.log(x1 / t1) - np.log(x2 / t2), 1 / x1 + 1 / x2
            else:
                yi, vi = x1 / t1, x1 / t1**2
        reasons = {"missing input": rate_missing, "no events in both groups (drop00=True)": dropped}
        reasons["a zero count without continuity correction"] = (x1 == 0) | (x2 == 0)
    return finish(
        measure, yi, vi, labels=labels, source=source, reasons=reasons, corrected=corrected, notes=notes, warn=warn
    )


def _table_effects(
    measure: str, a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray
) -> tuple[FloatArray, FloatArray]:
    n1, n2 = a + b, c + d
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = a / n1, c / n2
        if measure == "RR":
            return np.log(p1) - np.log(p2), 1 / a - 1 / n1 + 1 / c - 1 / n2
        if measure == "OR":
            return np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2)), 1 / a + 1 / b + 1 / c + 1 / d
        if measure == "RD":
            return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        n = n1 + n2
        events, others = a + c, b + d
        expected = events * n1 / n
        # 0 when one outcome never occurs in a table: yi and vi are then infinite, and NA (metafor).
        variance = events * others * (n1 / n) * (n2 / n) / (n - 1)
        return (a - expected) / variance, 1 / variance


def _proportion_counts(given: Mapping[str, ArrayLike]) -> tuple[FloatArray, FloatArray]:
    if "xi" not in given or ("mi" not in given and "ni" not in given):
        raise InputError("one proportion needs xi and mi (or ni)", field="xi" if "xi" not in given else "ni")
    k = _rows(given)
    x = optional_column(given["xi"], "xi", k)
    m = optional_column(given["mi"], "mi", k) if "mi" in given else np.full(k, np.nan)
    if "ni" in given:
        n = optional_column(given["ni"], "ni", k)
        refuse(n, "ni", ~np.isnan(m) & (n != x + m), "must equal xi + mi")
        refuse(n, "ni", n < x, "events exceed the group size ni")
        m = np.where(np.isnan(m), n - x, m)
    refuse(x, "xi", x < 0, "count must be >= 0")
    refuse(m, "mi" if "mi" in given else "ni", m < 0, "count must be >= 0")
    refuse(x + m, "ni" if "ni" in given else "mi", x + m <= 0, "group size must be > 0")
    return x, m


def _proportion_effects(measure: str, x: FloatArray, m: FloatArray) -> tuple[FloatArray, FloatArray]:
    n = x + m
    p = x / n
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "PR":
            return p, p * (1 - p) / n
        if measure == "PLO":
            return np.log(p / (1 - p)), 1 / x + 1 / m
        if measure == "PAS":
            return np.arcsin(np.sqrt(p)), 1 / (4 * n)
        return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1)))), 1 / (4 * n + 2)


def _rate_counts(
    measure: str, given: Mapping[str, ArrayLike]
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray]:
    names = ("x1i", "x2i", "t1i", "t2i") if measure == "IRR" else ("xi", "ti")
    missing_names = [name for name in names if name not in given]
    if missing_names:
        raise InputError(f"measure {measure!r} needs {', '.join(names)}", field=missing_names[0])
    k = _rows(given)
    cols = [optional_column(given[name], name, k) for name in names]
    for name, col in zip(names, cols, strict=True):
        if name.startswith("x"):
            refuse(col, name, col < 0, "count must be >= 0")
        else:
            refuse(col, name, col <= 0, "person-time must be > 0")
    missing = np.any([np.isnan(col) for col in cols], axis=0)
    if measure == "IRR":
        return cols[0], cols[1], cols[2], cols[3], missing
    return cols[0], np.full(k, np.nan), cols[1], np.full(k, np.nan), missing


def back_transform(
    values: ArrayLike, measure: str, *, ni: ArrayLike | None = None, harmonic: bool = False
) -> FloatArray:
    r"""Effect sizes (or a pooled estimate and its CI) of *measure* on their natural scale.

    ``exp`` for OR, RR, PETO, IRR, ROM; the inverse logit for PLO; :math:`\sin^2` for PAS (clipped
    to [0, pi/2] first); :math:`\tanh` for ZCOR; the identity for the others. PFT needs the sample
    size: Miller's inverse of the Freeman-Tukey double arcsine [1]_, as metafor's ``transf.ipft``
    with *ni* per value, or, for a pooled estimate and its CI, ``transf.ipft.hm`` with
    ``harmonic=True``: the harmonic mean of the studies' *ni*. Values beyond the transform of
    p = 0 or p = 1 for that n give 0 or 1, as metafor.

    Checked against metafor 3.8-1 ``transf.ipft`` and ``transf.ipft.hm`` on dat.pritz1997
    (tests/meta/test_effect_counts.py).

    References
    ----------
    .. [1] Miller JJ (1978). The inverse of the Freeman-Tukey double arcsine transformation. The
       American Statistician 32(4):138. https://doi.org/10.1080/00031305.1978.10479283

    Examples
    --------
    >>> back_transform([0.0], "OR").tolist()
    [1.0]
    >>> round(float(back_transform([0.5], "PFT", ni=[20])[0]), 4)
    0.2168
    """
    y = optional_column(values, "values", None)
    if measure in ("OR", "RR", "PETO", "IRR", "ROM"):
        return np.exp(y)
    if measure == "PLO":
        return 1 / (1 + np.exp(-y))
    if measure == "PAS":
        return np.sin(np.clip(y, 0, np.pi / 2)) ** 2
    if measure == "ZCOR":
        return np.tanh(y)
    if measure != "PFT":
        return y
    if ni is None:
        raise InputError("PFT is back-transformed with the sample size: give ni", field="ni")
    n = optional_column(ni, "ni", None)
    refuse(n, "ni", ~(n > 0), "sample size must be > 0")
    if harmonic:
        n = np.full(y.size, 1 / np.mean(1 / n))
    elif n.size == 1:
        n = np.full(y.size, n[0])
    elif n.size != y.size:
        raise InputError(f"has {n.size} values for {y.size} effect sizes (or use harmonic=True)", field="ni")
    s = np.sin(2 * y)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 0.5 * (1 - np.sign(np.cos(2 * y)) * np.sqrt(1 - (s + (s - 1 / s) / n) ** 2))
    upper = 0.5 * (np.arcsin(np.sqrt(n / (n + 1))) + np.arcsin(np.sqrt((n + 1) / (n + 1))))
    lower = 0.5 * (np.arcsin(np.sqrt(0 / (n + 1))) + np.arcsin(np.sqrt(1 / (n + 1))))
    p = np.where(y > upper, 1.0, np.where(y < lower, 0.0, p))
    return p

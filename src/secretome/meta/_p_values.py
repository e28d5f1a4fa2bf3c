"""Reported p-values as papers print them: exact (``P = 0.012``) or as an inequality (``P < 0.05``).

Shared by the effect sizes (:func:`escalc`'s ``pi``), the combined p-values and the albatross plot:
every p that enters the engine is read here once, so a bound is recognised, and flagged, the same
way everywhere.
"""

from __future__ import annotations

import math
import re

import numpy as np
from numpy.typing import ArrayLike, NDArray

from secretome.errors import InputError
from secretome.meta._columns import FloatArray

__all__ = ["parse_p_value"]

# "P = 0.012", "p<.05", "P ≤ 0.001", "0.03", "<0.05", "-0.03" (a sign, as metafor's signed pi).
_P_TEXT = re.compile(
    r"^\s*(?:p\s*)?(?P<op>=|<=|≤|<|>=|≥|>)?\s*(?P<value>[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*$", re.I
)


def parse_p_value(text: object) -> tuple[float, bool]:
    """Read one reported p-value; return ``(p, is_bound)``.

    A number, or text such as ``"0.012"``, ``"P = 0.012"``, ``"p < .05"``, ``"P ≤ 0.001"``. An
    inequality ``P < x`` (or ``≤``) gives ``(x, True)``: the p-value is at most *x*, so an effect
    computed at *x* is the smallest effect the report allows (its magnitude is a lower bound), the
    conservative reading the Cochrane Handbook advises (section 6.5.2.3) [1]_. A sign in front of
    the number is kept (metafor's signed ``pi``: the sign is the direction of the effect).

    Raises
    ------
    InputError
        Text that is not a p-value, ``P > x`` or ``NS`` (they bound the effect from above; the
        Handbook's conservative rule does not apply, and no effect size can be computed), or a
        value outside [-1, 1].

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds) (2023). Chapter 6: Choosing effect measures and computing
       estimates of effect, section 6.5.2.3. Cochrane Handbook for Systematic Reviews of
       Interventions, version 6.4. https://training.cochrane.org/handbook/current/chapter-06

    Examples
    --------
    >>> parse_p_value("P < 0.05")
    (0.05, True)
    >>> parse_p_value("p = .012")
    (0.012, False)
    >>> parse_p_value(-0.03)
    (-0.03, False)
    """
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        value, bound = float(text), False
    else:
        match = _P_TEXT.match(str(text))
        if match is None:
            raise InputError("is not a p-value such as 0.012, 'P = 0.012' or 'P < 0.05'", field="pi", value=text)
        op = match["op"] or "="
        if op in (">", ">=", "≥"):
            raise InputError(
                "a p-value given as 'P > x' bounds the effect from above; no conservative effect size follows from it",
                field="pi",
                value=text,
            )
        value, bound = float(match["value"]), op in ("<", "<=", "≤")
    if not (math.isnan(value) or -1 <= value <= 1):
        raise InputError("p-value must be in [0, 1] (a sign gives the direction)", field="pi", value=text)
    return value, bound


def p_column(values: ArrayLike, field: str, length: int) -> tuple[FloatArray, NDArray[np.bool_]]:
    """The p-values of a column and which of them are bounds; a missing cell is NaN (not a bound).

    Errors name the 1-based row and *field*.
    """
    cells = np.asarray(values, dtype=object).reshape(-1)
    if cells.size == 1 and length != 1:
        cells = np.repeat(cells, length)
    if cells.size != length:
        raise InputError(f"has {cells.size} values but the other columns have {length}", field=field)
    p = np.full(length, np.nan)
    bound = np.zeros(length, dtype=bool)
    for i, cell in enumerate(cells):
        if cell is None or (isinstance(cell, (float, np.floating)) and math.isnan(cell)) or cell == "":
            continue
        try:
            p[i], bound[i] = parse_p_value(cell)
        except InputError as err:
            raise InputError(err.reason, row=i + 1, field=field, value=cell) from None
    return p, bound


def one_sided(p: FloatArray, direction: FloatArray) -> FloatArray:
    """One-sided p-values (for an effect > 0) from two-sided ones and the direction of each effect.

    ``p / 2`` where the effect is positive and ``1 - p / 2`` where it is negative, the conversion
    Harrison et al. (2017) and Zaykin (2011) use before combining or plotting p-values.
    """
    return np.where(direction > 0, p / 2, 1 - p / 2)

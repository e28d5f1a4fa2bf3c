"""Effect sizes and their sampling variances, as metafor's ``escalc`` computes them.

Measures (metafor's names): ``MD`` raw mean difference, ``SMD`` Hedges' g, ``SMDH`` SMD with
heteroscedastic variances (Bonett), ``ROM`` log ratio of means, ``OR`` log odds ratio, ``RR`` log
risk ratio, ``RD`` risk difference, ``ZCOR`` Fisher's r-to-z. Variances are metafor's defaults
(``vtype="LS"``); 2x2 tables with a zero cell get metafor's default correction (``add=1/2``,
``to="only0"``). Checked against metafor 3.8-1 ``escalc`` (tests/meta/test_effect_sizes.py,
fixtures from tools/metafor_reference.R).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import gammaln

from secretome._result import Result
from secretome.errors import InputError, check_choice
from secretome.meta._columns import FloatArray, as_column, require

__all__ = ["MEASURES", "EffectSizes", "Measure", "escalc"]

Measure = Literal["MD", "SMD", "SMDH", "ROM", "OR", "RR", "RD", "ZCOR"]
MEASURES: tuple[str, ...] = ("MD", "SMD", "SMDH", "ROM", "OR", "RR", "RD", "ZCOR")
"""The effect-size measures :func:`escalc` knows, in metafor's spelling."""

_MEANS = ("MD", "SMD", "SMDH", "ROM")
_COUNTS = ("OR", "RR", "RD")


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class EffectSizes(Result):
    """One effect size per study, as metafor's ``escalc`` returns them.

    Attributes
    ----------
    measure : str
        The measure (``"SMD"``, ``"RR"``, ...).
    yi : numpy.ndarray
        Effect sizes (log scale for OR, RR and ROM; Fisher's z for ZCOR), read-only.
    vi : numpy.ndarray
        Their sampling variances, read-only.
    notes : tuple of str
        What was done to the data on the way (continuity corrections).
    """

    measure: str
    yi: FloatArray
    vi: FloatArray
    notes: tuple[str, ...] = ()

    @property
    def k(self) -> int:
        """Number of studies."""
        return int(self.yi.size)

    def to_frame(self) -> pd.DataFrame:
        """One row per study: ``yi`` and ``vi`` (a tidy table, unlike the one-row default)."""
        return pd.DataFrame({"yi": self.yi, "vi": self.vi})

    def summary(self) -> str:
        """The per-study table, laid out like metafor's print of an ``escalc`` object."""
        lines = [f"Effect sizes (measure: {self.measure}; k = {self.k})", "", "     yi      vi"]
        lines += [f"{i:>3} {y:>8.4f} {v:>7.4f}" for i, (y, v) in enumerate(zip(self.yi, self.vi, strict=True), 1)]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def escalc(
    measure: Measure,
    *,
    m1i: ArrayLike | None = None,
    sd1i: ArrayLike | None = None,
    n1i: ArrayLike | None = None,
    m2i: ArrayLike | None = None,
    sd2i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
    ai: ArrayLike | None = None,
    bi: ArrayLike | None = None,
    ci: ArrayLike | None = None,
    di: ArrayLike | None = None,
    ri: ArrayLike | None = None,
    ni: ArrayLike | None = None,
    add: float = 0.5,
    to: Literal["only0", "all", "if0all", "none"] = "only0",
) -> EffectSizes:
    r"""Compute effect sizes ``yi`` and sampling variances ``vi`` from per-study summaries.

    Parameters
    ----------
    measure : {"MD", "SMD", "SMDH", "ROM", "OR", "RR", "RD", "ZCOR"}
        The effect size, in metafor's names.
    m1i, sd1i, n1i, m2i, sd2i, n2i : array_like, optional
        Means, standard deviations and sizes of group 1 (treated) and group 2 (control), for
        MD, SMD, SMDH and ROM. The effect is group 1 minus (or over) group 2.
    ai, bi, ci, di : array_like, optional
        2x2 tables for OR, RR and RD: events and non-events in group 1 (``ai``, ``bi``) and in
        group 2 (``ci``, ``di``). ``bi`` and ``di`` may be replaced by the group sizes ``n1i``
        and ``n2i``.
    ri, ni : array_like, optional
        Correlations and sample sizes, for ZCOR.
    add, to : float, str
        Continuity correction for 2x2 tables (metafor's ``add`` and ``to``): ``"only0"`` adds
        *add* to every cell of the tables that have a zero cell, ``"all"`` to all tables,
        ``"if0all"`` to all tables if any has a zero cell, ``"none"`` never.

    Returns
    -------
    EffectSizes
        ``measure``, ``yi``, ``vi`` (arrays, one value per study) and ``notes``.

    Raises
    ------
    InputError
        A column is missing, has the wrong length, or has a non-numeric or missing cell; an SD is
        <= 0, a group has fewer than 2 subjects, a count is negative or larger than its group, a
        ROM mean is <= 0, a correlation is outside (-1, 1) or a ZCOR sample size is <= 3. The
        message names the row (1-based) and the field.

    Notes
    -----
    With the pooled SD :math:`s_p = \sqrt{((n_1-1)s_1^2 + (n_2-1)s_2^2)/m}`, :math:`m = n_1+n_2-2`,
    Hedges' g is :math:`g = c(m)(\bar x_1-\bar x_2)/s_p` with the exact correction
    :math:`c(m) = \Gamma(m/2) / (\sqrt{m/2}\,\Gamma((m-1)/2))` [1]_, and its variance is
    metafor's large-sample :math:`1/n_1 + 1/n_2 + g^2/(2(n_1+n_2))`. SMDH standardises by
    :math:`\sqrt{(s_1^2+s_2^2)/2}` [2]_. ROM is :math:`\log(\bar x_1/\bar x_2)` with the delta-method
    variance and no bias correction (metafor 3.8 default; metafor >= 5.0 corrects by default) [3]_.
    RD's variance is :math:`p_1(1-p_1)/n_1 + p_2(1-p_2)/n_2`; ZCOR's is :math:`1/(n-3)`.

    Checked against metafor 3.8-1 ``escalc(measure=...)`` on dat.normand1999, dat.bcg,
    dat.molloy2014 and 2x2 tables with zero cells (tests/meta/test_effect_sizes.py).

    References
    ----------
    .. [1] Hedges LV (1981). Distribution theory for Glass's estimator of effect size and related
       estimators. Journal of Educational Statistics 6(2):107-128.
       https://doi.org/10.3102/10769986006002107
    .. [2] Bonett DG (2009). Meta-analytic interval estimation for standardized and unstandardized
       mean differences. Psychological Methods 14(3):225-238. https://doi.org/10.1037/a0016619
    .. [3] Hedges LV, Gurevitch J, Curtis PS (1999). The meta-analysis of response ratios in
       experimental ecology. Ecology 80(4):1150-1156.
       https://doi.org/10.1890/0012-9658(1999)080[1150:TMAORR]2.0.CO;2

    Examples
    --------
    >>> es = escalc("SMD", m1i=[10.0], sd1i=[2.0], n1i=[20], m2i=[8.0], sd2i=[2.0], n2i=[20])
    >>> round(float(es.yi[0]), 4), round(float(es.vi[0]), 4)  # R: 0.9801104, 0.1120077
    (0.9801, 0.112)
    >>> escalc("RR", ai=[0], bi=[10], ci=[3], di=[7]).notes
    ("added 0.5 to each cell of 1 table(s) (row 1; to='only0', as metafor)",)
    """
    check_choice("measure", measure, MEASURES, owner="escalc")
    check_choice("to", to, ("only0", "all", "if0all", "none"), owner="escalc")
    if measure in _MEANS:
        return _from_means(measure, m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i)
    if measure in _COUNTS:
        return _from_counts(measure, ai=ai, bi=bi, ci=ci, di=di, n1i=n1i, n2i=n2i, add=add, to=to)
    return _from_correlations(ri=ri, ni=ni)


def _columns(measure: str, **given: ArrayLike | None) -> dict[str, FloatArray]:
    missing = [name for name, values in given.items() if values is None]
    if missing:
        raise InputError(f"measure {measure!r} needs {', '.join(missing)}", field=missing[0])
    columns: dict[str, FloatArray] = {}
    for name, values in given.items():
        first = next(iter(columns.values()), None)
        columns[name] = as_column(values, name, length=None if first is None else first.size)  # type: ignore[arg-type]
    return columns


def _hedges_correction(m: FloatArray) -> FloatArray:
    # Exact gamma form (Hedges 1981, eq. 6b), not the approximation 1 - 3/(4m - 1): metafor uses the
    # exact one, and the approximation differs by up to 5e-5 in g at the group sizes of animal studies.
    return np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))


def _from_means(measure: str, **given: ArrayLike | None) -> EffectSizes:
    c = _columns(measure, **given)
    m1, sd1, n1, m2, sd2, n2 = (c[f] for f in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"))
    for field in ("sd1i", "sd2i"):
        require(c[field], field, lambda x: x > 0, "standard deviation must be > 0")
    for field in ("n1i", "n2i"):
        require(c[field], field, lambda x: x >= 2, "group size must be >= 2")
    if measure == "MD":
        return EffectSizes(measure, _frozen(m1 - m2), _frozen(sd1**2 / n1 + sd2**2 / n2))
    if measure == "ROM":
        for field in ("m1i", "m2i"):
            require(c[field], field, lambda x: x > 0, "ROM needs means > 0 (a ratio-scale outcome)")
        yi = np.log(m1 / m2)
        vi = sd1**2 / (n1 * m1**2) + sd2**2 / (n2 * m2**2)
        return EffectSizes(measure, _frozen(yi), _frozen(vi))
    m = n1 + n2 - 2
    cm = _hedges_correction(m)
    if measure == "SMD":
        sdp = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / m)
        yi = cm * (m1 - m2) / sdp
        vi = 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))
        return EffectSizes(measure, _frozen(yi), _frozen(vi))
    # SMDH (Bonett 2009): metafor applies the same c(n1 + n2 - 2) and scales the variance by c^2.
    s2 = sd1**2 + sd2**2
    yi = cm * (m1 - m2) / np.sqrt(s2 / 2)
    vi = yi**2 * (sd1**4 / (n1 - 1) + sd2**4 / (n2 - 1)) / (2 * s2**2) + (sd1**2 / (n1 - 1) + sd2**2 / (n2 - 1)) / (
        s2 / 2
    )
    return EffectSizes(measure, _frozen(yi), _frozen(cm**2 * vi))


def _from_counts(
    measure: str,
    *,
    ai: ArrayLike | None,
    bi: ArrayLike | None,
    ci: ArrayLike | None,
    di: ArrayLike | None,
    n1i: ArrayLike | None,
    n2i: ArrayLike | None,
    add: float,
    to: str,
) -> EffectSizes:
    # metafor accepts either the non-events (bi, di) or the group sizes (n1i, n2i).
    c = _columns(measure, ai=ai, bi=bi if bi is not None else n1i, ci=ci, di=di if di is not None else n2i)
    a, b, cc, d = c["ai"], c["bi"], c["ci"], c["di"]
    names = {"ai": "ai", "bi": "bi" if bi is not None else "n1i", "ci": "ci", "di": "di" if di is not None else "n2i"}
    for field in ("ai", "bi", "ci", "di"):
        require(c[field], names[field], lambda x: x >= 0, "count must be >= 0")
    if bi is None:
        require(b - a, "n1i", lambda x: x >= 0, "events ai exceed the group size n1i")
        b = b - a
    if di is None:
        require(d - cc, "n2i", lambda x: x >= 0, "events ci exceed the group size n2i")
        d = d - cc
    require(a + b, "n1i" if bi is None else "bi", lambda x: x > 0, "group 1 is empty (ai + bi = 0)")
    require(cc + d, "n2i" if di is None else "di", lambda x: x > 0, "group 2 is empty (ci + di = 0)")
    if not np.isfinite(add) or add < 0:
        raise InputError("must be a finite number >= 0", field="add", value=add)

    has_zero = (a == 0) | (b == 0) | (cc == 0) | (d == 0)
    if to == "all" or (to == "if0all" and has_zero.any()):
        corrected = np.ones(a.size, dtype=bool)
    elif to == "only0":
        corrected = has_zero
    else:
        corrected = np.zeros(a.size, dtype=bool)
    notes: tuple[str, ...] = ()
    if add > 0 and corrected.any():
        a, b, cc, d = (x + add * corrected for x in (a, b, cc, d))
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(corrected))
        notes = (f"added {add:g} to each cell of {int(corrected.sum())} table(s) (row {rows}; to={to!r}, as metafor)",)
    n1, n2 = a + b, cc + d
    p1, p2 = a / n1, cc / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            yi, vi = np.log(p1) - np.log(p2), 1 / a - 1 / n1 + 1 / cc - 1 / n2
        elif measure == "OR":
            yi, vi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2)), 1 / a + 1 / b + 1 / cc + 1 / d
        else:
            yi, vi = p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    bad = np.flatnonzero(~(np.isfinite(yi) & np.isfinite(vi)))
    if bad.size:
        raise InputError(
            f"{measure} is undefined for a table with a zero cell unless a continuity correction is added "
            f"(use add > 0 and to='only0')",
            row=int(bad[0]) + 1,
            field="ai",
            value=[float(x[bad[0]]) for x in (a, b, cc, d)],
        )
    return EffectSizes(measure, _frozen(yi), _frozen(vi), notes)


def _from_correlations(*, ri: ArrayLike | None, ni: ArrayLike | None) -> EffectSizes:
    c = _columns("ZCOR", ri=ri, ni=ni)
    require(c["ri"], "ri", lambda x: np.abs(x) < 1, "correlation must be in (-1, 1)")
    # metafor returns NA for n <= 3 (the variance 1/(n-3) is undefined there); we refuse the row.
    require(c["ni"], "ni", lambda x: x > 3, "ZCOR needs a sample size > 3")
    return EffectSizes("ZCOR", _frozen(np.arctanh(c["ri"])), _frozen(1 / (c["ni"] - 3)))


def _frozen(x: FloatArray) -> FloatArray:
    x = np.array(x, dtype=np.float64)
    x.flags.writeable = False
    return x

"""Equal-effects pooling of 2x2 tables and person-time data for sparse events: the Mantel-Haenszel method
(metafor's ``rma.mh``: OR, RR, RD, IRR) and Peto's one-step odds ratio (``rma.peto``).

Both pool the counts, not ``yi``/``vi``; the per-study ``yi``/``vi`` (from :func:`escalc`) serve the
heterogeneity test and the forest plot, as in metafor. Checked against metafor 3.8-1 (fixtures from
tools/metafor_reference_effects.R, tests/meta/test_mantel_haenszel.py).
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import scipy
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, NumericalError, SecretomeWarning, check_choice
from secretome.meta._columns import FloatArray, check_level
from secretome.meta._effect_counts import ZeroCells, corrected_tables, double_zero, from_counts, table_cells
from secretome.meta._effect_result import optional_column, row_list
from secretome.meta._missing import NO_STUDY

__all__ = ["MantelHaenszelResult", "PetoResult", "mantel_haenszel", "peto"]

MHMeasure = Literal["OR", "RR", "RD", "IRR"]


@dataclasses.dataclass(frozen=True, slots=True)
class MantelHaenszelResult(Result):
    """A Mantel-Haenszel equal-effects model (metafor's ``rma.mh``).

    Attributes
    ----------
    measure : str
        ``"OR"``, ``"RR"``, ``"RD"`` or ``"IRR"``; estimates of OR, RR and IRR are on the log scale.
    k, k_yi : int
        Tables pooled (without missing counts), and of those the ones with a defined ``yi``/``vi``
        (the heterogeneity test's k).
    estimate, se, zval, pval, ci_lb, ci_ub : float
        The pooled estimate, its SE (Robins, Breslow and Greenland 1986 for OR; Greenland and Robins
        1985 for RR and IRR; Sato, Greenland and Robins 1989 for RD), z test and CI; NaN when not
        computable (no events in one group of every table), with a note.
    Q, Q_df, Q_pval, I2, H2 : float
        Cochran's Q of the ``yi`` around the estimate (inverse-variance weights) on ``k_yi - 1`` df,
        I^2 in percent and H^2.
    CO, CO_pval, MH, MH_pval : float or None
        OR: Cochran's and the Cochran-Mantel-Haenszel test of no association (continuity-corrected
        when ``correct``); IRR: the Mantel-Haenszel test for person-time (``MH``). None otherwise.
    BD, BD_pval, TA, TA_pval : float or None
        OR: the Breslow-Day test and Tarone's test of homogeneity of the odds ratios on
        ``k_pos - 1`` df.
    k_pos : int or None
        OR: tables that enter the Breslow-Day and Tarone tests.
    correct : bool
        Whether the CMH (MH) statistic has the continuity correction.
    level : float
        Confidence level, a proportion.
    yi, vi, labels : tuple
        The per-table effects, variances and labels that entered the heterogeneity test.
    rows : tuple of int
        The 1-based rows of the data that *yi*, *vi* and *labels* come from.
    weights, table_rows : tuple
        The Mantel-Haenszel weight of each pooled table in percent (metafor's ``weights(res)`` of
        an ``rma.mh`` fit: ``b c/N`` for OR, ``c n1/N`` for RR, ``n1 n2/N`` for RD, ``x2 t1/T``
        for IRR, on the pooled tables), and the 1-based rows of the data of those tables. Tables
        without ``yi`` (double-zero tables) keep their weight: the estimate pools them.
    notes : tuple of str
        What was omitted or not computable, metafor-style.
    """

    measure: str
    k: int
    k_yi: int
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    Q: float
    Q_df: int
    Q_pval: float
    I2: float
    H2: float
    CO: float | None
    CO_pval: float | None
    MH: float | None
    MH_pval: float | None
    BD: float | None
    BD_pval: float | None
    TA: float | None
    TA_pval: float | None
    k_pos: int | None
    correct: bool
    level: float
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    labels: tuple[str, ...]
    rows: tuple[int, ...]
    weights: tuple[float, ...]
    table_rows: tuple[int, ...]
    notes: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        """``"MH"``, as metafor's ``method`` column names it in reports."""
        return "MH"

    def summary(self) -> str:
        """Text laid out like metafor's ``print.rma.mh``."""
        lines = _header(self.k, self.I2, self.H2, self.Q, self.Q_df, self.Q_pval)
        if self.measure == "RD":
            lines += _results_table(self, "Model Results:")
        else:
            lines += _results_table(self, "Model Results (log scale):")
            lines += _exp_table(self, f"Model Results ({self.measure} scale):")
        if self.measure == "OR":
            lines.append("")
            mh = None if self.MH is None or math.isnan(self.MH) else f"{self.MH:.4f}"
            ta = None if self.TA is None or math.isnan(self.TA) else f"{self.TA:.4f}"
            width = max((len(s) for s in (mh, ta) if s is not None), default=1)
            gap = " " * (len(str(self.k_pos)) - 1)
            unavailable = "test value not computable for these data"
            cmh = f"CMH = {mh:>{width}}, df = 1,{gap} p-val {_p(self.MH_pval, add0=True)}" if mh else unavailable
            lines.append(f"Cochran-Mantel-Haenszel Test:    {cmh}")
            tarone = (
                f"X^2 = {ta:>{width}}, df = {self.k_pos - 1}, p-val {_p(self.TA_pval, add0=True)}"
                if ta
                else unavailable
            )
            lines.append(f"Tarone's Test for Heterogeneity: {tarone}")
        if self.measure == "IRR":
            lines.append("")
            if self.MH is None or math.isnan(self.MH):
                lines.append("Mantel-Haenszel Test: test value not computable for these data")
            else:
                lines.append(f"Mantel-Haenszel Test: MH = {self.MH:.4f}, df = 1, p-val {_p(self.MH_pval)}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True, slots=True)
class PetoResult(Result):
    """Peto's one-step equal-effects log odds ratio (metafor's ``rma.peto``).

    Attributes
    ----------
    k, k_yi, k_pos : int
        Tables pooled, those with a defined ``yi``/``vi``, and those in which both outcomes occur
        (the heterogeneity test's tables).
    estimate, se, zval, pval, ci_lb, ci_ub : float
        The pooled log odds ratio, :math:`\\sum(O - E)/\\sum V`, its SE :math:`1/\\sqrt{\\sum V}`, z test and CI.
    Q, Q_df, Q_pval, I2, H2 : float
        Peto's heterogeneity statistic; ``Q_df = k_pos - 1`` as metafor prints it (its p-value, as
        metafor 3.8-1 computes it, uses ``k_yi - 1`` df).
    level : float
        Confidence level, a proportion.
    yi, vi, labels : tuple
        Per-table Peto log odds ratios, variances and labels (defined ones).
    rows : tuple of int
        The 1-based rows of the data that *yi*, *vi* and *labels* come from.
    weights, table_rows : tuple
        Each pooled table's weight in percent, its hypergeometric variance ``V`` over their sum
        (metafor's ``weights(res)`` of an ``rma.peto`` fit), and the 1-based rows of those tables.
    notes : tuple of str
        What was omitted, metafor-style.
    """

    k: int
    k_yi: int
    k_pos: int
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    Q: float
    Q_df: int
    Q_pval: float
    I2: float
    H2: float
    level: float
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    labels: tuple[str, ...]
    rows: tuple[int, ...]
    weights: tuple[float, ...]
    table_rows: tuple[int, ...]
    notes: tuple[str, ...] = ()

    @property
    def measure(self) -> str:
        """``"OR"`` (on the log scale)."""
        return "OR"

    @property
    def method(self) -> str:
        """``"PETO"``."""
        return "PETO"

    def summary(self) -> str:
        """Text laid out like metafor's ``print.rma.peto``."""
        lines = _header(self.k, self.I2, self.H2, self.Q, self.Q_df, self.Q_pval)
        lines += _results_table(self, "Model Results (log scale):")
        lines += _exp_table(self, "Model Results (OR scale):")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def mantel_haenszel(
    measure: MHMeasure = "OR",
    *,
    ai: ArrayLike | None = None,
    bi: ArrayLike | None = None,
    ci: ArrayLike | None = None,
    di: ArrayLike | None = None,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
    x1i: ArrayLike | None = None,
    x2i: ArrayLike | None = None,
    t1i: ArrayLike | None = None,
    t2i: ArrayLike | None = None,
    add: float | tuple[float, float] = 0.5,
    to: str | tuple[str, str] = "only0",
    drop00: bool | tuple[bool, bool] = True,
    correct: bool = True,
    level: float = 0.95,
    labels: Sequence[object] | None = None,
) -> MantelHaenszelResult:
    r"""Pool 2x2 tables (OR, RR, RD) or person-time data (IRR) with the Mantel-Haenszel method.

    Parameters
    ----------
    measure : {"OR", "RR", "RD", "IRR"}
        The effect measure.
    ai, bi, ci, di, n1i, n2i : array_like, optional
        2x2 tables as in :func:`~secretome.meta.escalc` (``n1i``/``n2i`` may replace ``bi``/``di``).
    x1i, x2i, t1i, t2i : array_like, optional
        Events and person-time per group, for IRR.
    add, to, drop00
        metafor's zero-cell rules, each one value or a pair: the first applies to the per-study
        ``yi``/``vi``, the second to the tables the method pools. As metafor: one value means
        ``(add, 0)``, ``(to, "none")``, ``(drop00, False)``; the default drops tables without
        events (or with only events) in both groups from ``yi``/``vi`` and adds nothing to the
        pooled tables, which the Mantel-Haenszel estimators do not need.
    correct : bool
        Continuity correction of the CMH (OR) or MH (IRR) test statistic.
    level : float
        Confidence level, a proportion.
    labels : sequence, optional
        Study labels.

    Returns
    -------
    MantelHaenszelResult

    Raises
    ------
    InputError
        Bad counts (row and field named), an unknown measure or option.

    Notes
    -----
    Per table :math:`N = n_1 + n_2`. OR [1]_: :math:`\widehat{OR} = \sum (a d/N) / \sum (b c/N)` with
    the variance of its log by Robins, Breslow and Greenland [2]_; CMH
    :math:`(|\sum (a - n_1 m_1/N)| - 1/2)^2 / \sum n_1 n_2 m_1 m_2/(N^2 (N-1))`; Tarone's test [4]_
    is the Breslow-Day statistic, evaluated at the Mantel-Haenszel estimate, minus Tarone's
    correction, on the tables where the expected count under that estimate is positive and both
    outcomes occur. RR and IRR [3]_: :math:`\sum a n_2/N / \sum c n_1/N` (with person-time for
    IRR). RD: :math:`\sum (a n_2 - c n_1)/N / \sum n_1 n_2/N` with the variance of Sato, Greenland
    and Robins (1989). Q, I^2 and H^2 use the per-study ``yi``/``vi`` around the pooled estimate.
    When the OR or RR is not estimable (no events in one group of every table) the estimate is
    NaN with a warning, as metafor gives NA.

    Checked against metafor 3.8-1 ``rma.mh`` on dat.bcg, dat.nielweise2007, dat.yusuf1985,
    dat.hine1989, dat.hart1999 and sparse tables (tests/meta/test_mantel_haenszel.py).

    References
    ----------
    .. [1] Mantel N, Haenszel W (1959). Statistical aspects of the analysis of data from retrospective
       studies of disease. Journal of the National Cancer Institute 22(4):719-748.
       https://doi.org/10.1093/jnci/22.4.719
    .. [2] Robins J, Breslow N, Greenland S (1986). Estimators of the Mantel-Haenszel variance
       consistent in both sparse data and large-strata limiting models. Biometrics 42(2):311-323.
       https://doi.org/10.2307/2531052
    .. [3] Greenland S, Robins JM (1985). Estimation of a common effect parameter from sparse
       follow-up data. Biometrics 41(1):55-68. https://doi.org/10.2307/2530643
    .. [4] Tarone RE (1985). On heterogeneity tests based on efficient scores. Biometrika
       72(1):91-95. https://doi.org/10.1093/biomet/72.1.91

    Examples
    --------
    >>> res = mantel_haenszel("OR", ai=[4, 6, 3], n1i=[50, 60, 40], ci=[10, 12, 9], n2i=[50, 60, 40])
    >>> res.k, round(res.estimate, 4)
    (3, -1.0092)
    """
    check_choice("measure", measure, ("OR", "RR", "RD", "IRR"), owner="mantel_haenszel")
    check_level(level)
    adds, tos, drops = _pairs(add, to, drop00)
    if measure == "IRR":
        given = {"x1i": x1i, "x2i": x2i, "t1i": t1i, "t2i": t2i}
    else:
        given = {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}
    given = {name: values for name, values in given.items() if values is not None}
    es = from_counts(measure, given, ZeroCells(adds[0], tos[0], drops[0]), labels=labels, warn=False)
    notes: list[str] = []
    if measure == "IRR":
        k_all = es.k
        x1, x2, t1, t2 = (optional_column(given.get(name), name, k_all) for name in ("x1i", "x2i", "t1i", "t2i"))
        if drops[1]:
            gone = (x1 == 0) & (x2 == 0)
            x1, x2 = (np.where(gone, np.nan, x) for x in (x1, x2))
        keep = ~np.isnan(x1 + x2 + t1 + t2)
        cells = [x[keep] for x in (x1, x2, t1, t2)]
    else:
        a, b, c, d = table_cells(given)
        if drops[1]:
            gone = double_zero(a, b, c, d)
            a, b, c, d = (np.where(gone, np.nan, x) for x in (a, b, c, d))
        keep = ~np.isnan(a + b + c + d)
        cells = [x[keep] for x in (a, b, c, d)]
    yi, vi, fitted, rows = _omit(es, keep, notes)
    if measure == "IRR":
        (x1, x2), _, _, _ = corrected_tables(cells[:2], ZeroCells(adds[1], tos[1]), "IRR")
        fit = _mh_rate(x1, x2, cells[2], cells[3], correct)
        weights = x2 * (cells[2] / (cells[2] + cells[3]))
    else:
        cells, _, _, _ = corrected_tables(cells, ZeroCells(adds[1], tos[1]), measure)
        fit = _mh_tables(measure, *cells, correct=correct)
        weights = _mh_weights(measure, *cells)
    estimate, se = fit.pop("estimate"), fit.pop("se")
    if math.isnan(estimate):
        notes.append(f"the Mantel-Haenszel {measure} is not computable: no events in one group of every table")
        warnings.warn(notes[-1], SecretomeWarning, stacklevel=2)
    z, p, lo, hi = _wald(estimate, se, level)
    q, q_df, q_p, i2, h2 = _heterogeneity(yi, vi, estimate)
    return MantelHaenszelResult(
        measure=measure, k=int(keep.sum()), k_yi=yi.size, estimate=estimate, se=se, zval=z, pval=p, ci_lb=lo, ci_ub=hi,
        Q=q, Q_df=q_df, Q_pval=q_p, I2=i2, H2=h2, correct=correct, level=level,
        yi=tuple(float(x) for x in yi), vi=tuple(float(x) for x in vi), labels=fitted, rows=rows,
        weights=_percent(weights), table_rows=tuple(int(i) + 1 for i in np.flatnonzero(keep)), notes=tuple(notes),
        **fit,
    )  # fmt: skip


def peto(
    *,
    ai: ArrayLike,
    ci: ArrayLike,
    bi: ArrayLike | None = None,
    di: ArrayLike | None = None,
    n1i: ArrayLike | None = None,
    n2i: ArrayLike | None = None,
    add: float | tuple[float, float] = 0.5,
    to: str | tuple[str, str] = "only0",
    drop00: bool | tuple[bool, bool] = True,
    level: float = 0.95,
    labels: Sequence[object] | None = None,
) -> PetoResult:
    r"""Pool 2x2 tables with Peto's one-step odds ratio (metafor's ``rma.peto``), for rare events.

    Per table the observed events in group 1 :math:`O = a`, their expectation
    :math:`E = (a + c) n_1/N` and hypergeometric variance :math:`V = (a+c)(b+d) n_1 n_2/(N^2(N-1))`;
    the pooled log odds ratio is :math:`\sum(O - E)/\sum V` with variance :math:`1/\sum V` [1]_, and
    heterogeneity :math:`\sum (O-E)^2/V - (\sum(O-E))^2/\sum V` over the tables with :math:`V > 0`.
    The method suits rare events in groups of similar size with small effects; it is biased
    otherwise (Greenland and Salvan 1990, Bradburn et al. 2007). *add*, *to*, *drop00* and the
    table arguments are as in :func:`mantel_haenszel`.

    Raises
    ------
    NumericalError
        When one outcome never occurs in any table (metafor stops there too).

    Checked against metafor 3.8-1 ``rma.peto`` on dat.bcg, dat.nielweise2007, dat.yusuf1985 and
    sparse tables (tests/meta/test_mantel_haenszel.py).

    References
    ----------
    .. [1] Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and after
       myocardial infarction: an overview of the randomized trials. Progress in Cardiovascular
       Diseases 27(5):335-371. https://doi.org/10.1016/S0033-0620(85)80003-7

    Examples
    --------
    >>> res = peto(ai=[1, 0, 2], n1i=[100, 80, 120], ci=[4, 3, 5], n2i=[100, 85, 118])
    >>> res.k, round(res.estimate, 4)
    (3, -1.2216)
    """
    check_level(level)
    adds, tos, drops = _pairs(add, to, drop00)
    given = {"ai": ai, "bi": bi, "ci": ci, "di": di, "n1i": n1i, "n2i": n2i}
    given = {name: values for name, values in given.items() if values is not None}
    es = from_counts("PETO", given, ZeroCells(adds[0], tos[0], drops[0]), labels=labels, warn=False)
    a, b, c, d = table_cells(given)
    if drops[1]:
        gone = double_zero(a, b, c, d)
        a, b, c, d = (np.where(gone, np.nan, x) for x in (a, b, c, d))
    keep = ~np.isnan(a + b + c + d)
    notes: list[str] = []
    yi, vi, fitted, rows = _omit(es, keep, notes)
    (a, b, c, d), _, _, _ = corrected_tables([x[keep] for x in (a, b, c, d)], ZeroCells(adds[1], tos[1]), "PETO")
    n1, n2 = a + b, c + d
    n = n1 + n2
    events, others = a + c, b + d
    expected = events * n1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = events * others * (n1 / n) * (n2 / n) / (n - 1)
    total = float(np.nansum(variance))
    if total == 0:
        raise NumericalError("one of the two outcomes never occurs in any table: Peto's method cannot be used")
    estimate = float(np.sum(a - expected)) / total
    se = 1 / math.sqrt(total)
    z, p, lo, hi = _wald(estimate, se, level)
    positive = variance > 0
    k_pos = int(positive.sum())
    observed = (a - expected)[positive]
    q = max(0.0, float(np.sum(observed**2 / variance[positive]) - np.sum(observed) ** 2 / np.sum(variance[positive])))
    if k_pos > 1:
        # metafor 3.8-1 prints Q on k_pos - 1 df but computes its p-value (and I^2, H^2) with k_yi - 1.
        q_p = float(scipy.stats.chi2.sf(q, yi.size - 1))
        i2, h2 = max(0.0, 100 * (q - (yi.size - 1)) / q) if q > 0 else 0.0, q / (yi.size - 1)
    else:
        q_p, i2, h2 = 1.0, 0.0, 1.0
    return PetoResult(
        k=int(keep.sum()), k_yi=yi.size, k_pos=k_pos, estimate=estimate, se=se, zval=z, pval=p, ci_lb=lo, ci_ub=hi,
        Q=q, Q_df=k_pos - 1, Q_pval=q_p, I2=i2, H2=h2, level=level, yi=tuple(float(x) for x in yi),
        vi=tuple(float(x) for x in vi), labels=fitted, rows=rows, weights=_percent(variance),
        table_rows=tuple(int(i) + 1 for i in np.flatnonzero(keep)), notes=tuple(notes),
    )  # fmt: skip


def _pairs(
    add: float | tuple[float, float], to: str | tuple[str, str], drop00: bool | tuple[bool, bool]
) -> tuple[tuple[float, float], tuple[str, str], tuple[bool, bool]]:
    """metafor's one-or-two-value arguments as pairs: (escalc's, the pooling's)."""

    def pair(value: object, second: object, name: str) -> tuple:
        values = tuple(value) if isinstance(value, (tuple, list)) else (value, second)
        if len(values) != 2:
            raise InputError(
                "needs one value or two (for the effect sizes, for the pooled tables)", field=name, value=value
            )
        return values

    adds, tos, drops = pair(add, 0.0, "add"), pair(to, "none", "to"), pair(drop00, False, "drop00")
    for value in tos:
        check_choice("to", value, ("only0", "all", "if0all", "none"), owner="mantel_haenszel")
    return (float(adds[0]), float(adds[1])), (str(tos[0]), str(tos[1])), (bool(drops[0]), bool(drops[1]))


def _omit(
    es: object, keep: np.ndarray, notes: list[str]
) -> tuple[FloatArray, FloatArray, tuple[str, ...], tuple[int, ...]]:
    """The yi/vi, labels and 1-based rows of the kept tables that are defined; notes and warnings on what was left
    out.

    The warnings are metafor's ``rma.mh``/``rma.peto`` sentences ("Tables with NAs omitted from model
    fitting.", "Some yi/vi values are NA."), each followed in *notes* by the tables it is about; no table
    left stops as metafor ("Processing terminated since k = 0.").
    """
    if (~keep).any():
        notes += ["Tables with NAs omitted from model fitting.",
                  f"tables with missing counts omitted: {row_list(np.flatnonzero(~keep))}"]  # fmt: skip
        warnings.warn(notes[-2], SecretomeWarning, stacklevel=3)
    if not keep.any():
        raise InputError(NO_STUDY, field="ai", value=0)
    defined = ~(np.isnan(es.yi) | np.isnan(es.vi))  # type: ignore[attr-defined]
    if (keep & ~defined).any():
        rows = np.flatnonzero(keep & ~defined)
        reasons = sorted({es.na_reason[i] for i in rows})  # type: ignore[attr-defined]
        which = f"yi/vi NA in {row_list(rows)} ({'; '.join(reasons)}): left out of the heterogeneity test"
        notes += ["Some yi/vi values are NA.", which]
        warnings.warn(notes[-2], SecretomeWarning, stacklevel=3)
    used = keep & defined
    labels = tuple(es.labels[i] for i in np.flatnonzero(used))  # type: ignore[attr-defined]
    rows = tuple(int(i) + 1 for i in np.flatnonzero(used))
    return np.asarray(es.yi)[used], np.asarray(es.vi)[used], labels, rows  # type: ignore[attr-defined]


def _mh_weights(measure: str, a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> FloatArray:
    """Each table's weight in the Mantel-Haenszel estimator (Mantel and Haenszel 1959; metafor's weights.rma.mh)."""
    n1, n2 = a + b, c + d
    n = n1 + n2
    if measure == "OR":
        return (b / n) * c
    if measure == "RR":
        return (c / n) * n1
    return (n1 / n) * n2


def _percent(weights: FloatArray) -> tuple[float, ...]:
    """*weights* in percent of their sum; NaN each when they sum to 0 (no table carries weight), as metafor."""
    total = float(np.nansum(weights))
    if total == 0:
        return tuple(math.nan for _ in weights)
    return tuple(float(w) for w in 100 * weights / total)


def _mh_tables(measure: str, a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray, *, correct: bool) -> dict:
    n1, n2 = a + b, c + d
    n = n1 + n2
    out: dict[str, float | int | None] = dict.fromkeys(
        ("CO", "CO_pval", "MH", "MH_pval", "BD", "BD_pval", "TA", "TA_pval", "k_pos")
    )
    if measure == "RD":
        w = n1 * (n2 / n)
        estimate = float(np.sum(a * (n2 / n) - c * (n1 / n)) / np.sum(w))
        # Sato, Greenland and Robins (1989), as metafor.
        num = estimate * np.sum(c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + (n1 / n) * (n2 / n) * (n2 - n1) / 2)
        num += np.sum(a * (n2 - c) / n + c * (n1 - a) / n) / 2
        return {"estimate": estimate, "se": math.sqrt(num / np.sum(w) ** 2), **out}
    if measure == "RR":
        r, s = float(np.sum(a * (n2 / n))), float(np.sum(c * (n1 / n)))
        if np.sum(a) == 0 or np.sum(c) == 0:
            return {"estimate": math.nan, "se": math.nan, **out}
        se = math.sqrt(float(np.sum((n1 / n) * (n2 / n) * (a + c) - (a / n) * c)) / (r * s))
        return {"estimate": math.log(r / s), "se": se, **out}
    p, q = a / n + d / n, b / n + c / n
    r_i, s_i = (a / n) * d, (b / n) * c
    r, s = float(np.sum(r_i)), float(np.sum(s_i))
    events, others = a + c, b + d
    if np.sum(events) > 0 and np.sum(others) > 0:
        deviation = (abs(float(np.sum(a - (n1 / n) * events))) - (0.5 if correct else 0.0)) ** 2
        co = deviation / float(np.sum((n1 / n) * (n2 / n) * (events * (others / n))))
        mh = deviation / float(np.sum((n1 / n) * (n2 / n) * (events * (others / (n - 1)))))
        out |= {
            "CO": co,
            "CO_pval": float(scipy.stats.chi2.sf(co, 1)),
            "MH": mh,
            "MH_pval": float(scipy.stats.chi2.sf(mh, 1)),
        }
    else:
        out |= {"CO": math.nan, "CO_pval": math.nan, "MH": math.nan, "MH_pval": math.nan}
    if r == 0 or s == 0:
        return {
            "estimate": math.nan,
            "se": math.nan,
            **out,
            "BD": math.nan,
            "BD_pval": math.nan,
            "TA": math.nan,
            "TA_pval": math.nan,
            "k_pos": 0,
        }
    odds = r / s
    var = 0.5 * (np.sum(p * r_i) / r**2 + np.sum(p * s_i + q * r_i) / (r * s) + np.sum(q * s_i) / s**2)
    # Breslow-Day: the expected a of each table under the common odds ratio, the root of a quadratic.
    # Tables whose expected cells round to 0 (a group of 1e300) make the statistics infinite or NaN:
    # they are then not computable, as metafor says, and numpy's warnings would only repeat that.
    with np.errstate(all="ignore"):
        if odds == 1:
            expected = (n1 / n) * events
        else:
            big_a = odds * (n1 + events) + (n2 - events)
            big_b = np.sqrt(big_a**2 - 4 * n1 * events * odds * (odds - 1))
            expected = (big_a - big_b) / (2 * (odds - 1))
        pos = (expected > 0) & (events > 0) & (others > 0)
        e11 = expected[pos]
        e12, e21 = n1[pos] - e11, events[pos] - e11
        e22 = e11 - n1[pos] - events[pos] + n[pos]
        inv = 1 / e11 + 1 / e12 + 1 / e21 + 1 / e22
        bd = _chi_square(float(np.sum((a[pos] - e11) ** 2 * inv)))
        ta = _chi_square(bd - float(np.sum(a[pos] - e11)) ** 2 / float(np.sum(1 / inv)))
    k_pos = int(pos.sum())
    out |= {"BD": bd, "TA": ta, "k_pos": k_pos}
    out |= {"BD_pval": float(scipy.stats.chi2.sf(bd, k_pos - 1)) if k_pos > 1 else math.nan}
    out |= {"TA_pval": float(scipy.stats.chi2.sf(ta, k_pos - 1)) if k_pos > 1 else math.nan}
    return {"estimate": math.log(odds), "se": math.sqrt(float(var)), **out}


def _chi_square(statistic: float) -> float:
    """*statistic* truncated at 0 (rounding can make it slightly negative); NaN when not finite.

    ``max(0.0, nan)`` is 0.0, which printed a statistic the tables cannot give as X^2 = 0.
    """
    return max(0.0, statistic) if math.isfinite(statistic) else math.nan


def _mh_rate(x1: FloatArray, x2: FloatArray, t1: FloatArray, t2: FloatArray, correct: bool) -> dict:
    t = t1 + t2
    out: dict[str, float | int | None] = dict.fromkeys(("CO", "CO_pval", "BD", "BD_pval", "TA", "TA_pval", "k_pos"))
    events = x1 + x2
    if np.sum(events) > 0:
        mh = (abs(float(np.sum(x1 - events * (t1 / t)))) - (0.5 if correct else 0.0)) ** 2 / float(
            np.sum(events * (t1 / t) * (t2 / t))
        )
        out |= {"MH": mh, "MH_pval": float(scipy.stats.chi2.sf(mh, 1))}
    else:
        out |= {"MH": math.nan, "MH_pval": math.nan}
    if np.sum(x1) == 0 or np.sum(x2) == 0:
        return {"estimate": math.nan, "se": math.nan, **out}
    r, s = float(np.sum(x1 * (t2 / t))), float(np.sum(x2 * (t1 / t)))
    se = math.sqrt(float(np.sum((t1 / t) * (t2 / t) * (x1 + x2))) / (r * s))
    return {"estimate": math.log(r / s), "se": se, **out}


def _wald(estimate: float, se: float, level: float) -> tuple[float, float, float, float]:
    crit = float(scipy.stats.norm.isf((1 - level) / 2))
    z = estimate / se if se > 0 else math.nan
    return z, float(2 * scipy.stats.norm.sf(abs(z))), estimate - crit * se, estimate + crit * se


def _heterogeneity(yi: FloatArray, vi: FloatArray, estimate: float) -> tuple[float, int, float, float, float]:
    """Cochran's Q of *yi* around the pooled *estimate*, its df and p, I^2 and H^2 (metafor's rma.mh)."""
    k = yi.size
    if k <= 1:
        return 0.0, 0, 1.0, 0.0, 1.0
    if math.isnan(estimate):
        return math.nan, k - 1, math.nan, math.nan, math.nan
    q = max(0.0, float(np.sum((yi - estimate) ** 2 / vi)))
    i2 = max(0.0, 100 * (q - (k - 1)) / q) if q > 0 else 0.0
    return q, k - 1, float(scipy.stats.chi2.sf(q, k - 1)), i2, q / (k - 1)


# ---- printing, as metafor's print.rma.mh and print.rma.peto ------------------------------------------


def _p(p: float | None, *, add0: bool = False) -> str:
    # metafor's .pval(showeq=TRUE, sep=" "): "= 0.0587", "< .0001", or with add0 "< 0.0001".
    if p is None or math.isnan(p):
        return "= NA"
    if p < 1e-4:
        return "< 0.0001" if add0 else "< .0001"
    return f"= {p:.4f}"


def _header(k: int, i2: float, h2: float, q: float, q_df: int, q_pval: float) -> list[str]:
    lines = [f"Equal-Effects Model (k = {k})", ""]
    if not math.isnan(i2):
        lines.append(f"I^2 (total heterogeneity / total variability):  {i2:.2f}%")
    if not math.isnan(h2):
        lines.append(f"H^2 (total variability / sampling variability): {h2:.2f}")
    if not math.isnan(q):
        lines += ["", "Test for Heterogeneity:", f"Q(df = {max(q_df, 0)}) = {q:.4f}, p-val {_p(q_pval)}"]
    return lines + ([""] if len(lines) > 2 else [])


def _cells(values: Mapping[str, str]) -> list[str]:
    widths = [max(len(name), len(cell)) for name, cell in values.items()]
    return [
        "  ".join(name.rjust(w) for name, w in zip(values, widths, strict=True)),
        "  ".join(cell.rjust(w) for cell, w in zip(values.values(), widths, strict=True)),
    ]


def _num(x: float) -> str:
    return "NA" if math.isnan(x) else f"{x:.4f}"


def _results_table(fit: MantelHaenszelResult | PetoResult, title: str) -> list[str]:
    p = "NA" if math.isnan(fit.pval) else ("<.0001" if fit.pval < 1e-4 else f"{fit.pval:.4f}")
    cells = {"estimate": _num(fit.estimate), "se": _num(fit.se), "zval": _num(fit.zval), "pval": p}
    cells |= {"ci.lb": _num(fit.ci_lb), "ci.ub": _num(fit.ci_ub)}
    return [title, "", *_cells(cells)]


def _exp_table(fit: MantelHaenszelResult | PetoResult, title: str) -> list[str]:
    cells = {"estimate": _num(math.exp(fit.estimate)), "ci.lb": _num(math.exp(fit.ci_lb))}
    cells |= {"ci.ub": _num(math.exp(fit.ci_ub))}
    return ["", title, "", *_cells(cells)]

"""Conversions that data extraction needs: SE, CI or quantiles to mean and SD; SDs of change scores;
the sizes of a control group that several comparisons share.

Papers report a standard error, a confidence interval or a median with quartiles or a range where a
meta-analysis needs a mean and an SD. metafor 3.8 has no such conversions; these follow the Cochrane
Handbook (SE, CI, change scores), Wan et al. 2014 (SD from quantiles) and Luo et al. 2018 (mean from
quantiles), and are checked by hand arithmetic from those formulas (tests/meta/test_conversions.py).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Hashable, Sequence
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd
import scipy
from numpy.typing import ArrayLike
from scipy.special import gammaln

from secretome._result import Result
from secretome.errors import InputError, check_choice
from secretome.meta._columns import FloatArray, as_column, check_level, require
from secretome.meta._effect_result import refuse

__all__ = [
    "QuantileEstimate",
    "mean_sd_from_quantiles",
    "sd_change",
    "sd_from_ci",
    "sd_from_se",
    "split_shared_control",
]


def _column(values: ArrayLike, field: str, length: int | None) -> FloatArray:
    # A scalar broadcasts over the studies (one correlation for all, say); anything else must match.
    column = as_column(values, field)
    if length is not None and column.size == 1 and length != 1:
        return np.full(length, column[0])
    return as_column(column, field, length=length)


def _sizes(n: ArrayLike, length: int | None, *, least: int = 2) -> FloatArray:
    sizes = _column(n, "n", length)
    require(sizes, "n", lambda x: x >= least, f"sample size must be >= {least}")
    require(sizes, "n", lambda x: x == np.round(x), "sample size must be a whole number")
    return sizes


def _frozen(x: FloatArray) -> FloatArray:
    x = np.array(x, dtype=np.float64)
    x.flags.writeable = False
    return x


def split_shared_control(n: ArrayLike, control: Sequence[Hashable]) -> FloatArray:
    """Divide each shared control group's size evenly among the comparisons that use it.

    A study with several treatment arms against one control gives one row per comparison; with the
    control's full n in every row, its animals or patients would be counted more than once (a
    unit-of-analysis error). Of the Cochrane Handbook's remedies [1]_ we split the shared group:
    each row keeps the control's mean and SD and gets n / (number of rows sharing it), so the
    univariate model stays the one metafor's ``rma`` fits on the same rows. The alternative,
    modelling the correlation between the comparisons (Gleser and Olkin 2009), needs a
    multivariate model with a covariance matrix per study; it is not offered. The sizes may become
    fractional, as the handbook accepts for this purpose.

    Parameters
    ----------
    n : array_like
        The control-group size of each row (> 0).
    control : sequence of hashable
        Which control group each row uses: rows with equal labels share one group (for example
        ``"study 3 / saline"``). Labels must not be missing.

    Returns
    -------
    numpy.ndarray
        The sizes after the split, read-only; rows with a control of their own keep theirs.

    Raises
    ------
    InputError
        A missing or non-positive size, a missing label, or rows sharing one control that state
        different sizes for it (row and field named).

    References
    ----------
    .. [1] Higgins JPT, Eldridge S, Li T (eds) (2023). Chapter 23: Including variants on randomized
       trials, section 23.3.4, How to include multiple groups from one study. Cochrane Handbook for
       Systematic Reviews of Interventions, version 6.4.

    Examples
    --------
    >>> split_shared_control([12, 12, 10], ["A/saline", "A/saline", "B/saline"]).tolist()
    [6.0, 6.0, 10.0]
    """
    sizes = as_column(n, "n")
    require(sizes, "n", lambda x: x > 0, "sample size must be > 0")
    labels = list(control)
    if len(labels) != sizes.size:
        raise InputError(f"needs one label per row ({sizes.size})", field="control", value=len(labels))
    first: dict[Hashable, int] = {}
    for row, label in enumerate(labels):
        if label is None or (isinstance(label, float) and math.isnan(label)):
            raise InputError("missing control-group label", row=row + 1, field="control")
        seen = first.setdefault(label, row)
        if sizes[row] != sizes[seen]:
            raise InputError(
                f"rows {seen + 1} and {row + 1} share control {label!r} but state different sizes",
                row=row + 1,
                field="n",
                value=float(sizes[row]),
            )
    shares = pd.Series(labels).map(pd.Series(labels).value_counts()).to_numpy(dtype=np.float64)
    return _frozen(sizes / shares)


def sd_from_se(se: ArrayLike, n: ArrayLike) -> FloatArray:
    r"""Standard deviation of a group from the standard error of its mean: :math:`SD = SE\sqrt{n}`.

    Parameters
    ----------
    se : array_like
        Standard errors of the group means (> 0).
    n : array_like
        Group sizes (whole numbers >= 2), or one size for all.

    Returns
    -------
    numpy.ndarray
        The standard deviations, read-only.

    Raises
    ------
    InputError
        A missing or non-numeric cell, ``se <= 0`` or ``n < 2`` (row and field named).

    Notes
    -----
    Cochrane Handbook section 6.5.2.2 [1]_. Checked by hand arithmetic (tests/meta/test_conversions.py).

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds) (2023). Chapter 6: Choosing effect measures and computing
       estimates of effect. Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.
       https://training.cochrane.org/handbook/current/chapter-06

    Examples
    --------
    >>> sd_from_se([0.5, 1.0], [16, 25]).tolist()
    [2.0, 5.0]
    """
    errors = as_column(se, "se")
    require(errors, "se", lambda x: x > 0, "standard error must be > 0")
    return _frozen(se_to_sd(errors, _sizes(n, errors.size)))


def se_to_sd(se: FloatArray, n: FloatArray) -> FloatArray:
    """The Handbook's SD = SE * sqrt(n), without checks (NaN in, NaN out); :func:`sd_from_se` checks."""
    return se * np.sqrt(n)


def sd_from_ci(
    lower: ArrayLike,
    upper: ArrayLike,
    n: ArrayLike,
    *,
    level: float = 0.95,
    distribution: Literal["t", "z"] = "t",
) -> FloatArray:
    r"""Standard deviation of a group from the confidence interval of its mean.

    Parameters
    ----------
    lower, upper : array_like
        Confidence limits of the group means (``lower < upper``).
    n : array_like
        Group sizes (whole numbers >= 2), or one size for all.
    level : float
        Confidence level of the reported intervals, a proportion (0.95 for a 95% CI).
    distribution : {"t", "z"}
        ``"t"``: the interval was ``mean +/- t(n - 1) * SE``, right for small groups and close to
        ``"z"`` for large ones; ``"z"``: ``mean +/- z * SE`` (the Handbook's 3.92 for 95%).

    Returns
    -------
    numpy.ndarray
        The standard deviations, read-only.

    Raises
    ------
    InputError
        A missing or non-numeric cell, ``upper <= lower``, ``n < 2``, a level outside (0, 1).

    Notes
    -----
    Cochrane Handbook section 6.5.2.2 [1]_: :math:`SD = \sqrt{n}\,(upper - lower)/(2c)`, with
    :math:`c` the :math:`(1 + level)/2` quantile of the t distribution on :math:`n - 1` df (the
    Handbook's advice for groups smaller than about 60) or of the standard normal (3.92 = 2c for a 95%
    interval). Checked by hand arithmetic against the Handbook's formula (tests/meta/test_conversions.py).

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds) (2023). Chapter 6: Choosing effect measures and computing
       estimates of effect. Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.
       https://training.cochrane.org/handbook/current/chapter-06

    Examples
    --------
    >>> round(float(sd_from_ci([10.0], [14.0], [100], distribution="z")[0]), 4)  # 10 * 4 / 3.919928
    10.2043
    """
    check_level(level)
    check_choice("distribution", distribution, ("t", "z"), owner="sd_from_ci")
    lo = as_column(lower, "lower")
    hi = as_column(upper, "upper", length=lo.size)
    require(hi - lo, "upper", lambda x: x > 0, "upper confidence limit must exceed the lower one")
    return _frozen(ci_to_sd(lo, hi, _sizes(n, lo.size), level, distribution))


def ci_to_sd(
    lower: FloatArray, upper: FloatArray, n: FloatArray, level: float | FloatArray, distribution: str
) -> FloatArray:
    """The Handbook's SD = sqrt(n) (upper - lower) / (2 c), without checks (NaN in, NaN out; c from
    t(n - 1), NaN for n < 2, or the normal); :func:`sd_from_ci` checks its input first."""
    q = (1 + np.asarray(level, dtype=np.float64)) / 2
    with np.errstate(invalid="ignore"):
        crit = scipy.stats.t.ppf(q, np.where(n >= 2, n - 1, np.nan)) if distribution == "t" else scipy.stats.norm.ppf(q)
    return np.sqrt(n) * (upper - lower) / (2 * crit)


def group_sds(
    sd: FloatArray,
    se: FloatArray,
    lb: FloatArray,
    ub: FloatArray,
    n: FloatArray,
    level: float,
    dist: str,
    group: int | str,
) -> tuple[FloatArray, list[str]]:
    """A group's SD per row: given (``sd``), else from the SE of its mean, else from the CI of its mean
    (Handbook 6.5.2.2, :func:`se_to_sd` and :func:`ci_to_sd`); and per row where it came from
    (``"sd"``, ``"se"``, ``"ci.t"``, ``"ci.z"``, or ``""`` when none is given). NaN means not given.

    Used by :func:`~secretome.meta.escalc` for two groups and for change scores; *group* (1, 2 or a
    suffix) names the fields ``sd<group>i``, ``se<group>i``, ``ub<group>i`` in errors.
    """
    refuse(sd, f"sd{group}i", sd < 0, "standard deviation must be >= 0")
    refuse(se, f"se{group}i", se < 0, "standard error must be >= 0")
    refuse(ub - lb, f"ub{group}i", ub < lb, "upper confidence limit must not be below the lower one")
    from_se = np.isnan(sd) & ~np.isnan(se)
    from_ci = np.isnan(sd) & np.isnan(se) & ~np.isnan(lb) & ~np.isnan(ub)
    out = sd.copy()
    out[from_se] = se_to_sd(se[from_se], n[from_se])
    if from_ci.any():
        level_rows = np.broadcast_to(np.asarray(level, dtype=np.float64), sd.shape)[from_ci]
        out[from_ci] = ci_to_sd(lb[from_ci], ub[from_ci], n[from_ci], level_rows, dist)
    kind = np.where(from_se, "se", np.where(from_ci, f"ci.{dist}", np.where(np.isnan(sd), "", "sd")))
    return out, kind.tolist()


def sd_change(sd_baseline: ArrayLike, sd_final: ArrayLike, corr: ArrayLike) -> FloatArray:
    r"""Standard deviation of change from baseline, given the baseline-final correlation.

    Parameters
    ----------
    sd_baseline, sd_final : array_like
        SDs at baseline and at the final time point (> 0).
    corr : array_like
        Correlation between baseline and final measurements, in [-1, 1]; one value for all studies
        or one per study (imputed from a study that reports all three, Handbook 6.5.2.8).

    Returns
    -------
    numpy.ndarray
        :math:`\sqrt{SD_b^2 + SD_f^2 - 2\,r\,SD_b SD_f}`, read-only.

    Raises
    ------
    InputError
        A missing or non-numeric cell, an SD <= 0, a correlation outside [-1, 1].

    Notes
    -----
    Cochrane Handbook section 6.5.2.8 [1]_. Checked by hand arithmetic (tests/meta/test_conversions.py).

    References
    ----------
    .. [1] Higgins JPT, Li T, Deeks JJ (eds) (2023). Chapter 6: Choosing effect measures and computing
       estimates of effect. Cochrane Handbook for Systematic Reviews of Interventions, version 6.4.
       https://training.cochrane.org/handbook/current/chapter-06

    Examples
    --------
    >>> sd_change([3.0], [4.0], 0.0).tolist()  # sqrt(9 + 16)
    [5.0]
    """
    sd_b = as_column(sd_baseline, "sd_baseline")
    sd_f = as_column(sd_final, "sd_final", length=sd_b.size)
    r = _column(corr, "corr", sd_b.size)
    require(sd_b, "sd_baseline", lambda x: x > 0, "standard deviation must be > 0")
    require(sd_f, "sd_final", lambda x: x > 0, "standard deviation must be > 0")
    require(r, "corr", lambda x: np.abs(x) <= 1, "correlation must be in [-1, 1]")
    # max(0, .) only guards rounding at r = 1 with equal SDs, where the exact value is 0.
    return _frozen(np.sqrt(np.maximum(0.0, sd_b**2 + sd_f**2 - 2 * r * sd_b * sd_f)))


# ---- median / quartiles / range -> mean, SD --------------------------------------------------------

Scenario = Literal["C1", "C2", "C3"]


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class QuantileEstimate(Result):
    """Means and SDs estimated from medians with a range and/or quartiles.

    Attributes
    ----------
    scenario : str
        Wan et al.'s scenario: ``"C1"`` (min, median, max), ``"C2"`` (min, q1, median, q3, max) or
        ``"C3"`` (q1, median, q3).
    mean, sd : numpy.ndarray
        Estimated means (Luo et al. 2018) and SDs (Wan et al. 2014), one per study, read-only.
    n : numpy.ndarray
        The sample sizes used.
    """

    scenario: str
    mean: FloatArray
    sd: FloatArray
    n: FloatArray

    def to_frame(self) -> pd.DataFrame:
        """One row per study: ``n``, ``mean``, ``sd``."""
        return pd.DataFrame({"n": self.n.astype(int), "mean": self.mean, "sd": self.sd})

    def summary(self) -> str:
        """The per-study table, with the scenario and the methods."""
        head = f"Mean (Luo et al. 2018) and SD (Wan et al. 2014) from quantiles (scenario {self.scenario})"
        return "\n".join([head, "", self.to_frame().to_string(index=False, float_format=lambda x: f"{x:.4f}")])


def mean_sd_from_quantiles(
    n: ArrayLike,
    *,
    median: ArrayLike,
    minimum: ArrayLike | None = None,
    maximum: ArrayLike | None = None,
    q1: ArrayLike | None = None,
    q3: ArrayLike | None = None,
) -> QuantileEstimate:
    r"""Estimate sample means and SDs from the median with the range and/or the quartiles.

    Parameters
    ----------
    n : array_like
        Sample sizes (whole numbers >= 2).
    median : array_like
        Sample medians.
    minimum, maximum : array_like, optional
        Smallest and largest values (both or neither).
    q1, q3 : array_like, optional
        First and third quartiles (both or neither). With the range too, this is scenario C2.

    Returns
    -------
    QuantileEstimate
        ``scenario``, ``mean``, ``sd`` and ``n``.

    Raises
    ------
    InputError
        A missing or non-numeric cell, only one of a pair, neither pair, ``n < 2``, or quantiles out of
        order (``minimum <= q1 <= median <= q3 <= maximum`` with ``minimum < maximum`` and ``q1 < q3``);
        the message names the row and the field.

    Notes
    -----
    With :math:`a, q_1, m, q_3, b` the minimum, quartiles, median and maximum, Luo et al. [2]_ (their
    equations 7, 11 and 15) estimate the mean as

    - C1: :math:`w\,(a + b)/2 + (1 - w)\,m`, :math:`w = 4/(4 + n^{0.75})`;
    - C2: :math:`w_1 (a + b)/2 + w_2 (q_1 + q_3)/2 + (1 - w_1 - w_2)\,m`,
      :math:`w_1 = 2.2/(2.2 + n^{0.75})`, :math:`w_2 = 0.7 - 0.72/n^{0.55}`;
    - C3: :math:`w\,(q_1 + q_3)/2 + (1 - w)\,m`, :math:`w = 0.7 + 0.39/n`;

    and Wan et al. [1]_ the SD as :math:`(b - a)/\xi(n)` (C1), :math:`(q_3 - q_1)/\eta(n)` (C3) and
    their average :math:`\frac12[(b - a)/\xi(n) + (q_3 - q_1)/\eta(n)]` (C2). Here :math:`\xi(n)` is
    twice the expected largest of :math:`n` standard normal values (Wan's Table 1) for
    :math:`n \le 50` and :math:`2\Phi^{-1}((n - 0.375)/(n + 0.25))` above; :math:`\eta(n)` is twice the
    expected :math:`(3Q + 1)`-th of :math:`4Q + 1` standard normal values, :math:`Q = \lceil (n-1)/4
    \rceil` (Wan's Table 2), for :math:`Q \le 50` and :math:`2\Phi^{-1}((0.75n - 0.125)/(n + 0.25))`
    above: the same split as R's meta package (``metasens``'s ``mean.sd.*`` helpers). The expected
    order statistics are computed by numerical integration, not read from the tables. Both methods
    assume roughly normal data; for skewed data the estimates are biased (Wan et al., Results).

    Checked by hand arithmetic from these formulas and against Wan et al.'s Table 1
    (tests/meta/test_conversions.py).

    References
    ----------
    .. [1] Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard deviation from
       the sample size, median, range and/or interquartile range. BMC Medical Research Methodology
       14:135. https://doi.org/10.1186/1471-2288-14-135
    .. [2] Luo D, Wan X, Liu J, Tong T (2018). Optimally estimating the sample mean from the sample
       size, median, mid-range, and/or mid-quartile range. Statistical Methods in Medical Research
       27(6):1785-1805. https://doi.org/10.1177/0962280216669183

    Examples
    --------
    >>> est = mean_sd_from_quantiles([100], median=[10.0], q1=[8.0], q3=[13.0])
    >>> est.scenario, round(float(est.mean[0]), 4), round(float(est.sd[0]), 4)
    ('C3', 10.352, 3.7587)
    """
    med = as_column(median, "median")
    k = med.size
    given = {"minimum": minimum, "maximum": maximum, "q1": q1, "q3": q3}
    cols = {name: as_column(v, name, length=k) for name, v in given.items() if v is not None}
    for a, b in (("minimum", "maximum"), ("q1", "q3")):
        if (a in cols) != (b in cols):
            missing, partner = (b, a) if a in cols else (a, b)
            raise InputError(f"is needed together with {partner!r}", field=missing)
    has_range, has_iqr = "minimum" in cols, "q1" in cols
    if not (has_range or has_iqr):
        raise InputError("needs the range (minimum, maximum) and/or the quartiles (q1, q3)", field="median")
    sizes = _sizes(n, k)
    # Order checks, each naming the field that breaks the order (the later one of the pair).
    chain = [f for f in ("minimum", "q1") if f in cols] + ["median"] + [f for f in ("q3", "maximum") if f in cols]
    values = {**cols, "median": med}
    for low, high in itertools.pairwise(chain):
        require(values[high] - values[low], high, lambda x: x >= 0, f"must be >= {low} (quantiles out of order)")
    if has_range:
        require(cols["maximum"] - cols["minimum"], "maximum", lambda x: x > 0, "must be > minimum")
    if has_iqr:
        require(cols["q3"] - cols["q1"], "q3", lambda x: x > 0, "must be > q1")

    n75 = sizes**0.75
    if has_range and has_iqr:
        scenario = "C2"
        a, q_1, q_3, b = cols["minimum"], cols["q1"], cols["q3"], cols["maximum"]
        w1 = 2.2 / (2.2 + n75)
        w2 = 0.7 - 0.72 / sizes**0.55
        mean = w1 * (a + b) / 2 + w2 * (q_1 + q_3) / 2 + (1 - w1 - w2) * med
        sd = ((b - a) / _xi(sizes) + (q_3 - q_1) / _eta(sizes)) / 2
    elif has_range:
        scenario = "C1"
        a, b = cols["minimum"], cols["maximum"]
        w = 4 / (4 + n75)
        mean = w * (a + b) / 2 + (1 - w) * med
        sd = (b - a) / _xi(sizes)
    else:
        scenario = "C3"
        q_1, q_3 = cols["q1"], cols["q3"]
        w = 0.7 + 0.39 / sizes
        mean = w * (q_1 + q_3) / 2 + (1 - w) * med
        sd = (q_3 - q_1) / _eta(sizes)
    return QuantileEstimate(scenario=scenario, mean=_frozen(mean), sd=_frozen(sd), n=_frozen(sizes))


@cache
def _expected_order_statistic(r: int, m: int) -> float:
    """E[Z_(r:m)], the r-th smallest of m independent standard normal values (numerical integration)."""
    log_c = gammaln(m + 1) - gammaln(r) - gammaln(m - r + 1)

    def integrand(x: float) -> float:
        return x * math.exp(
            log_c
            + (r - 1) * scipy.stats.norm.logcdf(x)
            + (m - r) * scipy.stats.norm.logsf(x)
            + scipy.stats.norm.logpdf(x)
        )

    value, _ = scipy.integrate.quad(integrand, -12.0, 12.0, epsabs=1e-13, epsrel=1e-12, limit=200)
    return float(value)


def _xi(n: FloatArray) -> FloatArray:
    # Wan et al. eq. 7 with Table 1 (exact) for n <= 50, eq. 9 (Blom's approximation) above.
    return np.array(
        [
            2 * _expected_order_statistic(int(m), int(m))
            if m <= 50
            else 2 * scipy.stats.norm.ppf((m - 0.375) / (m + 0.25))
            for m in n
        ]
    )


def _eta(n: FloatArray) -> FloatArray:
    # Wan et al. eq. 15 with Table 2 (exact, n = 4Q + 1) for Q <= 50, eq. 16 above; Q = ceil((n - 1) / 4).
    out = []
    for m in n:
        q = math.ceil((m - 1) / 4)
        if q <= 50:
            out.append(2 * _expected_order_statistic(3 * q + 1, 4 * q + 1))
        else:
            out.append(2 * scipy.stats.norm.ppf((0.75 * m - 0.125) / (m + 0.25)))
    return np.array(out)

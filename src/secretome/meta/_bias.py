"""Small-study effects: Begg's rank correlation test (metafor's ``ranktest``) and trim-and-fill (``trimfill``)."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping
from typing import Literal

import numpy as np
import scipy
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import ConvergenceError, InputError, NumericalError, SecretomeWarning, check_choice
from secretome.meta._columns import FloatArray
from secretome.meta._meta_regression import REGRESSION_METHODS, meta_regression
from secretome.meta._notes import quiet_refit
from secretome.meta._random_effects import ModelMethod, random_effects
from secretome.meta._results import RandomEffectsResult
from secretome.meta._tau2 import validated

__all__ = ["RankTestResult", "TrimFillResult", "rank_test", "trim_and_fill"]


@dataclasses.dataclass(frozen=True, slots=True)
class RankTestResult(Result):
    """Begg and Mazumdar's rank correlation test for funnel-plot asymmetry (metafor's ``ranktest``).

    Attributes
    ----------
    tau : float
        Kendall's tau (tau-b when there are ties) between the standardised effects and their variances.
    pval : float
        Two-sided p-value: exact when there are no ties, else the normal approximation with the
        tie-corrected variance (R's ``cor.test(method = "kendall")``).
    exact : bool
        Whether the p-value is exact.
    k : int
        Number of studies.
    notes : tuple of str
        Why tau is NA, where it is (R's warning, which metafor passes on, does not say which column).
    """

    tau: float
    pval: float
    exact: bool
    k: int
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Laid out like metafor's ``print(ranktest(res))`` (NA where tau is undefined)."""
        if math.isnan(self.tau):
            lines = ["Rank Correlation Test for Funnel Plot Asymmetry", "", "Kendall's tau = NA, p = NA"]
            return "\n".join([*lines, *(f"note: {note}" for note in self.notes)])
        p = "<.0001" if self.pval < 1e-4 else f"{self.pval:.4f}"
        return "\n".join(
            ["Rank Correlation Test for Funnel Plot Asymmetry", "", f"Kendall's tau = {self.tau:.4f}, p = {p}"]
        )


def rank_test(yi: ArrayLike, vi: ArrayLike) -> RankTestResult:
    r"""Begg and Mazumdar's rank correlation test [1]_ of the effects against their variances.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and their sampling variances (> 0), one per study (k >= 2; one study stops with
        the error metafor passes on from R's ``cor.test``, "not enough finite observations").

    Returns
    -------
    RankTestResult
        ``tau``, ``pval``, ``exact``, ``k`` and ``notes``. Where all standardised effects or all
        variances are equal, tau and p are NaN (metafor's NA) with R's warning "the standard
        deviation is zero", and the note says which.

    Notes
    -----
    With the equal-effects estimate :math:`\hat\theta = \sum w_i y_i/\sum w_i`, :math:`w_i = 1/v_i`,
    and :math:`v_i^* = v_i - 1/\sum w_i`, the standardised effects :math:`(y_i - \hat\theta)/\sqrt{v_i^*}`
    are correlated with :math:`v_i` by Kendall's tau. As metafor 3.8 (``exact=TRUE`` passed to R's
    ``cor.test``), the p-value is exact (the distribution of the number of concordant pairs) unless
    there are ties, then it is the normal approximation with R's tie-corrected variance and no
    continuity correction.

    Checked against metafor 3.8-1 ``ranktest(res)`` on dat.bcg, dat.hackshaw1998 and a data set with
    tied variances (tests/meta/test_bias.py, fixtures by tools/metafor_reference_bias.R).

    References
    ----------
    .. [1] Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test for
       publication bias. Biometrics 50(4):1088-1101. https://doi.org/10.2307/2533446

    Examples
    --------
    >>> res = rank_test([0.1, 0.5, 0.9, 0.4, 0.3], [0.01, 0.04, 0.09, 0.02, 0.03])
    >>> round(res.tau, 4), round(res.pval, 4)  # R: ranktest(rma(yi, vi)): tau = 0.8000, p = 0.0833
    (0.8, 0.0833)
    """
    y, v = validated(yi, vi)
    k = y.size
    if k < 2:
        # metafor's ranktest passes on R's cor.test error; with k = 2 tau is +-1 and the exact p is 1, as there.
        raise InputError("not enough finite observations", field="yi", value=k)
    w = 1 / v
    theta = float(w @ y) / float(w.sum())
    centred = y - theta
    # Identical effects centre to rounding noise, whose ranks are arbitrary: they are zero, as metafor's are.
    centred[np.abs(centred) <= 100 * np.finfo(np.float64).eps * max(1.0, abs(theta))] = 0.0
    y_star = centred / np.sqrt(v - 1 / w.sum())
    if np.ptp(y_star) == 0 or np.ptp(v) == 0:
        # R's cor(method = "kendall") gives NA when a standard deviation is zero, with R's warning, which metafor's
        # ranktest passes on; the note says which column it was.
        which = "standardised effects" if np.ptp(y_star) == 0 else "sampling variances"
        warnings.warn("the standard deviation is zero", SecretomeWarning, stacklevel=2)
        note = f"all {which} are equal: Kendall's tau is undefined (NA)"
        return RankTestResult(tau=math.nan, pval=math.nan, exact=False, k=k, notes=(note,))
    return _kendall(y_star, v)


def _kendall(x: FloatArray, y: FloatArray) -> RankTestResult:
    """Kendall's tau and its two-sided p-value exactly as R's ``cor.test(x, y, method="kendall", exact=TRUE)``."""
    n = x.size
    tau = float(scipy.stats.kendalltau(x, y, variant="b").statistic)
    ties = np.unique(x).size < n or np.unique(y).size < n
    if not ties:
        # Exact: T = number of concordant pairs; R's pkendall(q, n) = P(T <= q).
        cdf = np.cumsum(_inversions_distribution(n))
        q = round((tau + 1) * n * (n - 1) / 4)
        p = 1 - cdf[q - 1] if q > n * (n - 1) / 4 else cdf[q]
        return RankTestResult(tau=tau, pval=float(min(2 * p, 1.0)), exact=True, k=n)
    t0 = n * (n - 1) / 2
    tx, ty = _tie_sizes(x), _tie_sizes(y)
    t1, t2 = float(np.sum(tx * (tx - 1)) / 2), float(np.sum(ty * (ty - 1)) / 2)
    s = tau * math.sqrt((t0 - t1) * (t0 - t2))
    v0 = n * (n - 1) * (2 * n + 5)
    vt = float(np.sum(tx * (tx - 1) * (2 * tx + 5)))
    vu = float(np.sum(ty * (ty - 1) * (2 * ty + 5)))
    v1 = float(np.sum(tx * (tx - 1))) * float(np.sum(ty * (ty - 1)))
    v2 = float(np.sum(tx * (tx - 1) * (tx - 2))) * float(np.sum(ty * (ty - 1) * (ty - 2)))
    var_s = (v0 - vt - vu) / 18 + v1 / (2 * n * (n - 1)) + v2 / (9 * n * (n - 1) * (n - 2))
    z = s / math.sqrt(var_s)
    return RankTestResult(
        tau=tau, pval=float(2 * min(scipy.stats.norm.cdf(z), scipy.stats.norm.sf(z))), exact=False, k=n
    )


def _tie_sizes(x: FloatArray) -> FloatArray:
    _, counts = np.unique(x, return_counts=True)
    return counts[counts > 1].astype(float)


def _inversions_distribution(n: int) -> FloatArray:
    """P(c inversions) for a random permutation of n items (Mahonian numbers over n!), built one item at a time."""
    dist = np.array([1.0])
    for m in range(2, n + 1):
        # Adding the m-th item adds 0..m-1 inversions with equal probability.
        dist = np.convolve(dist, np.full(m, 1.0 / m))
    return dist


@dataclasses.dataclass(frozen=True, slots=True)
class TrimFillResult(Result):
    """Trim-and-fill: the estimated number of missing studies and the model with them filled in.

    Attributes
    ----------
    k0 : int
        Estimated number of studies missing on ``side``.
    se_k0 : float or None
        Its standard error (``None`` where metafor's variance formula turns negative and gives NaN).
    p_k0 : float or None
        For ``estimator="R0"``: p-value of the test of no missing studies; else ``None``.
    side, estimator : str
        The side on which studies were filled (``"left"`` or ``"right"``) and the estimator.
    estimate, se, zval, pval, ci_lb, ci_ub, tau2 : float
        The pooled model after filling (the original model when ``k0 = 0``).
    model : RandomEffectsResult
        That model in full; its ``yi`` and ``vi`` hold the observed then the filled studies.
    filled : tuple of bool
        For each study of ``model``: whether it was filled in.
    notes : tuple of str
        What was noticed on the way.
    """

    k0: int
    se_k0: float | None
    p_k0: float | None
    side: str
    estimator: str
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    tau2: float
    model: RandomEffectsResult
    filled: tuple[bool, ...]
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Laid out like metafor's ``print(trimfill(res))``: the k0 line(s), then the model."""
        se = "NA" if self.se_k0 is None else f"{self.se_k0:.4f}"
        lines = [f"Estimated number of missing studies on the {self.side} side: {self.k0} (SE = {se})"]
        if self.p_k0 is not None:
            p = "<.0001" if self.p_k0 < 1e-4 else f"{self.p_k0:.4f}"
            lines.append(f"Test of H0: no missing studies on the {self.side} side:      p-val = {p}")
        lines += ["", self.model.summary()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def trim_and_fill(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: ModelMethod = "REML",
    test: Literal["z", "knha"] = "z",
    estimator: Literal["L0", "R0"] = "L0",
    side: Literal["left", "right"] | None = None,
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    maxiter: int = 100,
) -> TrimFillResult:
    r"""Duval and Tweedie's trim-and-fill [1]_ [2]_, step for step as metafor 3.8's ``trimfill``.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and their sampling variances (> 0), one per study (k >= 2; with k = 2 the side
        is chosen by a meta-regression with no residual df, which stops for a random-effects model,
        as metafor's: give *side*).
    method, test, level, control
        The model, as for :func:`random_effects`.
    estimator : {"L0", "R0"}
        Estimator of the number of missing studies.
    side : {"left", "right"}, optional
        Side on which studies are missing. Default as metafor: fit a meta-regression of the effects on
        their standard errors (the model's method) and fill on the right if its slope is negative,
        else on the left.
    maxiter : int
        Maximum number of trim-and-fill iterations.

    Returns
    -------
    TrimFillResult
        ``k0``, ``se_k0``, ``p_k0`` (R0 only), ``side``, ``estimator``, the filled model's
        ``estimate``, ``se``, ``zval``, ``pval``, ``ci_lb``, ``ci_ub``, ``tau2``, the ``model`` itself
        and the ``filled`` flags.

    Raises
    ------
    InputError
        Bad ``yi``/``vi`` (row and field named), an unknown option; in metafor's words, k = 1
        ("Stopped because k = 1.") and k = 2 without *side* for a random-effects model ("Number of
        parameters to be estimated is larger than the number of observations.").
    ConvergenceError
        The iterations did not settle on a k0 within *maxiter*: metafor's "Trim and fill algorithm did
        not converge.", with *maxiter* and the last k0.

    Notes
    -----
    The studies are sorted by effect (mirrored when filling on the right). Each iteration fits the
    model to the k - k0 smallest effects, centres all k effects on its estimate, ranks their absolute
    values and takes :math:`S_r`, the sum of the ranks of the positive ones (L0:
    :math:`k_0 = (4S_r - k(k+1))/(2k-1)`), or the length of the rightmost run of positive ranks (R0:
    :math:`k_0 = \gamma^* - 1`), rounded and truncated at 0. The k0 most extreme studies are then
    mirrored about the last estimate and the model is refitted to all k + k0. As metafor, that refit
    uses ``test="z"`` (metafor does not pass the original test on), while k0 = 0 returns the original
    model. The R0 p-value is :math:`1 - \sum_{m=-1}^{k_0-1} 0.5^{m+2}`.

    Checked against metafor 3.8-1 ``trimfill(res, estimator=, side=)`` on dat.bcg (k0 = 0, 1 and 4)
    and dat.hackshaw1998 (k0 = 7), REML, DL, FE, PM (``control=list(tol=1e-12)``) and SJ, both
    estimators, every side (tests/meta/test_bias.py, fixtures by tools/metafor_reference_bias.R).
    Here *control* applies to the original model and to every refit, as metafor's
    ``trimfill(rma(..., control = ctl), control = ctl)``: ``trimfill(res)`` alone refits at metafor's
    defaults, since it passes only its own ``...`` on to ``rma.uni``, not ``res$control``. Without
    *control* both run at metafor's defaults, so the digits agree; they differ only where an estimator
    stops at a tolerance the user tightened for the model alone (PM's ``tol``).

    References
    ----------
    .. [1] Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of testing and
       adjusting for publication bias in meta-analysis. Biometrics 56(2):455-463.
       https://doi.org/10.1111/j.0006-341X.2000.00455.x
    .. [2] Duval S, Tweedie R (2000). A nonparametric "trim and fill" method of accounting for
       publication bias in meta-analysis. Journal of the American Statistical Association
       95(449):89-98. https://doi.org/10.1080/01621459.2000.10473905

    Examples
    --------
    >>> res = trim_and_fill([0.1, 0.5, 0.9, 0.4, 0.3], [0.01, 0.04, 0.09, 0.02, 0.03], method="FE")
    >>> res.k0, res.side, round(res.estimate, 4)  # R: trimfill(rma(yi, vi, method="FE")): 2, "left", 0.2182
    (2, 'left', 0.2182)
    """
    check_choice("method", method, REGRESSION_METHODS, owner="trim_and_fill")
    check_choice("estimator", estimator, ("L0", "R0"), owner="trim_and_fill")
    if side is not None:
        check_choice("side", side, ("left", "right"), owner="trim_and_fill")
    y, v = validated(yi, vi)
    k = y.size
    if k < 2:
        raise InputError("Stopped because k = 1.", field="yi", value=k)  # metafor's words
    original = random_effects(y, v, method=method, test=test, level=level, control=control)
    if side is None:
        with quiet_refit():  # metafor's trimfill refits under suppressWarnings; the model warned once
            slope = meta_regression(y, v, np.sqrt(v), method=method, control=control).beta[1]
        side = "right" if slope < 0 else "left"
    sign = -1.0 if side == "right" else 1.0
    ix = np.argsort(sign * y, kind="stable")
    ys, vs = sign * y[ix], v[ix]

    k0, k0_prev, iterations, se_k0 = 0, -1, 0, math.nan
    beta = math.nan
    centred = ys
    while k0 != k0_prev:
        k0_prev = k0
        iterations += 1
        if iterations > maxiter:
            # metafor's sentence, then the facts (as an InputError appends the value given).
            raise ConvergenceError(f"Trim and fill algorithm did not converge. (maxiter = {maxiter}; last k0 = {k0})")
        beta = _pooled(ys[: k - k0], vs[: k - k0], method, control)
        centred = ys - beta
        ranks = np.empty(k)
        ranks[np.argsort(np.abs(centred), kind="stable")] = np.arange(1, k + 1)  # R: ties.method = "first"
        signed = np.sign(centred) * ranks
        if estimator == "R0":
            negative = -signed[signed < 0]
            if negative.size == 0:
                raise NumericalError("R0 is undefined when no centred effect is negative (metafor gives Inf)")
            k0_raw = (k - float(negative.max())) - 1
            se_k0 = math.sqrt(2 * max(0.0, k0_raw) + 2)
        else:
            s_r = float(signed[signed > 0].sum())
            k0_raw = (4 * s_r - k * (k + 1)) / (2 * k - 1)
            var_sr = (
                k * (k + 1) * (2 * k + 1)
                + 10 * k0_raw**3
                + 27 * k0_raw**2
                + 17 * k0_raw
                - 18 * k * k0_raw**2
                - 18 * k * k0_raw
                + 6 * k**2 * k0_raw
            ) / 24
            se_k0 = 4 * math.sqrt(var_sr) / (2 * k - 1) if var_sr >= 0 else math.nan
        # R's round() halves to even, as Python's round().
        k0 = max(0, round(k0_raw))
        se_k0 = max(0.0, se_k0) if not math.isnan(se_k0) else math.nan

    notes: list[str] = []
    if math.isnan(se_k0):
        notes.append("the variance of the L0 estimate is negative here, so SE(k0) is undefined (metafor: NaN)")
    p_k0 = 0.5 ** (k0 + 1) if estimator == "R0" else None
    if k0 > 0:
        mirrored = sign * (2 * beta - ys[k - k0 :])
        y_fill = np.concatenate([y, mirrored])
        v_fill = np.concatenate([v, vs[k - k0 :]])
        with quiet_refit():
            model = random_effects(y_fill, v_fill, method=method, test="z", level=level, control=control)
        filled = (False,) * k + (True,) * k0
    else:
        model, filled = original, (False,) * k
    return TrimFillResult(
        k0=int(k0),
        se_k0=None if math.isnan(se_k0) else se_k0,
        p_k0=p_k0,
        side=side,
        estimator=estimator,
        estimate=model.estimate,
        se=model.se,
        zval=model.zval,
        pval=model.pval,
        ci_lb=model.ci_lb,
        ci_ub=model.ci_ub,
        tau2=model.tau2,
        model=model,
        filled=filled,
        notes=tuple(notes),
    )


def _pooled(y: FloatArray, v: FloatArray, method: str, control: Mapping[str, object] | None) -> float:
    # metafor fits the trimmed studies with rma(method = x$method) and its default test; the test does not
    # change the estimate. With one study left a random-effects fit is impossible, and the estimate is that study.
    if y.size == 1:
        return float(y[0])
    with quiet_refit():
        return random_effects(y, v, method=method, control=control).estimate

"""Three-level meta-analysis: effect sizes nested in studies (metafor's ``rma.mv(random = ~ 1 | study/es_id)``).

Without moderators :func:`multilevel` returns a :class:`MultilevelResult` (one pooled estimate);
with ``mods`` a :class:`MultilevelRegressionResult` (coefficients, QE and QM), as metafor's
``rma.mv(yi, vi, mods = ~ ..., random = ~ 1 | study/es_id)``. One fit serves both.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Literal, overload

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import linalg, stats

from secretome._result import Result
from secretome.errors import ConvergenceError, InputError, check_choice
from secretome.meta._columns import FloatArray, check_level, study_labels
from secretome.meta._meta_regression import _design, coefficient_tests, study_fits
from secretome.meta._results import _p_text, model_results_lines, moderator_lines
from secretome.meta._tau2 import Projection, validated

__all__ = ["MultilevelRegressionResult", "MultilevelResult", "multilevel"]


@dataclasses.dataclass(frozen=True, slots=True)
class MultilevelResult(Result):
    """A three-level random-effects model (metafor's ``rma.mv`` with ``random = ~ 1 | study/es_id``).

    Attributes
    ----------
    k : int
        Number of effect sizes.
    n_levels : tuple of int
        Number of studies and of effect-size units within studies (metafor's ``nlvls``).
    sigma2 : tuple of float
        Variance between studies (level 3) and between effect sizes within studies (level 2).
    estimate, se, zval, pval, ci_lb, ci_ub : float
        Pooled estimate, its SE, z (or t) statistic, two-sided p-value and CI at ``level``.
    df : int or None
        ``k - 1`` for ``test="t"``, else ``None``.
    Q, Q_df, Q_pval : float, int, float
        Cochran's Q with weights ``1/vi`` (metafor's ``QE``).
    I2 : float
        Total multilevel I^2 in percent (share of total variance that is not sampling variance).
    I2_levels : tuple of float
        I^2 attributed to the study and to the within-study level (they sum to ``I2``).
    typical_vi : float
        The "typical" sampling variance ``(k - 1) / tr(P)`` used for I^2.
    loglik : float
        The maximised (restricted) log-likelihood, as metafor's ``logLik``.
    method, test : str
        ``"REML"`` or ``"ML"``; ``"z"`` or ``"t"``.
    level : float
        Confidence level.
    iterations : int
        Fisher-scoring steps taken.
    yi, vi, weights, labels : tuple
        The effect sizes, their sampling variances, the weights in percent (metafor's
        ``weights(res)``: the diagonal of :math:`V^{-1}` over its sum) and the labels of the rows.
    notes : tuple of str
        What was noticed on the way.
    """

    k: int
    n_levels: tuple[int, int]
    sigma2: tuple[float, float]
    estimate: float
    se: float
    zval: float
    pval: float
    df: int | None
    ci_lb: float
    ci_ub: float
    Q: float
    Q_df: int
    Q_pval: float
    I2: float
    I2_levels: tuple[float, float]
    typical_vi: float
    loglik: float
    method: str
    test: str
    level: float
    iterations: int
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    weights: tuple[float, ...]
    labels: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Text laid out like metafor's ``print.rma.mv``."""
        lines = _variance_lines(self)
        lines += [
            "",
            "Test for Heterogeneity:",
            f"Q(df = {self.Q_df}) = {self.Q:.4f}, p-val {_p_text(self.Q_pval, equals=True)}",
        ]
        lines += model_results_lines(self)
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True, slots=True)
class MultilevelRegressionResult(Result):
    """A three-level model with moderators (metafor's ``rma.mv`` with ``mods``).

    Attributes
    ----------
    k, p : int
        Number of effect sizes and of coefficients (intercept included).
    n_levels, sigma2 : tuple
        As in :class:`MultilevelResult` (the variances are residual: what the moderators leave).
    coef_names : tuple of str
        ``"intrcpt"`` and the moderator names.
    beta, se, zval, pval, ci_lb, ci_ub : tuple of float
        Per coefficient: estimate, SE, z (or t) statistic, two-sided p-value and CI at ``level``.
    df : int or None
        ``k - p`` for ``test="t"`` (t tests and the F test), else ``None``.
    QE, QE_df, QE_pval : float, int, float
        Test for residual heterogeneity (weights ``1/vi``, ``k - p`` df).
    QM, QM_df, QM_pval : float, tuple of int, float
        Omnibus Wald test of the moderators: chi-square with ``QM_df = (m,)``, or F with
        ``(m, k - p)`` for ``test="t"``.
    I2, I2_levels, typical_vi, loglik, method, test, level, iterations, yi, vi, weights, labels, notes
        As in :class:`MultilevelResult`; ``typical_vi`` is ``(k - p) / tr(P)`` with the moderators.
    fitted, fitted_ci_lb, fitted_ci_ub : tuple of float
        Each row's fitted value ``x'b`` and its CI at ``level`` (metafor's ``fitted(res)`` and
        ``predict(res)$ci.lb``, ``$ci.ub``).
    resid, resid_se : tuple of float
        The marginal residuals ``yi - x'b`` and their standard errors (``rstandard(res)``).
    """

    k: int
    p: int
    n_levels: tuple[int, int]
    sigma2: tuple[float, float]
    coef_names: tuple[str, ...]
    beta: tuple[float, ...]
    se: tuple[float, ...]
    zval: tuple[float, ...]
    pval: tuple[float, ...]
    ci_lb: tuple[float, ...]
    ci_ub: tuple[float, ...]
    df: int | None
    QE: float
    QE_df: int
    QE_pval: float
    QM: float
    QM_df: tuple[int, ...]
    QM_pval: float
    I2: float
    I2_levels: tuple[float, float]
    typical_vi: float
    loglik: float
    method: str
    test: str
    level: float
    iterations: int
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    weights: tuple[float, ...]
    labels: tuple[str, ...]
    fitted: tuple[float, ...]
    fitted_ci_lb: tuple[float, ...]
    fitted_ci_ub: tuple[float, ...]
    resid: tuple[float, ...]
    resid_se: tuple[float, ...]
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Text laid out like metafor's ``print.rma.mv`` for a model with moderators."""
        lines = _variance_lines(self)
        lines += [
            "",
            "Test for Residual Heterogeneity:",
            f"QE(df = {self.QE_df}) = {self.QE:.4f}, p-val {_p_text(self.QE_pval, equals=True)}",
        ]
        lines += moderator_lines(self)
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def _variance_lines(fit: MultilevelResult | MultilevelRegressionResult) -> list[str]:
    lines = [
        f"Multilevel Meta-Analysis Model (k = {fit.k}; method: {fit.method})",
        "",
        "Variance Components:",
        "",
        "           estim    sqrt  nlvls  factor",
    ]
    for j, name in enumerate(("study", "study/es_id")):
        s2 = fit.sigma2[j]
        lines.append(f"sigma^2.{j + 1}  {s2:.4f}  {math.sqrt(s2):.4f}  {fit.n_levels[j]:5d}  {name}")
    return [
        *lines,
        "",
        f"I^2 (total heterogeneity / total variability):   {fit.I2:.2f}%",
        f"I^2 between studies / within studies:            {fit.I2_levels[0]:.2f}% / {fit.I2_levels[1]:.2f}%",
    ]


@overload
def multilevel(
    yi: ArrayLike,
    vi: ArrayLike,
    study: Sequence[object] | ArrayLike,
    es_id: Sequence[object] | ArrayLike | None = None,
    *,
    mods: None = None,
    names: Sequence[str] | None = None,
    method: Literal["REML", "ML"] = "REML",
    test: Literal["z", "t"] = "z",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> MultilevelResult: ...


@overload
def multilevel(
    yi: ArrayLike,
    vi: ArrayLike,
    study: Sequence[object] | ArrayLike,
    es_id: Sequence[object] | ArrayLike | None = None,
    *,
    mods: ArrayLike | pd.DataFrame,
    names: Sequence[str] | None = None,
    method: Literal["REML", "ML"] = "REML",
    test: Literal["z", "t"] = "z",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> MultilevelRegressionResult: ...


def multilevel(
    yi: ArrayLike,
    vi: ArrayLike,
    study: Sequence[object] | ArrayLike,
    es_id: Sequence[object] | ArrayLike | None = None,
    *,
    mods: ArrayLike | pd.DataFrame | None = None,
    names: Sequence[str] | None = None,
    method: Literal["REML", "ML"] = "REML",
    test: Literal["z", "t"] = "z",
    level: float = 0.95,
    labels: Sequence[str] | None = None,
) -> MultilevelResult | MultilevelRegressionResult:
    r"""Fit a three-level random-effects model, as metafor's ``rma.mv(yi, vi, mods, random = ~ 1 | study/es_id)``.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and their sampling variances (> 0).
    study : sequence
        The study (cluster) of each effect size: any labels.
    es_id : sequence, optional
        The effect-size unit within its study (labels may repeat across studies, as metafor's
        ``study/es_id`` nests them). Default: every row is its own unit.
    mods : array_like or pandas.DataFrame, optional
        Moderators, one row per effect size, without the intercept (added), as for
        :func:`meta_regression`. With them the result is a :class:`MultilevelRegressionResult`.
    names : sequence of str, optional
        Moderator names (default: the DataFrame's columns, else ``"mod1"``, ``"mod2"``, ...).
    method : {"REML", "ML"}
        Restricted or full maximum likelihood for the two variance components.
    test : {"z", "t"}
        z tests (and a chi-square QM), or t tests on ``k - p`` df (and an F test of the
        moderators), metafor's ``test="t"``.
    level : float
        Confidence level, a proportion in (0, 1).
    labels : sequence of str, optional
        A label per effect size (default ``"1"``, ``"2"``, ...), for the forest plot.

    Returns
    -------
    MultilevelResult or MultilevelRegressionResult
        Without *mods*: ``k``, ``n_levels``, ``sigma2``, ``estimate``, ``se``, ``zval``, ``pval``,
        ``df``, ``ci_lb``, ``ci_ub``, ``Q``, ``Q_df``, ``Q_pval``, ``I2``, ``I2_levels``,
        ``typical_vi``, ``loglik``, ``method``, ``test``, ``level``, ``iterations``, per row
        ``yi``, ``vi``, ``weights`` and ``labels``, and ``notes``.
        With *mods*: ``k``, ``p``, ``n_levels``, ``sigma2``, ``coef_names``, per coefficient
        ``beta``, ``se``, ``zval``, ``pval``, ``ci_lb``, ``ci_ub``, then ``df``, ``QE``,
        ``QE_df``, ``QE_pval``, ``QM``, ``QM_df``, ``QM_pval``, the rest as without, and per row
        ``fitted``, ``fitted_ci_lb``, ``fitted_ci_ub``, ``resid`` and ``resid_se``.

    Notes
    -----
    The model is :math:`y_{ij} = x_{ij}'\beta + u_i + w_{ij} + e_{ij}` (:math:`x_{ij}'\beta = \mu`
    without moderators) with
    :math:`u_i \sim N(0, \sigma^2_1)` (study), :math:`w_{ij} \sim N(0, \sigma^2_2)` (effect size
    within study) and :math:`e_{ij} \sim N(0, v_{ij})`, so
    :math:`V = \mathrm{diag}(v) + \sigma^2_1 Z_1 Z_1' + \sigma^2_2 Z_2 Z_2'` [1]_. The variance
    components maximise the restricted (REML) or full (ML) log-likelihood, found by Fisher scoring
    on :math:`\sigma^2 \ge 0` (steps projected onto the bound and halved until the likelihood
    rises; stopped when no component changes by more than 1e-10) with the analytic score
    :math:`\partial \ell_R / \partial \sigma^2_j = -\tfrac12 \mathrm{tr}(P G_j) + \tfrac12 y'P G_j P y`,
    :math:`G_j = Z_j Z_j'` and information :math:`\tfrac12 \mathrm{tr}(P G_j P G_l)` (V^-1 for ML).
    V is formed densely (O(k^3) per evaluation: fine for the few hundred
    effect sizes of a meta-analysis). Here :math:`P = V^{-1} - V^{-1}X(X'V^{-1}X)^{-1}X'V^{-1}`, and
    metafor's REML log-likelihood keeps the constant :math:`+\tfrac12 \log|X'X|`. Then
    :math:`\hat\beta = (X'V^{-1}X)^{-1} X'V^{-1}y` with variance :math:`(X'V^{-1}X)^{-1}`; QM is the
    Wald statistic of all coefficients but the intercept (divided by their number and referred to
    F on ``(m, k - p)`` df for ``test="t"``), and QE the weighted residual sum of squares with
    weights :math:`1/v` on ``k - p`` df. The weights, fitted values with their CIs and residuals
    with their SEs are metafor's ``weights`` (diagonal of :math:`V^{-1}`), ``fitted``, ``predict``
    and ``rstandard`` (:math:`\mathrm{diag}(V - X(X'V^{-1}X)^{-1}X')`).

    Multilevel I^2 follows the metafor FAQ and Cheung [2]_:
    :math:`I^2_j = 100\,\sigma^2_j / (\sum_l \sigma^2_l + \tilde v)` with the typical sampling
    variance :math:`\tilde v = (k-p)/\mathrm{tr}(P)`, :math:`P = W - WX(X'WX)^{-1}X'W`,
    :math:`W = \mathrm{diag}(1/v)`. For the intercept-only P it equals Higgins and Thompson's
    :math:`(k-1)\sum w/((\sum w)^2 - \sum w^2)` [3]_ (checked numerically in the tests).

    Checked against metafor 3.8-1 ``rma.mv(yi, vi, mods = ~ 1 and ~ year, random = ~ 1 |
    district/school, data = dat.konstantopoulos2011)`` for REML and ML, z and t: sigma^2,
    coefficients, SE, CI, p-values, QM, I^2 and logLik to 1e-6 relative (we agree to about 1e-7:
    both sigma^2 are optimiser results and metafor stops ``nlminb`` at its default tolerances), Q
    and QE to 1e-12 (tests/meta/test_multilevel.py); weights, fitted values and their CIs,
    residuals and their SEs against ``weights``, ``fitted``, ``predict`` and ``rstandard`` for
    ``~ 1`` (z) and ``~ year`` (t) with REML (tests/meta/test_plots.py).

    References
    ----------
    .. [1] Konstantopoulos S (2011). Fixed effects and variance components estimation in
       three-level meta-analysis. Research Synthesis Methods 2(1):61-76.
       https://doi.org/10.1002/jrsm.35
    .. [2] Cheung MW-L (2014). Modeling dependent effect sizes with three-level meta-analyses: a
       structural equation modeling approach. Psychological Methods 19(2):211-229.
       https://doi.org/10.1037/a0032968
    .. [3] Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis.
       Statistics in Medicine 21(11):1539-1558. https://doi.org/10.1002/sim.1186

    Examples
    --------
    >>> yi = [0.1, 0.3, 0.2, 0.8, 0.9, 0.7, 0.4, 0.5]
    >>> vi = [0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02]
    >>> res = multilevel(yi, vi, study=[1, 1, 1, 2, 2, 3, 3, 3])
    >>> res.n_levels, res.sigma2[0] > res.sigma2[1]
    ((3, 8), True)
    >>> reg = multilevel(yi, vi, study=[1, 1, 1, 2, 2, 3, 3, 3], mods=[1, 2, 1, 4, 5, 3, 2, 3], names=["dose"])
    >>> reg.coef_names, reg.QM_df, reg.QE_df
    (('intrcpt', 'dose'), (1,), 6)
    """
    check_choice("method", method, ("REML", "ML"), owner="multilevel")
    check_choice("test", test, ("z", "t"), owner="multilevel")
    check_level(level)
    y, v = validated(yi, vi)
    k = y.size
    row_labels = study_labels(labels, k)
    z1 = _incidence(study, k, "study")
    if es_id is None:
        z2 = np.eye(k)
    else:
        ids = np.asarray(es_id, dtype=object).reshape(-1)
        if ids.size != k:
            raise InputError(f"has {ids.size} values but yi has {k}", field="es_id")
        studies = np.asarray(study, dtype=object).reshape(-1)
        z2 = _incidence([(s, e) for s, e in zip(studies, ids, strict=True)], k, "es_id")
    n_levels = (z1.shape[1], z2.shape[1])
    if n_levels[0] == n_levels[1]:
        # Then Z1 Z1' = Z2 Z2': only the sum of the two variances is identified.
        raise InputError(
            "every study has a single effect-size unit, so the two levels cannot be separated; "
            "use random_effects (two levels)",
            field="study",
        )
    if k < 3:
        raise InputError("a three-level model needs at least 3 effect sizes", field="yi", value=k)
    x, coef_names = _design(mods, k, names)
    p = x.shape[1]
    grams = (z1 @ z1.T, z2 @ z2.T)
    reml = method == "REML"

    start = np.full(2, max(float(np.var(y, ddof=1)) / 4, 1e-4))
    sigma2, nll, iterations = _fisher_scoring(start, y, v, x, grams, reml=reml, method=method)
    notes: list[str] = []
    for j, name in enumerate(("study", "within-study")):
        if sigma2[j] < 1e-10:
            notes.append(f"the {name} variance is estimated at 0 (the boundary)")

    vmat = np.diag(v) + sigma2[0] * grams[0] + sigma2[1] * grams[1]
    chol = linalg.cho_factor(vmat)
    vinv_x = linalg.cho_solve(chol, x)
    weights = np.diag(linalg.cho_solve(chol, np.eye(k)))
    vb = np.linalg.inv(x.T @ vinv_x)
    beta = vb @ (vinv_x.T @ y)
    df = k - p if test == "t" else None
    coefficients, crit = coefficient_tests(beta, vb, df, level)

    fixed = Projection(1 / v, x)
    q = fixed.quad(y)
    typical = (k - p) / fixed.trace()
    total = float(sigma2.sum()) + typical
    common = {
        "k": k,
        "n_levels": n_levels,
        "sigma2": (float(sigma2[0]), float(sigma2[1])),
        "df": df,
        "I2": 100 * float(sigma2.sum()) / total,
        "I2_levels": (100 * float(sigma2[0]) / total, 100 * float(sigma2[1]) / total),
        "typical_vi": typical,
        "loglik": -nll,
        "method": method,
        "test": test,
        "level": level,
        "iterations": iterations,
        "yi": tuple(float(a) for a in y),
        "vi": tuple(float(a) for a in v),
        "weights": tuple(float(a) for a in 100 * weights / weights.sum()),
        "labels": row_labels,
        "notes": tuple(notes),
    }
    if mods is None:
        return MultilevelResult(
            estimate=coefficients["beta"][0],
            **{field: coefficients[field][0] for field in ("se", "zval", "pval", "ci_lb", "ci_ub")},
            Q=q,
            Q_df=k - 1,
            Q_pval=float(stats.chi2.sf(q, k - 1)),
            **common,  # type: ignore[arg-type]
        )
    return MultilevelRegressionResult(
        p=p,
        coef_names=coef_names,
        QE=q,
        QE_df=k - p,
        QE_pval=float(stats.chi2.sf(q, k - p)),
        **coefficients,
        **study_fits(y, x, beta, vb, vb, np.diag(vmat), crit),
        **common,  # type: ignore[arg-type]
    )


def _incidence(labels: Sequence[object] | ArrayLike, k: int, field: str) -> FloatArray:
    """The 0/1 matrix of rows by levels of *labels* (one column per distinct label)."""
    raw = list(labels) if not isinstance(labels, np.ndarray) else list(labels.reshape(-1))
    if len(raw) != k:
        raise InputError(f"has {len(raw)} values but yi has {k}", field=field)
    for i, label in enumerate(raw):
        if label is None or (isinstance(label, float) and math.isnan(label)):
            raise InputError("is missing", row=i + 1, field=field, value=label)
    codes, _ = pd.factorize(pd.Series(raw, dtype=object))
    z = np.zeros((k, int(codes.max()) + 1))
    z[np.arange(k), codes] = 1.0
    return z


def _negloglik(
    theta: FloatArray, y: FloatArray, v: FloatArray, x: FloatArray, grams: tuple[FloatArray, FloatArray], *, reml: bool
) -> tuple[float, FloatArray, FloatArray]:
    """Minus the (restricted) log-likelihood at sigma^2 = *theta*, its gradient and the Fisher information."""
    k, p = x.shape
    vmat = np.diag(v) + theta[0] * grams[0] + theta[1] * grams[1]
    chol = linalg.cho_factor(vmat)
    vinv = linalg.cho_solve(chol, np.eye(k))
    logdet = 2 * float(np.log(np.diag(chol[0])).sum())
    vinv_x = vinv @ x
    xtvx = x.T @ vinv_x
    beta = np.linalg.solve(xtvx, vinv_x.T @ y)
    r = y - x @ beta
    vinv_r = vinv @ r
    quad = float(r @ vinv_r)
    if reml:
        # metafor's REML log-likelihood keeps + 1/2 log|X'X| (= log k / 2 for the intercept).
        logdet_xtvx, logdet_xtx = np.linalg.slogdet(xtvx)[1], np.linalg.slogdet(x.T @ x)[1]
        nll = 0.5 * ((k - p) * math.log(2 * math.pi) + logdet + logdet_xtvx + quad - logdet_xtx)
        big = vinv - vinv_x @ np.linalg.solve(xtvx, vinv_x.T)  # P
    else:
        nll = 0.5 * (k * math.log(2 * math.pi) + logdet + quad)
        big = vinv
    # P y = V^-1 r for the GLS residual r, so the quadratic part of the score is the same in both.
    grad = np.array([0.5 * (float((big * g).sum()) - float(vinv_r @ g @ vinv_r)) for g in grams])
    pg = [big @ g for g in grams]
    info = np.array([[0.5 * float((a * b.T).sum()) for b in pg] for a in pg])
    return nll, grad, info


def _fisher_scoring(
    theta: FloatArray,
    y: FloatArray,
    v: FloatArray,
    x: FloatArray,
    grams: tuple[FloatArray, FloatArray],
    *,
    reml: bool,
    method: str,
    maxiter: int = 200,
    threshold: float = 1e-10,
) -> tuple[FloatArray, float, int]:
    """Maximise the (restricted) likelihood over sigma^2 >= 0 by projected Fisher scoring."""
    nll, grad, info = _negloglik(theta, y, v, x, grams, reml=reml)
    for iteration in range(1, maxiter + 1):
        try:
            step = -np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            step = -grad
        # A component at the bound whose score pushes it below 0 stays there.
        free = ~((theta <= 0) & (step < 0))
        step = np.where(free, step, 0.0)
        for _ in range(60):
            new = np.maximum(theta + step, 0.0)
            new_nll, new_grad, new_info = _negloglik(new, y, v, x, grams, reml=reml)
            if new_nll <= nll + 1e-12 * abs(nll):
                break
            step = step / 2
        change = float(np.max(np.abs(new - theta)))
        theta, nll, grad, info = new, new_nll, new_grad, new_info
        if change < threshold:
            return theta, nll, iteration
    raise ConvergenceError(
        f"{method} for the three-level model did not converge in {maxiter} Fisher-scoring steps "
        f"(sigma^2 = {theta[0]:.6g}, {theta[1]:.6g}); check that studies hold several effect sizes"
    )

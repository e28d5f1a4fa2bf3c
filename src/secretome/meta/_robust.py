"""Cluster-robust tests and confidence intervals for a fitted model, as metafor's ``robust()``.

CR1 is metafor's own estimator (``robust(res, cluster)``: the sandwich with the small-sample factor
``n / (n - p)``, t and F tests on ``n - p`` df); CR2 is the bias-reduced estimator of Bell and
McCaffrey with Satterthwaite t tests and the HTZ Wald test of Pustejovsky and Tipton, which metafor
takes from clubSandwich (``robust(res, cluster, clubSandwich = TRUE)``).
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
import scipy
from numpy.typing import ArrayLike

from secretome._result import Result
from secretome.errors import InputError, check_choice
from secretome.meta._columns import FloatArray
from secretome.meta._fitted_model import refuse_user_weights
from secretome.meta._marginal import one_blas_thread
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult, marginal_model
from secretome.meta._p_format import format_p
from secretome.meta._regression_design import regression_design
from secretome.meta._results import MetaRegressionResult, RandomEffectsResult

__all__ = ["RobustResult", "robust"]

_Fit = RandomEffectsResult | MetaRegressionResult | MultilevelResult | MultilevelRegressionResult


@dataclasses.dataclass(frozen=True, slots=True)
class RobustResult(Result):
    """Cluster-robust inference for the coefficients of a model (metafor's ``robust.rma``).

    Attributes
    ----------
    k, p : int
        Number of estimates and of coefficients.
    n_clusters : int
        Number of clusters.
    cluster_sizes : tuple of int
        Estimates per cluster, in order of first appearance.
    coef_names : tuple of str
        ``"intrcpt"`` and the moderator names.
    beta, se, tval, df, pval, ci_lb, ci_ub : tuple of float
        Per coefficient: estimate (the model's), robust SE, t statistic, its df (``n - p`` for CR1;
        Satterthwaite's for CR2), two-sided p-value and CI at ``level``.
    QM, QM_df, QM_pval : float, tuple of float, float
        Robust F test of the moderators (of the intercept without moderators), ``QM_df = (df1, df2)``.
    vcov_type : str
        ``"CR1"`` (metafor's default) or ``"CR2"`` (clubSandwich).
    level : float
        Confidence level.
    model : str
        ``"rma.uni"`` or ``"rma.mv"``.
    vcov : tuple of tuple of float
        The robust variance-covariance matrix of the coefficients.
    """

    k: int
    p: int
    n_clusters: int
    cluster_sizes: tuple[int, ...]
    coef_names: tuple[str, ...]
    beta: tuple[float, ...]
    se: tuple[float, ...]
    tval: tuple[float, ...]
    df: tuple[float, ...]
    pval: tuple[float, ...]
    ci_lb: tuple[float, ...]
    ci_ub: tuple[float, ...]
    QM: float
    QM_df: tuple[float, float]
    QM_pval: float
    vcov_type: str
    level: float
    model: str
    vcov: tuple[tuple[float, ...], ...]

    def summary(self) -> str:
        """The cluster lines, moderator test and coefficient table of metafor's ``print(robust(res, ...))``."""
        sizes = self.cluster_sizes
        if min(sizes) == max(sizes):
            per = str(sizes[0])
        else:
            per = (
                f"{min(sizes)}-{max(sizes)} (mean: {statistics.mean(sizes):.2f}, median: {statistics.median(sizes):g})"
            )
        lines = [
            f"Number of estimates:   {self.k}",
            f"Number of clusters:    {self.n_clusters}",
            f"Estimates per cluster: {per}",
        ]
        df1, df2 = self.QM_df
        if self.p > 1:
            what = "coefficient 2" if self.p == 2 else f"coefficients 2:{self.p}"
            lines += [
                "",
                f"Test of Moderators ({what}):",
                f"F(df1 = {df1:g}, df2 = {round(df2, 2):g}) = {self.QM:.4f}, "
                f"p-val {format_p(self.QM_pval, equals=True)}",
            ]
        header = ["", "estimate", "se", "tval", "df", "pval", "ci.lb", "ci.ub"]
        rows = [
            [
                name,
                f"{self.beta[j]:.4f}",
                f"{self.se[j]:.4f}",
                f"{self.tval[j]:.4f}",
                f"{round(self.df[j], 2):g}",
                format_p(self.pval[j]),
                f"{self.ci_lb[j]:.4f}",
                f"{self.ci_ub[j]:.4f}",
            ]
            for j, name in enumerate(self.coef_names)
        ]
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
        lines += ["", "Model Results:", ""]
        for r in (header, *rows):
            cells = (c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))
            lines.append("  ".join([r[0].ljust(widths[0]), *cells]))
        if self.vcov_type == "CR1":
            tail = "approx t/F-tests and confidence intervals, df: residual method"
        else:
            tail = "approx t-tests and confidence intervals, df: Satterthwaite approx; F-test: HTZ"
        lines += ["", f"Results based on cluster-robust inference (var-cov estimator: {self.vcov_type}, {tail})."]
        return "\n".join(lines)


def robust(
    fit: _Fit,
    cluster: Sequence[object] | ArrayLike,
    *,
    mods: ArrayLike | pd.DataFrame | None = None,
    adjust: bool = True,
    vcov_type: Literal["CR1", "CR2"] = "CR1",
) -> RobustResult:
    r"""Cluster-robust variance of the coefficients of *fit*, with t and F tests, as metafor's ``robust()``.

    Parameters
    ----------
    fit : RandomEffectsResult, MetaRegressionResult, MultilevelResult or MultilevelRegressionResult
        A fitted model (metafor's ``robust`` replaces its tests; a Knapp-Hartung fit's variance is
        already rescaled, so it is refused).
    cluster : sequence
        The cluster (e.g. study) of each estimate; with a multilevel model every unit of every
        random factor must lie in one cluster (as clubSandwich requires).
    mods : array_like or pandas.DataFrame, optional
        Not needed: a :class:`MetaRegressionResult` keeps its model matrix (``design``), which is used, as
        metafor uses ``model.matrix(res)``. When given, they must reproduce its fitted values.
    adjust : bool
        CR1's small-sample factor ``n / (n - p)`` (metafor's ``adjust = TRUE``); without it CR0.
    vcov_type : {"CR1", "CR2"}
        ``"CR1"``: metafor's default (t and F tests on ``n - p`` df). ``"CR2"``: metafor's
        ``clubSandwich = TRUE`` (bias-reduced linearisation, Satterthwaite df per coefficient,
        HTZ test of the moderators).

    Returns
    -------
    RobustResult
        ``k``, ``p``, ``n_clusters``, ``cluster_sizes``, ``coef_names``, per coefficient ``beta``,
        ``se``, ``tval``, ``df``, ``pval``, ``ci_lb``, ``ci_ub``, then ``QM``, ``QM_df``,
        ``QM_pval``, ``vcov_type``, ``level``, ``model``, ``vcov``.

    Notes
    -----
    With the marginal covariance M of the model (``diag(vi + tau2)``, or the multilevel M),
    :math:`W = M^{-1}`, :math:`B = (X'WX)^{-1}X'W` and the residuals :math:`e = y - X\hat\beta`,
    CR1 is :math:`\frac{n}{n-p} B\,\mathrm{blockdiag}_j(e_j e_j')\,B'` with n clusters [1]_. CR2
    [2]_ [3]_ replaces :math:`e_j` by :math:`A_j e_j`,
    :math:`A_j = R_j'(R_j (I - H_{jj}) M_j R_j')^{-1/2} R_j` with :math:`R_j'R_j = M_j` (the working
    model as target) and :math:`H_{jj} = X_j (X'WX)^{-1} X_j' W_j`, with :math:`W_j = M_j^{-1}` per
    cluster; each coefficient's t test takes Satterthwaite's df from the first two moments of its
    variance estimator, and the moderators are tested by the HTZ approximation to Hotelling's
    :math:`T^2` [3]_, as clubSandwich (read at github.com/jepusto/clubSandwich, R/CR-adjustments.R,
    R/get_arrays.R, R/coef_test.R, R/Wald_test.R).

    Checked against metafor 3.8-1 ``robust(res, cluster, [clubSandwich = TRUE])`` with
    clubSandwich 0.5.8 on dat.bcg (REML, DL, FE; with and without ``ablat``; 6 clusters) and
    dat.assink2016 (``~ 1 | study/esid``, with and without ``year + deltype``) to 1e-6 for CR1
    and 1e-5 for CR2 (tests/meta/test_robust.py; the fits themselves agree to about 1e-7).

    References
    ----------
    .. [1] Hedges LV, Tipton E, Johnson MC (2010). Robust variance estimation in meta-regression
       with dependent effect size estimates. Research Synthesis Methods 1(1):39-65.
       https://doi.org/10.1002/jrsm.5
    .. [2] Bell RM, McCaffrey DF (2002). Bias reduction in standard errors for linear regression
       with multi-stage samples. Survey Methodology 28(2):169-181.
    .. [3] Pustejovsky JE, Tipton E (2018). Small-sample methods for cluster-robust variance
       estimation and hypothesis testing in fixed effects models. Journal of Business & Economic
       Statistics 36(4):672-683. https://doi.org/10.1080/07350015.2016.1247004

    Examples
    --------
    >>> from secretome.meta import random_effects
    >>> res = robust(random_effects([0.1, 0.3, 0.5, 0.2, 0.6, 0.4], [0.01] * 6), cluster=[1, 1, 2, 2, 3, 3])
    >>> res.n_clusters, res.df
    (3, (2.0,))
    """
    refuse_user_weights(fit, "robust")
    check_choice("vcov_type", vcov_type, ("CR1", "CR2"), owner="robust")
    y, x, marginal, beta, names, model = _model(fit, mods)
    k, p = x.shape
    codes = _clusters(cluster, k)
    n = int(codes.max()) + 1
    if n <= p:
        raise InputError(f"needs more clusters ({n}) than coefficients ({p})", field="cluster", value=n)
    if isinstance(fit, MultilevelResult | MultilevelRegressionResult):
        _check_nested(fit, codes)
    with one_blas_thread():
        if vcov_type == "CR1":
            vb, df, qm = _cr1(y, x, marginal, beta, codes, n, adjust)
        else:
            vb, df, qm = _cr2(y, x, marginal, beta, codes, n)
    se = np.sqrt(np.diag(vb))
    tval = beta / se
    crit = scipy.stats.t.isf((1 - fit.level) / 2, df)
    qm_stat, qm_df, qm_p = qm
    return RobustResult(
        k=k,
        p=p,
        n_clusters=n,
        cluster_sizes=tuple(int(c) for c in np.bincount(codes)),
        coef_names=names,
        beta=tuple(float(b) for b in beta),
        se=tuple(float(s) for s in se),
        tval=tuple(float(t) for t in tval),
        df=tuple(float(d) for d in df),
        pval=tuple(float(v) for v in 2 * scipy.stats.t.sf(np.abs(tval), df)),
        ci_lb=tuple(float(v) for v in beta - crit * se),
        ci_ub=tuple(float(v) for v in beta + crit * se),
        QM=qm_stat,
        QM_df=qm_df,
        QM_pval=qm_p,
        vcov_type=vcov_type if adjust or vcov_type == "CR2" else "CR0",
        level=fit.level,
        model=model,
        vcov=tuple(tuple(float(c) for c in row) for row in vb),
    )


def _model(
    fit: _Fit, mods: ArrayLike | pd.DataFrame | None
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, tuple[str, ...], str]:
    """y, X, the marginal covariance M, beta, the coefficient names and metafor's class of *fit*."""
    if fit.test == "knha":
        # metafor would scale the Knapp-Hartung variance into the sandwich twice.
        raise InputError("robust() replaces the model's tests; fit the model with test='z'", field="test", value="knha")
    if isinstance(fit, MultilevelResult | MultilevelRegressionResult):
        mm = marginal_model(fit)
        beta, _, marginal = mm.gls(np.array(fit.sigma2))
        names = ("intrcpt",) if isinstance(fit, MultilevelResult) else fit.coef_names
        return mm.y, mm.x, marginal, beta, names, "rma.mv"
    y, v = np.array(fit.yi), np.array(fit.vi)
    marginal = np.diag(v + fit.tau2)
    if isinstance(fit, RandomEffectsResult):
        return y, np.ones((y.size, 1)), marginal, np.array([fit.estimate]), ("intrcpt",), "rma.uni"
    x = regression_design(fit, mods)
    beta = np.array(fit.beta)
    return y, x, marginal, beta, fit.coef_names, "rma.uni"


def _clusters(cluster: Sequence[object] | ArrayLike, k: int) -> np.ndarray:
    raw = list(cluster) if not isinstance(cluster, np.ndarray) else list(cluster.reshape(-1))
    if len(raw) != k:
        raise InputError(f"has {len(raw)} values but the model has {k} estimates", field="cluster")
    for i, label in enumerate(raw):
        if label is None or (isinstance(label, float) and math.isnan(label)):
            raise InputError("is missing", row=i + 1, field="cluster", value=label)
    codes, _ = pd.factorize(pd.Series([str(c) for c in raw], dtype=object))
    return codes


def _check_nested(fit: MultilevelResult | MultilevelRegressionResult, codes: np.ndarray) -> None:
    for factor, units in zip(fit.factors, fit.groups, strict=True):
        frame = pd.DataFrame({"unit": units, "cluster": codes})
        spread = frame.groupby("unit")["cluster"].nunique()
        if (spread > 1).any():
            raise InputError(
                f"the units of {factor!r} must each lie in one cluster (random effects nested in the clusters)",
                field="cluster",
                value=str(spread.index[spread > 1][0]),
            )


def _cr1(
    y: FloatArray, x: FloatArray, marginal: FloatArray, beta: FloatArray, codes: np.ndarray, n: int, adjust: bool
) -> tuple[FloatArray, FloatArray, tuple[float, tuple[float, float], float]]:
    k, p = x.shape
    w = scipy.linalg.cho_solve(scipy.linalg.cho_factor(marginal), np.eye(k))
    vb_model = np.linalg.inv(x.T @ w @ x)
    bread = vb_model @ x.T @ w
    e = y - x @ beta
    # bread blockdiag(e_j e_j') bread' = sum_j (bread_j e_j)(bread_j e_j)'
    scores = np.stack([bread[:, codes == j] @ e[codes == j] for j in range(n)])
    vb = scores.T @ scores
    if adjust:
        vb *= n / (n - p)
    df = np.full(p, float(n - p))
    btt = np.arange(1, p) if p > 1 else np.arange(1)
    qm = float(beta[btt] @ np.linalg.solve(vb[np.ix_(btt, btt)], beta[btt])) / btt.size
    return vb, df, (qm, (float(btt.size), float(n - p)), float(scipy.stats.f.sf(qm, btt.size, n - p)))


def _cr2(
    y: FloatArray, x: FloatArray, marginal: FloatArray, beta: FloatArray, codes: np.ndarray, n: int
) -> tuple[FloatArray, FloatArray, tuple[float, tuple[float, float], float]]:
    """clubSandwich's CR2 with the working model as target (``inverse_var = TRUE``), its Satterthwaite df and HTZ."""
    p = x.shape[1]
    idx = [np.flatnonzero(codes == j) for j in range(n)]
    theta = [marginal[np.ix_(i, i)] for i in idx]
    w_blocks = [scipy.linalg.cho_solve(scipy.linalg.cho_factor(t), np.eye(t.shape[0])) for t in theta]
    xs = [x[i] for i in idx]
    m_u = np.linalg.inv(sum(xj.T @ wj @ xj for xj, wj in zip(xs, w_blocks, strict=True)))
    e = y - x @ beta
    est = []
    for xj, wj, tj in zip(xs, w_blocks, theta, strict=True):
        upper = scipy.linalg.cholesky(tj, lower=False)
        ih_theta = tj - xj @ m_u @ xj.T  # (I - H_jj) Theta_j, as H_jj Theta_j = X_j M_U X_j'
        a = upper.T @ _power(upper @ ih_theta @ upper.T, -0.5) @ upper
        est.append(xj.T @ wj @ a)
    scores = np.stack([ej @ e[i] for ej, i in zip(est, idx, strict=True)])
    vb = m_u @ scores.T @ scores @ m_u
    # Satterthwaite: G_j = M E_j L_j, H_j = M E_j X_j L_U (L lower Cholesky factors of Theta_j and of M_U).
    lu = scipy.linalg.cholesky(m_u, lower=True)
    g = [m_u @ ej @ scipy.linalg.cholesky(tj, lower=True) for ej, tj in zip(est, theta, strict=True)]
    h = np.stack([m_u @ ej @ xj @ lu for ej, xj in zip(est, xs, strict=True)], axis=-1)  # (p, p, n)
    df = np.empty(p)
    for i in range(p):
        pi = -(h[i].T @ h[i])
        pi[np.diag_indices(n)] += [float(gj[i] @ gj[i]) for gj in g]
        df[i] = np.trace(pi) ** 2 / float(np.sum(pi * pi))
    btt = np.arange(1, p) if p > 1 else np.arange(1)
    if p == 1:
        t2 = float(beta[0] ** 2 / vb[0, 0])
        return vb, df, (t2, (1.0, float(df[0])), float(scipy.stats.f.sf(t2, 1, df[0])))
    return vb, df, _htz(beta, vb, g, h, btt)


def _htz(
    beta: FloatArray, vb: FloatArray, g: list[FloatArray], h: FloatArray, btt: np.ndarray
) -> tuple[float, tuple[float, float], float]:
    """The HTZ Wald test of the coefficients *btt* (clubSandwich's ``Wald_test(..., test = "HTZ")``)."""
    q = btt.size
    gc = [gj[btt] for gj in g]
    hc = h[btt]  # (q, p, n)
    n = hc.shape[2]
    # P[s, t, j, l] = -H_j[s].H_l[t] + [j = l] G_j[s].G_j[t]
    big = -np.einsum("suj,tul->stjl", hc, hc)
    for j in range(n):
        big[:, :, j, j] += gc[j] @ gc[j].T
    omega = np.einsum("stjj->st", big)
    root = _power(omega, -0.5)
    b = np.einsum("as,stjl,tb->abjl", root, big, root)
    var = np.einsum("stjl,tsjl->st", b, b) + np.einsum("ssjl,ttjl->st", b, b)
    nu = q * (q + 1) / float(var.sum())
    delta = max((nu - q + 1) / nu, 0.0)
    df2 = nu - q + 1
    cb = beta[btt]
    stat = float(cb @ np.linalg.solve(vb[np.ix_(btt, btt)], cb))
    fstat = delta * stat / q
    return fstat, (float(q), float(df2)), float(scipy.stats.f.sf(fstat, q, df2))


def _power(a: FloatArray, power: float) -> FloatArray:
    """A symmetric matrix to a power through its eigenvalues, those below 1e-12 set to 0 (clubSandwich's rule)."""
    values, vectors = np.linalg.eigh(a)
    scaled = np.where(values > 1e-12, np.abs(values) ** power, 0.0)
    return (vectors * scaled) @ vectors.T

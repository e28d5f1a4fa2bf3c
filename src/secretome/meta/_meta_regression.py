"""Mixed-effects meta-regression (metafor's ``rma.uni`` with ``mods``): moderators, QM, R^2."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from secretome.errors import InputError, SecretomeWarning, check_choice
from secretome.meta._columns import FloatArray, as_column
from secretome.meta._random_effects import random_effects
from secretome.meta._results import MetaRegressionResult
from secretome.meta._tau2 import _LL0_TOL, Control, fisher_scoring_loop, validated

__all__ = ["REGRESSION_METHODS", "meta_regression"]

REGRESSION_METHODS: tuple[str, ...] = ("EE", "FE", "DL", "ML", "REML")
"""Model methods :func:`meta_regression` supports so far, in metafor's names."""

_EQUAL = ("EE", "FE")


def meta_regression(
    yi: ArrayLike,
    vi: ArrayLike,
    mods: ArrayLike | pd.DataFrame,
    *,
    method: Literal["EE", "FE", "DL", "ML", "REML"] = "REML",
    test: Literal["z", "knha"] = "z",
    level: float = 0.95,
    control: Mapping[str, object] | None = None,
    names: Sequence[str] | None = None,
) -> MetaRegressionResult:
    r"""Fit a (mixed-effects) meta-regression of *yi* on the moderators *mods*, as metafor's ``rma``.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances (> 0), one per study.
    mods : array_like or pandas.DataFrame
        Moderators, one row per study and one column per moderator, without the intercept (it is
        added, as metafor does). Code a factor as dummy columns (``pandas.get_dummies(...,
        drop_first=True)``, metafor's treatment coding).
    method : {"EE", "FE", "DL", "ML", "REML"}
        Equal/fixed-effects meta-regression, or the residual tau^2 estimator.
    test : {"z", "knha"}
        z tests and a chi-square omnibus QM, or Knapp-Hartung [2]_: t tests on ``k - p`` df and an
        F omnibus test (metafor's default form, no truncation).
    level : float
        Confidence level, a proportion in (0, 1).
    control : mapping, optional
        metafor's ``control`` (``threshold``, ``maxiter``, ``stepadj``, ``tau2_init``, ``ll0check``).
    names : sequence of str, optional
        Moderator names (default: the DataFrame's columns, else ``"mod1"``, ``"mod2"``, ...).

    Returns
    -------
    MetaRegressionResult
        ``k``, ``p``, ``coef_names``, per coefficient ``beta``, ``se``, ``zval``, ``pval``,
        ``ci_lb``, ``ci_ub``; ``df`` (knha), ``tau2``, ``se_tau2``, ``I2``, ``H2`` (residual
        heterogeneity), ``R2`` (percent of tau^2 accounted for), ``QE``, ``QE_df``, ``QE_pval``,
        ``QM``, ``QM_df``, ``QM_pval`` (omnibus test of the moderators), ``method``, ``test``,
        ``level``, ``iterations``, ``notes``.

    Notes
    -----
    With :math:`W = \mathrm{diag}(1/(v_i+\hat\tau^2))`,
    :math:`\hat\beta = (X'WX)^{-1}X'Wy` and :math:`\mathrm{Var}(\hat\beta) = (X'WX)^{-1}` (times
    the Knapp-Hartung factor :math:`y'P y/(k-p)`). tau^2 follows metafor step for step: DL is
    :math:`(Q_E-(k-p))/\mathrm{tr}(P)`; ML and REML use Fisher scoring from the HE estimate [3]_,
    with the same threshold and step halving. QM is the Wald statistic of all coefficients but the
    intercept (divided by their number for knha, then F). :math:`R^2 = \max(0, 100(\hat\tau^2_0 -
    \hat\tau^2)/\hat\tau^2_0)` with :math:`\hat\tau^2_0` from the model without moderators [4]_;
    EE/FE report the adjusted R^2 of the weighted least-squares fit, as metafor.

    Checked against metafor 3.8-1 ``rma(yi, vi, mods=~ablat + year)`` and ``mods=~factor(alloc)``
    on dat.bcg for FE, DL, ML, REML and both tests (tests/meta/test_meta_regression.py).

    References
    ----------
    .. [1] Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal
       of Statistical Software 36(3):1-48. https://doi.org/10.18637/jss.v036.i03
    .. [2] Knapp G, Hartung J (2003). Improved tests for a random effects meta-regression with a
       single covariate. Statistics in Medicine 22(17):2693-2710. https://doi.org/10.1002/sim.1482
    .. [3] Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
       random-effects model. JEBS 30(3):261-293. https://doi.org/10.3102/10769986030003261
    .. [4] Raudenbush SW (2009). Analyzing effect sizes: random-effects models. In: Cooper H,
       Hedges LV, Valentine JC (eds), The Handbook of Research Synthesis and Meta-Analysis, 2nd
       ed., 295-315. Russell Sage Foundation.

    Examples
    --------
    >>> yi, vi, year = [0.1, 0.3, 0.5, 0.8], [0.01, 0.02, 0.01, 0.02], [1.0, 2.0, 3.0, 4.0]
    >>> res = meta_regression(yi, vi, year, method="DL", names=["year"])
    >>> [round(b, 4) for b in res.beta], res.tau2  # R: rma(yi, vi, mods=~year, method="DL"): -0.1363636, 0.2227273; 0
    ([-0.1364, 0.2227], 0.0)
    >>> res.coef_names
    ('intrcpt', 'year')
    """
    check_choice("method", method, REGRESSION_METHODS, owner="meta_regression")
    check_choice("test", test, ("z", "knha"), owner="meta_regression")
    if not 0 < level < 1:
        raise InputError("must be a proportion in (0, 1), e.g. 0.95", field="level", value=level)
    y, v = validated(yi, vi)
    k = y.size
    x, coef_names = _design(mods, k, names)
    p = x.shape[1]
    ctl = Control.from_mapping(control)
    notes: list[str] = []
    if test == "knha" and method in _EQUAL:
        notes.append(f"Knapp-Hartung is not meant for {method} models (metafor warns the same)")
        warnings.warn(notes[-1], SecretomeWarning, stacklevel=2)

    tau2, se_tau2, iterations = 0.0, None, 0
    if method == "DL":
        tau2, se_tau2 = _dl(y, v, x)
    elif method in ("ML", "REML"):
        tau2, se_tau2, iterations = _fisher_scoring(method, y, v, x, ctl, notes)

    w = 1 / (v + tau2)
    beta, vb, rss = _wls(y, w, x)
    df: int | None = None
    if test == "knha":
        vb = vb * (0.0 if rss <= np.finfo(np.float64).eps else rss / (k - p))
        df = k - p
    se = np.sqrt(np.diag(vb))
    zval = beta / se
    dist = stats.norm if df is None else stats.t(df)
    crit = float(dist.isf((1 - level) / 2))
    pval = 2 * dist.sf(np.abs(zval))

    m = p - 1
    qm = float(beta[1:] @ np.linalg.solve(vb[1:, 1:], beta[1:]))
    if df is None:
        qm_pval = float(stats.chi2.sf(qm, m))
    else:
        qm /= m
        qm_pval = float(stats.f.sf(qm, m, df))

    w0 = 1 / v
    _, _, qe = _wls(y, w0, x)
    qe = max(0.0, qe)
    vt = (k - p) / _trace_p(w0, x)
    if method in _EQUAL:
        i2, h2 = max(0.0, 100 * (qe - (k - p)) / qe) if qe > 0 else 0.0, qe / (k - p)
        r2 = _adjusted_r2(y, w0, qe, k, p)
    else:
        i2, h2 = 100 * tau2 / (vt + tau2), tau2 / vt + 1
        tau2_0 = random_effects(y, v, method=method, control=control).tau2
        r2 = 0.0 if tau2_0 == 0 else max(0.0, 100 * (tau2_0 - tau2) / tau2_0)

    return MetaRegressionResult(
        k=k,
        p=p,
        coef_names=coef_names,
        beta=tuple(float(b) for b in beta),
        se=tuple(float(s) for s in se),
        zval=tuple(float(z) for z in zval),
        pval=tuple(float(q) for q in pval),
        ci_lb=tuple(float(b - crit * s) for b, s in zip(beta, se, strict=True)),
        ci_ub=tuple(float(b + crit * s) for b, s in zip(beta, se, strict=True)),
        df=df,
        tau2=tau2,
        se_tau2=se_tau2,
        I2=i2,
        H2=h2,
        R2=r2,
        QE=qe,
        QE_df=k - p,
        QE_pval=float(stats.chi2.sf(qe, k - p)),
        QM=qm,
        QM_df=(m,) if df is None else (m, df),
        QM_pval=qm_pval,
        method=method,
        test=test,
        level=level,
        iterations=iterations,
        notes=tuple(notes),
    )


def _design(
    mods: ArrayLike | pd.DataFrame | None, k: int, names: Sequence[str] | None
) -> tuple[FloatArray, tuple[str, ...]]:
    """The model matrix: an intercept, then the moderators (each column checked like yi).

    Without *mods*, the intercept alone. Raises :class:`InputError` for collinear moderators or
    no more studies than coefficients.
    """
    if mods is None:
        return _checked(np.ones((k, 1)), ("intrcpt",))
    if isinstance(mods, pd.DataFrame):
        given = [str(c) for c in mods.columns]
        raw = mods.to_numpy(dtype=object)
    else:
        raw = np.asarray(mods, dtype=object)
        raw = raw.reshape(-1, 1) if raw.ndim == 1 else raw
        given = [f"mod{j}" for j in range(1, raw.shape[1] + 1)]
    if raw.ndim != 2 or raw.shape[0] != k:
        raise InputError(f"needs one row per study ({k}); got shape {raw.shape}", field="mods")
    labels = list(given if names is None else names)
    if len(labels) != raw.shape[1]:
        raise InputError(f"has {len(labels)} names for {raw.shape[1]} moderators", field="names")
    columns = [as_column(raw[:, j], labels[j]) for j in range(raw.shape[1])]
    return _checked(np.column_stack([np.ones(k), *columns]), ("intrcpt", *labels))


def _checked(x: FloatArray, coef_names: tuple[str, ...]) -> tuple[FloatArray, tuple[str, ...]]:
    k, p = x.shape
    if np.linalg.matrix_rank(x) < p:
        raise InputError("the moderators are collinear (the model matrix is not of full rank)", field="mods")
    if k <= p:
        raise InputError(f"needs more studies than coefficients ({p})", field="yi", value=k)
    return x, coef_names


def _wls(y: FloatArray, w: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray, float]:
    """Weighted least squares: coefficients, (X'WX)^-1 and the weighted RSS (= y'Py)."""
    xtwx_inv = np.linalg.inv(x.T @ (w[:, None] * x))
    beta = xtwx_inv @ (x.T @ (w * y))
    r = y - x @ beta
    return beta, xtwx_inv, float(w @ (r * r))


def _projection(w: FloatArray, x: FloatArray) -> FloatArray:
    # P = W - W X (X'WX)^-1 X'W, formed as metafor does: O(k^2 p) per call, fine for meta-regression.
    wx = w[:, None] * x
    return np.diag(w) - wx @ np.linalg.solve(x.T @ wx, wx.T)


def _trace_p(w: FloatArray, x: FloatArray) -> float:
    wx = w[:, None] * x
    return float(w.sum() - np.trace(np.linalg.solve(x.T @ wx, wx.T @ wx)))


def _dl(y: FloatArray, v: FloatArray, x: FloatArray) -> tuple[float, float]:
    k, p = x.shape
    w = 1 / v
    big_p = _projection(w, x)
    tr_p = float(np.trace(big_p))
    tau2 = max(0.0, (float(y @ big_p @ y) - (k - p)) / tr_p)
    se = math.sqrt((2 * (k - p) + 4 * tau2 * tr_p + 2 * tau2 * tau2 * float((big_p * big_p).sum())) / tr_p**2)
    return tau2, se


def _loglik(y: FloatArray, v: FloatArray, x: FloatArray, tau2: float, *, reml: bool) -> float:
    k, p = x.shape
    w = 1 / (v + tau2)
    _, xtwx_inv, rss = _wls(y, w, x)
    ll = -0.5 * float(np.log(v + tau2).sum()) - 0.5 * rss
    if reml:
        return ll - 0.5 * (k - p) * math.log(2 * math.pi) + 0.5 * float(np.linalg.slogdet(xtwx_inv)[1])
    return ll - 0.5 * k * math.log(2 * math.pi)


def _fisher_scoring(
    method: str, y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control, notes: list[str]
) -> tuple[float, float, int]:
    """ML/REML residual tau^2 by metafor's Fisher scoring, started at the HE estimate."""
    k, p = x.shape
    if ctl.tau2_init is None:
        h = _projection(np.ones(k), x)
        tau2 = max(0.0, (float(y @ h @ y) - float((np.diag(h) * v).sum())) / (k - p))
    else:
        tau2 = float(ctl.tau2_init)

    def step(tau2: float) -> float:
        w = 1 / (v + tau2)
        big_p = _projection(w, x)
        py = big_p @ y
        if method == "ML":
            return (float(py @ py) - float(w.sum())) / float(w @ w)
        return (float(py @ py) - float(np.trace(big_p))) / float((big_p * big_p.T).sum())

    tau2, iterations = fisher_scoring_loop(method, tau2, step, ctl)
    reml = method == "REML"
    checked = ctl.ll0check and ctl.tau2_init is None and tau2 > ctl.threshold
    if checked and _loglik(y, v, x, 0.0, reml=reml) - _loglik(y, v, x, tau2, reml=reml) > _LL0_TOL:
        notes.append(f"{method} may have stopped at a local maximum (tau^2 = {tau2:.6g}); set tau^2 = 0 as metafor")
        warnings.warn(notes[-1], SecretomeWarning, stacklevel=3)
        tau2 = 0.0
    w = 1 / (v + tau2)
    if method == "ML":
        return tau2, math.sqrt(2 / float(w @ w)), iterations
    big_p = _projection(w, x)
    return tau2, math.sqrt(2 / float((big_p * big_p).sum())), iterations


def _adjusted_r2(y: FloatArray, w: FloatArray, rss: float, k: int, p: int) -> float:
    # metafor's EE/FE R^2: max(0, 100 * adjusted R^2 of lm(yi ~ X, weights = 1/vi)).
    mu = float(w @ y) / float(w.sum())
    tss = float(w @ (y - mu) ** 2)
    if tss == 0:
        return 0.0
    return max(0.0, 100 * (1 - (rss / tss) * (k - 1) / (k - p)))

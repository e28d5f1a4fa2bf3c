"""Estimators of the between-study (residual) variance tau^2, with or without moderators.

One function per estimator, in metafor's names: :func:`tau2_dl`, :func:`tau2_he`, :func:`tau2_hs`,
:func:`tau2_sj`, :func:`tau2_ml`, :func:`tau2_reml`, :func:`tau2_pm` and :func:`tau2_eb`. Each follows
metafor 3.8-1 ``rma.uni`` step for step (same starting values, same Fisher-scoring update and
step-halving, same stopping rule), so the iterates agree to rounding error. The private forms in
:data:`ESTIMATORS` take the model matrix ``X``: a column of ones for :func:`random_effects`, the
intercept and moderators for :func:`meta_regression`, one implementation for both, as in
``rma.uni``. With ``p`` columns every step costs O(k p^2) (O(k) without moderators): the
projection matrix ``P`` is never formed (:class:`Projection`), while metafor forms ``P`` and
``P %*% P`` (k x k) in every iteration.

With moderators the degrees of freedom ``k - 1`` become ``k - p`` wherever metafor has them (DL,
HE, SJ, PM's target, EB's factor ``k/(k - p)``, the SEs), but not in HS's ``(Q_E - k)/sum(w)``,
and SJ still starts from the variance of ``yi`` about its mean: both as in metafor's ``rma.uni``.

EB and PM solve the same estimating equation (generalised Q equal to its degrees of freedom), so
metafor documents them as identical; its 3.8-1 source (``rma.uni``, deparsed here) finds the EB root
by the fixed-point update ``tau2 += (Q k/(k-p) - k) / sum(w)`` stopped when the change is below
``threshold`` = 1e-5, and PM by ``uniroot`` with ``tol`` = ``.Machine$double.eps^0.25``: the two
differ in the 5th significant digit on dat.bcg (0.318069 vs 0.318094, root 0.3180685). We keep both
algorithms, so each matches its metafor counterpart; PM's default ``tol`` is 1e-12, not metafor's
1.2e-4, so our PM is the root (metafor gives the same with ``control=list(tol=1e-12)``).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from secretome.errors import ConvergenceError, InputError, SecretomeWarning
from secretome.meta._columns import FloatArray, as_column, require

__all__ = [
    "EQUAL_METHODS",
    "TAU2_METHODS",
    "Tau2Method",
    "tau2_dl",
    "tau2_eb",
    "tau2_he",
    "tau2_hs",
    "tau2_ml",
    "tau2_pm",
    "tau2_reml",
    "tau2_sj",
]

Tau2Method = Literal["DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB"]
TAU2_METHODS: tuple[str, ...] = ("DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB")
"""The tau^2 estimators, in metafor's names."""


@dataclasses.dataclass(frozen=True, slots=True)
class Control:
    """metafor's ``control`` list for ``rma.uni``, with its defaults (PM's ``tol`` excepted).

    ``threshold`` stops Fisher scoring (ML, REML, EB) when tau^2 changes by less; ``maxiter``
    bounds the steps; ``stepadj`` scales each step; ``tau2_init`` replaces the starting value
    (the HE estimate for ML/REML/EB, the variance of ``yi`` for SJ); ``tol`` is the root-finding
    tolerance of PM and of the Q-profile CI; ``tau2_max`` bounds PM's search (default
    ``max(100, 10 mad(yi)^2)``); ``ll0check`` sets tau^2 = 0 when ML/REML stopped at a point whose
    likelihood is below the one at 0, as metafor does.
    """

    threshold: float = 1e-5
    maxiter: int = 100
    stepadj: float = 1.0
    tau2_init: float | None = None
    tol: float = 1e-12
    tau2_max: float | None = None
    ll0check: bool = True

    @classmethod
    def from_mapping(cls, control: Mapping[str, object] | None) -> Control:
        """Build from a user's dict; metafor's dotted names (``tau2.init``) are accepted too."""
        if not control:
            return cls()
        names = {f.name for f in dataclasses.fields(cls)}
        given = {str(key).replace(".", "_"): value for key, value in control.items()}
        unknown = sorted(set(given) - names)
        if unknown:
            raise InputError(
                f"unknown control setting; known: {', '.join(sorted(names))}", field="control", value=unknown[0]
            )
        return cls(**given)  # type: ignore[arg-type]


class Tau2Fit(NamedTuple):
    """What an estimator returns to the model: the estimate, its SE (metafor's formula), steps."""

    tau2: float
    se: float
    iterations: int
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# The projection matrix, never formed. metafor builds P = W - W X (X'WX)^-1 X'W (k x k) for every
# estimator and every Fisher-scoring step; the estimators only need quadratic forms and traces of
# P, which come from p x p cross-products and h = diag(X (X'WX)^-1 X') in O(k p^2).


class Projection:
    """metafor's ``P = W - W X (X'WX)^-1 X'W`` for weights *w* and model matrix *x*, as sums.

    With ``B = (X'WX)^-1`` and ``h_i = x_i' B x_i``: ``P_ii = w_i - w_i^2 h_i``, so
    ``tr(P D_a) = sum a_i (w_i - w_i^2 h_i)``; and for diagonal ``D_a``, ``D_b``,
    ``tr(P D_a P D_b) = sum w^2 a b - 2 sum w^3 h a b + tr(B X'D_{w^2 a}X B X'D_{w^2 b}X)``
    (expand ``P_ij^2``; the last term is ``sum_ij w_i^2 a_i w_j^2 b_j h_ij^2``). For the
    intercept-only model (``x`` a column of ones) these are the familiar sums over the weights.
    """

    __slots__ = ("h", "w", "x", "xtwx_inv")

    def __init__(self, w: FloatArray, x: FloatArray) -> None:
        self.w, self.x = w, x
        self.xtwx_inv = np.linalg.inv(x.T @ (w[:, None] * x))
        self.h = ((x @ self.xtwx_inv) * x).sum(axis=1)

    def residuals(self, y: FloatArray) -> FloatArray:
        """``y - X beta`` for the weighted least-squares ``beta`` (so ``P y = w * residuals``)."""
        return y - self.x @ (self.xtwx_inv @ (self.x.T @ (self.w * y)))

    def quad(self, y: FloatArray) -> float:
        """``y'P y``: the weighted residual sum of squares (generalised Q)."""
        r = self.residuals(y)
        return float(self.w @ (r * r))

    def trace(self, a: FloatArray | None = None) -> float:
        """``tr(P D_a)`` (``tr(P)`` without *a*)."""
        diag = self.w - self.w * self.w * self.h
        return float(diag.sum() if a is None else diag @ a)

    def trace2(self, a: FloatArray | None = None, b: FloatArray | None = None) -> float:
        """``tr(P D_a P D_b)`` (``tr(P^2) = sum(P * P)`` without *a* and *b*)."""
        w2 = self.w * self.w
        wa = w2 if a is None else w2 * a
        wb = w2 if b is None else w2 * b
        ma = self.xtwx_inv @ (self.x.T @ (wa[:, None] * self.x))
        mb = ma if b is a else self.xtwx_inv @ (self.x.T @ (wb[:, None] * self.x))
        return float(wa @ (wb / w2)) - 2 * float((wa * wb / self.w) @ self.h) + float(np.einsum("ij,ji->", ma, mb))


def intercept(k: int) -> FloatArray:
    """The model matrix of the model without moderators: a column of ones."""
    return np.ones((k, 1))


# ---------------------------------------------------------------------------------------------
# The estimators. Each takes validated y, v, the model matrix x (k x p, intercept included; a
# column of ones without moderators) and a Control, and returns a Tau2Fit: the same code serves
# random_effects and meta_regression, as metafor's rma.uni does with and without mods. The SEs are
# metafor's: the variance of a quadratic form y'Ay under normality, 2 tr((A M)^2) with
# M = V + tau2 I, expanded into the traces above.


def _dl(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    k, p = x.shape
    proj = Projection(1 / v, x)
    tr_p = proj.trace()
    tau2 = max(0.0, (proj.quad(y) - (k - p)) / tr_p)
    se = math.sqrt((2 * (k - p) + 4 * tau2 * tr_p + 2 * tau2 * tau2 * proj.trace2()) / tr_p**2)
    return Tau2Fit(tau2, se, 0)


def _he_raw(y: FloatArray, v: FloatArray, x: FloatArray) -> tuple[float, Projection]:
    # Ordinary least squares: P = I - X(X'X)^-1 X', E[y'Py] = tr(PV) + tau2 (k - p). Not truncated:
    # ML, REML and EB start from max(0, this), as metafor.
    k, p = x.shape
    proj = Projection(np.ones(k), x)
    return (proj.quad(y) - proj.trace(v)) / (k - p), proj


def _he(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    k, p = x.shape
    raw, proj = _he_raw(y, v, x)
    tau2 = max(0.0, raw)
    tr_pvpv, tr_pv = proj.trace2(v, v), proj.trace(v)
    se = math.sqrt((2 * tr_pvpv + 4 * tau2 * tr_pv + 2 * tau2 * tau2 * (k - p)) / (k - p) ** 2)
    return Tau2Fit(tau2, se, 0)


def _hs(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    k, p = x.shape
    proj = Projection(1 / v, x)
    s = float(proj.w.sum())
    # (Q_E - k) / sum(w): metafor keeps k here (not k - p) with moderators too.
    tau2 = max(0.0, (proj.quad(y) - k) / s)
    se = math.sqrt((2 * (k - p) + 4 * tau2 * proj.trace() + 2 * tau2 * tau2 * proj.trace2()) / s**2)
    return Tau2Fit(tau2, se, 0)


def _sj(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    k, p = x.shape
    # The start is the variance of yi about its mean, also with moderators (metafor's rma.uni).
    r = y - y.mean()
    tau2_0 = float(r @ r) / k if ctl.tau2_init is None else float(ctl.tau2_init)
    proj = Projection(1 / (v + tau2_0), x)
    tau2 = max(0.0, tau2_0 * proj.quad(y) / (k - p))
    spread = 2 * proj.trace2(v, v) + 4 * tau2 * proj.trace2(v) + 2 * tau2 * tau2 * proj.trace2()
    return Tau2Fit(tau2, tau2_0 / (k - p) * math.sqrt(spread), 0)


def _loglik(y: FloatArray, v: FloatArray, x: FloatArray, tau2: float, *, reml: bool) -> float:
    k, p = x.shape
    proj = Projection(1 / (v + tau2), x)
    ll = -0.5 * float(np.log(v + tau2).sum()) - 0.5 * proj.quad(y)
    if reml:
        return ll - 0.5 * (k - p) * math.log(2 * math.pi) + 0.5 * float(np.linalg.slogdet(proj.xtwx_inv)[1])
    return ll - 0.5 * k * math.log(2 * math.pi)


# metafor compares the two log-likelihoods with its default tol, .Machine$double.eps^0.25.
_LL0_TOL = float(np.finfo(np.float64).eps) ** 0.25


def fisher_scoring_loop(method: str, tau2: float, step: Callable[[float], float], ctl: Control) -> tuple[float, int]:
    """Iterate ``tau2 += stepadj * step(tau2)`` as metafor's Fisher scoring does; return tau^2 and steps.

    *step* is the scoring update at the current tau^2 (ML, REML or EB). A NaN step counts as 0;
    a step below 0 is halved until tau^2 stays >= 0 (metafor's ``tau2.min``); it stops when tau^2
    changes by less than ``ctl.threshold`` and raises :class:`ConvergenceError` after
    ``ctl.maxiter`` steps.
    """
    change, iterations = math.inf, 0
    while change > ctl.threshold:
        iterations += 1
        old = tau2
        adj = step(tau2)
        adj = 0.0 if math.isnan(adj) else adj * ctl.stepadj
        # Halving ends because adj underflows to 0 at worst.
        while tau2 + adj < 0:
            adj /= 2
        tau2 += adj
        change = abs(old - tau2)
        if iterations > ctl.maxiter:
            raise ConvergenceError(
                f"{method} (Fisher scoring) did not converge in {ctl.maxiter} steps: last tau^2 = {tau2:.6g}, "
                f"last change {change:.2e} > threshold {ctl.threshold:g}; try control={{'maxiter': 1000}} or "
                f"{{'stepadj': 0.5}}, or another estimator such as 'DL'"
            )
    return tau2, iterations


def batched_fisher_scoring_loop(
    tau2: FloatArray,
    active: NDArray[np.bool_],
    step: Callable[[NDArray[np.intp], FloatArray], FloatArray],
    ctl: Control,
) -> NDArray[np.bool_]:
    """:func:`fisher_scoring_loop` for many fits at once (GOSH subsets, permutations).

    ``step(idx, tau2[idx])`` gives the scoring updates of the fits still iterating; *tau2* is
    updated in place. Returns the mask of fits that had not converged after ``ctl.maxiter`` steps
    (no error: the callers report such fits as metafor does, one by one).
    """
    for _ in range(ctl.maxiter + 1):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        t = tau2[idx]
        adj = step(idx, t)
        adj = np.where(np.isnan(adj), 0.0, adj * ctl.stepadj)
        while np.any(neg := t + adj < 0):
            adj = np.where(neg, adj / 2, adj)
        new = t + adj
        tau2[idx] = new
        active[idx] = np.abs(new - t) > ctl.threshold
    return active


def _scoring_step(method: str, y: FloatArray, v: FloatArray, x: FloatArray) -> Callable[[float], float]:
    k, p = x.shape

    def step(tau2: float) -> float:
        proj = Projection(1 / (v + tau2), x)
        w = proj.w
        if method == "EB":
            return (proj.quad(y) * k / (k - p) - k) / float(w.sum())
        py = w * proj.residuals(y)
        # ML and REML scores differ only in the trace terms (metafor's Fisher scoring).
        if method == "ML":
            return (float(py @ py) - float(w.sum())) / float(w @ w)
        return (float(py @ py) - proj.trace()) / proj.trace2()

    return step


def _fisher_scoring(method: str, y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    """ML, REML and EB by metafor's Fisher scoring (Viechtbauer 2005), O(k p^2) per step."""
    k, p = x.shape
    start = max(0.0, _he_raw(y, v, x)[0]) if ctl.tau2_init is None else float(ctl.tau2_init)
    tau2, iterations = fisher_scoring_loop(method, start, _scoring_step(method, y, v, x), ctl)
    notes: tuple[str, ...] = ()
    if method != "EB" and ctl.ll0check and ctl.tau2_init is None:
        reml = method == "REML"
        ll0, ll = _loglik(y, v, x, 0.0, reml=reml), _loglik(y, v, x, tau2, reml=reml)
        if ll0 - ll > _LL0_TOL and tau2 > ctl.threshold:
            notes = (f"{method} may have stopped at a local maximum (tau^2 = {tau2:.6g}); set tau^2 = 0 as metafor",)
            warnings.warn(notes[0], SecretomeWarning, stacklevel=4)
            tau2 = 0.0
    proj = Projection(1 / (v + tau2), x)
    if method == "ML":
        se = math.sqrt(2 / float(proj.w @ proj.w))
    elif method == "REML":
        se = math.sqrt(2 / proj.trace2())
    else:
        se = _pm_se(proj.w, k, p)
    return Tau2Fit(tau2, se, iterations, notes)


def _ml(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    return _fisher_scoring("ML", y, v, x, ctl)


def _reml(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    return _fisher_scoring("REML", y, v, x, ctl)


def _eb(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    return _fisher_scoring("EB", y, v, x, ctl)


def _pm_se(w: FloatArray, k: int, p: int) -> float:
    return math.sqrt(2 * k * k / (k - p) / float(w.sum()) ** 2)


def _mad(y: FloatArray) -> float:
    # R's mad(): median absolute deviation scaled by 1.4826 (consistent for the normal SD).
    return 1.4826 * float(np.median(np.abs(y - np.median(y))))


def _pm(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    k, p = x.shape
    target = k - p

    def excess(tau2: float) -> float:
        return Projection(1 / (v + tau2), x).quad(y) - target

    # metafor bounds the search by the spread of yi itself, moderators or not.
    tau2_max = max(100.0, 10 * _mad(y) ** 2) if ctl.tau2_max is None else float(ctl.tau2_max)
    if excess(0.0) < 0:
        tau2, iterations = 0.0, 0
    elif excess(tau2_max) > 0:
        raise ConvergenceError(
            f"PM: the generalised Q is still above {target} at tau^2 = tau2_max = {tau2_max:g}; "
            f"raise control={{'tau2_max': ...}} or use another method"
        )
    else:
        tau2, info = brentq(excess, 0.0, tau2_max, xtol=ctl.tol, maxiter=max(ctl.maxiter, 100), full_output=True)
        iterations = info.iterations
    return Tau2Fit(float(tau2), _pm_se(1 / (v + tau2), k, p), iterations)


ESTIMATORS: dict[str, Callable[[FloatArray, FloatArray, FloatArray, Control], Tau2Fit]] = {
    "DL": _dl,
    "HE": _he,
    "HS": _hs,
    "SJ": _sj,
    "ML": _ml,
    "REML": _reml,
    "PM": _pm,
    "EB": _eb,
}


def validated(yi: ArrayLike, vi: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """yi and vi as float arrays of one length, vi > 0 (rows named in errors)."""
    y = as_column(yi, "yi")
    v = as_column(vi, "vi", length=y.size)
    require(v, "vi", lambda x: x > 0, "sampling variance must be > 0")
    return y, v


def _public(method: str, yi: ArrayLike, vi: ArrayLike, control: Mapping[str, object] | None) -> float:
    y, v = validated(yi, vi)
    if y.size < 2:
        raise InputError(f"tau^2 ({method}) needs at least 2 studies", field="yi", value=int(y.size))
    return ESTIMATORS[method](y, v, intercept(y.size), Control.from_mapping(control)).tau2


EQUAL_METHODS: tuple[str, ...] = ("EE", "FE")
"""Model methods without tau^2 (equal or fixed effects)."""


def fit_chain(
    methods: Sequence[str], y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control, notes: list[str]
) -> tuple[str, Tau2Fit]:
    """Fit the first method of *methods* that converges, as metafor's ``method=c("REML", "DL")``.

    Used by random_effects (*x* a column of ones) and meta_regression (*x* with moderators), as
    metafor's ``rma.uni`` does with and without ``mods``. Each fallback is appended to *notes* and
    warned about; the last method's :class:`ConvergenceError` is raised. EE and FE give tau^2 = 0.
    """
    for method, fallback in itertools.pairwise(methods):
        try:
            return method, _fit_one(method, y, v, x, ctl)
        except ConvergenceError as exc:
            notes.append(f"{method} did not converge, used {fallback} instead ({exc})")
            warnings.warn(notes[-1], SecretomeWarning, stacklevel=3)
    return methods[-1], _fit_one(methods[-1], y, v, x, ctl)


def _fit_one(method: str, y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    if method in EQUAL_METHODS:
        return Tau2Fit(0.0, math.nan, 0)
    if y.size < 2:
        raise InputError(f"a random-effects model ({method}) needs at least 2 studies", field="yi", value=int(y.size))
    return ESTIMATORS[method](y, v, x, ctl)


# ---------------------------------------------------------------------------------------------
# Public one-liners. Each returns tau^2 (truncated at 0, as metafor); rma() gives SE and the rest.


def tau2_dl(yi: ArrayLike, vi: ArrayLike) -> float:
    """DerSimonian-Laird method-of-moments tau^2 [1]_, truncated at 0.

    Checked against metafor ``rma(yi, vi, method="DL")$tau2`` (tests/meta/test_tau2.py).

    References
    ----------
    .. [1] DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. Controlled Clinical
       Trials 7(3):177-188. https://doi.org/10.1016/0197-2456(86)90046-2

    >>> tau2_dl([0.2, 0.2, 0.2], [0.01, 0.02, 0.04])  # identical effects, so tau^2 = 0
    0.0
    """
    return _public("DL", yi, vi, None)


def tau2_he(yi: ArrayLike, vi: ArrayLike) -> float:
    """Hedges' unweighted method-of-moments tau^2 [1]_ [2]_ (metafor's ``"HE"``), truncated at 0.

    ``(y'Py - tr(PV)) / (k - p)`` with the ordinary least-squares ``P``. Checked against metafor
    ``rma(yi, vi, method="HE")$tau2``.

    References
    ----------
    .. [1] Hedges LV (1983). A random effects model for effect sizes. Psychological Bulletin
       93(2):388-395. https://doi.org/10.1037/0033-2909.93.2.388
    .. [2] Hedges LV, Olkin I (1985). Statistical Methods for Meta-Analysis. Academic Press.
       https://doi.org/10.1016/C2009-0-03396-0

    >>> round(tau2_he([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), 4)  # R: 0.15
    0.15
    """
    return _public("HE", yi, vi, None)


def tau2_hs(yi: ArrayLike, vi: ArrayLike) -> float:
    """Hunter-Schmidt tau^2 [1]_, ``(Q - k) / sum(w)``, truncated at 0.

    Checked against metafor ``rma(yi, vi, method="HS")$tau2``.

    References
    ----------
    .. [1] Hunter JE, Schmidt FL (2004). Methods of Meta-Analysis, 2nd ed. Sage.
       https://doi.org/10.4135/9781412985031

    >>> round(tau2_hs([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), 4)  # R: 0.09666667
    0.0967
    """
    return _public("HS", yi, vi, None)


def tau2_sj(yi: ArrayLike, vi: ArrayLike, *, control: Mapping[str, object] | None = None) -> float:
    """Sidik-Jonkman tau^2 [1]_ (one step from the variance of ``yi``; ``control`` tau2_init).

    Checked against metafor ``rma(yi, vi, method="SJ")$tau2``.

    References
    ----------
    .. [1] Sidik K, Jonkman JN (2005). Simple heterogeneity variance estimation for
       meta-analysis. JRSS C 54(2):367-384. https://doi.org/10.1111/j.1467-9876.2005.00489.x

    >>> round(tau2_sj([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), 4)  # R: 0.1462857
    0.1463
    """
    return _public("SJ", yi, vi, control)


def tau2_ml(yi: ArrayLike, vi: ArrayLike, *, control: Mapping[str, object] | None = None) -> float:
    """Maximum-likelihood tau^2 by Fisher scoring [1]_, started at the HE estimate (metafor).

    Raises :class:`~secretome.errors.ConvergenceError` after ``control["maxiter"]`` steps.
    Checked against metafor ``rma(yi, vi, method="ML")$tau2``.

    References
    ----------
    .. [1] Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
       random-effects model. JEBS 30(3):261-293. https://doi.org/10.3102/10769986030003261

    >>> round(tau2_ml([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), 4)  # R: 0.09666667
    0.0967
    """
    return _public("ML", yi, vi, control)


def tau2_reml(yi: ArrayLike, vi: ArrayLike, *, control: Mapping[str, object] | None = None) -> float:
    """Restricted maximum-likelihood tau^2 by Fisher scoring [1]_, O(k) per step.

    Raises :class:`~secretome.errors.ConvergenceError` after ``control["maxiter"]`` steps.
    Checked against metafor ``rma(yi, vi, method="REML")$tau2``.

    References
    ----------
    .. [1] Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
       random-effects model. JEBS 30(3):261-293. https://doi.org/10.3102/10769986030003261

    >>> round(tau2_reml([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), 4)  # R: 0.15
    0.15
    """
    return _public("REML", yi, vi, control)


def tau2_pm(yi: ArrayLike, vi: ArrayLike, *, control: Mapping[str, object] | None = None) -> float:
    """Paule-Mandel tau^2 [1]_: the root of generalised Q(tau^2) = k - 1 (Brent's method).

    Checked against metafor ``rma(yi, vi, method="PM", control=list(tol=1e-12))$tau2``; metafor's
    default ``tol`` (1.2e-4) stops short of the root.

    References
    ----------
    .. [1] Paule RC, Mandel J (1982). Consensus values and weighting factors. Journal of Research
       of the National Bureau of Standards 87(5):377-385. https://doi.org/10.6028/jres.087.022

    >>> round(tau2_pm([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), 4)  # R: 0.15
    0.15
    """
    return _public("PM", yi, vi, control)


def tau2_eb(yi: ArrayLike, vi: ArrayLike, *, control: Mapping[str, object] | None = None) -> float:
    """Empirical Bayes tau^2 [1]_ [2]_: PM's equation solved by metafor's fixed-point iteration.

    Checked against metafor ``rma(yi, vi, method="EB")$tau2`` (see the module docstring for why
    it differs from PM in the 5th digit with metafor's default threshold).

    References
    ----------
    .. [1] Morris CN (1983). Parametric empirical Bayes inference: theory and applications. JASA
       78(381):47-55. https://doi.org/10.1080/01621459.1983.10477920
    .. [2] Berkey CS, Hoaglin DC, Mosteller F, Colditz GA (1995). A random-effects regression
       model for meta-analysis. Statistics in Medicine 14(4):395-411.
       https://doi.org/10.1002/sim.4780140406

    >>> round(tau2_eb([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), 4)  # R: 0.15
    0.15
    """
    return _public("EB", yi, vi, control)

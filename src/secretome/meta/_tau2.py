"""Estimators of the between-study (residual) variance tau^2, with or without moderators.

One function per estimator, in metafor's names: :func:`tau2_dl`, :func:`tau2_he`, :func:`tau2_hs`,
:func:`tau2_hsk`, :func:`tau2_sj`, :func:`tau2_ml`, :func:`tau2_reml`, :func:`tau2_pm`, :func:`tau2_pmm`
and :func:`tau2_eb`, and with user weights :func:`tau2_genq` and :func:`tau2_genqm`. Each follows
metafor 3.8-1 ``rma.uni`` step for step (same starting values, same Fisher-scoring update and
step-halving, same stopping rule), so the iterates agree to rounding error. The private forms in
:data:`ESTIMATORS` take the model matrix ``X``: a column of ones for :func:`random_effects`, the
intercept and moderators for :func:`meta_regression`, one implementation for both, as in
``rma.uni``. With ``p`` columns every step costs O(k p^2) (O(k) without moderators): the
projection matrix ``P`` is never formed (:class:`Projections`), while metafor forms ``P`` and
``P %*% P`` (k x k) in every iteration. Each formula is written once for a :class:`Batch` of B
fits (:func:`batch_tau2`: permutation_test and gosh refit all permutations or subsets at once);
the single-fit estimators are the case B = 1.

With moderators the degrees of freedom ``k - 1`` become ``k - p`` wherever metafor has them (DL,
HE, SJ, PM's target, EB's factor ``k/(k - p)``, the SEs), but not in HS's ``(Q_E - k)/sum(w)``,
and SJ still starts from the variance of ``yi`` about its mean: both as in metafor's ``rma.uni``.

EB and PM solve the same estimating equation (generalised Q equal to its degrees of freedom), so
metafor documents them as identical; its 3.8-1 source (``rma.uni``, deparsed here) finds the EB root
by the fixed-point update ``tau2 += (Q k/(k-p) - k) / sum(w)`` stopped when the change is below
``threshold`` = 1e-5, and PM by ``uniroot`` (Brent 1973) on ``[0, tau2_max]`` stopped at ``tol`` =
``.Machine$double.eps^0.25`` (about 1.2e-4): the two differ in the 5th significant digit on dat.bcg
(0.318069 vs 0.318094, root 0.3180685). We keep both algorithms with metafor's stopping rules and
defaults (:class:`Control`), so each matches its metafor counterpart to the printed digits at the
defaults, and to the root with a tighter ``control`` on both sides (``{"tol": 1e-12}`` and
``list(tol = 1e-12)``). PM's root finder is R's ``zeroin`` step for step (:func:`uniroot_batch`).
PMM, the median-unbiased form of PM, is the same search with the median of chi-square on k - p df as
its target.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, NamedTuple, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from secretome._limits import MAX_EFFECT_SIZE, MAX_SAMPLING_VARIANCE, MIN_SAMPLING_VARIANCE
from secretome.errors import (
    ConvergenceError,
    InputError,
    NumericalError,
    SecretomeError,
    SecretomeWarning,
    check_choice,
)
from secretome.meta._columns import FloatArray, as_column, require
from secretome.meta._distributions import chi2_ppf
from secretome.meta._marginal import one_blas_thread
from secretome.meta._quadratic_forms import quadratic_form_cdf
from secretome.meta._uniroot import uniroot, uniroot_batch

__all__ = [
    "EQUAL_METHODS",
    "NEGATIVE_VI",
    "NONPOSITIVE_VI",
    "TAU2_METHODS",
    "VI_RATIO",
    "Tau2Method",
    "nonpositive_variances",
    "tau2_dl",
    "tau2_eb",
    "tau2_genq",
    "tau2_genqm",
    "tau2_he",
    "tau2_hs",
    "tau2_hsk",
    "tau2_ml",
    "tau2_pm",
    "tau2_pmm",
    "tau2_reml",
    "tau2_sj",
    "variance_ratio_notes",
]

# Each vocabulary is spelled once, as a Literal for type checkers; the tuples checked at run time
# are read from it.
Tau2Method = Literal["DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "PM", "PMM", "EB"]
TAU2_METHODS: tuple[str, ...] = get_args(Tau2Method)
"""The tau^2 estimators, in metafor's names."""

WeightedMethod = Literal["GENQ", "GENQM"]
WEIGHTED_METHODS: tuple[str, ...] = get_args(WeightedMethod)
"""The tau^2 estimators that take the user's weights (metafor's ``weights``): the generalised Q ones."""

EqualMethod = Literal["EE", "FE"]
EQUAL_METHODS: tuple[str, ...] = get_args(EqualMethod)
"""Model methods without tau^2 (equal or fixed effects)."""


# R's .Machine$double.eps^0.25: metafor's default tol for uniroot (PM, confint) and for its ll0check.
METAFOR_TOL = float(np.finfo(np.float64).eps) ** 0.25


@dataclasses.dataclass(frozen=True, slots=True)
class Control:
    """metafor's ``control`` list for ``rma.uni``, with its names and defaults (metafor 3.8-1).

    ``threshold`` stops Fisher scoring (ML, REML, EB) when tau^2 changes by less; ``maxiter``
    bounds the steps (and PM's ``uniroot`` iterations); ``stepadj`` scales each step;
    ``tau2_init`` replaces the starting value (the HE estimate for ML/REML/EB, the variance of
    ``yi`` for SJ); ``tol`` is the tolerance of PM's ``uniroot`` and of the Q-profile CI computed
    with the model, and the margin of the ``ll0check`` (metafor's ``.Machine$double.eps^0.25``);
    ``tau2_max`` bounds PM's search (default ``max(100, 10 mad(yi)^2)``); ``ll0check`` sets
    tau^2 = 0 when ML/REML stopped at a point whose likelihood is more than ``tol`` below the one at
    0, as metafor does; ``evtol`` sets the ratio of the largest to the smallest sampling variance
    (``1/evtol``) from which the model warns (:func:`variance_ratio_notes`; metafor also uses it for
    its rank check of the model matrix, which here drops redundant predictors by numerical rank).

    >>> Control.from_mapping({"tol": 1e-12, "tau2.init": 0.1}).tau2_init
    0.1
    """

    threshold: float = 1e-5
    maxiter: int = 100
    stepadj: float = 1.0
    tau2_init: float | None = None
    tol: float = METAFOR_TOL
    tau2_max: float | None = None
    ll0check: bool = True
    evtol: float = 1e-7

    @classmethod
    def from_mapping(cls, control: Mapping[str, object] | None) -> Control:
        """Build from a user's dict; metafor's dotted names (``tau2.init``) are accepted too; values are checked."""
        if not control:
            return cls()
        names = {f.name for f in dataclasses.fields(cls)}
        given = {str(key).replace(".", "_"): value for key, value in control.items()}
        unknown = sorted(set(given) - names)
        if unknown:
            raise InputError(
                f"unknown control setting; known: {', '.join(sorted(names))}", field="control", value=unknown[0]
            )
        for name, value in given.items():
            _check_setting(name, value)
        return cls(**given)  # type: ignore[arg-type]


def _check_setting(name: str, value: object) -> None:
    """One control setting of the right kind: a number > 0 (``tau2_init`` >= 0), an integer ``maxiter``, a bool."""
    if name == "ll0check":
        ok = isinstance(value, bool)
        want = "true or false"
    elif name == "maxiter":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        want = "an integer >= 1"
    elif name == "tau2_init":
        ok = value is None or (_is_real(value) and value >= 0)  # type: ignore[operator]
        want = "a number >= 0"
    else:
        ok = (value is None and name == "tau2_max") or (_is_real(value) and value > 0)  # type: ignore[operator]
        want = "a number > 0"
    if not ok:
        raise InputError(f"control setting {name!r} must be {want}", field="control", value=value)


def _is_real(value: object) -> bool:
    number = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    return number and math.isfinite(value)  # type: ignore[arg-type]


class Tau2Fit(NamedTuple):
    """What an estimator returns to the model: the estimate, its SE (metafor's formula), steps."""

    tau2: float
    se: float
    iterations: int
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------
# The projection matrix, never formed. metafor builds P = W - W X (X'WX)^-1 X'W (k x k) for every
# estimator and every Fisher-scoring step; the estimators only need quadratic forms and traces of
# P, which come from p x p cross-products and h = diag(X (X'WX)^-1 X') in O(k p^2). They are
# computed for B fits at once (permutations, GOSH subsets); one fit is the case B = 1.


class Projections:
    """metafor's ``P = W - W X (X'WX)^-1 X'W`` for B fits at once: weights *w* (B, k), model matrices *x* (B|1, k, p).

    With ``B = (X'WX)^-1`` and ``h_i = x_i' B x_i``: ``P_ii = w_i - w_i^2 h_i``, so
    ``tr(P D_a) = sum a_i (w_i - w_i^2 h_i)``; and for diagonal ``D_a``, ``D_b``,
    ``tr(P D_a P D_b) = sum w^2 a b - 2 sum w^3 h a b + tr(B X'D_{w^2 a}X B X'D_{w^2 b}X)``
    (expand ``P_ij^2``; the last term is ``sum_ij w_i^2 a_i w_j^2 b_j h_ij^2``). A study with weight
    0 is out of the fit (GOSH subsets). ``quad``, ``trace`` and ``trace2`` give one value per fit, shape (B,).
    """

    __slots__ = ("_ones", "_xt", "h", "w", "x", "xtwx_inv")

    def __init__(self, w: FloatArray, x: FloatArray) -> None:
        self.w, self.x = w, x
        # The model without moderators (one shared column of ones) reduces every product to sums over
        # the weights, cheaper than the p x p algebra: GOSH and the intercept-only permutation test.
        self._ones = x.shape[0] == 1 and x.shape[2] == 1 and bool(np.all(x == 1))
        # Batched matmul (BLAS) broadcasts a shared x (1, k, p) against B fits without copying it.
        self._xt = np.swapaxes(x, 1, 2)
        if self._ones:
            self.xtwx_inv = (1 / w.sum(axis=1))[:, None, None]
            self.h = np.broadcast_to(self.xtwx_inv[:, 0], w.shape)
        else:
            self.xtwx_inv = np.linalg.inv(self.xtdx(w))
            self.h = ((x @ self.xtwx_inv) * x).sum(axis=2)

    def xtdx(self, d: FloatArray) -> FloatArray:
        """``X' D_d X`` per fit, shape (B, p, p)."""
        if self._ones:
            return d.sum(axis=1)[:, None, None]
        return self._xt @ (d[:, :, None] * self.x)

    def beta(self, y: FloatArray) -> FloatArray:
        """The weighted least-squares coefficients ``(X'WX)^-1 X'W y``, shape (B, p)."""
        wy = self.w * y
        if self._ones:
            return wy.sum(axis=1)[:, None] * self.xtwx_inv[:, 0]
        return (self.xtwx_inv @ (self._xt @ wy[:, :, None]))[:, :, 0]

    def residuals(self, y: FloatArray) -> FloatArray:
        """``y - X beta`` (so ``P y = w * residuals``), shape (B, k)."""
        beta = self.beta(y)
        return y - (beta if self._ones else (self.x @ beta[:, :, None])[:, :, 0])

    def quad(self, y: FloatArray) -> FloatArray:
        """``y'P y``: the weighted residual sum of squares (generalised Q)."""
        r = self.residuals(y)
        return (self.w * r * r).sum(axis=1)

    def trace(self, a: FloatArray | None = None) -> FloatArray:
        """``tr(P D_a)`` (``tr(P)`` without *a*)."""
        diag = self.w - self.w * self.w * self.h
        return (diag if a is None else diag * a).sum(axis=1)

    def trace2(self, a: FloatArray | None = None, b: FloatArray | None = None) -> FloatArray:
        """``tr(P D_a P D_b)`` (``tr(P^2) = sum(P * P)`` without *a* and *b*)."""
        w2 = self.w * self.w
        ab = w2 if a is None and b is None else w2 * (1.0 if a is None else a) * (1.0 if b is None else b)
        ma = self.xtwx_inv @ self.xtdx(w2 if a is None else w2 * a)
        mb = ma if b is a else self.xtwx_inv @ self.xtdx(w2 if b is None else w2 * b)
        return ab.sum(axis=1) - 2 * (ab * self.w * self.h).sum(axis=1) + np.einsum("bij,bji->b", ma, mb)


class Projection:
    """One fit's ``P`` for weights *w* (k,) and model matrix *x* (k, p): :class:`Projections` with B = 1, as floats."""

    __slots__ = ("_batch", "w", "x")

    def __init__(self, w: FloatArray, x: FloatArray) -> None:
        self.w, self.x = w, x
        self._batch = Projections(w[None, :], x[None])

    @classmethod
    def of(cls, batch: Projections) -> Projection:
        """The single fit of a B = 1 *batch*, without computing it again."""
        proj = cls.__new__(cls)
        proj.w, proj.x, proj._batch = batch.w[0], batch.x[0], batch
        return proj

    @property
    def xtwx_inv(self) -> FloatArray:
        """``(X'WX)^-1`` (p x p)."""
        return self._batch.xtwx_inv[0]

    def beta(self, y: FloatArray) -> FloatArray:
        """The weighted least-squares coefficients ``(X'WX)^-1 X'W y`` (p,)."""
        return self._batch.beta(y[None, :])[0]

    def residuals(self, y: FloatArray) -> FloatArray:
        """``y - X beta`` for the weighted least-squares ``beta`` (so ``P y = w * residuals``)."""
        return self._batch.residuals(y[None, :])[0]

    def quad(self, y: FloatArray) -> float:
        """``y'P y``: the weighted residual sum of squares (generalised Q)."""
        return float(self._batch.quad(y[None, :])[0])

    def trace(self, a: FloatArray | None = None) -> float:
        """``tr(P D_a)`` (``tr(P)`` without *a*)."""
        return float(self._batch.trace(a)[0])

    def trace2(self, a: FloatArray | None = None, b: FloatArray | None = None) -> float:
        """``tr(P D_a P D_b)`` (``tr(P^2) = sum(P * P)`` without *a* and *b*)."""
        return float(self._batch.trace2(a, b)[0])


def intercept(k: int) -> FloatArray:
    """The model matrix of the model without moderators: a column of ones."""
    return np.ones((k, 1))


@dataclasses.dataclass(frozen=True, slots=True)
class Batch:
    """B data sets on the same k studies, fitted at once (permutations, GOSH subsets; B = 1 for one fit).

    ``y`` (B, k) effects; ``v`` (k,) sampling variances; ``x`` (B or 1, k, p) model matrices (intercept
    included); ``m`` (B, k) 0/1 marks of the studies in each fit (GOSH subsets), or None for all.
    """

    y: FloatArray
    v: FloatArray
    x: FloatArray
    m: FloatArray | None = None

    @classmethod
    def one(cls, y: FloatArray, v: FloatArray, x: FloatArray) -> Batch:
        """The single fit of *y*, *v* and *x* (k, p)."""
        return cls(y[None, :], v, x[None])

    @property
    def k(self) -> FloatArray:
        """Studies per fit, shape (B,)."""
        return np.full(self.y.shape[0], float(self.y.shape[1])) if self.m is None else self.m.sum(axis=1)

    @property
    def p(self) -> int:
        """Coefficients per fit (intercept included)."""
        return int(self.x.shape[2])

    def weights(self, tau2: FloatArray | float) -> FloatArray:
        """``1 / (v + tau2)`` per fit (0 for studies out of the fit), shape (B, k)."""
        w = 1 / (self.v + np.reshape(tau2, (-1, 1)))
        w = np.broadcast_to(w, self.y.shape)
        return w if self.m is None else w * self.m

    def unit_weights(self) -> FloatArray:
        """Weights 1 for the studies in each fit (ordinary least squares), shape (B, k)."""
        return np.ones(self.y.shape) if self.m is None else self.m

    def take(self, idx: NDArray[np.intp]) -> Batch:
        """The fits *idx* only."""
        if idx.size == self.y.shape[0]:
            return self
        x = self.x if self.x.shape[0] == 1 else self.x[idx]
        return Batch(self.y[idx], self.v, x, None if self.m is None else self.m[idx])


# ---------------------------------------------------------------------------------------------
# The estimators. Each tau^2 formula is written once, for a Batch of fits (permutation_test and gosh
# refit thousands of data sets at once); the Tau2Fit estimators below (one data set; the model
# matrix x is a column of ones for random_effects, the intercept and moderators for
# meta_regression, as metafor's rma.uni) are the case B = 1 plus metafor's SE of tau^2: the
# variance of a quadratic form y'Ay under normality, 2 tr((A M)^2) with M = V + tau2 I, expanded
# into the traces above.


def _dl_batch(s: Batch) -> tuple[FloatArray, Projections]:
    proj = Projections(s.weights(0.0), s.x)
    return np.maximum(0.0, (proj.quad(s.y) - (s.k - s.p)) / proj.trace()), proj


def _he_raw(s: Batch) -> tuple[FloatArray, Projections]:
    # Ordinary least squares: P = I - X(X'X)^-1 X', E[y'Py] = tr(PV) + tau2 (k - p). Not truncated:
    # ML, REML and EB start from max(0, this), as metafor.
    proj = Projections(s.unit_weights(), s.x)
    return (proj.quad(s.y) - proj.trace(s.v)) / (s.k - s.p), proj


def _hs_batch(s: Batch, *, small_sample: bool = False) -> tuple[FloatArray, Projections]:
    """HS's ``(Q_E - k) / sum(w)``, or HSk's ``(Q_E k/(k - p) - k) / sum(w)`` with *small_sample*."""
    proj = Projections(s.weights(0.0), s.x)
    q = proj.quad(s.y)
    if small_sample:
        q = q * s.k / (s.k - s.p)
    # metafor keeps k here (not k - p) with moderators too.
    return np.maximum(0.0, (q - s.k) / proj.w.sum(axis=1)), proj


def _sj_batch(s: Batch, ctl: Control) -> tuple[FloatArray, FloatArray, Projections]:
    """SJ's tau^2, its starting value and the projection at that start."""
    if ctl.tau2_init is None:
        # The start is the variance of yi about its mean, also with moderators (metafor's rma.uni).
        m = s.unit_weights()
        r = s.y - ((m * s.y).sum(axis=1) / s.k)[:, None]
        tau2_0 = (m * r * r).sum(axis=1) / s.k
    else:
        tau2_0 = np.full(s.y.shape[0], float(ctl.tau2_init))
    proj = Projections(s.weights(tau2_0), s.x)
    return np.maximum(0.0, tau2_0 * proj.quad(s.y) / (s.k - s.p)), tau2_0, proj


def _dl(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    k, p = x.shape
    tau2s, batch = _dl_batch(Batch.one(y, v, x))
    tau2, proj = float(tau2s[0]), Projection.of(batch)
    tr_p = proj.trace()
    se = math.sqrt((2 * (k - p) + 4 * tau2 * tr_p + 2 * tau2 * tau2 * proj.trace2()) / tr_p**2)
    return Tau2Fit(tau2, se, 0)


def _he(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    k, p = x.shape
    raw, batch = _he_raw(Batch.one(y, v, x))
    tau2, proj = max(0.0, float(raw[0])), Projection.of(batch)
    tr_pvpv, tr_pv = proj.trace2(v, v), proj.trace(v)
    se = math.sqrt((2 * tr_pvpv + 4 * tau2 * tr_pv + 2 * tau2 * tau2 * (k - p)) / (k - p) ** 2)
    return Tau2Fit(tau2, se, 0)


def _hs_fit(y: FloatArray, v: FloatArray, x: FloatArray, *, small_sample: bool) -> Tau2Fit:
    k, p = x.shape
    tau2s, batch = _hs_batch(Batch.one(y, v, x), small_sample=small_sample)
    tau2, proj = float(tau2s[0]), Projection.of(batch)
    s = float(proj.w.sum())
    se = math.sqrt((2 * (k - p) + 4 * tau2 * proj.trace() + 2 * tau2 * tau2 * proj.trace2()) / s**2)
    # HSk's SE is HS's times the same factor k/(k - p) (metafor's rma.uni).
    return Tau2Fit(tau2, se * k / (k - p) if small_sample else se, 0)


def _hs(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    return _hs_fit(y, v, x, small_sample=False)


def _hsk(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    return _hs_fit(y, v, x, small_sample=True)


def _sj(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    k, p = x.shape
    tau2s, starts, batch = _sj_batch(Batch.one(y, v, x), ctl)
    tau2, tau2_0, proj = float(tau2s[0]), float(starts[0]), Projection.of(batch)
    spread = 2 * proj.trace2(v, v) + 4 * tau2 * proj.trace2(v) + 2 * tau2 * tau2 * proj.trace2()
    return Tau2Fit(tau2, tau2_0 / (k - p) * math.sqrt(spread), 0)


def _loglik(s: Batch, tau2: FloatArray, *, reml: bool) -> FloatArray:
    """ML or REML log-likelihood of each fit at *tau2* (metafor's ``ll.ML``/``ll.REML``)."""
    vt = s.v + tau2[:, None]
    log_vt = np.log(vt) if s.m is None else s.m * np.log(vt)
    proj = Projections(s.weights(tau2), s.x)
    ll = -0.5 * log_vt.sum(axis=1) - 0.5 * proj.quad(s.y)
    if reml:
        return ll - 0.5 * (s.k - s.p) * math.log(2 * math.pi) + 0.5 * np.linalg.slogdet(proj.xtwx_inv)[1]
    return ll - 0.5 * s.k * math.log(2 * math.pi)


def _stuck_at_local_maximum(method: str, s: Batch, tau2: FloatArray, ctl: Control) -> NDArray[np.bool_]:
    """metafor's ``ll0check``: the ML/REML fits whose likelihood is over ``tol`` below the one at 0 (set to 0 there)."""
    stuck = np.zeros(tau2.size, dtype=bool)
    if method == "EB" or not ctl.ll0check or ctl.tau2_init is not None:
        return stuck
    check = np.flatnonzero(tau2 > ctl.threshold)  # NaN (a failed fit) is not checked
    if check.size:
        sub, reml = s.take(check), method == "REML"
        stuck[check] = _loglik(sub, np.zeros(check.size), reml=reml) - _loglik(sub, tau2[check], reml=reml) > ctl.tol
    return stuck


FISHER_SCORING = "Fisher scoring algorithm did not converge. See 'help(rma)' for possible remedies."
"""metafor's error (``rma.uni``) when ML, REML or EB do not converge within ``maxiter`` steps."""
LOCAL_MAXIMUM = (
    "Fisher scoring algorithm may have gotten stuck at a local maximum. Setting tau^2 = 0. Check the profile "
    "likelihood plot with profile()."
)
"""metafor's warning (``rma.uni``'s ``ll0check``, its two lines on one) when ML/REML stop below the likelihood at 0."""
TAU2_MAX_TOO_LOW = "Value of 'tau2.max' too low. Try increasing 'tau2.max' or switch to another 'method'."
"""metafor's error (``rma.uni``) when PM, PMM or GENQM find their target still exceeded at ``tau2.max``."""


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
            # metafor's sentence first (its remedies are maxiter, stepadj and another method), then where it stopped.
            raise ConvergenceError(
                f"{FISHER_SCORING} ({method}: {ctl.maxiter} steps, last tau^2 = {tau2:.6g}, last change "
                f"{change:.2e} > threshold {ctl.threshold:g}; try control={{'maxiter': 1000}} or {{'stepadj': 0.5}}, "
                "or another estimator such as 'DL')"
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


def _scoring_steps(method: str, s: Batch) -> Callable[[NDArray[np.intp], FloatArray], FloatArray]:
    """metafor's Fisher-scoring update of ML, REML or EB for the fits *idx* of *s* at their *tau2*."""
    p = s.p

    def step(idx: NDArray[np.intp], tau2: FloatArray) -> FloatArray:
        sub = s.take(idx)
        proj = Projections(sub.weights(tau2), sub.x)
        w = proj.w
        if method == "EB":
            k = sub.k
            return (proj.quad(sub.y) * k / (k - p) - k) / w.sum(axis=1)
        py = w * proj.residuals(sub.y)
        pypy = (py * py).sum(axis=1)
        # ML and REML scores differ only in the trace terms (metafor's Fisher scoring).
        if method == "ML":
            return (pypy - w.sum(axis=1)) / (w * w).sum(axis=1)
        return (pypy - proj.trace()) / proj.trace2()

    return step


def _scoring_start(s: Batch, ctl: Control) -> FloatArray:
    # metafor starts ML, REML and EB from the HE estimate truncated at 0, or from control's tau2.init.
    if ctl.tau2_init is None:
        return np.maximum(0.0, _he_raw(s)[0])
    return np.full(s.y.shape[0], float(ctl.tau2_init))


def _fisher_scoring_batch(method: str, s: Batch, ctl: Control) -> tuple[FloatArray, NDArray[np.bool_]]:
    """ML, REML or EB for every fit of *s* in step; tau^2 is NaN where the fit did not converge."""
    tau2 = _scoring_start(s, ctl)
    failed = batched_fisher_scoring_loop(tau2, np.ones(tau2.size, dtype=bool), _scoring_steps(method, s), ctl)
    tau2[failed] = np.nan
    tau2[_stuck_at_local_maximum(method, s, tau2, ctl)] = 0.0
    return tau2, failed


def _fisher_scoring(method: str, y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    """ML, REML and EB by metafor's Fisher scoring (Viechtbauer 2005), O(k p^2) per step."""
    k, p = x.shape
    s = Batch.one(y, v, x)
    steps, first = _scoring_steps(method, s), np.zeros(1, dtype=np.intp)
    tau2, iterations = fisher_scoring_loop(
        method, float(_scoring_start(s, ctl)[0]), lambda t: float(steps(first, np.array([t]))[0]), ctl
    )
    notes: tuple[str, ...] = ()
    if _stuck_at_local_maximum(method, s, np.array([tau2]), ctl)[0]:
        # metafor's warning (its two lines joined, as every warning here is one line), then where it had stopped.
        notes = (LOCAL_MAXIMUM, f"{method}: Fisher scoring had stopped at tau^2 = {tau2:.6g}")
        warnings.warn(LOCAL_MAXIMUM, SecretomeWarning, stacklevel=4)
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


def _mad(s: Batch) -> FloatArray:
    # R's mad() of each fit's yi: median absolute deviation scaled by 1.4826 (consistent for the normal SD).
    if s.m is None:
        med = np.median(s.y, axis=1)
        return 1.4826 * np.median(np.abs(s.y - med[:, None]), axis=1)
    y = np.where(s.m > 0, s.y, np.nan)
    med = np.nanmedian(y, axis=1)
    return 1.4826 * np.nanmedian(np.abs(y - med[:, None]), axis=1)


class _PMRoots(NamedTuple):
    tau2: FloatArray  # NaN where tau2_max is too low; uniroot's last point where it ran out of steps (as R's)
    too_low: NDArray[np.bool_]  # the generalised Q is still above its target at tau2_max
    unconverged: NDArray[np.bool_]  # uniroot ran out of maxiter steps


def _not_converged(maxiter: int) -> str:
    """R's ``uniroot`` warning when it runs out of *maxiter* steps (its ngettext: "1 iteration", "2 iterations")."""
    return f"_NOT_ converged in {maxiter} iteration{'' if maxiter == 1 else 's'}"


def _last_point(f: Callable[[float], float], lower: float, upper: float, ctl: Control) -> float:
    """The root R's ``uniroot`` returns (with its warning) when it runs out of steps: the last point of Brent's
    iterates, which :func:`uniroot_batch` keeps (:func:`uniroot` raises there instead)."""
    roots, _, _ = uniroot_batch(lambda idx, t: np.array([f(float(x)) for x in t]), np.array([lower]),
                                np.array([upper]), tol=ctl.tol, maxiter=ctl.maxiter)  # fmt: skip
    return float(roots[0])


def _pm_batch(s: Batch, ctl: Control, *, median: bool = False) -> _PMRoots:
    """PM's root of generalised Q(tau^2) = k - p for every fit of *s* (PMM's, *median*: = the median of
    chi-square on k - p df; Viechtbauer 2021).

    As metafor's ``rma.uni``: tau^2 = 0 where Q(0) is already below its target, no root where Q is
    still above it at ``tau2_max``, else R's ``uniroot`` on ``[0, tau2_max]`` with ``tol = ctl.tol``
    and ``maxiter = ctl.maxiter``: :func:`uniroot` for one fit, :func:`uniroot_batch` for many (every
    fit on its own Brent iterates, one batched evaluation of Q per step for the fits still iterating).
    """
    target = chi2_ppf(0.5, s.k - s.p) if median else s.k - s.p
    every = np.arange(s.y.shape[0])

    def excess(idx: NDArray[np.intp], tau2: FloatArray) -> FloatArray:
        sub = s.take(idx)
        return Projections(sub.weights(tau2), sub.x).quad(sub.y) - target[idx]

    # metafor bounds the search by the spread of yi itself, moderators or not.
    tau2_max = np.maximum(100.0, 10 * _mad(s) ** 2) if ctl.tau2_max is None else np.full(every.size, ctl.tau2_max)
    tau2 = np.zeros(every.size)
    at_max = excess(every, tau2_max)
    at_zero = excess(every, tau2)
    too_low = at_max > 0
    unconverged = np.zeros(every.size, dtype=bool)
    rows = np.flatnonzero(~too_low & (at_zero >= 0))
    if rows.size == 1:
        # One fit (rma itself): the plain-Python uniroot costs a third of the numpy form per step.
        def one(t: float) -> float:
            return float(excess(rows, np.array([t]))[0])

        try:
            tau2[rows] = uniroot(one, 0.0, float(tau2_max[rows[0]]), tol=ctl.tol, maxiter=ctl.maxiter)
        except ConvergenceError:
            unconverged[rows] = True
            tau2[rows] = _last_point(one, 0.0, float(tau2_max[rows[0]]), ctl)
    elif rows.size:
        tau2[rows], unconverged[rows], _ = uniroot_batch(
            lambda idx, t: excess(rows[idx], t),
            tau2[rows],
            tau2_max[rows],
            tol=ctl.tol,
            maxiter=ctl.maxiter,
            f_lower=at_zero[rows],
            f_upper=at_max[rows],
        )
    tau2[too_low] = np.nan
    return _PMRoots(tau2, too_low, unconverged)


def _pm(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control, *, median: bool = False) -> Tau2Fit:
    k, p = x.shape
    name = "PMM" if median else "PM"
    s = Batch.one(y, v, x)
    roots = _pm_batch(s, ctl, median=median)
    notes: tuple[str, ...] = ()
    if roots.unconverged[0]:
        # metafor keeps uniroot's last point, and R warns.
        notes = (
            _not_converged(ctl.maxiter),
            f"{name}: tau^2 is uniroot's last point, not a root; raise control's maxiter",
        )
        warnings.warn(notes[0], SecretomeWarning, stacklevel=4)
    if roots.too_low[0]:
        tau2_max = max(100.0, 10 * float(_mad(s)[0]) ** 2) if ctl.tau2_max is None else float(ctl.tau2_max)
        target = f"its median {chi2_ppf(0.5, k - p):.6g}" if median else f"{k - p}"
        raise ConvergenceError(
            f"{TAU2_MAX_TOO_LOW} ({name}: the generalised Q is still above {target} at tau^2 = tau2_max = "
            f"{tau2_max:g}; control={{'tau2_max': ...}})"
        )
    tau2 = float(roots.tau2[0])
    return Tau2Fit(tau2, _pm_se(1 / (v + tau2), k, p), 0, notes)


def _pmm(y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control) -> Tau2Fit:
    """PMM: the root of generalised Q(tau^2) = the median of chi-square on k - p df, as metafor's ``rma.uni``."""
    return _pm(y, v, x, ctl, median=True)


def genq(y: FloatArray, v: FloatArray, x: FloatArray, a: FloatArray) -> Tau2Fit:
    """GENQ: the generalised Q with weights *a* equated to its expectation (DerSimonian and Kacker 2007).

    With ``P = A - A X (X'AX)^-1 X'A``: ``tau^2 = (y'Py - tr(PV)) / tr(P)``, truncated at 0, and
    metafor's SE ``sqrt(2 tr(PVPV) + 4 tau^2 tr(PVP) + 2 tau^4 tr(PP)) / tr(P)`` (``rma.uni``).
    """
    proj = Projection(a, x)
    tau2 = max(0.0, (proj.quad(y) - proj.trace(v)) / proj.trace())
    return Tau2Fit(tau2, _genq_se(proj, v, tau2), 0)


def _genq_se(proj: Projection, v: FloatArray, tau2: float) -> float:
    # metafor's se.tau2 of GENQ and GENQM: sqrt(2 tr(PVPV) + 4 tau^2 tr(PVP) + 2 tau^4 tr(PP)) / tr(P).
    spread = 2 * proj.trace2(v, v) + 4 * tau2 * proj.trace2(v) + 2 * tau2 * tau2 * proj.trace2()
    return math.sqrt(spread) / proj.trace()


def genqm(y: FloatArray, v: FloatArray, x: FloatArray, a: FloatArray, ctl: Control) -> Tau2Fit:
    """GENQM: tau^2 at which the generalised Q with weights *a* is the median of its distribution (Jackson 2013).

    Q_a = y'Py (``P = A - A X (X'AX)^-1 X'A``) is, for a given tau^2, the quadratic form
    sum lambda_j chi^2_1 with lambda the k - p largest eigenvalues of ``S P S``, ``S^2 = diag(vi + tau^2)``
    (:func:`quadratic_form_cdf`). As metafor's ``rma.uni``: tau^2 = 0 where Q_a lies below that
    median already at 0, no root (a :class:`ConvergenceError`) where it lies above it at ``tau2_max``,
    else R's ``uniroot`` on ``[0, tau2_max]`` at ``tol`` and ``maxiter``; the SE is GENQ's.
    """
    p = x.shape[1]
    proj = Projection(a, x)
    q = proj.quad(y)
    notes: tuple[str, ...] = ()
    # The k x k P once (metafor forms it too): each tau^2 then costs one symmetric eigendecomposition.
    ax = a[:, None] * x
    pmat = np.diag(a) - ax @ proj.xtwx_inv @ ax.T

    def below(tau2: float) -> float:
        root = np.sqrt(v + tau2)
        lam = np.linalg.eigvalsh(root[:, None] * pmat * root[None, :])[p:]
        return quadratic_form_cdf(q, lam)

    tau2_max = max(100.0, 10 * float(_mad(Batch.one(y, v, x))[0]) ** 2) if ctl.tau2_max is None else ctl.tau2_max
    # One k x k eigendecomposition per step: OpenBLAS's threads on shared cores made each 25x slower (measured).
    with one_blas_thread():
        if below(0.0) < 0.5:
            tau2 = 0.0
        elif below(tau2_max) > 0.5:
            raise ConvergenceError(
                f"{TAU2_MAX_TOO_LOW} (GENQM: the generalised Q is still above its median at tau^2 = tau2_max = "
                f"{tau2_max:g}; control={{'tau2_max': ...}})"
            )
        else:
            try:
                tau2 = uniroot(lambda t: below(t) - 0.5, 0.0, tau2_max, tol=ctl.tol, maxiter=ctl.maxiter)
            except ConvergenceError:
                # metafor keeps uniroot's last point, and R warns.
                tau2 = _last_point(lambda t: below(t) - 0.5, 0.0, tau2_max, ctl)
                notes = (_not_converged(ctl.maxiter), "GENQM: tau^2 is uniroot's last point, not a root; raise "
                         "control's maxiter")  # fmt: skip
                warnings.warn(notes[0], SecretomeWarning, stacklevel=4)
    return Tau2Fit(tau2, _genq_se(proj, v, tau2), 0, notes)


ESTIMATORS: dict[str, Callable[[FloatArray, FloatArray, FloatArray, Control], Tau2Fit]] = {
    "DL": _dl,
    "HE": _he,
    "HS": _hs,
    "HSk": _hsk,
    "SJ": _sj,
    "ML": _ml,
    "REML": _reml,
    "PM": _pm,
    "PMM": _pmm,
    "EB": _eb,
}


def batch_tau2(method: str, s: Batch, ctl: Control) -> tuple[FloatArray, NDArray[np.bool_]]:
    """tau^2 of every fit of *s* by *method* (EE and FE give 0, or one of :data:`TAU2_METHODS`), and the failed mask.

    The same formulas as :data:`ESTIMATORS`, for B fits at once: DL, HE, HS and SJ in closed form,
    HSk too, ML, REML and EB by Fisher scoring in step (:func:`batched_fisher_scoring_loop`), PM and PMM
    by R's ``uniroot`` in step (:func:`uniroot_batch`). A fit that did not converge or whose PM(M) root lies
    beyond ``tau2_max`` is NaN and marked failed; metafor drops such fits (``permutest``) or reports NA
    (``gosh``) instead of stopping. A PM(M) fit whose uniroot runs out of steps keeps its last point, as
    metafor's ``rma.uni`` does.
    """
    none = np.zeros(s.y.shape[0], dtype=bool)
    if method in EQUAL_METHODS:
        return np.zeros(none.size), none
    if method == "DL":
        return _dl_batch(s)[0], none
    if method == "HE":
        return np.maximum(0.0, _he_raw(s)[0]), none
    if method in ("HS", "HSk"):
        return _hs_batch(s, small_sample=method == "HSk")[0], none
    if method == "SJ":
        return _sj_batch(s, ctl)[0], none
    if method in ("PM", "PMM"):
        roots = _pm_batch(s, ctl, median=method == "PMM")
        return roots.tau2, roots.too_low
    return _fisher_scoring_batch(method, s, ctl)


def validated(yi: ArrayLike, vi: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """yi and vi as float arrays of one length, vi > 0, within the declared limits (rows named in errors).

    The models that take sampling variances of 0 or below, as metafor's ``rma.uni``, read them with
    :func:`model_inputs` instead.

    >>> validated([1e300, 0.2], [0.01, 0.02])
    Traceback (most recent call last):
    ...
    secretome.errors.InputError: row 1, field 'yi': must lie within +-1e+30 (a declared limit) (got 1e+300)
    """
    y = as_column(yi, "yi")
    v = as_column(vi, "vi", length=y.size)
    require(v, "vi", lambda x: x > 0, "sampling variance must be > 0")
    check_limits(y, v)
    return y, v


NONPOSITIVE_VI = "There are outcomes with non-positive sampling variances."
"""metafor's warning (``rma.uni``, ``rma.mv``) when a sampling variance is 0 or below, unless every one is 0."""
NEGATIVE_VI = "Negative sampling variances constrained to zero."
"""metafor's warning (``rma.uni``, ``rma.mv``) when it sets negative sampling variances to 0."""


def model_inputs(
    yi: ArrayLike, vi: ArrayLike, *, rows: Sequence[int] | None = None, evtol: float = 1e-7
) -> tuple[FloatArray, FloatArray, tuple[tuple[str, str], ...]]:
    """yi and vi as metafor's ``rma.uni`` takes them, and the warnings it gives about vi, each with the rows.

    Each warning is a pair: metafor's sentence, and a note of ours naming the studies it is about
    (``""`` when there is nothing to name), which the fit records after the sentence
    (:func:`~secretome.meta._notes.warn_note`). The rows are *rows*, each study's 1-based row in the
    caller's table (default its position, 1 to k): a table with rows left out for a missing value
    names the rows as the file has them, as metafor's default ``slab`` keeps the position in the data.

    A negative sampling variance is constrained to 0 ("Negative sampling variances constrained to
    zero."), and a variance of 0 is kept: each estimator then fits or refuses it as metafor
    (:func:`fit_chain`). The warnings come in metafor's order: "There are outcomes with non-positive
    sampling variances." (not when every one was given as exactly 0, where metafor is silent), then
    that negative ones were set to 0, then :func:`variance_ratio_notes` with *evtol*. The caller gives
    them once the fit has succeeded, so that an error comes alone.

    >>> y, v, notes = model_inputs([0.1, 0.4, 0.2], [0.01, -0.02, 0.0])
    >>> v.tolist(), notes[1]
    ([0.01, 0.0, 0.0], ('Negative sampling variances constrained to zero.', 'constrained to zero: row 2'))
    >>> model_inputs([0.1, 0.4, 0.2], [0.01, -0.02, 0.0], rows=[1, 3, 4])[2][0]  # row 2 of the table left out
    ('There are outcomes with non-positive sampling variances.', '2 of 3 sampling variances are 0 or less: rows 3, 4')
    """
    y = as_column(yi, "yi")
    v = as_column(vi, "vi", length=y.size)
    numbers = np.arange(1, y.size + 1) if rows is None else np.asarray(rows, dtype=np.intp)
    if numbers.shape != y.shape:
        raise InputError(f"needs one row number per study ({y.size})", field="rows", value=numbers.size)
    v, notes = nonpositive_variances(v, numbers)
    check_limits(y, v)
    return y, v, notes + tuple((note, "") for note in variance_ratio_notes(v, evtol=evtol))


def nonpositive_variances(v: FloatArray, rows: NDArray[np.intp]) -> tuple[FloatArray, tuple[tuple[str, str], ...]]:
    """*v* with negative sampling variances set to 0, and metafor's warnings about them, each with the *rows*.

    As metafor's ``rma.uni`` and ``rma.mv``: "There are outcomes with non-positive sampling variances."
    unless every variance is exactly 0, then "Negative sampling variances constrained to zero." where
    some are below 0; each pair holds the sentence and a note naming the rows (1-based, as *rows*).

    >>> nonpositive_variances(np.array([0.1, -0.2, 0.0]), np.array([1, 2, 3]))[1][0]
    ('There are outcomes with non-positive sampling variances.', '2 of 3 sampling variances are 0 or less: rows 2, 3')
    """
    notes: tuple[tuple[str, str], ...] = ()
    nonpositive = np.flatnonzero(v <= 0)
    if nonpositive.size:
        negative = np.flatnonzero(v < 0)
        if negative.size or nonpositive.size < v.size:
            which = _rows(rows[nonpositive])
            notes += ((NONPOSITIVE_VI, f"{nonpositive.size} of {v.size} sampling variances are 0 or less: {which}"),)
        if negative.size:
            v = np.maximum(v, 0.0)
            notes += ((NEGATIVE_VI, f"constrained to zero: {_rows(rows[negative])}"),)
    return v, notes


VI_RATIO = "Ratio of largest to smallest sampling variance extremely large. May not be able to obtain stable results."
"""metafor's warning (``rma.uni``, ``rma.mv``) when the sampling variances span ``1/evtol`` (1e7) or more."""


def variance_ratio_notes(v: FloatArray, *, evtol: float = 1e-7) -> tuple[str, ...]:
    """metafor's warning, in its words, when the largest sampling variance is at least ``1/evtol`` times the smallest.

    metafor 3.8-1's ``rma.uni`` checks ``max(vi)/min(vi) >= 1/evtol`` (control ``evtol``, default 1e-7)
    and ``rma.mv`` ``>= 1e7``, after rows with a missing value are left out and negative variances set
    to 0, and both are silent when the ratio is NaN or infinite (a variance of 0): the weights then
    span so many orders of magnitude that the fit may be unstable.

    >>> variance_ratio_notes(np.array([0.125, 1250000.0]))[0][:50]
    'Ratio of largest to smallest sampling variance ext'
    >>> variance_ratio_notes(np.array([0.125, 1249999.875]))
    ()
    """
    if v.size == 0:
        return ()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(v.max() / v.min())
    if math.isfinite(ratio) and ratio >= 1 / evtol:
        return (VI_RATIO,)
    return ()


def _rows(numbers: NDArray[np.intp]) -> str:
    return f"row{'s' if numbers.size > 1 else ''} {', '.join(str(i) for i in numbers)}"


def check_limits(y: FloatArray, v: FloatArray) -> None:
    """Refuse effect sizes or sampling variances beyond the declared limits (:mod:`secretome._limits`).

    A variance of exactly 0 passes here: the models that refuse it say so themselves.
    """
    require(
        y, "yi", lambda x: np.abs(x) <= MAX_EFFECT_SIZE, f"must lie within +-{MAX_EFFECT_SIZE:g} (a declared limit)"
    )
    require(
        v,
        "vi",
        lambda x: (x == 0) | ((x >= MIN_SAMPLING_VARIANCE) & (x <= MAX_SAMPLING_VARIANCE)),
        f"must lie in [{MIN_SAMPLING_VARIANCE:g}, {MAX_SAMPLING_VARIANCE:g}] (a declared limit)",
    )


def _public(method: str, yi: ArrayLike, vi: ArrayLike, control: Mapping[str, object] | None) -> float:
    y, v = validated(yi, vi)
    if y.size < 2:
        raise InputError(f"tau^2 ({method}) needs at least 2 studies", field="yi", value=int(y.size))
    return ESTIMATORS[method](y, v, intercept(y.size), Control.from_mapping(control)).tau2


# metafor's rma.uni stops for these when a sampling variance is 0 (they weight by 1/vi); HE, SJ, ML, REML,
# EB and GENQ are fitted, unless tau^2 comes out 0, where the weights 1/(vi + tau^2) divide by zero.
_NEED_POSITIVE_VI = ("DL", "HS", "HSk", "PM", "PMM")


def method_chain(method: str | Sequence[str], owner: str, *, weighted: bool = False) -> tuple[str, ...]:
    """*method* as a fallback chain (one method, or several as metafor's ``method=c("REML", "DL")``), checked.

    ``"GENQ"`` and ``"GENQM"`` are accepted only for a model fitted with user weights
    (*weighted*: its weights are the generalised Q's), as metafor's ``rma``.

    >>> method_chain("REML", "random_effects"), method_chain(["REML", "DL"], "meta_regression")
    (('REML',), ('REML', 'DL'))
    """
    methods = (method,) if isinstance(method, str) else tuple(method)
    if not methods:
        raise InputError("needs at least one method", field="method", value=method)
    for m in methods:
        if m in WEIGHTED_METHODS and not weighted:
            raise InputError(f"{m} needs weights (the a_i of its generalised Q), as metafor", field="weights")
        if m not in WEIGHTED_METHODS:
            check_choice("method", m, (*EQUAL_METHODS, *TAU2_METHODS), owner=owner)
    return methods


def fit_chain(
    methods: Sequence[str],
    y: FloatArray,
    v: FloatArray,
    x: FloatArray,
    ctl: Control,
    notes: list[str],
    weights: FloatArray | None = None,
) -> tuple[str, Tau2Fit]:
    """Fit the first method of *methods* that converges, as metafor's ``method=c("REML", "DL")``.

    Used by random_effects (*x* a column of ones) and meta_regression (*x* with moderators), as
    metafor's ``rma.uni`` does with and without ``mods``. Each fallback is appended to *notes* and
    warned about; the last method's :class:`ConvergenceError` is raised. EE and FE give tau^2 = 0.
    A method reached with a sampling variance of 0 that it cannot take (DL, HS, HSk, PM, PMM), or a
    tau^2 of 0 beside one (a weight 1/0), raises :class:`InputError`: metafor stops there, chain or not.
    GENQ uses the user's *weights* (checked by :func:`method_chain`).
    """
    for method, fallback in itertools.pairwise(methods):
        try:
            return method, _fit_one(method, y, v, x, ctl, weights)
        except ConvergenceError as exc:
            notes.append(f"{method} did not converge, used {fallback} instead ({exc})")
            warnings.warn(notes[-1], SecretomeWarning, stacklevel=3)
    return methods[-1], _fit_one(methods[-1], y, v, x, ctl, weights)


def _fit_one(
    method: str, y: FloatArray, v: FloatArray, x: FloatArray, ctl: Control, weights: FloatArray | None
) -> Tau2Fit:
    if method in EQUAL_METHODS:
        _check_weights(v, 0.0)
        return Tau2Fit(0.0, math.nan, 0)
    if y.size == 1 and x.shape[1] == 1:
        # metafor's rma() with k = 1 reports the study itself: tau^2 = 0 (there is nothing to estimate it from),
        # and stops when that study's variance is 0 (the weight 1/0).
        _check_weights(v, 0.0)
        return Tau2Fit(0.0, math.nan, 0, (f"k = 1: tau^2 set to 0, not estimated ({method}), as metafor",))
    if y.size < 2:
        raise InputError(f"a random-effects model ({method}) needs at least 2 studies", field="yi", value=int(y.size))
    if not v.all():
        _refuse_zero_variance(method, v)
        ctl = dataclasses.replace(ctl, ll0check=False)  # metafor's ll0check needs every vi > 0
    try:
        # numpy's floating-point warnings would only repeat, line by line, what the check below reports.
        with np.errstate(all="ignore"):
            if method == "GENQ" and weights is not None:
                fit = genq(y, v, x, weights)
            elif method == "GENQM" and weights is not None:
                fit = genqm(y, v, x, weights, ctl)
            else:
                fit = ESTIMATORS[method](y, v, x, ctl)
    except SecretomeError:
        raise
    except (ArithmeticError, ValueError) as exc:
        # Sampling variances many orders of magnitude apart (metafor warns from a ratio of 1e7) can
        # cancel the estimators' sums to nothing; that is reported, never passed on as NaN or a crash.
        raise NumericalError(f"{method}: tau^2 could not be computed ({exc}); {_SPREAD_HINT}") from exc
    if not math.isfinite(fit.tau2):
        raise NumericalError(f"{method}: tau^2 came out {fit.tau2}; {_SPREAD_HINT}")
    _check_weights(v, fit.tau2)
    return fit


def _refuse_zero_variance(method: str, v: FloatArray) -> None:
    # metafor stops when it reaches such a method, in a chain too: no fallback to the next method. Its sentence names
    # no study; the error's row names the first with a variance of 0.
    if method in _NEED_POSITIVE_VI:
        raise InputError(
            f"{method} estimator cannot be used when there are non-positive sampling variances in the data.",
            row=int(np.argmin(v)) + 1,
            field="vi",
        )


DIVISION_BY_ZERO = "Division by zero when computing the inverse variance weights."
"""metafor's error (``rma.uni``) when tau^2 = 0 meets a sampling variance of 0: the weight 1/0."""


def _check_weights(v: FloatArray, tau2: float) -> None:
    zero = np.flatnonzero(v + tau2 == 0)
    if zero.size:
        raise InputError(DIVISION_BY_ZERO, row=int(zero[0]) + 1, field="vi", value=0.0)


_SPREAD_HINT = "are the sampling variances many orders of magnitude apart? try another method"


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


def tau2_hsk(yi: ArrayLike, vi: ArrayLike) -> float:
    """Hunter-Schmidt tau^2 with the small-sample correction [1]_, ``(Q k/(k - 1) - k) / sum(w)``, truncated at 0.

    Checked against metafor ``rma(yi, vi, method="HSk")$tau2`` (tests/meta/test_tau2.py).

    References
    ----------
    .. [1] Brannick MT, Potter SM, Benitez B, Morris SB (2019). Bias and precision of alternate
       estimators in meta-analysis: benefits of blending Schmidt-Hunter and Hedges approaches.
       Organizational Research Methods 22(2):490-514. https://doi.org/10.1177/1094428117741966

    >>> round(tau2_hsk([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), 4)  # R: 0.15
    0.15
    """
    return _public("HSk", yi, vi, None)


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
    """Paule-Mandel tau^2 [1]_: the root of generalised Q(tau^2) = k - 1, by R's ``uniroot`` as metafor.

    The search stops at metafor's ``tol`` (about 1.2e-4) unless ``control={"tol": ...}`` says
    otherwise. Checked against metafor ``rma(yi, vi, method="PM")$tau2`` at the default and with
    ``control=list(tol=1e-12)`` (tests/meta/test_tau2.py, fixtures by tools/metafor_reference_control.R).

    References
    ----------
    .. [1] Paule RC, Mandel J (1982). Consensus values and weighting factors. Journal of Research
       of the National Bureau of Standards 87(5):377-385. https://doi.org/10.6028/jres.087.022

    >>> round(tau2_pm([0.1, 0.5, 0.9], [0.01, 0.01, 0.01]), 4)  # R: 0.15
    0.15
    """
    return _public("PM", yi, vi, control)


def tau2_pmm(yi: ArrayLike, vi: ArrayLike, *, control: Mapping[str, object] | None = None) -> float:
    """Median-unbiased Paule-Mandel tau^2 [1]_: the root of generalised Q(tau^2) = the median of chi^2(k - 1).

    Found by R's ``uniroot`` step for step on ``[0, tau2_max]`` at ``control["tol"]``, as metafor.
    Checked against metafor ``rma(yi, vi, method="PMM")$tau2`` at its default ``tol`` and at 1e-12.

    References
    ----------
    .. [1] Viechtbauer W (2021). Median-unbiased estimators for the amount of heterogeneity in
       meta-analysis. European Congress of Methodology, Valencia.
       https://www.wvbauer.com/lib/exe/fetch.php/talks:2021_viechtbauer_eam_median_tau2.pdf

    >>> round(tau2_pmm([0.1, 0.5, 0.9], [0.01, 0.01, 0.01], control={"tol": 1e-12}), 6)  # R: 0.2208312
    0.220831
    """
    return _public("PMM", yi, vi, control)


def tau2_genq(yi: ArrayLike, vi: ArrayLike, weights: ArrayLike) -> float:
    """Generalised Q-statistic tau^2 [1]_ [2]_ with weights ``a_i``: ``(Q_a - tr(PV)) / tr(P)``, truncated at 0.

    ``weights`` 1/vi give DL. Checked against metafor ``rma(yi, vi, weights=, method="GENQ")$tau2``.

    References
    ----------
    .. [1] DerSimonian R, Kacker R (2007). Random-effects model for meta-analysis of clinical
       trials: an update. Contemporary Clinical Trials 28(2):105-114.
       https://doi.org/10.1016/j.cct.2006.04.004
    .. [2] Jackson D, Turner R, Rhodes K, Viechtbauer W (2014). Methods for calculating confidence
       and credible intervals for the residual between-study variance in random effects
       meta-regression models. BMC Medical Research Methodology 14:103.
       https://doi.org/10.1186/1471-2288-14-103

    >>> round(tau2_genq([0.1, 0.5, 0.9], [0.01, 0.01, 0.01], [1, 2, 1]), 6)  # R: 0.118
    0.118
    """
    y, v = validated(yi, vi)
    a = user_weights(weights, y.size)
    if y.size < 2:
        raise InputError("tau^2 (GENQ) needs at least 2 studies", field="yi", value=int(y.size))
    return genq(y, v, intercept(y.size), a).tau2


def tau2_genqm(
    yi: ArrayLike, vi: ArrayLike, weights: ArrayLike, *, control: Mapping[str, object] | None = None
) -> float:
    """Median-unbiased generalised Q-statistic tau^2 [1]_ with weights ``a_i``, truncated at 0.

    The tau^2 at which Q_a is the median of its distribution, a positive quadratic form in normal
    variables (Farebrother's algorithm, :func:`genqm`), found by R's ``uniroot`` at ``control``'s
    ``tol`` as metafor. Checked against metafor ``rma(yi, vi, weights=, method="GENQM")$tau2`` (it
    needs CompQuadForm) at its default ``tol`` and at 1e-12.

    References
    ----------
    .. [1] Jackson D, Turner R, Rhodes K, Viechtbauer W (2014). Methods for calculating confidence
       and credible intervals for the residual between-study variance in random effects
       meta-regression models. BMC Medical Research Methodology 14:103.
       https://doi.org/10.1186/1471-2288-14-103

    >>> round(tau2_genqm([0.1, 0.5, 0.9], [0.01, 0.01, 0.01], [1, 2, 1], control={"tol": 1e-12}), 6)  # R: 0.1771276
    0.177128
    """
    y, v = validated(yi, vi)
    a = user_weights(weights, y.size)
    if y.size < 2:
        raise InputError("tau^2 (GENQM) needs at least 2 studies", field="yi", value=int(y.size))
    return genqm(y, v, intercept(y.size), a, Control.from_mapping(control)).tau2


def user_weights(weights: ArrayLike, k: int) -> FloatArray:
    """User weights (metafor's ``weights``), one per study, each finite and > 0 (rows named in errors)."""
    a = as_column(weights, "weights", length=k)
    require(a, "weights", lambda w: (w > 0) & np.isfinite(w), "must be finite and > 0")
    return a


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

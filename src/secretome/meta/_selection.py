"""Selection models for publication bias, as metafor's ``selmodel``: a step function (the 3PSM) or a beta function.

The likelihood of each study is its random-effects density weighted by how likely a study with
its one-sided p-value is to be published, relative to the average weight of all the studies it
could have been (Hedges 1992; Vevea & Hedges 1995; Citkowicz & Vevea 2017).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import scipy

from secretome._result import Result
from secretome.errors import ConvergenceError, InputError, check_choice
from secretome.meta._columns import FloatArray
from secretome.meta._fitted_model import refuse_user_weights
from secretome.meta._notes import quiet_refit
from secretome.meta._p_format import format_p
from secretome.meta._random_effects import random_effects
from secretome.meta._results import RandomEffectsResult

__all__ = ["SelectionModelResult", "selection_model"]

# metafor's bounds of the selection parameters (delta.min, delta.max) and of the p-values (pval.min).
_DELTA_BOUNDS = {"stepfun": (0.0, 100.0), "beta": (1e-5, 100.0)}
_PVAL_MIN = {"stepfun": 0.0, "beta": 1e-5}
# R's integrate() default: rel.tol = abs.tol = eps^0.25, 100 subdivisions (QUADPACK's qagi, as scipy's quad).
_INT_TOL = np.finfo(np.float64).eps ** 0.25


@dataclasses.dataclass(frozen=True, slots=True)
class SelectionModelResult(Result):
    """A selection model fitted by maximum likelihood (metafor's ``selmodel``).

    Attributes
    ----------
    type : str
        ``"stepfun"`` or ``"beta"``.
    steps : tuple of float
        The p-value cut points (the last is 1); empty for ``"beta"``.
    k : int
        Number of studies.
    estimate, se, zval, pval, ci_lb, ci_ub : float
        The pooled effect adjusted for selection, its SE (inverse Hessian), z test and CI.
    tau2, se_tau2 : float, float or None
        Between-study variance (0 and ``None`` for a fixed-effects model).
    delta, se_delta, zval_delta, pval_delta, ci_lb_delta, ci_ub_delta : tuple
        The selection parameters with their SE, z tests of ``delta = 1`` (no selection), p-values
        and CIs; the first step's delta is fixed at 1 and has ``None`` in place of the others.
    ptable : tuple of int
        Studies in each p-value interval (step function).
    LRT, LRT_df, LRT_pval : float, int, float
        Likelihood-ratio test of the selection parameters (against the ML model without selection).
    LRT_tau2, LRT_tau2_pval : float or None
        Likelihood-ratio test of tau^2 = 0 within the selection model (``None`` for fixed effects).
    loglik, loglik0 : float
        The maximised log-likelihood and that of the model without selection.
    level : float
        Confidence level.
    notes : tuple of str
        What was noticed (a delta at its bound).
    """

    type: str
    steps: tuple[float, ...]
    k: int
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    tau2: float
    se_tau2: float | None
    delta: tuple[float, ...]
    se_delta: tuple[float | None, ...]
    zval_delta: tuple[float | None, ...]
    pval_delta: tuple[float | None, ...]
    ci_lb_delta: tuple[float | None, ...]
    ci_ub_delta: tuple[float | None, ...]
    ptable: tuple[int, ...]
    LRT: float
    LRT_df: int
    LRT_pval: float
    LRT_tau2: float | None
    LRT_tau2_pval: float | None
    loglik: float
    loglik0: float
    level: float
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Laid out like metafor's ``print(selmodel(...))``."""
        random = self.se_tau2 is not None or self.LRT_tau2 is not None
        if random:
            se_tau2 = "NA" if self.se_tau2 is None else f"{self.se_tau2:.4f}"
            lines = [
                f"Random-Effects Model (k = {self.k}; tau^2 estimator: ML)",
                "",
                f"tau^2 (estimated amount of total heterogeneity): {self.tau2:.4f} (SE = {se_tau2})",
                f"tau (square root of estimated tau^2 value):      {math.sqrt(self.tau2):.4f}",
                "",
                "Test for Heterogeneity:",
                f"LRT(df = 1) = {self.LRT_tau2:.4f}, p-val {format_p(self.LRT_tau2_pval or 1.0, equals=True)}",
            ]
        else:
            lines = [f"Fixed-Effects Model (k = {self.k})"]
        cells = [f"{self.estimate:.4f}", f"{self.se:.4f}", f"{self.zval:.4f}", format_p(self.pval)]
        cells += [f"{self.ci_lb:.4f}", f"{self.ci_ub:.4f}"]
        lines += ["", "Model Results:", "", *_table(["estimate", "se", "zval", "pval", "ci.lb", "ci.ub"], [cells])]
        lines += [
            "",
            "Test for Selection Model Parameters:",
            f"LRT(df = {self.LRT_df}) = {self.LRT:.4f}, p-val {format_p(self.LRT_pval, equals=True)}",
            "",
            "Selection Model Results:",
            "",
        ]
        rows = []
        for j, d in enumerate(self.delta):
            stats_ = [
                self.se_delta[j],
                self.zval_delta[j],
                self.pval_delta[j],
                self.ci_lb_delta[j],
                self.ci_ub_delta[j],
            ]
            shown = ["---" if v is None else (format_p(v) if i == 2 else f"{v:.4f}") for i, v in enumerate(stats_)]
            rows.append([f"{d:.4f}", *shown])
        if self.type == "stepfun":
            left = [f"{lo:g}" for lo in (0.0, *self.steps[:-1])]
            width = max(len(s) for s in left)
            labels = [f"{lo.ljust(width)} < p <= {hi:g}" for lo, hi in zip(left, self.steps, strict=True)]
            rows = [[str(n), *r] for n, r in zip(self.ptable, rows, strict=True)]
            header = ["k", "estimate", "se", "zval", "pval", "ci.lb", "ci.ub"]
        else:
            labels = [f"delta.{j + 1}" for j in range(len(self.delta))]
            header = ["estimate", "se", "zval", "pval", "ci.lb", "ci.ub"]
        lines += _table(header, rows, labels)
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def selection_model(
    fit: RandomEffectsResult,
    *,
    type: Literal["stepfun", "beta"] = "stepfun",
    steps: Sequence[float] | None = None,
) -> SelectionModelResult:
    r"""Fit a selection model to a random- or fixed-effects model, as metafor's ``selmodel(res, type=, steps=)``.

    Parameters
    ----------
    fit : RandomEffectsResult
        The model without selection. Random-effects models are refitted by ML (as metafor does);
        EE/FE models keep tau^2 = 0.
    type : {"stepfun", "beta"}
        ``"stepfun"``: the step function of Vevea and Hedges [1]_ with cut points *steps* (one cut
        point, e.g. ``steps=(0.025,)``, is the three-parameter selection model, 3PSM); ``"beta"``:
        the beta selection function :math:`w(p) = p^{\delta_1 - 1}(1 - p)^{\delta_2 - 1}` of
        Citkowicz and Vevea [2]_.
    steps : sequence of float, optional
        Cut points of the one-sided p-values in (0, 1) (``"stepfun"`` only; 1 is added).

    Returns
    -------
    SelectionModelResult
        ``type``, ``steps``, ``k``, ``estimate``, ``se``, ``zval``, ``pval``, ``ci_lb``,
        ``ci_ub``, ``tau2``, ``se_tau2``, ``delta`` with ``se_delta``, ``zval_delta``,
        ``pval_delta``, ``ci_lb_delta``, ``ci_ub_delta``, ``ptable``, ``LRT``, ``LRT_df``,
        ``LRT_pval``, ``LRT_tau2``, ``LRT_tau2_pval``, ``loglik``, ``loglik0``, ``level``,
        ``notes``.

    Notes
    -----
    Each study's one-sided p-value is :math:`p_i = 1 - \Phi(y_i/\sqrt{v_i})` (metafor's default
    ``alternative = "greater"``). The log-likelihood is
    :math:`\sum_i \log w(p_i) + \log\phi(y_i; \mu, v_i + \tau^2) - \log A_i` with
    :math:`A_i = \int w(p(y))\,\phi(y; \mu, v_i + \tau^2)\,dy`, in closed form for the step
    function (sums of normal probabilities between the cut points) and by adaptive quadrature
    for the beta function (QUADPACK's qagi at R's ``integrate`` tolerances, as metafor; p-values
    kept in ``[1e-5, 1 - 1e-5]``). It is maximised as metafor does: over ``(mu, log tau^2,
    logit-scaled delta in (0, 100))`` by BFGS from the ML estimates and delta = 1, then polished
    by Nelder-Mead (restarted where it stops until the likelihood no longer rises). On
    :math:`\log\tau^2` the maximum at :math:`\tau^2 = 0` cannot be reached (metafor's BFGS stops
    near 1e-6 with a lower logLik, or fails), so the fit with :math:`\tau^2` held at 0 is also made
    and kept when its likelihood is at least as high: the likelihood, not the step, decides.
    Standard errors come from the inverse of a numerical Hessian in the natural
    parameters (numDeriv's Richardson method with metafor's settings, point for point); where it
    cannot be inverted they are NaN with a note (metafor: NA). The LRT
    compares with the ML model without selection (df = free deltas); the LRT of tau^2 refits with
    tau^2 = 0.

    Checked against metafor 3.8-1 ``selmodel`` on dat.hackshaw1998 (3PSM, two steps, beta; a
    fixed-effects step model) and dat.bcg (3PSM): at metafor's estimates the log-likelihood agrees
    to 1e-12 and the SEs to 1e-6; our maximum is at least metafor's (metafor stops BFGS at
    ``reltol = 1e-8``), the estimates agree to 1e-3 (tests/meta/test_selection.py). At the
    boundary: 11 R-simulated sets with little or no heterogeneity, step and beta functions
    (tools/metafor_reference_boundary.R): our logLik is at least metafor's and its fit with
    tau^2 held at 0, and where that is the maximum the estimates agree with it to 2e-4.

    References
    ----------
    .. [1] Vevea JL, Hedges LV (1995). A general linear model for estimating effect size in the
       presence of publication bias. Psychometrika 60(3):419-435. https://doi.org/10.1007/BF02294384
    .. [2] Citkowicz M, Vevea JL (2017). A parsimonious weight function for modeling publication
       bias. Psychological Methods 22(1):28-41. https://doi.org/10.1037/met0000119

    Examples
    --------
    >>> from secretome.meta import random_effects
    >>> yi = [0.30, 0.12, 0.45, 0.02, 0.51, 0.25, 0.33, 0.08, 0.40, 0.15]
    >>> vi = [0.02, 0.03, 0.04, 0.02, 0.05, 0.03, 0.02, 0.04, 0.03, 0.02]
    >>> sel = selection_model(random_effects(yi, vi), steps=(0.025,))
    >>> sel.steps, sel.LRT_df
    ((0.025, 1.0), 1)
    """
    refuse_user_weights(fit, "selection_model")
    check_choice("type", type, ("stepfun", "beta"), owner="selection_model")
    if not isinstance(fit, RandomEffectsResult):
        raise TypeError(f"selection_model takes a RandomEffectsResult; got {type(fit).__name__}")
    y, v = np.array(fit.yi), np.array(fit.vi)
    k = y.size
    random = fit.method not in ("EE", "FE")
    if type == "stepfun":
        if not steps:
            raise InputError("a step function needs its cut points, e.g. steps=(0.025,)", field="steps")
        cuts = sorted({float(s) for s in steps})
        if any(not 0 <= s <= 1 for s in cuts):
            raise InputError("cut points must lie in [0, 1]", field="steps", value=list(steps))
        if cuts[-1] != 1:
            cuts.append(1.0)
    else:
        if steps:
            raise InputError("the beta selection function takes no steps", field="steps", value=list(steps))
        cuts = []
    pvals = np.clip(scipy.stats.norm.sf(y / np.sqrt(v)), _PVAL_MIN[type], 1 - _PVAL_MIN[type])
    model = _Likelihood(type, y, v, pvals, np.array(cuts))
    if type == "stepfun":
        groups = np.array([np.flatnonzero(p <= np.array(cuts))[0] for p in pvals])
        ptable = tuple(int(n) for n in np.bincount(groups, minlength=len(cuts)))
        # The first interval's delta is fixed at 1, so it may be empty (metafor's rule); another cannot be.
        empty = [j for j, n in enumerate(ptable) if n == 0 and j > 0]
        if empty:
            raise InputError(f"no study has a p-value in interval {empty[0] + 1} of the steps", field="steps")
    else:
        ptable = ()
    ml = _ml_start(y, v, random)
    n_delta = model.n_free
    lo, hi = _DELTA_BOUNDS[type]

    def unpack(par: FloatArray, tau2_fixed: float | None) -> tuple[float, float, FloatArray]:
        tau2 = math.exp(par[1]) if tau2_fixed is None else tau2_fixed
        delta = lo + (hi - lo) / (1 + np.exp(-par[-n_delta:]))
        return float(par[0]), (0.0 if tau2 < 10 * np.finfo(float).eps else tau2), delta

    def fitted(tau2_fixed: float | None) -> tuple[FloatArray, float]:
        free_tau2 = tau2_fixed is None
        start_delta = np.full(n_delta, math.log((1 - lo) / (hi - 1)))
        start = np.concatenate([[ml[0]], [math.log(ml[1] + 0.001)] if free_tau2 else [], start_delta])

        def nll(par: FloatArray) -> float:
            full = par if free_tau2 else np.insert(par, 1, 0.0)
            mu, tau2, delta = unpack(full, tau2_fixed)
            value = -model.loglik(mu, tau2, delta)
            return value if math.isfinite(value) else 1e100

        res = scipy.optimize.minimize(nll, start, method="BFGS", options={"gtol": 1e-8})
        # Nelder-Mead restarted from where it stopped until the likelihood no longer rises: one run can stall
        # with its simplex collapsed along a ridge (seen with the beta selection function).
        best = res.fun
        for _ in range(10):
            res = scipy.optimize.minimize(
                nll, res.x, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20000}
            )
            if not res.fun < best - 1e-12:
                break
            best = res.fun
        if not math.isfinite(res.fun) or res.fun >= 1e100:
            raise ConvergenceError("the selection model's likelihood could not be maximised")
        par = res.x if free_tau2 else np.insert(res.x, 1, 0.0)
        return par, -float(res.fun)

    tau2_fixed = None if random else 0.0
    par, loglik = fitted(tau2_fixed)
    if random:
        # On log tau^2 the optimiser cannot reach tau^2 = 0 and may stop short of it (as metafor's BFGS does, with a
        # lower logLik): the fit with tau^2 held at 0 wins when its likelihood is at least as high.
        par_zero, loglik_zero = fitted(0.0)
        if loglik_zero >= loglik:
            par, loglik, tau2_fixed = par_zero, loglik_zero, 0.0
    mu, tau2, delta = unpack(par, tau2_fixed)
    notes = []
    if np.any(delta <= lo + _INT_TOL) or np.any(delta >= hi - 100 * _INT_TOL):
        notes.append("a selection parameter is estimated at the bound of its range")

    # Standard errors: inverse Hessian of -loglik in (mu, tau2, delta), metafor's hessian(..., transf = FALSE).
    natural = np.concatenate([[mu], [tau2] if random else [], delta])

    def nll_natural(theta: FloatArray) -> float:
        t2 = theta[1] if random else 0.0
        return -model.loglik(theta[0], max(t2, 0.0), theta[-n_delta:])

    cov = _inverse_hessian(nll_natural, natural)
    if cov is None:
        # metafor: "Error when trying to invert Hessian." and NA standard errors.
        notes.append("the Hessian could not be inverted: no standard errors (NaN), as metafor's NA")
    crit = float(scipy.stats.norm.isf((1 - fit.level) / 2))
    se = math.sqrt(cov[0, 0]) if cov is not None else math.nan
    se_delta = np.sqrt(np.diag(cov)[-n_delta:]) if cov is not None else np.full(n_delta, math.nan)
    zval_delta = (delta - 1) / se_delta
    ll0 = _ml_loglik(y, v, ml)
    lrt = max(0.0, -2 * (ll0 - loglik))
    lrt_tau2 = None
    if random:
        lrt_tau2 = max(0.0, -2 * (loglik_zero - loglik))
    fixed_first = type == "stepfun"

    def with_fixed(values: FloatArray, first: float | None) -> tuple[float | None, ...]:
        out = [None if not math.isfinite(x) else float(x) for x in values]
        return (first, *out) if fixed_first else tuple(out)

    all_delta = (1.0, *delta) if fixed_first else tuple(delta)
    zval = mu / se
    return SelectionModelResult(
        type=type,
        steps=tuple(cuts),
        k=k,
        estimate=mu,
        se=se,
        zval=zval,
        pval=float(2 * scipy.stats.norm.sf(abs(zval))),
        ci_lb=mu - crit * se,
        ci_ub=mu + crit * se,
        tau2=tau2,
        se_tau2=float(math.sqrt(cov[1, 1])) if random and cov is not None else None,
        delta=tuple(float(d) for d in all_delta),
        se_delta=with_fixed(se_delta, None),
        zval_delta=with_fixed(zval_delta, None),
        pval_delta=with_fixed(2 * scipy.stats.norm.sf(np.abs(zval_delta)), None),
        ci_lb_delta=with_fixed(np.maximum(delta - crit * se_delta, 0.0), None),
        ci_ub_delta=with_fixed(delta + crit * se_delta, None),
        ptable=ptable,
        LRT=lrt,
        LRT_df=n_delta,
        LRT_pval=float(scipy.stats.chi2.sf(lrt, n_delta)),
        LRT_tau2=lrt_tau2,
        LRT_tau2_pval=None if lrt_tau2 is None else float(scipy.stats.chi2.sf(lrt_tau2, 1)),
        loglik=loglik,
        loglik0=ll0,
        level=fit.level,
        notes=tuple(notes),
    )


class _Likelihood:
    """The selection-model log-likelihood of metafor's ``.selmodel.ll.stepfun`` and ``.selmodel.ll.cont``."""

    def __init__(self, kind: str, y: FloatArray, v: FloatArray, pvals: FloatArray, cuts: FloatArray) -> None:
        self.kind, self.y, self.v, self.pvals, self.cuts = kind, y, v, pvals, cuts
        self.n_free = len(cuts) - 1 if kind == "stepfun" else 2
        if kind == "stepfun":
            self.groups = np.array([np.flatnonzero(p <= cuts)[0] for p in pvals])
            # y at which a study's one-sided p-value equals each cut point (-inf for p = 1).
            self.bounds = np.sqrt(v)[:, None] * scipy.stats.norm.isf(cuts)[None, :]

    def loglik(self, mu: float, tau2: float, delta: FloatArray) -> float:
        sd = np.sqrt(self.v + tau2)
        dens = scipy.stats.norm.logpdf(self.y, mu, sd)
        if self.kind == "stepfun":
            full = np.concatenate([[1.0], delta])
            surv = scipy.stats.norm.sf(self.bounds, mu, sd[:, None])  # P(y > bound_j), 1 at the last cut
            mass = np.diff(np.concatenate([np.zeros((self.y.size, 1)), surv], axis=1), axis=1)
            a = mass @ full
            with np.errstate(divide="ignore"):
                return float(np.sum(np.log(full[self.groups]) + dens - np.log(a)))
        a1, a2 = delta
        lo, hi = _PVAL_MIN["beta"], 1 - _PVAL_MIN["beta"]
        a = np.array([_beta_mass(a1, a2, mu, s, math.sqrt(vi), lo, hi) for s, vi in zip(sd, self.v, strict=True)])
        weight = self.pvals ** (a1 - 1) * (1 - self.pvals) ** (a2 - 1)
        with np.errstate(divide="ignore"):
            return float(np.sum(np.log(weight) + dens - np.log(a)))


def _beta_mass(a1: float, a2: float, mu: float, sd: float, se: float, lo: float, hi: float) -> float:
    """``A_i``: the beta weight averaged over the study's marginal density, by QUADPACK's qagi at R's
    ``integrate`` tolerances (the routine R uses, so the coarse default tolerance rounds alike)."""
    norm = 1 / (sd * math.sqrt(2 * math.pi))
    value, _ = scipy.integrate.quad(
        _beta_integrand(), -math.inf, math.inf, args=(a1, a2, mu, sd, se, lo, hi, norm),
        epsabs=_INT_TOL, epsrel=_INT_TOL, limit=100,
    )  # fmt: skip
    return float(value)


@functools.cache
def _beta_integrand() -> scipy.LowLevelCallable:
    """The integrand of :func:`_beta_mass` at ``t``, ``w(p(t)) * dnorm(t, mu, sd)``, compiled (numba ``cfunc``).

    QUADPACK calls it hundreds of times per study and likelihood evaluation: called back into Python, that was
    nine tenths of the time of a beta fit. It is the same formula in the same order; a value may differ from
    CPython's in the last bit (numba squares by a product, CPython by libm's ``pow``), far inside R's
    ``integrate`` tolerance. Compiled on first use, and kept in numba's cache for the next process.
    """
    import numba

    signature = numba.types.float64(numba.types.intc, numba.types.CPointer(numba.types.float64))

    @numba.cfunc(signature, cache=True)
    def integrand(n: int, xx: FloatArray) -> float:
        t, a1, a2, mu, sd, se, lo, hi, norm = xx[0], xx[1], xx[2], xx[3], xx[4], xx[5], xx[6], xx[7], xx[8]
        p = min(max(0.5 * math.erfc(t / se / math.sqrt(2)), lo), hi)
        return p ** (a1 - 1) * (1 - p) ** (a2 - 1) * norm * math.exp(-0.5 * ((t - mu) / sd) ** 2)

    return scipy.LowLevelCallable(integrand.ctypes)


def _ml_start(y: FloatArray, v: FloatArray, random: bool) -> tuple[float, float]:
    """The ML estimates (mu, tau^2) of the model without selection (tau^2 = 0 for fixed effects)."""
    with quiet_refit():  # metafor's selmodel starts without a word: the model it takes gave its warnings
        ml = random_effects(y, v, method="ML" if random else "FE")
    return ml.estimate, ml.tau2


def _ml_loglik(y: FloatArray, v: FloatArray, fit: tuple[float, float]) -> float:
    mu, tau2 = fit
    return float(np.sum(scipy.stats.norm.logpdf(y, mu, np.sqrt(v + tau2))))


def _inverse_hessian(f: Callable[[FloatArray], float], x: FloatArray) -> FloatArray | None:
    """The inverse of f's Hessian at x as numDeriv's ``hessian(method = "Richardson")`` computes it with metafor's
    ``r = 6`` (``genD``: steps ``0.1 |x|``, halved r times, Richardson-extrapolated; cross terms from the
    diagonal ones); ``None`` when it is not positive definite.

    Written out rather than taken from a library because the selection likelihood carries quadrature noise
    at R's tolerances, so SEs agree with metafor's only when the same points are evaluated.
    """
    r, n = 6, x.size
    h0 = np.abs(0.1 * x) + 1e-4 * (np.abs(x) < math.sqrt(np.finfo(float).eps / 7e-7))
    f0 = f(x)

    def extrapolated(values: list[float]) -> float:
        for m in range(1, r):
            values = [(values[k + 1] * 4**m - values[k]) / (4**m - 1) for k in range(len(values) - 1)]
        return values[0]

    diag = np.empty(n)
    for i in range(n):
        approx, h = [], h0.copy()
        for _ in range(r):
            e = np.zeros(n)
            e[i] = h[i]
            approx.append((f(x + e) - 2 * f0 + f(x - e)) / h[i] ** 2)
            h = h / 2
        diag[i] = extrapolated(approx)
    hess = np.diag(diag)
    for i in range(n):
        for j in range(i):
            approx, h = [], h0.copy()
            for _ in range(r):
                e = np.zeros(n)
                e[i], e[j] = h[i], h[j]
                cross = f(x + e) - 2 * f0 + f(x - e) - diag[i] * h[i] ** 2 - diag[j] * h[j] ** 2
                approx.append(cross / (2 * h[i] * h[j]))
                h = h / 2
            hess[i, j] = hess[j, i] = extrapolated(approx)
    try:
        np.linalg.cholesky(hess)
    except np.linalg.LinAlgError:
        return None
    return np.linalg.inv(hess)


def _table(header: list[str], rows: list[list[str]], labels: list[str] | None = None) -> list[str]:
    names = labels or [""] * len(rows)
    width0 = max(len(n) for n in names)
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    out = []
    for name, r in zip(["", *names], [header, *rows], strict=True):
        cells = [c.rjust(w) for c, w in zip(r, widths, strict=True)]
        out.append("  ".join([name.ljust(width0), *cells]) if width0 else "  ".join(cells))
    return out

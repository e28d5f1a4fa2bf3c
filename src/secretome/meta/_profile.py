"""Profile likelihoods of variance components and their confidence intervals, as metafor's ``profile`` and ``confint``.

:func:`profile_likelihood` traces the (restricted) log-likelihood of one variance component, the
others (and the coefficients) maximised out: sigma^2 of a multilevel model (``profile.rma.mv``) or
tau^2 of a random-effects model (``profile.rma.uni``). :func:`sigma2_confint` gives the
profile-likelihood CI of every sigma^2 of a multilevel model (``confint.rma.mv``) and
:func:`profile_plot` draws a profile as ``plot(profile(res))`` does.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy

from secretome._result import Result
from secretome.errors import InputError
from secretome.meta._columns import FloatArray, check_level
from secretome.meta._figure_files import plot_format, save_figure
from secretome.meta._fitted_model import refuse_user_weights
from secretome.meta._marginal import MarginalModel
from secretome.meta._multilevel import MultilevelRegressionResult, MultilevelResult, marginal_model
from secretome.meta._results import RandomEffectsResult
from secretome.meta._tau2 import METAFOR_TOL
from secretome.meta._uniroot import uniroot

__all__ = ["ProfileResult", "Sigma2ConfintResult", "profile_likelihood", "profile_plot", "sigma2_confint"]

_Multilevel = MultilevelResult | MultilevelRegressionResult


@dataclasses.dataclass(frozen=True, slots=True)
class ProfileResult(Result):
    """The profile log-likelihood of one variance component (metafor's ``profile``).

    Attributes
    ----------
    parameter : str
        ``"tau2"`` or ``"sigma2.j"`` (1-based, as metafor numbers them).
    factor : str or None
        The factor of a sigma^2 (``study``, ``study/es_id``, ...); ``None`` for tau^2.
    values, loglik : tuple of float
        The grid of the component and the profile (restricted) log-likelihood at each value.
    estimate, max_loglik : float
        The fitted component and the maximised log-likelihood (where the dotted lines cross).
    method : str
        ``"REML"`` (restricted log-likelihood) or ``"ML"`` (the full one, also for the other
        estimators, as metafor's ``logLik``).
    """

    parameter: str
    factor: str | None
    values: tuple[float, ...]
    loglik: tuple[float, ...]
    estimate: float
    max_loglik: float
    method: str

    def summary(self) -> str:
        """The grid and the profile, one value per line (metafor's ``print(profile(res))``)."""
        name = "tau^2" if self.parameter == "tau2" else self.parameter.replace("sigma2", "sigma^2")
        lines = [f"Profile {'Restricted ' if self.method == 'REML' else ''}Log-Likelihood of {name}", ""]
        lines.append(f"{name:>12}  {'ll':>12}")
        lines += [f"{v:12.4f}  {ll:12.4f}" for v, ll in zip(self.values, self.loglik, strict=True)]
        return "\n".join(lines)


@dataclasses.dataclass(frozen=True, slots=True)
class Sigma2ConfintResult(Result):
    """Profile-likelihood confidence intervals of the variance components of a multilevel model.

    Attributes
    ----------
    factors : tuple of str
        The factor of each component.
    estimate, ci_lb, ci_ub : tuple of float
        Each sigma^2 and its CI at ``level``.
    lb_sign, ub_sign : tuple of str
        ``"<"`` or ``">"`` where the bound is the end of the searched interval (the true bound lies
        beyond it), else ``""``, as metafor prints them.
    level : float
        Confidence level.
    tol : float
        Tolerance of the root finder (metafor's ``control = list(tol = ...)``).
    """

    factors: tuple[str, ...]
    estimate: tuple[float, ...]
    ci_lb: tuple[float, ...]
    ci_ub: tuple[float, ...]
    lb_sign: tuple[str, ...]
    ub_sign: tuple[str, ...]
    level: float
    tol: float

    def summary(self) -> str:
        """Laid out like metafor's ``print(confint(res))``: sigma^2 then sigma, per component."""
        blocks = []
        for j in range(len(self.estimate)):
            est, lb, ub = self.estimate[j], self.ci_lb[j], self.ci_ub[j]
            rows = [
                (f"sigma^2.{j + 1}", f"{est:.4f}", f"{self.lb_sign[j]}{lb:.4f}", f"{self.ub_sign[j]}{ub:.4f}"),
                (
                    f"sigma.{j + 1}",
                    f"{math.sqrt(est):.4f}",
                    f"{self.lb_sign[j]}{math.sqrt(lb):.4f}",
                    f"{self.ub_sign[j]}{math.sqrt(ub):.4f}",
                ),
            ]
            header = ("", "estimate", "ci.lb", "ci.ub")
            widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]
            block = [f"{self.factors[j]}:"]
            for r in (header, *rows):
                block.append(
                    "  ".join([r[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))])
                )
            blocks.append("\n".join(block))
        return "\n\n".join(blocks)


def profile_likelihood(
    fit: RandomEffectsResult | _Multilevel,
    *,
    component: int = 1,
    values: Sequence[float] | None = None,
    xlim: tuple[float, float] | None = None,
    steps: int = 20,
) -> ProfileResult:
    """Profile the (restricted) log-likelihood over one variance component, as metafor's ``profile``.

    Parameters
    ----------
    fit : RandomEffectsResult, MultilevelResult or MultilevelRegressionResult
        A random-effects model (tau^2 is profiled; not EE/FE) or a multilevel model (sigma^2 of
        *component*).
    component : int
        Which sigma^2 of a multilevel model, 1-based (metafor's ``sigma2 = 1``).
    values : sequence of float, optional
        The values to evaluate (>= 0); otherwise *steps* values evenly over *xlim*.
    xlim : (float, float), optional
        The range. metafor's default: for sigma^2 ``(max(0, s/4), max(0.1, 4 s))``; for tau^2
        from the lower bound of its CI (``min(tau2, tau2_lb)``) to ``max(0.1, tau2, tau2_ub)``.
    steps : int
        Number of grid values (>= 2).

    Returns
    -------
    ProfileResult
        ``parameter``, ``factor``, ``values``, ``loglik``, ``estimate``, ``max_loglik``, ``method``.

    Notes
    -----
    At each value the component is held fixed and the other components are maximised again
    (:meth:`secretome.meta._marginal.MarginalModel.fit`); the coefficients are profiled out by
    GLS. The log-likelihood is REML for REML fits and ML otherwise (metafor's ``logLik``).
    Checked against metafor 3.8-1 ``profile(res, sigma2 = 1, steps = 5)`` on
    dat.konstantopoulos2011 (REML, ML), dat.assink2016 (with ``year``; ``study/deltype/esid``) and
    ``profile(rma(yi, vi, data = dat.bcg), steps = 7)`` (REML, ML) to 1e-6
    (tests/meta/test_profile.py).

    Examples
    --------
    >>> from secretome.meta import random_effects
    >>> prof = profile_likelihood(random_effects([0.1, 0.5, 0.9, 0.3], [0.02, 0.03, 0.02, 0.04]), steps=3)
    >>> prof.parameter, len(prof.values)
    ('tau2', 3)
    """
    refuse_user_weights(fit, "profile_likelihood")
    model, estimate, parameter, factor, method, j = _profiled(fit, component)
    if values is None:
        if steps < 2:
            raise InputError("Argument 'steps' must be >= 2.", field="steps", value=steps)
        lo, hi = _default_xlim(fit, float(estimate[j])) if xlim is None else (float(xlim[0]), float(xlim[1]))
        if not 0 <= lo < hi:
            raise InputError("needs 0 <= lower < upper", field="xlim", value=(lo, hi))
        grid = np.linspace(lo, hi, steps)
    else:
        grid = np.asarray(values, dtype=np.float64)
        if grid.ndim != 1 or grid.size == 0 or not np.all(grid >= 0):
            raise InputError("needs values >= 0", field="values", value=list(values))
    holds = _holds(fit, estimate.size)
    ll = [_profile_loglik(model, j, float(v), estimate, holds) for v in grid]
    full = model.fit(fixed=holds, start=_start(model, estimate, j))
    return ProfileResult(
        parameter=parameter,
        factor=factor,
        values=tuple(float(v) for v in grid),
        loglik=tuple(ll),
        estimate=float(estimate[j]),
        max_loglik=full.loglik,
        method=method,
    )


def sigma2_confint(fit: _Multilevel, *, level: float | None = None, tol: float | None = None) -> Sigma2ConfintResult:
    """Profile-likelihood confidence intervals of every sigma^2 of a multilevel model, as metafor's ``confint``.

    Parameters
    ----------
    fit : MultilevelResult or MultilevelRegressionResult
        The fitted model.
    level : float, optional
        Confidence level (default: the model's).
    tol : float, optional
        Tolerance of the root finder; metafor's default ``.Machine$double.eps^0.25`` (about
        1.2e-4), so the bounds agree with metafor's printed digits. Smaller gives the bounds more
        exactly (as metafor's ``control = list(tol = ...)``).

    Returns
    -------
    Sigma2ConfintResult
        ``factors``, ``estimate``, ``ci_lb``, ``ci_ub``, ``lb_sign``, ``ub_sign``, ``level``, ``tol``.

    Notes
    -----
    The bounds are where the likelihood-ratio statistic :math:`-2(\\ell(\\sigma^2_j) - \\hat\\ell)`,
    the other components maximised out, equals the :math:`\\chi^2_1` quantile at *level* [1]_.
    As metafor's ``confint.rma.mv``: the search runs over ``[0, max(10, 100 sigma^2_j)]`` (10 when
    sigma^2_j is below 1.5e-8); a bound whose end of that interval is still inside the region is
    reported as that end (0 for the lower bound; the upper then gets the sign ``>``); otherwise
    Brent's method, step for step as R's ``uniroot``, finds it between the estimate and the end.
    Checked against metafor 3.8-1 ``confint(res, sigma2 = j)`` with the default tolerance and
    ``control = list(tol = 1e-10)`` on dat.konstantopoulos2011 (REML, ML) and dat.assink2016
    (with ``year``; ``study/deltype/esid``, where one lower bound is 0) to 1e-7
    (tests/meta/test_profile.py).

    References
    ----------
    .. [1] Hardy RJ, Thompson SG (1996). A likelihood approach to meta-analysis with random effects.
       Statistics in Medicine 15(6):619-629.
       https://doi.org/10.1002/(SICI)1097-0258(19960330)15:6<619::AID-SIM188>3.0.CO;2-A
    """
    if not isinstance(fit, MultilevelResult | MultilevelRegressionResult):
        raise TypeError(f"sigma2_confint takes a multilevel model; got {type(fit).__name__}")
    level = fit.level if level is None else level
    check_level(level)
    tol = METAFOR_TOL if tol is None else float(tol)
    if not tol > 0:
        raise InputError("must be > 0", field="tol", value=tol)
    model = marginal_model(fit)
    estimate = np.array(fit.sigma2)
    objective = float(scipy.stats.chi2.isf(1 - level, 1))
    holds = _holds(fit, estimate.size)
    max_ll = model.fit(fixed=holds, start=estimate).loglik
    lbs, ubs, lb_signs, ub_signs = [], [], [], []
    # As metafor's confint(res): a component held at 0 (a factor with a single unit) gets no interval.
    free = [j for j in range(estimate.size) if np.isnan(holds[j])]
    for j in free:
        vc = estimate[j]

        def excess(val: float, j: int = j) -> float:
            return -2 * (_profile_loglik(model, j, val, estimate, holds) - max_ll) - objective

        vc_max = 10.0 if vc <= np.finfo(np.float64).eps ** 0.5 else max(10.0, 100 * vc)
        if excess(0.0) < 0:
            lb, lb_sign = 0.0, ""
        else:
            lb, lb_sign = uniroot(excess, 0.0, vc, tol=tol), ""
        if excess(vc_max) < 0:
            ub, ub_sign = vc_max, ">"
        else:
            ub, ub_sign = uniroot(excess, vc, vc_max, tol=tol), ""
        lbs.append(float(lb))
        ubs.append(float(ub))
        lb_signs.append(lb_sign)
        ub_signs.append(ub_sign)
    return Sigma2ConfintResult(
        factors=tuple(fit.factors[j] for j in free),
        estimate=tuple(float(estimate[j]) for j in free),
        ci_lb=tuple(lbs),
        ci_ub=tuple(ubs),
        lb_sign=tuple(lb_signs),
        ub_sign=tuple(ub_signs),
        level=level,
        tol=tol,
    )


def profile_plot(profile: ProfileResult, path: str | Path | None = None) -> bytes:
    """Draw a profile likelihood as metafor's ``plot(profile(res))`` (SVG bytes, or written to *path*).

    The log-likelihood against the component (points joined by lines, id ``profile``), a dotted
    vertical line at the estimate (``estimate``) and a dotted horizontal line at the maximum
    (``max-loglik``). The file is written whole or not at all.

    >>> from secretome.meta import random_effects
    >>> svg = profile_plot(profile_likelihood(random_effects([0.1, 0.5, 0.9], [0.02, 0.03, 0.02]), steps=4))
    >>> b'id="profile"' in svg
    True
    """
    fmt = plot_format(path, "profile")
    name = "\N{GREEK SMALL LETTER TAU}\N{SUPERSCRIPT TWO}"
    if profile.parameter != "tau2":
        index = profile.parameter.split(".")[1]
        name = f"\N{GREEK SMALL LETTER SIGMA}\N{SUPERSCRIPT TWO} {index}"
    # matplotlib is imported where a plot is drawn: `secretome meta` without a plot does not load it.
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "secretome"}):
        fig = Figure(figsize=(6, 5))
        ax = fig.add_subplot()
        ax.plot(profile.values, profile.loglik, marker="o", color="black", markersize=4, linewidth=1, gid="profile")
        ax.axvline(profile.estimate, linestyle=":", color="black", linewidth=0.8, gid="estimate")
        ax.axhline(profile.max_loglik, linestyle=":", color="black", linewidth=0.8, gid="max-loglik")
        ax.set_xlabel(f"Value of {name}" + (f" ({profile.factor})" if profile.factor else ""))
        restricted = "Restricted " if profile.method == "REML" else ""
        ax.set_ylabel(f"{restricted}Log-Likelihood")
        ax.set_title(f"Profile Plot for {name}")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        return save_figure(fig, fmt, path)


def _profiled(
    fit: RandomEffectsResult | _Multilevel, component: int
) -> tuple[MarginalModel, FloatArray, str, str | None, str, int]:
    """The model to refit, the fitted components, the parameter's name, its factor, the method, its index."""
    if isinstance(fit, RandomEffectsResult):
        if fit.method in ("EE", "FE"):
            raise InputError(
                "Cannot profile tau2 parameter for equal/fixed-effects models.", field="method", value=fit.method
            )
        y, v = np.array(fit.yi), np.array(fit.vi)
        model = MarginalModel(y, np.diag(v), np.ones((y.size, 1)), [np.eye(y.size)], reml=fit.method == "REML")
        method = "REML" if fit.method == "REML" else "ML"
        return model, np.array([fit.tau2]), "tau2", None, method, 0
    if isinstance(fit, MultilevelResult | MultilevelRegressionResult):
        if not 1 <= component <= len(fit.sigma2):
            raise InputError(f"must be 1 to {len(fit.sigma2)}", field="component", value=component)
        j = component - 1
        if fit.sigma2_fixed and fit.sigma2_fixed[j]:
            raise InputError("Specified 'sigma2' component was fixed.", field="component", value=component)
        return marginal_model(fit), np.array(fit.sigma2), f"sigma2.{component}", fit.factors[j], fit.method, j
    raise TypeError(f"profile_likelihood takes a random-effects or multilevel model; got {type(fit).__name__}")


def _default_xlim(fit: RandomEffectsResult | _Multilevel, estimate: float) -> tuple[float, float]:
    if isinstance(fit, RandomEffectsResult):
        lb = fit.tau2 if fit.tau2_lb is None else min(fit.tau2, fit.tau2_lb)
        ub = max(0.1, fit.tau2, fit.tau2 if fit.tau2_ub is None else fit.tau2_ub)
        return lb, ub
    return max(0.0, estimate / 4), max(0.1, estimate * 4)


def _start(model: MarginalModel, estimate: FloatArray, j: int) -> FloatArray:
    # Refits start from the fitted components (positive, so a held-at-0 one can leave the bound).
    start = np.maximum(estimate, 1e-4 * max(1.0, float(estimate.max())))
    return start if start.size == len(model.z) else model.start()


def _holds(fit: RandomEffectsResult | _Multilevel, s: int) -> FloatArray:
    """Per component, the value it is held at (0 for a factor with a single unit, as rma.mv), NaN where free."""
    fixed = fit.sigma2_fixed if isinstance(fit, MultilevelResult | MultilevelRegressionResult) else ()
    return np.array([0.0 if fixed and fixed[j] else np.nan for j in range(s)])


def _profile_loglik(model: MarginalModel, j: int, value: float, estimate: FloatArray, holds: FloatArray) -> float:
    fixed = holds.copy()
    fixed[j] = value
    if np.all(~np.isnan(fixed)):
        return model.loglik(fixed)
    return model.fit(fixed=fixed, start=_start(model, estimate, j)).loglik

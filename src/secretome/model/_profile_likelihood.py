"""Least squares in log-parameter space and profile likelihoods (shared by the one-model and multi-condition fits).

The fits minimise chi^2 = sum of squared weighted residuals within box bounds by trust-region reflective
least squares (:func:`scipy.optimize.least_squares`). A profile (Raue et al. 2009 [1]_) steps one log
parameter away from the best fit, re-fitting the others at each step, until chi^2 rises by a threshold:
``chi2.ppf(level, 1)`` for the pointwise interval of that parameter, ``chi2.ppf(level, k)`` for the
projection of the simultaneous region of all *k* fitted parameters. A side that reaches its bound first is
open: the data do not identify the parameter there. A profile that meets a lower chi^2 than the fit shows
that the optimiser stopped short of the optimum; :func:`profile_fit` then fits again from that point and
profiles again, as profile-likelihood practice does (Raue et al. 2009 [1]_, section 2.3, use the profile to
detect such local optima), so that the intervals are taken around the best point found.

References
----------
.. [1] Raue A, Kreutz C, Maiwald T, Bachmann J, Schilling M, Klingmüller U, Timmer J (2009). Structural and
   practical identifiability analysis of partially observed dynamical models by exploiting the profile
   likelihood. Bioinformatics 25(15):1923-1929. https://doi.org/10.1093/bioinformatics/btp358
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from secretome._progress import ProgressCallback
from secretome._scheduler import map_in_order

if TYPE_CHECKING:
    from scipy.optimize import OptimizeResult

__all__ = [
    "PROFILE_RESTART_MARGIN",
    "chi2_threshold",
    "fit_least_squares",
    "fit_starts",
    "profile_fit",
    "profile_side",
    "profile_sides",
]

Side = tuple[list[tuple[float, float]], list[float | None], tuple[float, np.ndarray]]
"""A profile side: ``(log value, chi^2)`` per step, the crossing per threshold, and ``(chi^2, x)`` of its
lowest point."""

PROFILE_RESTART_MARGIN = 0.05
"""chi^2 by which a profile point must beat the fit to refit from it: below it the difference is the
refits' own tolerance, far under the interval thresholds (3.84 and up)."""


def chi2_threshold(level: float, df: int) -> float:
    """The rise of chi^2 that bounds a profile-likelihood interval: ``chi2.ppf(level, df)`` (Raue et al. 2009)."""
    # scipy.stats is imported here, not with the module: it is the largest import of scipy (about 0.5 s), and
    # every command that loads secretome.model would pay for it even when it fits nothing.
    from scipy.stats import chi2

    return float(chi2.ppf(level, df))


def fit_least_squares(
    residuals: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    diff_step: float = 1e-4,
    max_nfev: int = 300,
) -> OptimizeResult:
    """One trust-region reflective fit of *residuals* from *x0* within ``[lo, hi]`` (log parameters)."""
    from scipy.optimize import least_squares  # only a fit needs it; secretome.model loads without it

    # diff_step is relative, in log space: far above the integrator's rtol, so finite differences measure the
    # model, not the solver's error control.
    return least_squares(residuals, x0, bounds=(lo, hi), method="trf", diff_step=diff_step, x_scale=1.0,
                         max_nfev=max_nfev)  # fmt: skip


def fit_starts(
    residuals: Callable[[np.ndarray], np.ndarray],
    starts: Sequence[np.ndarray],
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    executor: Executor | None = None,
    progress: ProgressCallback | None = None,
    task: str = "calibrate",
    diff_step: float = 1e-4,
    max_nfev: int = 300,
) -> list[OptimizeResult]:
    """One :func:`fit_least_squares` per starting point, in the order of *starts*, here or on a cluster.

    The starting points are fixed by the caller before any fit runs and each fit depends on its start
    only, so the fits are the same whichever scheduler runs them (on a cluster *residuals* must pickle).
    """
    fit = partial(fit_least_squares, residuals, lo=lo, hi=hi, diff_step=diff_step, max_nfev=max_nfev)
    return list(map_in_order(fit, starts, executor, progress=progress, task=task))


def profile_sides(
    residuals: Callable[[np.ndarray], np.ndarray],
    x_best: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    chi2_best: float,
    thresholds: Sequence[float],
    *,
    executor: Executor | None = None,
    progress: ProgressCallback | None = None,
    task: str = "profile",
    diff_step: float = 1e-4,
    max_nfev: int = 300,
) -> list[tuple[Side, Side]]:
    """Per parameter, its :func:`profile_side` downwards and upwards, here or on a cluster.

    The 2 n sides are independent (each starts from *x_best*), so a cluster runs them all at once;
    *progress* hears one step per side.
    """
    sides = [(i, direction) for i in range(x_best.size) for direction in (-1.0, 1.0)]
    step = partial(_side, residuals, x_best, lo, hi, chi2_best, tuple(thresholds), diff_step, max_nfev)
    done = list(map_in_order(step, sides, executor, progress=progress, task=task))
    return [(done[2 * i], done[2 * i + 1]) for i in range(x_best.size)]


def _side(residuals: Callable[[np.ndarray], np.ndarray], x_best: np.ndarray, lo: np.ndarray, hi: np.ndarray,
          chi2_best: float, thresholds: tuple[float, ...], diff_step: float, max_nfev: int,
          side: tuple[int, float]) -> Side:  # fmt: skip
    # A module-level function (not a closure), so that a cluster can pickle the task.
    return profile_side(residuals, x_best, side[0], side[1], lo, hi, chi2_best, thresholds, diff_step=diff_step,
                        max_nfev=max_nfev)  # fmt: skip


def profile_side(
    residuals: Callable[[np.ndarray], np.ndarray],
    x_best: np.ndarray,
    i: int,
    direction: float,
    lo: np.ndarray,
    hi: np.ndarray,
    chi2_best: float,
    thresholds: Sequence[float],
    *,
    max_steps: int = 40,
    diff_step: float = 1e-4,
    max_nfev: int = 300,
) -> Side:
    """Step parameter *i* (log scale) from the best fit in *direction*, re-fitting the others each step.

    Stepping stops when chi^2 has risen by the largest of *thresholds*, at a bound, or after *max_steps*.

    Returns
    -------
    points : list of (float, float)
        The profile: ``(log value, chi^2)`` per step.
    crossings : list of float or None
        Per threshold, the log value where ``chi2_best + threshold`` is crossed (linear interpolation between
        the steps around it), or ``None`` when a bound or the step limit came first.
    lowest : (float, ndarray)
        chi^2 and the full log-parameter vector of the lowest point of the side.
    """
    free = [j for j in range(x_best.size) if j != i]
    x = x_best.copy()
    points: list[tuple[float, float]] = []
    crossings: list[float | None] = [None] * len(thresholds)
    top = max(thresholds)
    step = 0.02 * (hi[i] - lo[i]) / 2.0 + 1e-3
    last_value, last_delta = float(x_best[i]), 0.0
    lowest = (chi2_best, x_best.copy())
    for _ in range(max_steps):
        value = float(np.clip(last_value + direction * step, lo[i], hi[i]))
        x[i] = value
        if free:

            def sub(z: np.ndarray, x=x) -> np.ndarray:
                full = x.copy()
                full[free] = z
                return residuals(full)

            start = np.clip(x[free], lo[free], hi[free])
            fit = fit_least_squares(sub, start, lo[free], hi[free], diff_step=diff_step, max_nfev=max_nfev)
            x[free] = fit.x
            chi2 = 2.0 * fit.cost
        else:
            chi2 = float(np.sum(residuals(x) ** 2))
        delta = chi2 - chi2_best
        points.append((value, chi2))
        if chi2 < lowest[0]:
            lowest = (chi2, x.copy())
        for t, threshold in enumerate(thresholds):
            if crossings[t] is None and delta >= threshold:
                # Linear interpolation between the last point below and this one (Raue et al. 2009 use a
                # finer step near the crossing; the step here is small enough for two significant digits).
                frac = (threshold - last_delta) / (delta - last_delta) if delta > last_delta else 1.0
                crossings[t] = last_value + min(max(frac, 0.0), 1.0) * (value - last_value)
        if delta >= top or value in (lo[i], hi[i]):
            break
        # Larger steps where the profile is flat, smaller where it rises quickly.
        step *= 1.5 if delta < top / 4 else 1.0
        last_value, last_delta = value, delta
    return points, crossings, lowest


def profile_fit(
    residuals: Callable[[np.ndarray], np.ndarray],
    best: OptimizeResult,
    lo: np.ndarray,
    hi: np.ndarray,
    thresholds: Sequence[float],
    *,
    restarts: int = 3,
    executor: Executor | None = None,
    progress: ProgressCallback | None = None,
    task: str = "profile",
    diff_step: float = 1e-4,
    max_nfev: int = 300,
) -> tuple[OptimizeResult, list[tuple[Side, Side]], list[str]]:
    """:func:`profile_sides` around *best*; refit from a profile point that beats it and profile again.

    Up to *restarts* times, a profile point lower than the fit by more than :data:`PROFILE_RESTART_MARGIN` becomes
    the start of a new fit (trust-region steps only lower chi^2, so the new fit is at least as good).

    Returns
    -------
    best : OptimizeResult
        The fit the returned profiles are taken around.
    sides : list of (Side, Side)
        Per parameter, its downward and upward side.
    notes : list of str
        Each refit, and a warning when the last profiles still beat the fit.
    """
    notes: list[str] = []
    while True:
        chi2_best = 2.0 * float(best.cost)
        sides = profile_sides(residuals, best.x, lo, hi, chi2_best, thresholds, executor=executor,
                              progress=progress, task=task, diff_step=diff_step, max_nfev=max_nfev)  # fmt: skip
        chi2_low, x_low = min((side[2] for both in sides for side in both), key=lambda low: low[0])
        if chi2_low >= chi2_best - PROFILE_RESTART_MARGIN:
            return best, sides, notes
        if len(notes) == restarts:
            notes.append(f"a profile still reaches chi2 {chi2_low:.4g} below the fit's {chi2_best:.4g} after "
                         f"{restarts} refits: the estimates are not the optimum")  # fmt: skip
            return best, sides, notes
        best = fit_least_squares(residuals, x_low, lo, hi, diff_step=diff_step, max_nfev=max_nfev)
        notes.append(f"a profile reached chi2 {chi2_low:.4g} below the fit's {chi2_best:.4g}; refitted from "
                     f"that point (chi2 {2.0 * best.cost:.4g})")  # fmt: skip

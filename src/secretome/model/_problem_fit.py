"""Fitting a multi-condition calibration problem: estimates, profile-likelihood intervals and a calibrated ensemble.

:func:`fit_problem` fits named parameters to rows of a :class:`~secretome.model.CalibrationProblem` (quantitative
points and direction hinges, :mod:`secretome.model._problem`) by multi-start least squares in log space within
their priors, then profiles each fitted parameter (Raue et al. 2009 [1]_). The profile is stepped past two
thresholds of chi^2 above the best fit: ``chi2.ppf(level, 1)`` gives the parameter's pointwise interval, and
``chi2.ppf(level, k)`` (k fitted parameters) the projection of the simultaneous likelihood-ratio region. A side
that reaches the prior bound first is open: the data do not identify the parameter there, and it is reported
as not identifiable rather than given a number.

:func:`region_ensemble` draws parameter sets uniformly (log scale) within the projected region's box and keeps
those whose chi^2 lies inside the simultaneous region, ``chi2 <= chi2_best + chi2.ppf(level, k)`` (the
likelihood-based confidence region of Raue et al. 2009, eq. 5, with k degrees of freedom): the parameter sets
the data do not reject. Predictions run over the ensemble give bands narrowed by calibration where the data
constrain the parameters, and as wide as the box where they do not. The parameters not fitted keep their
values; the bands are conditional on them.

References
----------
.. [1] Raue A, Kreutz C, Maiwald T, Bachmann J, Schilling M, Klingmüller U, Timmer J (2009). Structural and
   practical identifiability analysis of partially observed dynamical models by exploiting the profile
   likelihood. Bioinformatics 25(15):1923-1929. https://doi.org/10.1093/bioinformatics/btp358
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from secretome._progress import ProgressCallback, track
from secretome._result import Result, json_safe
from secretome._scheduler import check_scheduler, cluster_executor
from secretome.errors import ConvergenceError, InputError, NumericalError
from secretome.model._batch import run_batch
from secretome.model._cohort import QUANTILES, CohortResult
from secretome.model._problem import CalibrationProblem, ProblemRunner, residuals
from secretome.model._profile_likelihood import chi2_threshold, fit_starts, profile_fit
from secretome.model._spec import Model

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ParameterEnsemble", "ProblemFit", "ensemble_cohort", "fit_problem", "region_ensemble"]

_FAILED_RESIDUAL = 1e3  # a run that fails to integrate is a very bad fit, not a crash of the optimiser


@dataclass(frozen=True)
class ProblemFit(Result):
    """Fitted parameters of a calibration problem with profile-likelihood intervals.

    Attributes
    ----------
    label : str
        What was fitted (e.g. ``"animal mechanism"``).
    parameters : tuple of str
        Fitted parameters.
    estimates : tuple of float
        Best-fit values.
    ci_lower, ci_upper : tuple of float
        Pointwise profile-likelihood interval at *level*; NaN on a side the profile did not cross before the
        prior bound (not identifiable there).
    region_lower, region_upper : tuple of float
        Projection of the simultaneous likelihood-ratio region (threshold ``chi2.ppf(level, k)``); the prior
        bound on an open side.
    identifiable : tuple of bool
        Both sides of the pointwise interval closed.
    bounds : tuple of (float, float)
        Search bounds (the priors, or those given).
    level : float
        Confidence level.
    chi2, chi2_nominal : float
        Chi^2 at the best fit and at the starting (nominal) values.
    rows : tuple of int
        Positions in the problem's table of the rows fitted.
    residuals : tuple of float
        Weighted residuals of those rows at the best fit.
    fixed : dict of str to float
        Values held fixed during the fit (e.g. an earlier stage's estimates).
    profiles : dict of str to (tuple, tuple)
        Per parameter, the profiled values and their chi^2.
    starts : int
        Optimisation starts.
    notes : tuple of str
        What could not be determined.
    """

    label: str
    parameters: tuple[str, ...]
    estimates: tuple[float, ...]
    ci_lower: tuple[float, ...]
    ci_upper: tuple[float, ...]
    region_lower: tuple[float, ...]
    region_upper: tuple[float, ...]
    identifiable: tuple[bool, ...]
    bounds: tuple[tuple[float, float], ...]
    level: float
    chi2: float
    chi2_nominal: float
    rows: tuple[int, ...]
    residuals: tuple[float, ...]
    fixed: Mapping[str, float]
    profiles: Mapping[str, tuple[tuple[float, ...], tuple[float, ...]]]
    starts: int
    notes: tuple[str, ...] = ()

    @property
    def values(self) -> dict[str, float]:
        """The fixed values and the estimates together (what a prediction with this fit uses)."""
        return {**self.fixed, **dict(zip(self.parameters, self.estimates, strict=True))}

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: estimate, pointwise interval, region box, prior bounds, identifiable."""
        import pandas as pd

        return pd.DataFrame(
            {
                "stage": self.label,
                "parameter": list(self.parameters),
                "estimate": list(self.estimates),
                "ci_lower": list(self.ci_lower),
                "ci_upper": list(self.ci_upper),
                "region_lower": list(self.region_lower),
                "region_upper": list(self.region_upper),
                "prior_low": [b[0] for b in self.bounds],
                "prior_high": [b[1] for b in self.bounds],
                "identifiable": list(self.identifiable),
                "chi2": self.chi2,
                "chi2_nominal": self.chi2_nominal,
                "rows": len(self.rows),
            }
        )

    def to_dict(self) -> dict[str, object]:
        """All fields, JSON-safe (open interval ends are ``null``)."""
        return json_safe({k: getattr(self, k) for k in self.__dataclass_fields__})

    def summary(self) -> str:
        """Header with the fit statistics, then the parameter table."""
        k = len(self.parameters)
        lines = [
            f"Calibration stage {self.label!r} (rows = {len(self.rows)}; parameters = {k}; starts = {self.starts})",
            f"chi^2 at the nominal values:                {self.chi2_nominal:.4f}",
            f"chi^2 at the best fit:                      {self.chi2:.4f}",
            f"intervals: profile likelihood (Raue 2009), {100 * self.level:g}%, pointwise chi2(1) = "
            f"{chi2_threshold(self.level, 1):.3f}; region chi2({k}) = {chi2_threshold(self.level, k):.3f}",
            "",
            f"{'parameter':<12}{'estimate':>12}{'ci.lb':>12}{'ci.ub':>12}   identifiable   prior",
        ]
        for i, name in enumerate(self.parameters):
            lo, hi = self.bounds[i]
            lines.append(
                f"{name:<12}{self.estimates[i]:>12.4g}{self.ci_lower[i]:>12.4g}{self.ci_upper[i]:>12.4g}   "
                f"{'yes' if self.identifiable[i] else 'no':<15}[{lo:.4g}, {hi:.4g}]"
            )
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _box(problem: CalibrationProblem, names: Sequence[str], rows: Sequence[int],
         bounds: Mapping[str, tuple[float, float]]):  # fmt: skip
    """Log bounds and nominal values of *names*, from *bounds* or the priors in the conditions of *rows*.

    A parameter fitted across conditions must have one value and one prior in all of them (a species'
    replacement, e.g. the human ``k_wear``, is fitted in a stage of its own).
    """
    models = [problem.conditions[c] for c in dict.fromkeys(problem.table["condition"].iloc[list(rows)])]
    lo, hi, nominal = [], [], []
    for name in names:
        declared = {(q.value, q.prior) for m in models for q in m.parameters if q.name == name}
        if not declared:
            raise InputError("not a parameter of the fitted conditions", field="parameters", value=name)
        if len(declared) > 1:
            raise InputError("differs between the fitted conditions; fit each organism in its own stage",
                             field="parameters", value=name)  # fmt: skip
        owner = next(m for m in models if name in {q.name for q in m.parameters})
        p = owner.parameter(name)
        low, high = bounds.get(name, p.prior or (math.nan, math.nan))
        if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
            raise InputError("needs bounds 0 < low < high (a prior, or bounds=)", record=name, field="bounds",
                             value=(low, high))  # fmt: skip
        lo.append(math.log(low))
        hi.append(math.log(high))
        nominal.append(min(max(math.log(p.value), lo[-1]), hi[-1]) if p.value > 0 else lo[-1])
    return np.array(lo), np.array(hi), np.array(nominal)


class _Objective:
    """Weighted residuals of the chosen rows as a function of the log values of the fitted parameters.

    It pickles without its runner (a cluster sends it to the workers), which each process loads again.
    """

    def __init__(self, problem, names, rows, fixed, simulator):
        self.names = list(names)
        self.fixed = dict(fixed)
        self.sub = CalibrationProblem(problem.conditions, problem.table.iloc[list(rows)].reset_index(drop=True))
        self.simulator = simulator
        self.runner: ProblemRunner | None = None

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "runner": None}

    def __call__(self, x: np.ndarray) -> np.ndarray:
        # The runner (compiled arms) is built on first call where the objective runs, not when it is unpickled:
        # a Dask scheduler unpickles task graphs too, and it has no use for a compiled model.
        if self.runner is None:
            self.runner = ProblemRunner(self.sub, simulator=self.simulator)
        values = {**self.fixed, **dict(zip(self.names, np.exp(x), strict=True))}
        results = self.runner(values)
        if results is None:
            return np.full(len(self.sub.table), _FAILED_RESIDUAL)
        out = residuals(self.sub, results, split=None)
        return np.where(np.isfinite(out), out, _FAILED_RESIDUAL)


def fit_problem(
    problem: CalibrationProblem,
    parameters: Sequence[str],
    *,
    rows: Sequence[int] | None = None,
    fixed: Mapping[str, float] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    label: str = "fit",
    starts: int = 1,
    seed: int = 0,
    level: float = 0.95,
    profile: bool = True,
    max_nfev: int = 200,
    simulator: str = "auto",
    progress: ProgressCallback | None = None,
    scheduler: str = "local",
    workers: int | None = None,
) -> ProblemFit:
    """Fit *parameters* to rows of *problem*; profile-likelihood intervals for each (see the module docstring).

    Parameters
    ----------
    problem : CalibrationProblem
        Conditions and data (:func:`secretome.model.problem_from_table`).
    parameters : sequence of str
        Parameters fitted in every condition that has them.
    rows : sequence of int, optional
        Positions in ``problem.table`` of the rows fitted; default the ``train`` rows.
    fixed : mapping of str to float, optional
        Values held fixed (an earlier stage's estimates).
    bounds : mapping of str to (float, float), optional
        Search bounds; default each parameter's prior.
    label : str
        Name of the stage, carried into the result.
    starts : int
        Optimisation starts: the first from the nominal values, the others drawn log-uniformly (seeded).
    seed : int
        Seed of the extra starts.
    level : float
        Confidence level of the intervals.
    profile : bool
        Whether to profile (the intervals are NaN without it).
    max_nfev : int
        Residual evaluations per least-squares run.
    simulator : {"auto", "roadrunner", "scipy"}
        Engine (:class:`~secretome.model._problem.ProblemRunner`).
    progress : callable, optional
        Progress callback ``(task, done, total)`` per start and per side of a profile.
    scheduler : str
        ``"local"``, ``"processes"`` (a local Dask cluster of *workers* processes) or a Dask scheduler's
        address (:mod:`secretome._scheduler`): where the starts and the profile sides run, one task each.
        The starting points are drawn here first, so the fit is the same on every scheduler.
    workers : int, optional
        Worker processes of ``scheduler="processes"`` (default: one per core).

    Returns
    -------
    ProblemFit

    Examples
    --------
    See tests/model/test_problem_fit.py: recovery of a clearance rate from synthetic points, with the
    profile-likelihood interval of a one-parameter exponential checked against its closed form.
    """
    names = list(dict.fromkeys(parameters))
    if not names:
        raise InputError("name at least one parameter to fit", field="parameters")
    if isinstance(starts, bool) or not isinstance(starts, int) or starts < 1:
        raise InputError("must be an integer >= 1", field="starts", value=starts)
    if not 0 < level < 1:
        raise InputError("must be between 0 and 1", field="level", value=level)
    check_scheduler(scheduler)
    if rows is None:
        rows = list(np.flatnonzero(problem.table["split"].to_numpy() == "train"))
    rows = [int(r) for r in rows]
    if not rows:
        raise InputError("no rows to fit", field="rows")
    lo, hi, nominal = _box(problem, names, rows, dict(bounds or {}))
    objective = _Objective(problem, names, rows, fixed or {}, simulator)
    chi2_nominal = float(np.sum(objective(nominal) ** 2))
    rng = np.random.default_rng(seed)
    # Every starting point is drawn before any start runs: start s is the same wherever it runs.
    x0s = [nominal if s == 0 else rng.uniform(lo, hi) for s in range(starts)]
    k = len(names)
    pointwise, region = chi2_threshold(level, 1), chi2_threshold(level, k)
    with cluster_executor(scheduler, workers=workers) as executor:
        fits = fit_starts(objective, x0s, lo, hi, executor=executor, progress=progress, task=f"calibrate {label}",
                          diff_step=1e-3, max_nfev=max_nfev)  # fmt: skip
        best = min(fits, key=lambda f: f.cost)
        if 2.0 * float(best.cost) >= len(rows) * _FAILED_RESIDUAL**2 * 0.5:
            raise ConvergenceError(f"{label}: every start failed to simulate; check the bounds")
        sides: list = []
        notes: list[str] = []
        if profile:
            best, sides, notes = profile_fit(objective, best, lo, hi, (pointwise, region), executor=executor,
                                             progress=progress, task=f"profile {label}", diff_step=1e-3,
                                             max_nfev=max_nfev)  # fmt: skip
    chi2_best = 2.0 * float(best.cost)
    ci = np.full((k, 2), math.nan)
    box = np.exp(np.column_stack([lo, hi]))
    profiles: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {}
    if profile:
        for i, both in enumerate(sides):
            grid, chis = [], []
            for side, (points, (point_crossing, region_crossing), _) in enumerate(both):
                grid += [p for p, _ in points]
                chis += [c for _, c in points]
                if point_crossing is not None:
                    ci[i, side] = math.exp(point_crossing)
                else:
                    where = "lower" if side == 0 else "upper"
                    notes.append(f"{names[i]}: the profile stays below chi2_best + {pointwise:.2f} up to the "
                                 f"{where} prior bound (not identifiable there)")  # fmt: skip
                if region_crossing is not None:
                    box[i, side] = math.exp(region_crossing)
            order = np.argsort(grid)
            profiles[names[i]] = (tuple(float(np.exp(grid[j])) for j in order), tuple(float(chis[j]) for j in order))
    else:
        notes.append("not profiled: intervals not computed")
    return ProblemFit(
        label=label,
        parameters=tuple(names),
        estimates=tuple(float(v) for v in np.exp(best.x)),
        ci_lower=tuple(float(v) for v in ci[:, 0]),
        ci_upper=tuple(float(v) for v in ci[:, 1]),
        region_lower=tuple(float(v) for v in box[:, 0]),
        region_upper=tuple(float(v) for v in box[:, 1]),
        identifiable=tuple(bool(np.all(np.isfinite(ci[i]))) for i in range(k)),
        bounds=tuple((float(math.exp(a)), float(math.exp(b))) for a, b in zip(lo, hi, strict=True)),
        level=level,
        chi2=chi2_best,
        chi2_nominal=chi2_nominal,
        rows=tuple(rows),
        residuals=tuple(float(r) for r in objective(best.x)),
        fixed=dict(fixed or {}),
        profiles=profiles,
        starts=starts,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class ParameterEnsemble(Result):
    """Parameter sets inside the simultaneous likelihood-ratio region of a fit.

    Attributes
    ----------
    label : str
        The fit's label.
    parameters : tuple of str
        The fitted parameters (columns of *values*).
    values : ndarray, shape (n_accepted, n_parameters)
        Accepted parameter sets.
    chi2 : ndarray, shape (n_accepted,)
        Their chi^2 on the fitted rows.
    threshold : float
        ``chi2_best + chi2.ppf(level, k)``.
    candidates : int
        Sets drawn from the region's box.
    fixed : dict of str to float
        Values every set shares (the fit's fixed values).
    seed : int
        Seed of the draws.
    """

    label: str
    parameters: tuple[str, ...]
    values: np.ndarray
    chi2: np.ndarray
    threshold: float
    candidates: int
    fixed: Mapping[str, float]
    seed: int

    def draws(self) -> dict[str, np.ndarray]:
        """``parameters=`` for a batch run: one array per fitted parameter (the fixed values as constants)."""
        n = self.values.shape[0]
        return {**{k: np.full(n, v) for k, v in self.fixed.items()},
                **{name: self.values[:, j] for j, name in enumerate(self.parameters)}}  # fmt: skip

    def to_frame(self) -> pd.DataFrame:
        """One row per accepted set: its parameter values and chi^2."""
        import pandas as pd

        frame = pd.DataFrame(self.values, columns=list(self.parameters))
        frame["chi2"] = self.chi2
        return frame

    def summary(self) -> str:
        """Acceptance and the range of each parameter in the ensemble."""
        lines = [
            f"Ensemble of {self.label!r}: {self.values.shape[0]} of {self.candidates} candidate sets inside the "
            f"likelihood-ratio region (chi^2 <= {self.threshold:.3f}; seed {self.seed})",
            f"{'parameter':<12}{'min':>12}{'median':>12}{'max':>12}",
        ]
        for j, name in enumerate(self.parameters):
            column = self.values[:, j]
            if column.size:
                lines.append(f"{name:<12}{column.min():>12.4g}{np.median(column):>12.4g}{column.max():>12.4g}")
        return "\n".join(lines)


def region_ensemble(
    problem: CalibrationProblem,
    fit: ProblemFit,
    *,
    candidates: int = 400,
    seed: int = 0,
    simulator: str = "auto",
    progress: ProgressCallback | None = None,
) -> ParameterEnsemble:
    """Parameter sets of *fit* inside its simultaneous likelihood-ratio region (see the module docstring).

    Candidates are drawn log-uniformly in the box of the region's projections (``region_lower``,
    ``region_upper``); a candidate is kept when its chi^2 on the fit's rows is at most ``fit.chi2 +
    chi2.ppf(fit.level, k)``. The best fit itself is always kept, so the ensemble is never empty.
    """
    if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1:
        raise InputError("must be an integer >= 1", field="candidates", value=candidates)
    k = len(fit.parameters)
    threshold = fit.chi2 + chi2_threshold(fit.level, k)
    objective = _Objective(problem, fit.parameters, fit.rows, fit.fixed, simulator)
    lo, hi = np.log(fit.region_lower), np.log(fit.region_upper)
    rng = np.random.default_rng(seed)
    kept, chis = [np.log(fit.estimates)], [fit.chi2]
    for _ in track(range(candidates), f"ensemble {fit.label}", progress):
        x = rng.uniform(lo, hi)
        chi2 = float(np.sum(objective(x) ** 2))
        if chi2 <= threshold:
            kept.append(x)
            chis.append(chi2)
    return ParameterEnsemble(
        label=fit.label,
        parameters=fit.parameters,
        values=np.exp(np.array(kept)),
        chi2=np.array(chis),
        threshold=threshold,
        candidates=candidates,
        fixed=dict(fit.fixed),
        seed=seed,
    )


def ensemble_cohort(
    model: Model,
    parameters: Mapping[str, np.ndarray],
    *,
    times: Sequence[float],
    label: str = "calibrated ensemble",
    simulator: str = "auto",
    progress: ProgressCallback | None = None,
) -> CohortResult:
    """Bands of every readout of *model* over the parameter sets *parameters* (e.g. :meth:`ParameterEnsemble.draws`).

    The counterpart of :func:`secretome.model.cohort` for a given ensemble instead of draws from the priors:
    every set is simulated (the other parameters at the model's values) and the bands are the
    :data:`~secretome.model._cohort.QUANTILES` over the sets that integrate; *label* says what the sets are.
    """
    grid = np.asarray(times, dtype=float)
    sizes = {np.asarray(v).size for v in parameters.values()}
    if len(sizes) != 1:
        raise InputError("every parameter needs one value per set", field="parameters", value=sorted(sizes))
    _, readouts, status, _ = run_batch(model.with_doses([d for d in model.doses if d.time <= grid[-1]]),
                                       parameters, grid, simulator=simulator, progress=progress,
                                       task="ensemble")  # fmt: skip
    ok = np.array([s == "ok" for s in status])
    if not ok.any():
        raise NumericalError(f"{model.name}: every set of the ensemble failed ({status[0]})")
    failed = tuple(int(i) for i in np.flatnonzero(~ok))
    varied = tuple(k for k, v in parameters.items() if np.ptp(np.asarray(v, float)) > 0)
    notes = (f"{len(failed)} of {len(status)} sets failed and are left out of the bands",) if failed else ()
    return CohortResult.of(
        model, grid, np.quantile(readouts[ok], QUANTILES, axis=0), status, varied,
        seed=0, simulator="auto", label=label, notes=notes,
    )  # fmt: skip

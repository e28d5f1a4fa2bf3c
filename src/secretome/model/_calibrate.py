"""Calibration to a measurements table: multi-start least squares and profile-likelihood intervals.

The table is PEtab-like [1]_, one row per measurement: ``observable`` (a readout or species id),
``time`` (in the model's time unit), ``value`` and ``noise_sd`` (the measurement's standard deviation;
``noise`` is accepted as the same column). With Gaussian noise of known SD, minus twice the log-likelihood
is, up to a constant, the weighted sum of squares chi^2 = sum(((y_model - value) / noise_sd)^2), which
is what is minimised.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from secretome._progress import ProgressCallback
from secretome._result import Result, json_safe
from secretome._scheduler import check_scheduler, cluster_executor
from secretome.errors import ConvergenceError, InputError, SecretomeWarning
from secretome.model._batch import Simulator, batch_runner, resolve_simulator
from secretome.model._profile_likelihood import chi2_threshold, fit_starts, profile_fit
from secretome.model._spec import Model

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CalibrationResult", "calibrate", "read_measurements"]

_COLUMNS = ("observable", "time", "value", "noise_sd")
_FAILED_RESIDUAL = 1e6  # a run that fails is a very bad fit, not a crash of the optimiser


@dataclass(frozen=True)
class CalibrationResult(Result):
    """Best-fit parameter values with profile-likelihood confidence intervals.

    Attributes
    ----------
    model : str
        Model name.
    parameters : tuple of str
        Fitted parameters.
    estimates : tuple of float
        Best-fit values.
    ci_lower, ci_upper : tuple of float
        Profile-likelihood interval bounds; NaN where the profile did not cross the threshold before the
        parameter bound (the parameter is not identifiable on that side; see *notes*).
    level : float
        Confidence level of the intervals.
    bounds : tuple of (float, float)
        Search bounds (the priors, or those given).
    chi2 : float
        Weighted sum of squares at the best fit.
    n_data : int
        Measurements.
    starts : int
        Optimisation starts.
    start_chi2 : tuple of float
        Final chi^2 of every start, sorted (a "waterfall": several starts at the best value suggest it is global).
    at_best : int
        Starts that ended within 0.1 chi^2 units of the best.
    profiles : dict of str to (tuple, tuple)
        Per parameter, the profiled values and their chi^2.
    residuals : tuple of float
        Weighted residuals ``(model - value) / noise_sd`` at the best fit, in table order.
    notes : tuple of str
        What could not be determined or was changed.
    """

    model: str
    parameters: tuple[str, ...]
    estimates: tuple[float, ...]
    ci_lower: tuple[float, ...]
    ci_upper: tuple[float, ...]
    level: float
    bounds: tuple[tuple[float, float], ...]
    chi2: float
    n_data: int
    starts: int
    start_chi2: tuple[float, ...]
    at_best: int
    profiles: Mapping[str, tuple[tuple[float, ...], tuple[float, ...]]]
    residuals: tuple[float, ...]
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: parameter, estimate, ci_lower, ci_upper, bound_low, bound_high."""
        import pandas as pd

        return pd.DataFrame(
            {
                "parameter": list(self.parameters),
                "estimate": list(self.estimates),
                "ci_lower": list(self.ci_lower),
                "ci_upper": list(self.ci_upper),
                "bound_low": [b[0] for b in self.bounds],
                "bound_high": [b[1] for b in self.bounds],
            }
        )

    def to_dict(self) -> dict[str, object]:
        """All fields, JSON-safe (open interval ends are ``null``)."""
        return json_safe({k: getattr(self, k) for k in self.__dataclass_fields__})

    def summary(self) -> str:
        """Header with the fit statistics, then the parameter table."""
        pct = f"{100 * self.level:g}%"
        lines = [
            f"Calibration of {self.model!r} (n = {self.n_data} measurements; parameters = {len(self.parameters)}; "
            f"starts = {self.starts})",
            f"chi^2 (weighted sum of squares at the best fit):  {self.chi2:.4f}",
            f"starts reaching the best fit (within 0.1):        {self.at_best} of {self.starts}",
            f"intervals: profile likelihood, {pct}, threshold chi^2(1) = {chi2_threshold(self.level, 1):.3f}",
            "",
            f"{'parameter':<12}{'estimate':>12}{'ci.lb':>12}{'ci.ub':>12}   bounds",
        ]
        for name, est, lo, hi, (b0, b1) in zip(
            self.parameters, self.estimates, self.ci_lower, self.ci_upper, self.bounds, strict=True
        ):
            lines.append(f"{name:<12}{est:>12.5g}{lo:>12.5g}{hi:>12.5g}   [{b0:.4g}, {b1:.4g}]")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def read_measurements(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a measurements table (CSV, or TSV as PEtab writes it when the name ends in ``.tsv``)."""
    import pandas as pd

    path = Path(path)
    try:
        return pd.read_csv(path, sep="\t" if path.suffix.lower() == ".tsv" else ",")
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the table ({exc})", file=str(path)) from None
    except pd.errors.EmptyDataError:
        raise InputError("the table is empty", file=str(path)) from None


def _check_table(table: pd.DataFrame, model: Model, file: str | None) -> pd.DataFrame:
    """Validate and normalise the table; every problem names its 1-based row and field."""
    import pandas as pd

    table = table.rename(columns={"noise": "noise_sd"})
    for column in _COLUMNS:
        if column not in table.columns:
            raise InputError(f"missing column; the table needs {', '.join(_COLUMNS)}", file=file, field=column)
    if table.empty:
        raise InputError("the table has no rows", file=file)
    observables = [s.name for s in model.species] + [r.name for r in model.readouts]
    out = {"observable": [], "time": [], "value": [], "noise_sd": []}
    for i, row in enumerate(table.itertuples(index=False), start=1):
        obs = row.observable
        if obs not in observables:
            raise InputError(f"unknown observable; one of {', '.join(observables)}", file=file, row=i,
                             field="observable", value=obs)  # fmt: skip
        out["observable"].append(obs)
        for field in ("time", "value", "noise_sd"):
            raw = getattr(row, field)
            try:
                number = float(raw)
            except (TypeError, ValueError):
                raise InputError("must be a number", file=file, row=i, field=field, value=raw) from None
            if not math.isfinite(number):
                raise InputError("must be a finite number", file=file, row=i, field=field, value=raw)
            if field == "time" and number < 0:
                raise InputError("must be >= 0", file=file, row=i, field=field, value=number)
            if field == "noise_sd" and number <= 0:
                raise InputError("must be > 0 (a standard deviation)", file=file, row=i, field=field, value=number)
            out[field].append(number)
    return pd.DataFrame(out)


class _Residuals:
    """Weighted residuals ``(y_model - value) / noise_sd`` of the table at log parameter values.

    A class, not a closure, so that a cluster can pickle it: the engine is not pickled but loaded once in
    each process that calls it (the compiled solver from its cache).
    """

    def __init__(self, model: Model, names: Sequence[str], times: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                 values: np.ndarray, sd: np.ndarray, engine: str) -> None:  # fmt: skip
        self.model, self.names, self.times, self.engine = model, tuple(names), times, engine
        self.rows, self.cols, self.values, self.sd = rows, cols, values, sd
        self._runner: Callable | None = None

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_runner": None}

    def __call__(self, log_theta: np.ndarray) -> np.ndarray:
        if self._runner is None:
            # Tighter than for cohorts: finite-difference Jacobians need outputs smooth in the parameters.
            self._runner = batch_runner(self.model, self.names, self.times, simulator=self.engine, rtol=1e-9,  # type: ignore[arg-type]
                                        atol=1e-12)  # fmt: skip
        species, readouts, status = self._runner(np.exp(np.asarray(log_theta, float))[None, :])
        if status[0] != "ok":
            return np.full(self.values.size, _FAILED_RESIDUAL)
        out = np.concatenate([species[0], readouts[0]], axis=1)[self.rows, self.cols]
        if not np.all(np.isfinite(out)):
            return np.full(self.values.size, _FAILED_RESIDUAL)
        return (out - self.values) / self.sd


def calibrate(
    model: Model,
    measurements: pd.DataFrame | str | os.PathLike[str],
    *,
    parameters: Sequence[str],
    bounds: Mapping[str, tuple[float, float]] | None = None,
    starts: int = 20,
    seed: int = 0,
    level: float = 0.95,
    profile: bool = True,
    simulator: Simulator = "auto",
    progress: ProgressCallback | None = None,
    scheduler: str = "local",
    workers: int | None = None,
) -> CalibrationResult:
    """Fit *parameters* to *measurements* by multi-start least squares, with profile-likelihood intervals.

    Parameters
    ----------
    model : Model
        A preset with its protocol (the doses the measured animals got).
    measurements : DataFrame or path
        Columns ``observable, time, value, noise_sd`` (see the module docstring); a path is read with
        :func:`read_measurements`.
    parameters : sequence of str
        Parameters to fit; the others keep their values.
    bounds : mapping of str to (float, float), optional
        Search bounds (> 0, in the parameter's unit); default the prior of an assumed parameter. A sourced
        parameter needs bounds here.
    starts : int
        Optimisation starts, drawn log-uniformly within the bounds (seeded), all before any start runs.
    seed : int
        Seed of the starting points.
    level : float
        Confidence level of the profile-likelihood intervals.
    profile : bool
        Whether to compute the profiles (the intervals are NaN without them).
    simulator : {"auto", "rodas", "roadrunner", "scipy"}
        Engine for the model runs (loaded once; see :func:`secretome.model.cohort`).
    progress : callable, optional
        Progress callback ``(task, done, total)`` per start and per side of a profile.
    scheduler : str
        ``"local"`` (this process), ``"processes"`` (a local Dask cluster of *workers* processes) or a Dask
        scheduler's address ``tcp://host:port`` (:mod:`secretome._scheduler`): where the starts and the
        profile sides run, each a task of its own; compiled solver only. The result is the same on every
        scheduler: the starting points are drawn here first, in order, and each fit depends on its own.
    workers : int, optional
        Worker processes of ``scheduler="processes"`` (default: one per core).

    Returns
    -------
    CalibrationResult
        Estimates, intervals, chi^2, the chi^2 of every start, the profiles and the residuals.

    Notes
    -----
    Each start is a trust-region reflective least-squares fit (:func:`scipy.optimize.least_squares`) of
    the weighted residuals in log-parameter space, within the bounds; the best start is the estimate.
    Intervals are the profile-likelihood intervals of Raue et al. (2009) [2]_: for each parameter, its log
    value is stepped away from the estimate (the others re-fitted at each step) until chi^2 rises by
    ``chi2.ppf(level, 1)`` (3.84 at 95%), and the crossing is interpolated linearly. A profile that reaches
    a bound first leaves that side open (NaN) and says so in ``notes``: the data do not identify it.

    Checked by recovery of known parameters from noisy synthetic data (tests/model/test_calibrate.py):
    estimates close to the truth and intervals covering it.

    References
    ----------
    .. [1] Schmiester L, et al. (2021). PEtab - Interoperable specification of parameter estimation
       problems in systems biology. PLoS Comput Biol 17(1):e1008646. https://doi.org/10.1371/journal.pcbi.1008646
    .. [2] Raue A, Kreutz C, Maiwald T, Bachmann J, Schilling M, Klingmüller U, Timmer J (2009). Structural
       and practical identifiability analysis of partially observed dynamical models by exploiting the
       profile likelihood. Bioinformatics 25(15):1923-1929. https://doi.org/10.1093/bioinformatics/btp358

    Examples
    --------
    First-order clearance of a bolus, x(t) = exp(-k_el t), measured three times:

    >>> import pandas as pd
    >>> from secretome.model import Model, Parameter, Process, Species
    >>> m = Model("decay", "first-order clearance", "day", [Species("x", 1.0, "ng", "drug")],
    ...           [Parameter("k_el", 1.0, "1/day", "clearance", assumed=True, prior=(0.01, 10.0))],
    ...           [Process("out", "k_el*x", {"x": -1})], t_end=4.0)
    >>> data = pd.DataFrame({"observable": "x", "time": [1.0, 2.0, 4.0], "value": [0.61, 0.37, 0.13],
    ...                      "noise_sd": 0.02})
    >>> res = calibrate(m, data, parameters=["k_el"], starts=3)
    >>> f"{res.estimates[0]:.3f} ({res.ci_lower[0]:.3f}, {res.ci_upper[0]:.3f})"
    '0.499 (0.465, 0.536)'
    """
    import pandas as pd

    file = None
    if not isinstance(measurements, pd.DataFrame):
        file = str(measurements)
        measurements = read_measurements(measurements)
    if isinstance(starts, bool) or not isinstance(starts, int) or starts < 1:
        raise InputError("must be an integer >= 1", field="starts", value=starts)
    if not 0 < level < 1:
        raise InputError("must be between 0 and 1", field="level", value=level)
    check_scheduler(scheduler)
    names = list(dict.fromkeys(parameters))
    if not names:
        raise InputError("name at least one parameter to fit", field="parameters")
    bounds = dict(bounds or {})
    box = []
    for name in names:
        p = model.parameter(name)  # an unknown name is an InputError naming it
        low, high = bounds.get(name, p.prior or (math.nan, math.nan))
        if not (math.isfinite(low) and math.isfinite(high)):
            raise InputError("a sourced parameter needs bounds= to be fitted", record=name, field="bounds")
        if not 0 < low < high:
            raise InputError("bounds must satisfy 0 < low < high (the fit is in log space)", record=name,
                             field="bounds", value=(low, high))  # fmt: skip
        box.append((float(low), float(high)))
    data = _check_table(measurements, model, file)
    t_end = float(data["time"].max())
    if t_end <= 0:
        raise InputError("needs a measurement after time 0", file=file, field="time")
    times = np.union1d([0.0], data["time"].to_numpy())
    fit_model = model.with_doses([d for d in model.doses if d.time <= t_end], t_end=t_end)
    observables = [s.name for s in model.species] + [r.name for r in model.readouts]
    rows = np.searchsorted(times, data["time"].to_numpy())
    cols = np.array([observables.index(o) for o in data["observable"]])
    values = data["value"].to_numpy()
    sd = data["noise_sd"].to_numpy()
    residuals = _Residuals(fit_model, names, times, rows, cols, values, sd, resolve_simulator(simulator, scheduler))
    lo = np.log([b[0] for b in box])
    hi = np.log([b[1] for b in box])
    rng = np.random.default_rng(seed)
    # Every starting point is drawn before any start runs: start i is the same wherever it runs.
    x0s = [rng.uniform(lo, hi) for _ in range(starts)]
    notes: list[str] = []
    threshold = chi2_threshold(level, 1)
    ci_lower = [math.nan] * len(names)
    ci_upper = [math.nan] * len(names)
    profiles: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {}
    with cluster_executor(scheduler, workers=workers) as executor:
        fits = fit_starts(residuals, x0s, lo, hi, executor=executor, progress=progress, task="calibrate")
        fits.sort(key=lambda f: f.cost)  # stable: equal costs keep the order of their starts
        best = fits[0]
        if 2.0 * best.cost >= values.size * _FAILED_RESIDUAL**2 * 0.5:
            raise ConvergenceError(f"{model.name}: every start failed to simulate; check the bounds")
        sides: list = []
        if profile:
            best, sides, notes = profile_fit(residuals, best, lo, hi, (threshold,), executor=executor,
                                             progress=progress, task="profile")  # fmt: skip
    chi2_best = 2.0 * best.cost
    for i, both in enumerate(sides):
        grid, chis = [], []
        for direction, (points, (crossing,), _) in zip((-1.0, 1.0), both, strict=True):
            grid += [p for p, _ in points]
            chis += [c for _, c in points]
            if crossing is None:
                notes.append(f"{names[i]}: the profile stays below the threshold up to the "
                             f"{'lower' if direction < 0 else 'upper'} bound (not identifiable there)")  # fmt: skip
            elif direction < 0:
                ci_lower[i] = float(np.exp(crossing))
            else:
                ci_upper[i] = float(np.exp(crossing))
        order = np.argsort(grid)
        profiles[names[i]] = (
            tuple(float(np.exp(grid[j])) for j in order),
            tuple(float(chis[j]) for j in order),
        )
    for n in notes:
        warnings.warn(n, SecretomeWarning, stacklevel=2)
    return CalibrationResult(
        model=model.name,
        parameters=tuple(names),
        estimates=tuple(float(v) for v in np.exp(best.x)),
        ci_lower=tuple(ci_lower),
        ci_upper=tuple(ci_upper),
        level=level,
        bounds=tuple(box),
        chi2=float(chi2_best),
        n_data=int(values.size),
        starts=starts,
        start_chi2=tuple(float(2.0 * f.cost) for f in fits),
        at_best=sum(2.0 * f.cost - chi2_best < 0.1 for f in fits),
        profiles=profiles,
        residuals=tuple(float(r) for r in residuals(best.x)),
        notes=tuple(notes),
    )

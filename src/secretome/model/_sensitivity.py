"""Global sensitivity of a readout to the assumed parameters: Sobol' indices or Morris screening (SALib).

Parameters are sampled over their prior ranges on the same scale as virtual cohorts
(:func:`secretome.model.draw_subjects`): log-uniform when the prior's lower bound is positive, uniform
when it starts at 0. SALib samples the unit hypercube; we map it to the priors, so the indices answer
"which assumed parameter drives the spread of the prior-driven cohort".

By default only the mechanism is screened: the maps from states onto reported scales (parameters of group
``"readout"``: score thresholds and steepness) are held at their values, because a score's map moves the
score whatever the biology does and would otherwise top the ranking (v1: ``K_hist`` first). Ask for them with
``readout_maps=True`` or by naming them in ``parameters``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from secretome._limits import check_samples, check_time
from secretome._progress import ProgressCallback
from secretome._result import Result, json_safe
from secretome._scheduler import check_scheduler, cluster_executor
from secretome.errors import InputError, NumericalError, SecretomeWarning
from secretome.model._batch import Simulator, resolve_simulator, run_batch
from secretome.model._spec import Model, Parameter

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SensitivityResult", "sensitivity"]

Method = Literal["sobol", "morris"]
_COLUMNS = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf", "sigma", "mu")}
_RANK_BY = {"sobol": "ST", "morris": "mu_star"}


@dataclass(frozen=True)
class SensitivityResult(Result):
    """Sensitivity indices of one readout at one time, one row per parameter.

    Attributes
    ----------
    model : str
        Model name.
    method : str
        ``"sobol"`` (first-order S1 and total ST indices with bootstrap 95% half-widths) or ``"morris"``
        (mu_star, its 95% half-width, sigma and mu, in readout units per unit of the scaled parameter range).
    readout : str
        The readout analysed.
    at_time : float
        Time at which it is read, in *time_unit*.
    time_unit : str
        The model's time unit.
    parameters : tuple of str
        Parameters varied (over their priors).
    columns : tuple of str
        Index names, the columns of *indices*.
    indices : ndarray, shape (n_parameters, n_columns)
        The indices.
    samples : int
        Base sample size (Sobol' N, or Morris trajectories).
    evaluations : int
        Model runs made.
    failed : int
        Runs whose integration failed (given the median output; see notes).
    seed : int
        Seed of the sampler and the bootstrap.
    notes : tuple of str
        What was changed.
    """

    model: str
    method: str
    readout: str
    at_time: float
    time_unit: str
    parameters: tuple[str, ...]
    columns: tuple[str, ...]
    indices: np.ndarray
    samples: int
    evaluations: int
    failed: int
    seed: int
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: parameter, then S1, S1_conf, ST, ST_conf (Sobol') or mu_star, mu_star_conf, sigma, mu."""
        import pandas as pd

        frame = pd.DataFrame(self.indices, columns=list(self.columns))
        frame.insert(0, "parameter", list(self.parameters))
        return frame

    def to_dict(self) -> dict[str, object]:
        """Metadata plus ``indices``: one record per parameter."""
        out = json_safe({k: getattr(self, k) for k in self.__dataclass_fields__ if k != "indices"})
        out["indices"] = json_safe(self.to_frame())
        return out

    def ranking(self) -> pd.DataFrame:
        """The table sorted by influence (ST for Sobol', mu_star for Morris), most influential first."""
        key = _RANK_BY[self.method]
        return self.to_frame().sort_values(key, ascending=False, kind="stable").reset_index(drop=True)

    def summary(self, top: int = 10) -> str:
        """Header, then the *top* most influential parameters."""
        label = "Sobol' indices (Saltelli 2010)" if self.method == "sobol" else "Morris elementary effects (1991)"
        lines = [
            f"Global sensitivity of {self.readout!r} at t = {self.at_time:g} {self.time_unit} in {self.model!r}",
            f"{label}; parameters = {len(self.parameters)}; N = {self.samples}; runs = {self.evaluations}; "
            f"failed = {self.failed}; seed = {self.seed}",
            "",
            f"{'rank':<6}{'parameter':<12}" + "".join(f"{c:>14}" for c in self.columns),
        ]
        for i, row in self.ranking().head(top).iterrows():
            lines.append(f"{i + 1:<6}{row['parameter']:<12}" + "".join(f"{row[c]:>14.4f}" for c in self.columns))
        if len(self.parameters) > top:
            lines.append(f"... and {len(self.parameters) - top} less influential parameters (the table lists all)")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _to_prior(unit: np.ndarray, priors: Sequence[tuple[float, float]]) -> np.ndarray:
    """Map unit-cube samples to the priors: log-uniform if the lower bound is > 0, else uniform."""
    out = np.empty_like(unit)
    for j, (low, high) in enumerate(priors):
        if low > 0:
            out[:, j] = np.exp(math.log(low) + unit[:, j] * (math.log(high) - math.log(low)))
        else:
            out[:, j] = low + unit[:, j] * (high - low)
    return out


def _indices(
    method: Method, names: Sequence[str], evaluate: Callable[[np.ndarray], np.ndarray], samples: int, seed: int
) -> tuple[np.ndarray, int]:
    """SALib sampling of the unit hypercube, *evaluate* (unit samples -> outputs), SALib analysis.

    Returns the index table (rows = *names*, columns = ``_COLUMNS[method]``) and the number of runs.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    if method == "sobol":
        # calc_second_order=False: N(D + 2) runs instead of N(2D + 2); S1 and ST are what we report.
        unit = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
        y = evaluate(unit)
        res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    else:
        unit = morris_sample.sample(problem, samples, num_levels=4, seed=seed)
        y = evaluate(unit)
        res = morris_analyze.analyze(problem, unit, y, num_levels=4, seed=seed)
    table = np.column_stack([np.asarray(res[c], dtype=float) for c in _COLUMNS[method]])
    return table, unit.shape[0]


def sensitivity(
    model: Model,
    *,
    method: Method = "sobol",
    samples: int = 256,
    readout: str | None = None,
    at_time: float | None = None,
    parameters: Sequence[str] | None = None,
    seed: int = 0,
    readout_maps: bool = False,
    simulator: Simulator = "auto",
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    scheduler: str = "local",
) -> SensitivityResult:
    """Global sensitivity of *readout* at *at_time* to the assumed parameters, over their priors.

    Parameters
    ----------
    model : Model
        A preset (:func:`secretome.model.preset`), with its protocol.
    method : {"sobol", "morris"}
        Sobol' variance-based indices [1]_ [2]_ (``samples`` must be a power of 2; ``samples * (D + 2)``
        runs) or Morris elementary-effects screening [3]_ (``samples`` trajectories of ``D + 1`` runs).
    samples : int
        Base sample size N (Sobol') or number of trajectories (Morris).
    readout : str, optional
        Readout analysed; default the model's first.
    at_time : float, optional
        When it is read; default the model's end time.
    parameters : sequence of str, optional
        Parameters to vary (assumed ones, over their priors); default all assumed mechanism parameters. The
        others keep their values.
    seed : int
        Seed of the SALib sampler and bootstrap.
    readout_maps : bool
        With the default *parameters*, vary the readout maps' parameters (group ``"readout"``) too.
    simulator : {"auto", "rodas", "roadrunner", "scipy"}
        Engine for the model runs (see :func:`secretome.model.cohort`); ``"auto"`` is the compiled solver.
    workers : int, optional
        Worker threads (``"rodas"``) or processes (``"roadrunner"``); default all cores.
    progress : callable, optional
        Progress callback ``(task, done, total)``.
    scheduler : str
        ``"local"``, ``"processes"`` or a Dask scheduler address (:mod:`secretome._scheduler`), for the
        compiled solver: the samples are drawn first and evaluated in order, so the indices are the same.

    Returns
    -------
    SensitivityResult
        One row per parameter: S1, S1_conf, ST, ST_conf (Sobol') or mu_star, mu_star_conf, sigma, mu (Morris).

    Notes
    -----
    Sampling and estimators are SALib's [4]_: Saltelli's scheme with the Saltelli et al. (2010)
    estimators of S1 and ST (Sobol' sequence, bootstrap confidence intervals), and Morris' one-at-a-time
    trajectories with Campolongo's mu_star. Checked against the analytic indices of the Ishigami function
    and of a linear readout with one inert parameter (tests/model/test_sensitivity.py).

    A failed run is given the median output of the others (SALib needs every run) and counted in
    ``failed`` with a warning; if more than 10% fail a :class:`~secretome.errors.NumericalError` is raised.

    References
    ----------
    .. [1] Sobol' IM (2001). Global sensitivity indices for nonlinear mathematical models and their Monte
       Carlo estimates. Math Comput Simul 55:271-280. https://doi.org/10.1016/S0378-4754(00)00270-6
    .. [2] Saltelli A, Annoni P, Azzini I, Campolongo F, Ratto M, Tarantola S (2010). Variance based
       sensitivity analysis of model output. Design and estimator for the total sensitivity index.
       Comput Phys Commun 181:259-270. https://doi.org/10.1016/j.cpc.2009.09.018
    .. [3] Morris MD (1991). Factorial sampling plans for preliminary computational experiments.
       Technometrics 33:161-174. https://doi.org/10.1080/00401706.1991.10484804
    .. [4] Herman J, Usher W (2017). SALib: An open-source Python library for sensitivity analysis.
       J Open Source Softw 2(9):97. https://doi.org/10.21105/joss.00097

    Examples
    --------
    >>> from secretome.model import preset
    >>> res = sensitivity(preset("rat-mia"), method="morris", samples=2, readout="aggrecan", at_time=10.0,
    ...                   parameters=["k_G", "r_N"], simulator="scipy")
    >>> list(res.to_frame().columns)
    ['parameter', 'mu_star', 'mu_star_conf', 'sigma', 'mu']
    """
    if method not in _COLUMNS:
        raise InputError("must be one of 'sobol', 'morris'", field="method", value=method)
    check_samples(samples, field="samples")
    if method == "sobol" and samples & (samples - 1):
        raise InputError("must be a power of 2 for Sobol' sequences (e.g. 64, 256, 1024)", field="samples",
                         value=samples)  # fmt: skip
    names_out = [r.name for r in model.readouts]
    readout = names_out[0] if readout is None and names_out else readout
    if readout not in names_out:
        raise InputError(f"unknown readout; one of {', '.join(names_out)}", field="readout", value=readout)
    at = model.t_end if at_time is None else check_time(at_time, field="at_time")
    assumed = [p for p in model.parameters if p.assumed and p.prior is not None]
    chosen: list[Parameter]
    held: list[str] = []
    if parameters is None:
        chosen = [p for p in assumed if readout_maps or p.group != "readout"]
        held = [p.name for p in assumed if p not in chosen]
    else:
        by_name = {p.name: p for p in assumed}
        for name in parameters:
            if name not in by_name:
                raise InputError("not an assumed parameter of the model (only those have priors)",
                                 record=model.name, field="parameters", value=name)  # fmt: skip
        chosen = [by_name[n] for n in dict.fromkeys(parameters)]
    if len(chosen) < 2:
        raise InputError("needs at least two assumed parameters to vary", record=model.name, field="parameters")
    # Doses after at_time cannot change the readout; drop them so that the run can stop at at_time.
    model = model.with_doses([d for d in model.doses if d.time <= at], t_end=at)
    check_scheduler(scheduler)
    engine = resolve_simulator(simulator, scheduler)
    names = [p.name for p in chosen]
    j_readout = names_out.index(readout)
    status: list[str] = []
    with cluster_executor(scheduler, workers=workers) as executor:

        def evaluate(unit: np.ndarray) -> np.ndarray:
            values = _to_prior(unit, [p.prior for p in chosen])  # type: ignore[misc]
            draws = {n: values[:, j] for j, n in enumerate(names)}
            _, readouts, run_status, _ = run_batch(
                model, draws, np.array([0.0, at]), simulator=engine, workers=workers, progress=progress,
                task="sensitivity", executor=executor,
            )  # fmt: skip
            status.extend(run_status)
            return readouts[:, -1, j_readout]

        def guarded(unit: np.ndarray) -> np.ndarray:
            y = evaluate(unit)
            bad = ~np.isfinite(y)
            if bad.mean() > 0.1:
                raise NumericalError(f"{model.name}: {int(bad.sum())} of {y.size} runs failed; narrow the priors")
            if bad.any():
                y = np.where(bad, np.median(y[~bad]), y)
            return y

        table, runs = _indices(method, names, guarded, samples, seed)
    failed = sum(s != "ok" for s in status)
    notes = []
    if held:
        notes.append(f"{len(held)} readout-map parameters held at their values ({', '.join(held)}); "
                     "they vary when the readout maps are varied too")  # fmt: skip
    if failed:
        notes.append(f"{failed} of {runs} runs failed and were given the median output")
        warnings.warn(notes[-1], SecretomeWarning, stacklevel=2)
    return SensitivityResult(
        model=model.name,
        method=method,
        readout=readout,
        at_time=at,
        time_unit=model.time_unit,
        parameters=tuple(names),
        columns=_COLUMNS[method],
        indices=table,
        samples=samples,
        evaluations=runs,
        failed=failed,
        seed=seed,
        notes=tuple(notes),
    )

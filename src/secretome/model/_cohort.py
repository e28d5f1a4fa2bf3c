"""Virtual cohorts: the assumed parameters drawn from their priors, every subject simulated, bands summarised.

The bands are *prior-driven*: they show what the model does across the ranges we assumed for the
parameters no source gives, not the spread of a real population. Sourced parameters stay at their
published values.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from secretome._limits import MAX_COHORT_SUBJECTS, check_seed, check_subjects
from secretome._progress import ProgressCallback
from secretome._result import Result, json_safe
from secretome._scheduler import check_scheduler, cluster_executor
from secretome.errors import InputError, NumericalError, SecretomeWarning
from secretome.model._batch import Simulator, iter_batches, resolve_simulator, run_batch
from secretome.model._regimen import apply_regimen
from secretome.model._sketch import QuantileSketch
from secretome.model._spec import Model
from secretome.model._subjects import SubjectDraws
from secretome.model._times import output_times

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["QUANTILES", "CohortResult", "cohort"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The quantiles of every band: 90% and 50% ranges around the median."""


@dataclass(frozen=True)
class CohortResult(Result):
    """Quantile bands of every readout over time across a virtual cohort.

    Attributes
    ----------
    model : str
        Model name.
    time_unit : str
        Unit of *time*.
    time : ndarray, shape (n_times,)
        Output times.
    readouts, readout_units, readout_outcomes : tuple of str
        Readout names, units and vocabulary outcome ids.
    quantiles : tuple of float
        The band quantiles (:data:`QUANTILES`).
    bands : ndarray, shape (n_quantiles, n_times, n_readouts)
        Quantiles over the subjects that succeeded.
    subjects : int
        Subjects drawn.
    failed : tuple of int
        0-based indices of subjects whose integration failed (left out of the bands).
    status : tuple of str
        ``"ok"`` or the failure message, per subject.
    varied : tuple of str
        Parameters drawn from their priors (the assumed ones).
    fixed : tuple of str
        Parameters kept at their (sourced) values.
    seed : int
        Seed of the draws.
    simulator : str
        ``"rodas"``, ``"roadrunner"`` or ``"scipy"``.
    label : str
        ``"prior-driven"``: the bands reflect assumed prior ranges, not measured variability.
    notes : tuple of str
        Model assumptions and what was changed.
    """

    model: str
    time_unit: str
    time: np.ndarray
    readouts: tuple[str, ...]
    readout_units: tuple[str, ...]
    readout_outcomes: tuple[str, ...]
    quantiles: tuple[float, ...]
    bands: np.ndarray
    subjects: int
    failed: tuple[int, ...]
    status: tuple[str, ...]
    varied: tuple[str, ...]
    fixed: tuple[str, ...]
    seed: int
    simulator: str
    label: str = "prior-driven"
    notes: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        model: Model,
        time: np.ndarray,
        bands: np.ndarray,
        status: Sequence[str],
        varied: tuple[str, ...],
        **fields: Any,
    ) -> CohortResult:
        """The result for *model*'s readouts: the fields that follow from the model are filled from it."""
        return cls(
            model=model.name,
            time_unit=model.time_unit,
            time=time,
            readouts=tuple(r.name for r in model.readouts),
            readout_units=tuple(r.unit for r in model.readouts),
            readout_outcomes=tuple(r.outcome for r in model.readouts),
            quantiles=QUANTILES,
            bands=bands,
            subjects=len(status),
            failed=tuple(i for i, s in enumerate(status) if s != "ok"),
            status=tuple(status),
            varied=varied,
            fixed=tuple(p.name for p in model.parameters if p.name not in varied),
            **fields,
        )

    def band(self, readout: str) -> pd.DataFrame:
        """The band of *readout*: one row per time, one column per quantile."""
        import pandas as pd

        if readout not in self.readouts:
            raise InputError(f"unknown readout; one of {', '.join(self.readouts)}", field="readout", value=readout)
        j = self.readouts.index(readout)
        return pd.DataFrame(self.bands[:, :, j].T, index=pd.Index(self.time, name="time"), columns=self.quantiles)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: time, readout, quantile, value (plus unit and outcome)."""
        import pandas as pd

        q, t, r = np.meshgrid(np.arange(len(self.quantiles)), np.arange(self.time.size), np.arange(len(self.readouts)),
                              indexing="ij")  # fmt: skip
        return pd.DataFrame(
            {
                "time": self.time[t.ravel()],
                "readout": np.asarray(self.readouts, dtype=object)[r.ravel()],
                "quantile": np.asarray(self.quantiles)[q.ravel()],
                "value": self.bands.ravel(),
                "unit": np.asarray(self.readout_units, dtype=object)[r.ravel()],
                "outcome": np.asarray(self.readout_outcomes, dtype=object)[r.ravel()],
            }
        )

    def to_dict(self) -> dict[str, object]:
        """Metadata plus ``bands[readout][quantile] = [values over time]``."""
        out = json_safe({k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("bands", "status")})
        out["bands"] = {
            name: {f"{q:g}": json_safe(self.bands[i, :, j]) for i, q in enumerate(self.quantiles)}
            for j, name in enumerate(self.readouts)
        }
        return out

    def summary(self) -> str:
        """Header, then each readout's quantiles at the end time."""
        pct = "".join(f"{f'{100 * q:g}%':>10}" for q in self.quantiles)
        lines = [
            f"Virtual cohort of {self.model!r} ({self.label}; subjects = {self.subjects}; "
            f"failed = {len(self.failed)}; seed = {self.seed}; simulator: {self.simulator})",
            f"Varied (assumed, drawn from priors): {len(self.varied)} parameters; fixed (sourced): {len(self.fixed)}",
            "",
            f"Readouts at t = {self.time[-1]:g} {self.time_unit}:",
            f"{'readout':<20}{'unit':<20}{pct}",
        ]
        for j, (name, unit) in enumerate(zip(self.readouts, self.readout_units, strict=True)):
            lines.append(f"{name:<20}{unit:<20}" + "".join(f"{v:>10.4g}" for v in self.bands[:, -1, j]))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def cohort(
    model: Model,
    *,
    subjects: int = 1000,
    seed: int = 0,
    regimen: str | os.PathLike[str] | None = None,
    t_end: float | None = None,
    times: ArrayLike | None = None,
    simulator: Simulator = "auto",
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    scheduler: str = "local",
) -> CohortResult:
    """Simulate a virtual cohort drawn from the priors of the assumed parameters.

    Parameters
    ----------
    model : Model
        A preset (:func:`secretome.model.preset`).
    subjects : int
        Number of virtual subjects (>= 2).
    seed : int
        Seed of the draws (:func:`secretome.model.draw_subjects`: log-uniform for priors with a positive
        lower bound, uniform otherwise).
    regimen : path, optional
        A regimen YAML file applied to *model* first (:func:`secretome.model.apply_regimen`).
    t_end : float, optional
        End time; default the model's (or the regimen's).
    times : array_like, optional
        Output times; default 121 evenly spaced points from 0 to *t_end*.
    simulator : {"auto", "rodas", "roadrunner", "scipy"}
        ``"auto"`` is the compiled Rosenbrock solver ``"rodas"`` (see Notes).
    workers : int, optional
        Worker threads (``"rodas"``) or processes (``"roadrunner"``); default all cores.
    progress : callable, optional
        Progress callback ``(task, done, total)``.
    scheduler : str
        ``"local"`` (this process), ``"processes"`` (a local Dask cluster, *workers* processes) or a
        Dask scheduler's address ``tcp://host:port`` (:mod:`secretome._scheduler`); compiled solver only.
        The bands are the same whichever scheduler and however many workers: each chunk's draws are
        those of the whole cohort (one seed) and chunks are summarised in order.

    Returns
    -------
    CohortResult
        5/25/50/75/95% bands of every readout over time, which parameters were varied, failed subjects.

    Notes
    -----
    Why the compiled solver by default (:mod:`secretome.model._solver`): its cost is dominated by the prior
    draws with a fast cytokine time scale, whose oscillations need millions of steps per simulated year with
    any solver; RODAS steps them 2-3x faster than libroadrunner's CVODE and runs subjects in threads without a
    Python round trip per subject (ratios in benchmarks/README.md). All engines use rtol 1e-6, atol 1e-9 here:
    the bands summarise prior-driven spread, far wider than the integration error. The engines agree to 1e-5
    of each readout's range at tight tolerances on every preset (tests/model/test_solver.py).

    On the default engine memory is bounded in *subjects*: it grows only with their logarithm (the sketch's
    levels) and by one status entry each. Subjects are drawn and integrated 64 at a time, as each chunk is
    sent (:class:`secretome.model._subjects.SubjectDraws` jumps the PCG64 generator to the chunk's offset, so
    its draws are those :func:`~secretome.model.draw_subjects` makes for the whole cohort, bit for bit), and
    the bands are streamed through a quantile sketch (:mod:`secretome.model._sketch`, Manku et al. 1998),
    exact up to 2048 subjects and beyond that within a stated rank error (in ``notes``). Peak memory against
    *subjects* is in benchmarks/README.md. The other engines hold every subject's trajectories
    (:func:`~secretome.model._batch.run_batch`).

    A failed subject (integration error) is left out of the bands, listed in ``failed`` and warned
    about; if every subject fails a :class:`~secretome.errors.NumericalError` is raised.

    Examples
    --------
    >>> from secretome.model import preset
    >>> res = cohort(preset("rat-mia"), subjects=8, t_end=14.0, times=[0, 7, 14], simulator="scipy")
    >>> res.label, res.bands.shape[:2], "k_G" in res.varied, len(res.fixed) > 0
    ('prior-driven', (5, 3), True, True)
    """
    check_subjects(subjects, minimum=2, maximum=MAX_COHORT_SUBJECTS)
    check_seed(seed)
    check_scheduler(scheduler)
    if regimen is not None:
        model = apply_regimen(model, regimen)
    end = float(t_end) if t_end is not None else (float(np.max(times)) if times is not None else model.t_end)
    grid = output_times(np.linspace(0.0, end, 121) if times is None else times, end)
    if grid[0] != 0.0:
        raise InputError("output times must start at 0", field="times", value=float(grid[0]))
    model = model.with_doses(model.doses, t_end=end)  # a dose after t_end is an InputError naming it
    draws = SubjectDraws(model, subjects, seed=seed, maximum=MAX_COHORT_SUBJECTS)
    if not draws.names:
        raise InputError("the model has no assumed parameters to vary", record=model.name, field="parameters")
    engine = resolve_simulator(simulator, scheduler)
    sketch = QuantileSketch((grid.size, len(model.readouts)))
    status: list[str] = []
    with cluster_executor(scheduler, workers=workers) as executor:
        if engine == "rodas":
            # Chunk by chunk: only the chunks in flight and the sketch are held, whatever the cohort's size.
            batches = iter_batches(model, draws, grid, workers=workers, progress=progress, task="cohort",
                                   executor=executor)  # fmt: skip
        else:
            _, readouts, run_status, _ = run_batch(
                model, draws.columns(0, subjects), grid, simulator=engine, workers=workers, progress=progress,
                task="cohort",
            )  # fmt: skip
            batches = iter([(slice(0, subjects), None, readouts, run_status)])
        for _, _, readouts, chunk_status in batches:
            ok = np.array([s == "ok" for s in chunk_status])
            if ok.any():
                sketch.add(readouts[ok])
            status.extend(chunk_status)
    failed = tuple(i for i, s in enumerate(status) if s != "ok")
    notes = list(model.notes)
    if len(failed) == subjects:
        raise NumericalError(f"{model.name}: every subject failed ({status[0]})")
    if failed:
        notes.append(f"{len(failed)} of {subjects} subjects failed and are left out of the bands (see status)")
        warnings.warn(notes[-1], SecretomeWarning, stacklevel=2)
    bands = sketch.quantiles(QUANTILES)
    if not sketch.exact:
        notes.append(
            f"bands streamed through a quantile sketch (Manku et al. 1998): each quantile is within "
            f"{sketch.rank_error} ranks ({100 * sketch.rank_error / sketch.count:.2g}% of subjects) of the exact one"
        )
    return CohortResult.of(model, grid, bands, status, draws.names, seed=seed, simulator=engine, notes=tuple(notes))

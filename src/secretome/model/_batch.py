"""Many subjects of one model, fast: libroadrunner on the exported SBML, or the scipy reference simulator.

Cohorts, sensitivity analysis and calibration all run a model thousands of times with different
parameter values and nothing else changed. The scipy simulator (:func:`secretome.model.simulate`)
regenerates Python right-hand sides and steps them in Python; libroadrunner compiles the SBML export
once (LLVM) and integrates with CVODE in C++. On the rat presets it is ~20x faster at equal tolerance
(benchmarks/model_simulate.py, benchmarks/model_cohort.py), so it is the default whenever installed.
The SBML export is checked against the scipy simulator in tests/model/test_sbml.py, and this module's
two engines against each other in tests/model/test_cohort.py.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Literal

import numpy as np

from secretome._progress import ProgressCallback
from secretome.errors import InputError
from secretome.model._overrides import parameter_matrix
from secretome.model._readout_values import readout_values
from secretome.model._roadrunner import RoadRunnerSession
from secretome.model._simulate import simulate
from secretome.model._spec import Model

__all__ = ["Simulator", "resolve_simulator", "run_batch"]

Simulator = Literal["auto", "roadrunner", "scipy"]

# Subjects per task sent to a worker process: small enough for a live progress bar, large enough that
# pickling the results costs nothing next to the integration.
_CHUNK = 25


def resolve_simulator(simulator: str) -> Literal["roadrunner", "scipy"]:
    """``"auto"`` is libroadrunner when installed, else scipy; unknown names are an :class:`InputError`."""
    if simulator not in ("auto", "roadrunner", "scipy"):
        raise InputError("must be one of 'auto', 'roadrunner', 'scipy'", field="simulator", value=simulator)
    has_rr = importlib.util.find_spec("roadrunner") is not None
    if simulator == "roadrunner" and not has_rr:
        raise InputError("libroadrunner is not installed: pip install 'secretome[sbml]'", field="simulator")
    if simulator == "auto":
        return "roadrunner" if has_rr else "scipy"
    return simulator  # type: ignore[return-value]


_WORKER: RoadRunnerSession | None = None


def _init_worker(sbml: str, species: tuple[str, ...], rtol: float, atol: float) -> None:
    global _WORKER  # noqa: PLW0603 - one loaded model per worker process, reused for every chunk
    _WORKER = RoadRunnerSession(sbml, species, rtol, atol)


def _work(names: tuple[str, ...], rows: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, list[str]]:
    assert _WORKER is not None  # set by the pool initializer
    return _WORKER.run(names, rows, times)


def _roadrunner(
    model: Model,
    names: tuple[str, ...],
    rows: np.ndarray,
    times: np.ndarray,
    *,
    rtol: float,
    atol: float,
    workers: int,
    progress: ProgressCallback | None,
    task: str,
) -> tuple[np.ndarray, tuple[str, ...]]:
    from secretome.model._sbml import to_sbml

    sbml = to_sbml(model)
    species = tuple(s.name for s in model.species)
    report = progress or (lambda *_: None)
    n = rows.shape[0]
    report(task, 0, n)
    chunks = [slice(i, min(i + _CHUNK, n)) for i in range(0, n, _CHUNK)]
    values = np.full((n, times.size, len(species)), np.nan)
    status: list[str] = [""] * n
    done = 0
    if workers <= 1 or len(chunks) == 1:
        runner = RoadRunnerSession(sbml, species, rtol, atol)
        for chunk in chunks:
            values[chunk], status[chunk] = runner.run(names, rows[chunk], times)
            done += chunk.stop - chunk.start
            report(task, done, n)
    else:
        # "fork", not "spawn": spawn re-imports the caller's __main__, which breaks scripts without an
        # ``if __name__ == "__main__"`` guard. On this path the parent has loaded no RoadRunner (only the
        # SBML text), so the children inherit no JIT state.
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=get_context("fork"),
            initializer=_init_worker,
            initargs=(sbml, species, rtol, atol),
        ) as pool:
            futures = [(chunk, pool.submit(_work, names, rows[chunk], times)) for chunk in chunks]
            for chunk, future in futures:
                values[chunk], status[chunk] = future.result()
                done += chunk.stop - chunk.start
                report(task, done, n)
    return values, tuple(status)


def run_batch(
    model: Model,
    parameters: Mapping[str, np.ndarray],
    times: np.ndarray,
    *,
    simulator: Simulator = "auto",
    rtol: float = 1e-6,
    atol: float = 1e-9,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    task: str = "simulate",
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], np.ndarray]:
    """Simulate one subject per row of *parameters*; failures are flagged in the status, never raised.

    Parameters
    ----------
    model : Model
        Declarations and doses; the doses must lie within ``times[-1]``.
    parameters : mapping of str to ndarray
        Values of the varied parameters, all of one length *n* (the others keep the model's values).
    times : ndarray
        Output times, increasing, from 0.
    simulator : {"auto", "roadrunner", "scipy"}
        The engine (see the module docstring).
    rtol, atol : float
        Integration tolerances.
    workers : int, optional
        Processes for libroadrunner (default: the machine's cores); the scipy engine runs in-process.
    progress : callable, optional
        ``(task, done, total)`` per subject or chunk of subjects.
    task : str
        Task name given to *progress*.

    Returns
    -------
    values : ndarray, shape (n, n_times, n_species)
        Species trajectories, NaN for a failed subject.
    readouts : ndarray, shape (n, n_times, n_readouts)
        Readout trajectories.
    status : tuple of str
        ``"ok"`` or why the subject failed.
    matrix : ndarray, shape (n, n_parameters)
        Every parameter's value per subject, in model order.
    """
    engine = resolve_simulator(simulator)
    matrix = parameter_matrix(model, parameters)
    names = tuple(parameters)
    rows = np.column_stack([np.broadcast_to(np.asarray(parameters[k], float), matrix.shape[0]) for k in names])
    model = model.with_doses(model.doses, t_end=float(times[-1]))
    if engine == "roadrunner":
        workers = max(1, min(workers or os.cpu_count() or 1, -(-matrix.shape[0] // _CHUNK)))
        values, status = _roadrunner(
            model, names, rows, times, rtol=rtol, atol=atol, workers=workers, progress=progress, task=task
        )
    else:
        values = np.full((matrix.shape[0], times.size, len(model.species)), np.nan)
        status_list = []
        report = progress or (lambda *_: None)
        report(task, 0, matrix.shape[0])
        for s in range(matrix.shape[0]):
            # One subject per call so that a failure stays that subject's (simulate raises if all fail).
            try:
                res = simulate(model, times=times, parameters={k: rows[s, j] for j, k in enumerate(names)},
                               rtol=rtol, atol=atol)  # fmt: skip
                values[s] = res.values[0]
                status_list.append(res.status[0])
            except ArithmeticError as exc:
                status_list.append(f"failed: {exc}")
            report(task, s + 1, matrix.shape[0])
        status = tuple(status_list)
    return values, readout_values(model, values, matrix), status, matrix

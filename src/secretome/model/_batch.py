"""Many subjects of one model, fast: the compiled Rosenbrock solver, libroadrunner, or the scipy reference.

Cohorts, sensitivity analysis and calibration all run a model thousands of times with different
parameter values and nothing else changed. Three engines:

- ``"rodas"`` (the default): :mod:`secretome.model._solver`, RODAS with an analytic Jacobian generated
  from the declarations and compiled with numba, in worker threads over chunks of subjects;
- ``"roadrunner"``: libroadrunner (CVODE) on the SBML export, in worker processes;
- ``"scipy"``: the reference simulator (:func:`secretome.model.simulate`), one subject at a time.

The engines are checked against each other and against libroadrunner on every preset in
tests/model/test_solver.py and tests/model/test_cohort.py; speed is in benchmarks/model_cohort.py.
"""

from __future__ import annotations

import importlib.util
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from itertools import islice
from multiprocessing import get_context
from typing import Literal, Protocol

import numpy as np

from secretome._progress import ProgressCallback
from secretome._scheduler import executor_workers
from secretome.errors import InputError
from secretome.model._overrides import parameter_matrix
from secretome.model._readout_values import readout_values
from secretome.model._roadrunner import RoadRunnerSession
from secretome.model._simulate import simulate
from secretome.model._spec import Model

__all__ = ["Rows", "Simulator", "batch_runner", "iter_batches", "resolve_simulator", "run_batch"]

Simulator = Literal["auto", "rodas", "roadrunner", "scipy"]
Engine = Literal["rodas", "roadrunner", "scipy"]
_ENGINES = ("auto", "rodas", "roadrunner", "scipy")

# Subjects per task sent to a worker process: small enough for a live progress bar, large enough that
# pickling the results costs nothing next to the integration.
_CHUNK = 25
# Rosenbrock steps per subject before it is declared failed: a year of the fastest oscillating prior draws
# takes about 2.5 million (benchmarks/model_cohort.py); ten times that is under a minute of one core.
_RODAS_MAX_STEPS = 25_000_000
# Subjects per chunk of the compiled solver: one chunk is one unit of work for a thread, one progress step
# and one block of memory (chunk x times x species doubles), so memory does not grow with the cohort.
_RODAS_CHUNK = 64


class Rows(Protocol):
    """A parameter matrix, one row per subject, read a contiguous chunk of rows at a time: an ndarray, or
    :class:`secretome.model._subjects.SubjectDraws`, which draws only the rows asked for."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __getitem__(self, rows: slice, /) -> np.ndarray: ...


def resolve_simulator(simulator: str, scheduler: str = "local") -> Engine:
    """``"auto"`` is the compiled Rosenbrock solver (``"rodas"``); unknown names are an :class:`InputError`,
    and so is another engine on a Dask cluster (*scheduler* other than ``"local"``): only the compiled
    solver runs there."""
    if simulator not in _ENGINES:
        raise InputError(f"must be one of {', '.join(map(repr, _ENGINES))}", field="simulator", value=simulator)
    if simulator == "roadrunner" and importlib.util.find_spec("roadrunner") is None:
        raise InputError("libroadrunner is not installed: pip install 'secretome[sbml]'", field="simulator")
    engine = "rodas" if simulator == "auto" else simulator
    if scheduler != "local" and engine != "rodas":
        raise InputError("a cluster runs the compiled solver only (simulator 'auto' or 'rodas')", field="scheduler",
                         value=scheduler)  # fmt: skip
    return engine  # type: ignore[return-value]


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


def _rodas(
    model: Model, times: np.ndarray, *, rtol: float, atol: float
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, tuple[str, ...]]]:
    """A function integrating one subject per row of a parameter matrix with the compiled solver."""
    from secretome.model._codegen import compile_model
    from secretome.model._solver import STATUS, dose_table

    integrate = compile_model(model).module.integrate
    species = {s.name: i for i, s in enumerate(model.species)}
    boundaries, dose_species, amounts, starts = dose_table(model.doses, species, float(times[-1]))
    y0 = np.array([s.initial for s in model.species], dtype=float)

    def run(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        rows = np.ascontiguousarray(matrix, dtype=float)
        m = rows.shape[0]
        values = np.full((m, times.size, len(species)), np.nan)
        outputs = np.full((m, times.size, len(model.readouts)), np.nan)
        status = np.zeros(m, dtype=np.int64)
        where = np.zeros(m)
        integrate(y0, rows, boundaries, dose_species, amounts, starts, times, rtol, atol, _RODAS_MAX_STEPS, values,
                  outputs, status, where)  # fmt: skip
        failed = status != 0
        values[failed] = np.nan
        outputs[failed] = np.nan
        return values, outputs, tuple(STATUS[int(c)].format(t=w) for c, w in zip(status, where, strict=True))

    return run


def iter_batches(
    model: Model,
    matrix: Rows,
    times: np.ndarray,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
    task: str = "simulate",
    executor: Executor | None = None,
) -> Iterator[tuple[slice, np.ndarray, np.ndarray, tuple[str, ...]]]:
    """Integrate the subjects (rows of *matrix*, every parameter in model order) chunk by chunk, in order.

    Yields ``(chunk, values, readouts, status)`` per chunk of subjects (``values`` and ``readouts`` NaN for a
    failed subject), so that a caller can summarise a cohort without holding every trajectory. Runs the
    compiled solver (:mod:`secretome.model._solver`) in *workers* threads (default: the machine's cores),
    or on the workers of a Dask cluster's *executor* (:mod:`secretome._scheduler`); at most two chunks per
    worker are in flight, which bounds memory. Chunks are fixed before any runs and yielded in order, so
    the results do not depend on where they ran. The rows of a chunk are read from *matrix* only when the
    chunk is sent (in this thread for a cluster, in its worker thread here), so a lazy *matrix*
    (:class:`~secretome.model._subjects.SubjectDraws`) is never held whole.
    """
    n = matrix.shape[0]
    report = progress or (lambda *_: None)
    report(task, 0, n)
    chunks = (slice(i, min(i + _RODAS_CHUNK, n)) for i in range(0, n, _RODAS_CHUNK))
    if executor is not None:
        yield from _in_flight(
            executor, (partial(_chunk_task, model, matrix[c], times, rtol, atol, c) for c in chunks),
            2 * executor_workers(executor), report, task, n,
        )  # fmt: skip
        return
    run = _rodas(model, times, rtol=rtol, atol=atol)

    def chunk_of(chunk: slice) -> tuple[slice, np.ndarray, np.ndarray, tuple[str, ...]]:
        return (chunk, *run(matrix[chunk]))

    workers = max(1, min(workers or os.cpu_count() or 1, -(-n // _RODAS_CHUNK)))
    done = 0
    if workers == 1:
        for chunk in chunks:
            result = chunk_of(chunk)
            done += chunk.stop - chunk.start
            report(task, done, n)
            yield result
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from _in_flight(pool, (partial(chunk_of, c) for c in chunks), 2 * workers, report, task, n)


def _in_flight(
    pool: Executor, calls: Iterable[Callable[[], _Chunk]], limit: int, report: ProgressCallback, task: str, n: int
) -> Iterator[_Chunk]:
    """Run *calls* on *pool* with at most *limit* in flight, yielding their results in order; *calls* is
    consumed one call at a time, as each is submitted."""
    calls = iter(calls)
    pending = deque(pool.submit(call) for call in islice(calls, limit))
    done = 0
    while pending:
        result = pending.popleft().result()
        following = next(calls, None)
        if following is not None:
            pending.append(pool.submit(following))
        done += result[0].stop - result[0].start
        report(task, done, n)
        yield result


_Chunk = tuple[slice, np.ndarray, np.ndarray, tuple[str, ...]]


def _chunk_task(model: Model, rows: np.ndarray, times: np.ndarray, rtol: float, atol: float, chunk: slice) -> _Chunk:
    # A task a cluster worker runs: the compiled model is loaded once per worker process (compile_model caches it).
    return (chunk, *_rodas(model, times, rtol=rtol, atol=atol)(rows))


def batch_runner(
    model: Model, names: tuple[str, ...], times: np.ndarray, *, simulator: Simulator = "auto", rtol: float, atol: float
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, tuple[str, ...]]]:
    """A function ``rows -> (values, readouts, status)`` for repeated small batches (a calibration's steps).

    The engine is loaded or compiled once here; each call integrates one subject per row of *rows*, the
    values of the parameters *names* (the others keep the model's values).
    """
    engine = resolve_simulator(simulator)
    base = parameter_matrix(model, None)[0]
    columns = [next(i for i, p in enumerate(model.parameters) if p.name == name) for name in names]
    if engine == "roadrunner":
        from secretome.model._sbml import to_sbml

        runner = RoadRunnerSession(to_sbml(model), tuple(s.name for s in model.species), rtol, atol)

    def matrix_of(rows: np.ndarray) -> np.ndarray:
        matrix = np.tile(base, (rows.shape[0], 1))
        matrix[:, columns] = rows
        return matrix

    if engine == "rodas":
        run = _rodas(model, times, rtol=rtol, atol=atol)
        return lambda rows: run(matrix_of(np.atleast_2d(rows)))

    def other(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        rows = np.atleast_2d(rows)
        if engine == "roadrunner":
            values, status = runner.run(names, rows, times)
        else:
            values, _, status, _ = run_batch(model, dict(zip(names, rows.T, strict=True)), times, simulator="scipy",
                                             rtol=rtol, atol=atol)  # fmt: skip
        return values, readout_values(model, values, matrix_of(rows)), tuple(status)

    return other


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
    executor: Executor | None = None,
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
    simulator : {"auto", "rodas", "roadrunner", "scipy"}
        The engine (see the module docstring); ``"auto"`` is ``"rodas"``.
    rtol, atol : float
        Integration tolerances.
    workers : int, optional
        Threads for the compiled solver, processes for libroadrunner (default: the machine's cores); the
        scipy engine runs in-process.
    progress : callable, optional
        ``(task, done, total)`` per subject or chunk of subjects.
    task : str
        Task name given to *progress*.
    executor : Executor, optional
        A Dask cluster's executor (:func:`secretome._scheduler.cluster_executor`); the compiled solver
        runs there, so callers resolve the engine with their scheduler (:func:`resolve_simulator`).

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
    if engine == "rodas":
        values = np.full((matrix.shape[0], times.size, len(model.species)), np.nan)
        readouts = np.full((matrix.shape[0], times.size, len(model.readouts)), np.nan)
        status_list = [""] * matrix.shape[0]
        for chunk, v, r, st in iter_batches(model, matrix, times, rtol=rtol, atol=atol, workers=workers,
                                            progress=progress, task=task, executor=executor):  # fmt: skip
            values[chunk], readouts[chunk], status_list[chunk] = v, r, st
        return values, readouts, tuple(status_list), matrix
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

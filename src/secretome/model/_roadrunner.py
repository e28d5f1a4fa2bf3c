"""One loaded libroadrunner model, run subject after subject (used by batches and calibration)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

__all__ = ["MAX_STEPS", "RoadRunnerSession"]

MAX_STEPS = 200_000
"""CVODE step limit between two outputs: prior draws with a fast cytokine time scale need many steps."""


@contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null: SUNDIALS prints each CVODE failure from C, past Python's logging."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class RoadRunnerSession:
    """One loaded RoadRunner instance: reset, set parameters, simulate, per subject.

    Parameters
    ----------
    sbml : str
        The SBML export (:func:`secretome.model.to_sbml`).
    species : tuple of str
        Species ids, in model order (the time-course selection).
    rtol, atol : float
        CVODE tolerances.
    """

    def __init__(self, sbml: str, species: tuple[str, ...], rtol: float, atol: float) -> None:
        import roadrunner

        # A failed subject is reported in its status and the caller warns once for all of them; roadrunner's
        # log and CVODE's own messages on stderr (one per failed subject) would garble progress bars.
        roadrunner.Logger.setLevel(roadrunner.Logger.LOG_FATAL)
        self.rr = roadrunner.RoadRunner(sbml)
        self.rr.integrator.relative_tolerance = rtol
        self.rr.integrator.absolute_tolerance = atol
        self.rr.integrator.maximum_num_steps = MAX_STEPS
        self.rr.timeCourseSelections = ["time", *species]
        self.n_species = len(species)

    def run(self, names: tuple[str, ...], rows: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Species trajectories ``(n_rows, n_times, n_species)`` and a status per row (``"ok"`` or why not)."""
        out = np.full((rows.shape[0], times.size, self.n_species), np.nan)
        status: list[str] = []
        grid = list(map(float, times))
        with _stderr_silenced():
            self._run(names, rows, grid, out, status)
        return out, status

    def _run(self, names: tuple[str, ...], rows: np.ndarray, grid: list[float], out: np.ndarray,
             status: list[str]) -> None:  # fmt: skip
        for s, row in enumerate(rows):
            self.rr.resetAll()  # species, parameters and event state back to the SBML values
            for name, value in zip(names, row, strict=True):
                self.rr[name] = float(value)
            try:
                values = np.asarray(self.rr.simulate(times=grid))[:, 1:]
            except RuntimeError as exc:
                status.append(f"failed: {str(exc).split(';')[0]}")
                continue
            if not np.all(np.isfinite(values)):
                status.append("failed: non-finite state")
                continue
            out[s] = values
            status.append("ok")

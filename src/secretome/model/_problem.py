"""A calibration problem over many experiments: quantitative points and qualitative direction constraints.

The model layer knows nothing of the evidence store (DESIGN.md): the caller (the report, or a tool script)
builds the table from the evidence and passes it here. One row per datum, columns:

``kind``
    ``"quantitative"`` (a measured value with its SD) or ``"direction"`` (the sign of treated minus
    untreated, as a study reports it).
``condition``
    The preset simulated (its protocol is the treated arm; the untreated arm of a direction is the same
    preset without doses).
``observable``, ``time``
    A readout of the preset and the day it is read.
``value``, ``noise_sd``
    Quantitative rows: the measurement and its SD. Direction rows: ``value`` is +1 (treated above
    untreated) or -1 (below), ``noise_sd`` unused.
``split``
    ``"train"`` or ``"test"`` (held out: not fitted, only checked).
``study_id``, ``source``, ``location``, ``quote``
    Provenance, carried through to the outputs.

Directions are fitted with a hinge loss on the relative difference ``d = (treated - untreated) / scale``:
the residual is ``max(0, margin - sign * d) / margin``, zero when the model gives the reported sign by at
least the margin (1 %, the report's no-difference rule) and growing linearly against it, the hinge
penalty that pyPESTO's qualitative-data approaches generalise (Schmiester et al. 2020).

References
----------
.. [1] Schmiester L, Weindl D, Hasenauer J (2020). Parameterization of mechanistic models from qualitative
   data using an efficient optimal scaling approach. J Math Biol 81:603-623.
   https://doi.org/10.1007/s00285-020-01522-w
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from secretome.errors import InputError
from secretome.model._spec import Model

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MARGIN",
    "CalibrationProblem",
    "ProblemRunner",
    "direction_agreement",
    "problem_arms",
    "problem_from_table",
    "residuals",
    "simulate_problem",
]

MARGIN = 0.01
"""Relative differences under 1 % are no difference (the report's rule M2)."""

COLUMNS = ("kind", "condition", "observable", "time", "value", "noise_sd", "split", "study_id")


@dataclass(frozen=True)
class CalibrationProblem:
    """Conditions (models), and the data table that refers to them by name."""

    conditions: Mapping[str, Model]
    table: pd.DataFrame

    def untreated(self, name: str) -> Model:
        """The condition *name* without its doses (the untreated arm of a direction)."""
        model = self.conditions[name]
        return model.with_doses((), t_end=model.t_end)


def problem_from_table(table: pd.DataFrame, build: Callable[[str], Model]) -> CalibrationProblem:
    """Check *table* (see the module docstring) and build each condition once with *build* (e.g. ``preset``)."""
    for column in COLUMNS:
        if column not in table.columns:
            raise InputError(f"missing column; the table needs {', '.join(COLUMNS)}", field=column)
    conditions: dict[str, Model] = {}
    for i, row in enumerate(table.itertuples(index=False), start=1):
        if row.kind not in ("quantitative", "direction"):
            raise InputError("must be 'quantitative' or 'direction'", row=i, field="kind", value=row.kind)
        if row.split not in ("train", "test"):
            raise InputError("must be 'train' or 'test'", row=i, field="split", value=row.split)
        if row.condition not in conditions:
            conditions[row.condition] = build(row.condition)
        model = conditions[row.condition]
        if row.observable not in {r.name for r in model.readouts}:
            raise InputError("not a readout of the condition", row=i, field="observable", value=row.observable)
        if not (math.isfinite(row.time) and 0 <= row.time <= model.t_end):
            raise InputError(f"must lie in [0, {model.t_end:g}]", row=i, field="time", value=row.time)
        if row.kind == "direction" and row.value not in (1, -1):
            raise InputError("a direction is +1 or -1", row=i, field="value", value=row.value)
        if row.kind == "quantitative" and not row.noise_sd > 0:
            raise InputError("must be > 0", row=i, field="noise_sd", value=row.noise_sd)
    return CalibrationProblem(conditions, table.reset_index(drop=True))


def _readout_at(results: Mapping[str, tuple[np.ndarray, np.ndarray, list[str]]], condition: str, observable: str,
                time: float) -> float:  # fmt: skip
    times, values, names = results[condition]
    return float(values[int(np.searchsorted(times, time)), names.index(observable)])


def simulate_problem(
    problem: CalibrationProblem, overrides: Mapping[str, float] | None = None, *, rows: Sequence[int] | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray, list[str]]]:
    """Readout trajectories of every condition (and of each untreated arm, keyed ``<name>|untreated``)."""
    from secretome.model._simulate import simulate

    out: dict[str, tuple[np.ndarray, np.ndarray, list[str]]] = {}
    for key, arm, times in problem_arms(problem, rows):
        known = {p.name for p in arm.parameters}
        values = {k: v for k, v in (overrides or {}).items() if k in known}
        res = simulate(arm.with_values(**values), times=times, rtol=1e-6, atol=1e-9)
        out[key] = (times, res.readout_values[0], list(res.readouts))
    return out


def problem_arms(
    problem: CalibrationProblem, rows: Sequence[int] | None = None
) -> Iterator[tuple[str, Model, np.ndarray]]:
    """Each simulated arm of a problem's conditions (or of some rows): key, model and read times.

    A condition with direction rows also needs its untreated arm (keyed ``<name>|untreated``), since a
    direction is the sign of treated minus untreated. Each arm ends at its last read time.
    """
    table = problem.table if rows is None else problem.table.iloc[list(rows)]
    for name, group in table.groupby("condition"):
        model = problem.conditions[name]
        times = np.union1d([0.0], group["time"].to_numpy(float))
        arms = [(name, model)]
        if (group["kind"] == "direction").any():
            arms.append((f"{name}|untreated", problem.untreated(name)))
        for key, full in arms:
            # Doses after the last read time cannot change what is read.
            yield key, full.with_doses([d for d in full.doses if d.time <= times[-1]], t_end=float(times[-1])), times


class ProblemRunner:
    """Every arm of a problem (or of some of its rows), each loaded once, simulated again and again.

    :func:`simulate_problem` builds each arm anew with the scipy simulator; a fit calls the problem thousands
    of times, so here each arm is compiled once (the compiled Rosenbrock solver, whose build is cached per
    model structure, or libroadrunner's load of the SBML export) and only the parameter values change between
    calls.

    Parameters
    ----------
    problem : CalibrationProblem
        Conditions and data.
    rows : sequence of int, optional
        Rows (positions in ``problem.table``) whose conditions are simulated; default all.
    simulator : {"auto", "rodas", "roadrunner", "scipy"}
        ``"auto"`` is the compiled solver (``"rodas"``; :func:`secretome.model._batch.resolve_simulator`).
    rtol, atol : float
        Integration tolerances (tight: finite-difference Jacobians need outputs smooth in the parameters).

    Calling the runner with a mapping of parameter values returns what :func:`simulate_problem` returns, or
    ``None`` when an arm fails to integrate.
    """

    def __init__(self, problem: CalibrationProblem, rows: Sequence[int] | None = None, *, simulator: str = "auto",
                 rtol: float = 1e-8, atol: float = 1e-10) -> None:  # fmt: skip
        from secretome.model._batch import resolve_simulator

        self.engine = resolve_simulator(simulator)
        self.rtol, self.atol = rtol, atol
        self.arms: list[tuple[str, Model, np.ndarray, object]] = [
            (key, arm, times, self._session(arm)) for key, arm, times in problem_arms(problem, rows)
        ]

    def _session(self, model: Model) -> object:
        if self.engine != "roadrunner":
            return None
        from secretome.model._roadrunner import RoadRunnerSession
        from secretome.model._sbml import to_sbml

        session = RoadRunnerSession(to_sbml(model), tuple(s.name for s in model.species), self.rtol, self.atol)
        session.known = frozenset(session.rr.model.getGlobalParameterIds())  # type: ignore[attr-defined]
        return session

    def __call__(self, overrides: Mapping[str, float] | None = None) -> dict[str, tuple] | None:
        from secretome.model._batch import run_batch
        from secretome.model._overrides import parameter_matrix
        from secretome.model._readout_values import readout_values
        from secretome.model._simulate import simulate

        out: dict[str, tuple] = {}
        for key, model, times, session in self.arms:
            known = {p.name for p in model.parameters}
            values = {k: float(v) for k, v in (overrides or {}).items() if k in known}
            if self.engine == "rodas":
                draws = {k: np.array([v]) for k, v in values.items()}
                species, _, status, _ = run_batch(model, draws, times, simulator="rodas", rtol=self.rtol,
                                                  atol=self.atol, workers=1)  # fmt: skip
                if status[0] != "ok":
                    return None
            elif session is None:
                try:
                    species = simulate(model, times=times, parameters=values, rtol=self.rtol, atol=self.atol).values
                except ArithmeticError:
                    return None
            else:
                names = tuple(k for k in values if k in session.known)  # type: ignore[attr-defined]
                species, status = session.run(names, np.array([[values[k] for k in names]]), times)  # type: ignore[attr-defined]
                if status[0] != "ok":
                    return None
            readouts = readout_values(model, species, parameter_matrix(model, values))
            out[key] = (times, readouts[0], [r.name for r in model.readouts])
        return out


def residuals(problem: CalibrationProblem, results: Mapping, *, split: str | None = "train") -> np.ndarray:
    """Weighted residuals of the rows of *split* (``None``: every row): ``(y - value)/sd``, each direction's hinge."""
    table = problem.table if split is None else problem.table[problem.table["split"] == split]
    res = []
    for row in table.itertuples(index=False):
        y = _readout_at(results, row.condition, row.observable, row.time)
        if row.kind == "quantitative":
            res.append((y - row.value) / row.noise_sd)
        else:
            base = _readout_at(results, f"{row.condition}|untreated", row.observable, row.time)
            scale = max(abs(base), abs(y), 1e-12)
            res.append(max(0.0, MARGIN - row.value * (y - base) / scale) / MARGIN)
    return np.asarray(res, dtype=float)


def direction_agreement(problem: CalibrationProblem, results: Mapping) -> pd.DataFrame:
    """Per direction row: the model's treated-minus-untreated difference and whether its sign agrees.

    A model difference under the 1 % margin counts as "no difference" and does not agree with a reported
    direction.
    """
    import pandas as pd

    rows = []
    for row in problem.table[problem.table["kind"] == "direction"].itertuples(index=False):
        y = _readout_at(results, row.condition, row.observable, row.time)
        base = _readout_at(results, f"{row.condition}|untreated", row.observable, row.time)
        scale = max(abs(base), abs(y), 1e-12)
        d = (y - base) / scale
        rows.append(
            {
                "study_id": row.study_id,
                "condition": row.condition,
                "observable": row.observable,
                "time": row.time,
                "split": row.split,
                "reported": int(row.value),
                "treated": y,
                "untreated": base,
                "difference": y - base,
                "agrees": bool(row.value * d >= MARGIN),
            }
        )
    return pd.DataFrame(rows)

"""Two arms of one preset compared per readout: treated minus untreated (or regimen A minus B), with bands.

Both arms are simulated for the same virtual subjects (assumed parameters drawn from their priors with one
seed), so each subject is paired with itself and the band is the spread of the paired difference, in the
readout's own unit. The default subject (every parameter at its nominal value) gives the point value.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from secretome._limits import check_time
from secretome._result import Result, json_safe
from secretome.errors import InputError, NumericalError, SecretomeWarning
from secretome.model._batch import Simulator, run_batch
from secretome.model._regimen import apply_regimen
from secretome.model._simulate import simulate
from secretome.model._solver_output import solver_output
from secretome.model._spec import Model
from secretome.model._subjects import draw_subjects

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ComparisonResult", "compare", "compare_times"]

QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class ComparisonResult(Result):
    """Per readout at one time: both arms for the default subject, and the paired difference with its band.

    Attributes
    ----------
    model : str
        Preset name.
    arm_a, arm_b : str
        What was compared (``arm_a`` minus ``arm_b``; ``arm_b`` is ``"untreated"`` without ``--vs``).
    at_time : float
        Time of the comparison, in *time_unit*.
    time_unit : str
        The model's time unit.
    readouts, units : tuple of str
        Readouts and their units.
    value_a, value_b, difference : ndarray
        Default-subject values of each arm and their difference, per readout.
    band : ndarray, shape (3, n_readouts)
        5 %, 50 % and 95 % quantiles of the paired difference across the virtual subjects.
    subjects, failed : int
        Subjects drawn; subjects whose integration failed (left out of the band).
    seed : int
        Seed of the draws.
    """

    model: str
    arm_a: str
    arm_b: str
    at_time: float
    time_unit: str
    readouts: tuple[str, ...]
    units: tuple[str, ...]
    value_a: np.ndarray
    value_b: np.ndarray
    difference: np.ndarray
    band: np.ndarray
    subjects: int
    failed: int
    seed: int

    def to_frame(self) -> pd.DataFrame:
        """One row per readout: readout, unit, a, b, difference, band_05, band_50, band_95."""
        import pandas as pd

        return pd.DataFrame(
            {
                "readout": list(self.readouts),
                "unit": list(self.units),
                "a": self.value_a,
                "b": self.value_b,
                "difference": self.difference,
                "band_05": self.band[0],
                "band_50": self.band[1],
                "band_95": self.band[2],
            }
        )

    def to_dict(self) -> dict[str, object]:
        """Metadata plus ``rows`` (one per readout)."""
        out = json_safe({k: getattr(self, k) for k in ("model", "arm_a", "arm_b", "at_time", "time_unit",
                                                       "subjects", "failed", "seed")})  # fmt: skip
        out["rows"] = json_safe(self.to_frame())
        return out

    def summary(self) -> str:
        """Header, then one line per readout in absolute units."""
        lines = [
            f"Comparison in {self.model!r} at t = {self.at_time:g} {self.time_unit}: {self.arm_a} minus {self.arm_b}",
            f"default subject, and the paired difference over {self.subjects - self.failed} virtual subjects "
            f"(priors, seed {self.seed}; {self.failed} failed): 5% / 50% / 95%",
            "",
            f"{'readout':<16}{'unit':<20}{'a':>11}{'b':>11}{'a - b':>11}{'5%':>11}{'50%':>11}{'95%':>11}",
        ]
        for j, name in enumerate(self.readouts):
            numbers = (self.value_a[j], self.value_b[j], self.difference[j], *self.band[:, j])
            lines.append(f"{name:<16}{self.units[j]:<20}" + "".join(f"{v:>11.4g}" for v in numbers))
        return "\n".join(lines)


def compare(
    model: Model,
    regimen: str | os.PathLike[str],
    *,
    versus: str | os.PathLike[str] | None = None,
    at_time: float | None = None,
    subjects: int = 200,
    seed: int = 0,
    simulator: Simulator = "auto",
) -> ComparisonResult:
    """Regimen *regimen* minus untreated (or minus regimen *versus*) per readout of *model*, with bands.

    Parameters
    ----------
    model : Model
        A preset; its own doses are replaced by each regimen's.
    regimen, versus : path
        Regimen YAML files (docs/regimen-format.md); without *versus* the comparison is with no dose.
    at_time : float, optional
        When to compare; default the later end time of the two arms.
    subjects : int
        Virtual subjects for the band (>= 2).
    seed : int
        Seed of the draws (the same subjects in both arms).
    simulator : {"auto", "roadrunner", "scipy"}
        Engine for the subjects (see :func:`secretome.model.cohort`).

    Examples
    --------
    >>> from secretome.model import preset
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ev.yaml"
    >>> _ = path.write_text("doses: [{product: ev, amount: 1.0e+9, start: 7, every: 7, count: 5}]")
    >>> res = compare(preset("rat-mia"), path, subjects=2, simulator="scipy", at_time=28.0)
    >>> float(res.to_frame().set_index("readout").loc["aggrecan", "difference"]) > 0
    True
    """
    times = None if at_time is None else [at_time]
    (result,) = compare_times(model, regimen, times, versus=versus, subjects=subjects, seed=seed, simulator=simulator)
    return result


def compare_times(
    model: Model,
    regimen: str | os.PathLike[str],
    at_times: Sequence[float] | None = None,
    *,
    versus: str | os.PathLike[str] | None = None,
    subjects: int = 200,
    seed: int = 0,
    simulator: Simulator = "auto",
) -> tuple[ComparisonResult, ...]:
    """:func:`compare` at each of *at_times* (default: the later end time of the two arms), in one simulation.

    Each arm is simulated once for the default subject and once for the virtual subjects, up to the latest
    time, and read at every time; a dose after a time cannot change the state at it, so each result equals
    :func:`compare` at its time (a dose at exactly that time is applied before the readout in both). The
    parameters are :func:`compare`'s; see tests/model/test_compare.py for a worked example with its closed form.
    """
    if isinstance(subjects, bool) or not isinstance(subjects, int) or subjects < 2:
        raise InputError("must be an integer >= 2", field="subjects", value=subjects)
    arm_a = apply_regimen(model, regimen)
    arm_b = model.with_doses(()) if versus is None else apply_regimen(model, versus)
    if at_times is None:
        at_times = [max(arm_a.t_end, arm_b.t_end)]
    elif len(at_times) == 0:
        raise InputError("at least one time is needed", field="at_times", value="[]")
    wanted = [check_time(t, field="at_time") for t in at_times]
    end = max(wanted)
    arms = [a.with_doses([d for d in a.doses if d.time <= end], t_end=end) for a in (arm_a, arm_b)]
    times = np.unique(np.concatenate([[0.0], wanted]))
    rows = np.searchsorted(times, wanted)
    default = [simulate(a, times=times).readout_values[0] for a in arms]
    draws = draw_subjects(model, subjects, seed=seed)
    # CVODE prints its step-size warnings per subject from C; they are collected and summarised once below.
    with solver_output() as printed:
        runs = [run_batch(a, draws, times, simulator=simulator, task="compare") for a in arms]
    ok = np.array([sa == "ok" and sb == "ok" for sa, sb in zip(runs[0][2], runs[1][2], strict=True)])
    if not ok.any():
        raise NumericalError(f"{model.name}: every subject failed in one arm ({runs[0][2][0]})")
    failed = int((~ok).sum())
    problems = []
    if failed:
        problems.append(f"{failed} of {subjects} subjects failed and are left out of the band")
    if printed:
        problems.append(f"the solver printed {len(printed)} warnings over the {2 * subjects} runs (e.g. "
                        f"{printed[0].rsplit(']', 1)[-1].strip()!r}); runs it continued are kept")  # fmt: skip
    if problems:
        warnings.warn("; ".join(problems), SecretomeWarning, stacklevel=2)
    paired = runs[0][1][ok] - runs[1][1][ok]
    return tuple(
        ComparisonResult(
            model=model.name,
            arm_a=os.fspath(regimen),
            arm_b="untreated" if versus is None else os.fspath(versus),
            at_time=float(times[row]),
            time_unit=model.time_unit,
            readouts=tuple(r.name for r in model.readouts),
            units=tuple(r.unit for r in model.readouts),
            value_a=default[0][row],
            value_b=default[1][row],
            difference=default[0][row] - default[1][row],
            band=np.quantile(paired[:, row, :], QUANTILES, axis=0),
            subjects=subjects,
            failed=failed,
            seed=seed,
        )
        for row in rows
    )

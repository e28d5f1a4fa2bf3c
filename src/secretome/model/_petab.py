"""Export a calibration problem as PEtab (v1) so pyPESTO, COPASI or AMICI users can rerun it.

PEtab [1]_ holds one SBML model per problem, so the export writes one PEtab problem per base preset
(organism x induction): ``<base>/model.xml`` (the untreated preset, with one dose event per protocol dose
time whose amount is a parameter), ``conditions.tsv`` (per condition, the amount of each dose; 0 untreated),
``observables.tsv`` (each readout's formula over species and parameters), ``measurements.tsv`` (the
quantitative points, with their noise SD as a number), ``parameters.tsv`` (the fitted parameters on log10
scale within their priors, the others fixed), and ``problem.yaml``. Direction constraints have no PEtab v1
column; they are written beside the problem as ``directions.tsv`` (condition, untreated condition,
observable, time, sign), the input of pyPESTO's qualitative-data (optimal scaling) workflows after
conversion to ordinal categories.

References
----------
.. [1] Schmiester L, et al. (2021). PEtab - Interoperable specification of parameter estimation problems in
   systems biology. PLoS Comput Biol 17(1):e1008646. https://doi.org/10.1371/journal.pcbi.1008646
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from secretome._files import atomic_write_files
from secretome.model._problem import CalibrationProblem
from secretome.model._sbml import to_sbml
from secretome.model._spec import Dose, Parameter

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["to_petab"]


def _base(name: str) -> str:
    """The untreated preset a condition belongs to (``rat-mia-cm-weekly``, ``rat-mia+cm-weekly`` -> ``rat-mia``)."""
    name = name.split("+", 1)[0]
    for suffix in ("-cm-weekly", "-cm-single", "-ev-weekly", "-ev-single", "-cm"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _tsv(frame: pd.DataFrame) -> str:
    return frame.to_csv(sep="\t", index=False)


def to_petab(problem: CalibrationProblem, directory: str | os.PathLike[str], *, fitted: Sequence[str]) -> list[Path]:
    """Write *problem* as PEtab problems under *directory*, one per base preset; return the YAML files.

    Parameters
    ----------
    problem : CalibrationProblem
        Conditions and data (:func:`secretome.model.problem_from_table`).
    directory : path
        Where to write (created).
    fitted : sequence of str
        Parameters to estimate (each needs a prior: their bounds); every other parameter is fixed.
    """
    import pandas as pd

    root = Path(directory)
    written = []
    # Every file of every problem is written at the end, together: all of them or none (a PEtab
    # problem with its model but without its measurements is not one).
    files: dict[Path, str] = {}
    table = problem.table
    for base, rows in table.groupby(table["condition"].map(_base)):
        folder = root / base
        folder.mkdir(parents=True, exist_ok=True)
        treated = {name: problem.conditions[name] for name in rows["condition"].unique()}
        untreated = replace(next(iter(treated.values())).with_doses(()), name=base)
        slots: dict[tuple[str, float], str] = {}
        for model in treated.values():
            for dose in model.doses:
                slots.setdefault((dose.species, dose.time), f"dose_{dose.species}_{len(slots) + 1}")
        doses = [Dose(t, species, 0.0) for (species, t) in slots]
        sbml = _parametrised_events(untreated.with_doses(doses), slots)
        files[folder / "model.xml"] = sbml
        conditions = []
        for name, model in treated.items():
            amounts = dict.fromkeys(slots.values(), 0.0)
            for dose in model.doses:
                amounts[slots[(dose.species, dose.time)]] += dose.amount
            conditions.append({"conditionId": _id(name), **amounts})
            conditions.append({"conditionId": _id(name) + "_untreated", **dict.fromkeys(slots.values(), 0.0)})
        conditions_frame = pd.DataFrame(conditions).drop_duplicates("conditionId")
        readouts = {r.name: r for r in untreated.readouts}
        used = sorted(rows["observable"].unique())
        observables = pd.DataFrame(
            {
                "observableId": [f"obs_{o}" for o in used],
                "observableFormula": [readouts[o].expression for o in used],
                "noiseFormula": [f"noiseParameter1_obs_{o}" for o in used],
            }
        )
        quantitative = rows[rows["kind"] == "quantitative"]
        measurements = pd.DataFrame(
            {
                "observableId": [f"obs_{o}" for o in quantitative["observable"]],
                "simulationConditionId": [_id(c) for c in quantitative["condition"]],
                "measurement": quantitative["value"].astype(float).to_numpy(),
                "time": quantitative["time"].astype(float).to_numpy(),
                "noiseParameters": quantitative["noise_sd"].astype(float).to_numpy(),
            }
        )
        directions = rows[rows["kind"] == "direction"]
        files[folder / "directions.tsv"] = _tsv(
            pd.DataFrame(
                {
                    "observableId": [f"obs_{o}" for o in directions["observable"]],
                    "simulationConditionId": [_id(c) for c in directions["condition"]],
                    "referenceConditionId": [_id(c) + "_untreated" for c in directions["condition"]],
                    "time": directions["time"].astype(float).to_numpy(),
                    "sign": directions["value"].astype(int).to_numpy(),
                    "split": directions["split"].to_numpy(),
                    "studyId": directions["study_id"].to_numpy(),
                }
            )
        )
        parameters = pd.DataFrame([_parameter_row(p, p.name in fitted) for p in untreated.parameters])
        for name, frame in (
            ("conditions.tsv", conditions_frame),
            ("observables.tsv", observables),
            ("measurements.tsv", measurements),
            ("parameters.tsv", parameters),
        ):
            files[folder / name] = _tsv(frame)
        files[folder / "problem.yaml"] = (
            "format_version: 1\n"
            "parameter_file: parameters.tsv\n"
            "problems:\n"
            "  - sbml_files: [model.xml]\n"
            "    condition_files: [conditions.tsv]\n"
            "    measurement_files: [measurements.tsv]\n"
            "    observable_files: [observables.tsv]\n"
        )
        written.append(folder / "problem.yaml")
    atomic_write_files(files)
    return written


def _id(name: str) -> str:
    return name.replace("-", "_").replace("+", "__")


def _parameter_row(p: Parameter, fitted: bool) -> dict[str, object]:
    low, high = p.prior if p.prior is not None and p.prior[0] > 0 else (p.value, p.value)
    estimate = fitted and p.prior is not None and p.prior[0] > 0
    return {
        "parameterId": p.name,
        "parameterScale": "log10" if estimate else "lin",
        "lowerBound": low if estimate else p.value,
        "upperBound": high if estimate else p.value,
        "nominalValue": p.value,
        "estimate": int(estimate),
    }


def _parametrised_events(model, slots: dict[tuple[str, float], str]) -> str:
    """SBML of *model* whose dose events add parameter *slots* (0 by default) instead of fixed amounts."""
    import libsbml

    doc = libsbml.readSBMLFromString(to_sbml(model))
    sbml = doc.getModel()
    for (species, t), parameter in slots.items():
        created = sbml.createParameter()
        created.setId(parameter)
        created.setValue(0.0)
        created.setConstant(True)
        created.setUnits("dimensionless")
        for i in range(sbml.getNumEvents()):
            event = sbml.getEvent(i)
            assignment = event.getEventAssignment(0)
            when = float(libsbml.formulaToL3String(event.getTrigger().getMath()).split(">=")[1])
            if assignment.getVariable() == species and when == t:
                assignment.setMath(libsbml.parseL3Formula(f"{species} + {parameter}"))
    return libsbml.writeSBMLToString(doc)

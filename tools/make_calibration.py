"""Calibrate the joint model against the evidence and ship the results with the report.

Usage: python tools/make_calibration.py [--corpus DIR] [--candidates 400] [--max-nfev 60] [--scheduler processes]

1. Builds the calibration table from the corpus (the bundled one, or --corpus) and the cited untreated time
   courses (secretome.report._calibration_data, rules C1-C3; new study files enter on the next run).
2. Stage 1, mechanism, fitted on composition with the score maps at their nominal values:
   a. animals: MECHANISM on the training rows of animal conditions except score points (the direction
      constraints, each a hinge on the sign of treated minus untreated, and composition points);
   b. people: HUMAN (the human replacements) on the human training points (cartilage thickness); the shared
      parameters keep their assumed values (the animal estimates are not identified, so not carried over).
3. Stage 2, readout maps: the maps (MAPS) of the scores with training points (Mankin), the mechanism fixed.
   Every stage is profiled (pointwise and simultaneous likelihood-ratio thresholds; Raue et al. 2009); a
   parameter whose profile reaches a prior bound is reported as not identifiable there. Where a profile meets a
   lower chi^2 than the fit, the stage is refitted from that point and profiled again (up to three times).
4. Checks every direction (training and held out) with the nominal and the calibrated parameters, and the
   held-out quantitative points (z-scores).
5. Draws the calibrated ensemble of the animal mechanism (parameter sets inside the simultaneous
   likelihood-ratio region; secretome.model.region_ensemble) for the report's prediction bands.
6. Exports the problem as PEtab (src/secretome/report/artefacts/petab/<condition base>/).

Writes src/secretome/report/artefacts/calibration-{table,skipped,fit,profiles,directions,points,ensemble}.csv.
"""

from __future__ import annotations

import argparse
import shutil

import numpy as np
import pandas as pd

from secretome.evidence import load_corpus
from secretome.model import (
    direction_agreement,
    fit_problem,
    problem_from_table,
    region_ensemble,
    simulate_problem,
    to_petab,
)
from secretome.model._problem import CalibrationProblem
from secretome.report._artefacts import BUNDLED
from secretome.report._calibration_data import calibration_table, condition_model
from secretome.report._dataset import analysis_dataset

MECHANISM = ("K_cat", "c1_M", "kappa_Z", "x_ra_cm", "x_tsg6_cm", "k_cl_ev")
"""Animal mechanism fitted in stage 1: the catabolic and inflammatory core (the most influential on the rows in a
one-at-a-time screen at the prior bounds) and the products' retention and composition."""
HUMAN = ("k_wear",)
"""Human replacement fitted in stage 1b: wear of the adult human joint under load (the load L trades off with it
on thickness data alone, so it stays at its assumed value)."""
MAPS = {"mankin": ("K_mankin", "n_mankin"), "oarsi": ("K_hist", "n_hist"), "odriscoll": ("K_hist", "n_hist")}
"""Per score readout, the map parameters stage 2 fits when the score has training points (K_tide, the Mankin
tidemark point, stays at its assumed value)."""
SCORES = tuple(MAPS)


def _human(condition: str) -> bool:
    return condition.startswith("human")


def _rows(table: pd.DataFrame, mask: pd.Series) -> list[int]:
    return [int(i) for i in np.flatnonzero(mask.to_numpy())]


def _sub(problem: CalibrationProblem, mask: pd.Series) -> CalibrationProblem:
    table = problem.table[mask.to_numpy()].reset_index(drop=True)
    return CalibrationProblem({c: problem.conditions[c] for c in table["condition"].unique()}, table)


def _points(problem: CalibrationProblem, values: dict[str, float], label: str) -> pd.DataFrame:
    """Every quantitative row with the model's value and z-score."""
    results = simulate_problem(problem, values)
    rows = []
    for row in problem.table[problem.table["kind"] == "quantitative"].itertuples(index=False):
        times, readouts, names = results[row.condition]
        model = float(readouts[int(np.searchsorted(times, row.time)), names.index(row.observable)])
        rows.append({"study_id": row.study_id, "condition": row.condition, "observable": row.observable,
                     "time": row.time, "split": row.split, "value": row.value, "noise_sd": row.noise_sd,
                     "model": model, "z": (model - row.value) / row.noise_sd, "parameters": label})  # fmt: skip
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=None, help="study-file folder (default: the bundled corpus)")
    parser.add_argument("--candidates", type=int, default=400, help="ensemble candidates drawn (step 5)")
    parser.add_argument("--max-nfev", type=int, default=60, help="residual evaluations per least-squares run")
    parser.add_argument("--scheduler", default="local", help="local, processes or a Dask scheduler's address")
    args = parser.parse_args()
    studies = load_corpus(args.corpus).studies
    table, skipped = calibration_table(studies, analysis_dataset(studies))
    problem = problem_from_table(table, condition_model)
    train = table["split"] == "train"
    human = table["condition"].map(_human)
    score = table["observable"].isin(SCORES) & (table["kind"] == "quantitative")
    settings = {"max_nfev": args.max_nfev, "progress": _progress, "scheduler": args.scheduler}

    animal = fit_problem(problem, MECHANISM, rows=_rows(table, train & ~human & ~score), label="animal mechanism",
                         **settings)  # fmt: skip
    # The animal estimates are not carried over: they are not identified (the directions leave them open), so
    # they would move the human joint by an arbitrary amount; people keep the assumed values of shared parameters.
    people = fit_problem(problem, HUMAN, rows=_rows(table, train & human & ~score), label="human mechanism",
                         **settings)  # fmt: skip
    scored = table.loc[train & score, "observable"].unique()
    readout_maps = tuple(dict.fromkeys(name for observable in scored for name in MAPS[observable]))
    maps = fit_problem(problem, readout_maps, rows=_rows(table, train & score), fixed=animal.values,
                       label="readout maps", **settings)  # fmt: skip
    fits = (animal, people, maps)
    for fit in fits:
        print(fit.summary(), "\n")

    calibrated_animal = {**animal.values, **dict(zip(maps.parameters, maps.estimates, strict=True))}
    calibrated_human = {**people.values, **dict(zip(maps.parameters, maps.estimates, strict=True))}
    animal_problem, human_problem = _sub(problem, ~human), _sub(problem, human)
    directions = pd.concat(
        [
            direction_agreement(animal_problem, simulate_problem(animal_problem)).assign(parameters="nominal"),
            direction_agreement(animal_problem, simulate_problem(animal_problem, calibrated_animal)).assign(
                parameters="calibrated"
            ),
        ]
    )
    points = pd.concat(
        [
            _points(animal_problem, {}, "nominal"),
            _points(animal_problem, calibrated_animal, "calibrated"),
            _points(human_problem, {}, "nominal"),
            _points(human_problem, calibrated_human, "calibrated"),
        ]
    )
    ensemble = region_ensemble(problem, animal, candidates=args.candidates, progress=_progress)
    print(ensemble.summary())

    BUNDLED.mkdir(exist_ok=True)
    table.to_csv(BUNDLED / "calibration-table.csv", index=False)
    skipped.to_csv(BUNDLED / "calibration-skipped.csv", index=False)
    pd.concat([f.to_frame() for f in fits]).to_csv(BUNDLED / "calibration-fit.csv", index=False)
    pd.DataFrame(
        [
            {"stage": f.label, "parameter": name, "value": value, "chi2": chi2, "chi2_best": f.chi2}
            for f in fits
            for name, (values, chis) in f.profiles.items()
            for value, chi2 in zip(values, chis, strict=True)
        ]
    ).to_csv(BUNDLED / "calibration-profiles.csv", index=False)
    directions.to_csv(BUNDLED / "calibration-directions.csv", index=False)
    points.to_csv(BUNDLED / "calibration-points.csv", index=False)
    frame = ensemble.to_frame()
    for name, value in {**animal.fixed, **dict(zip(maps.parameters, maps.estimates, strict=True))}.items():
        frame[name] = value
    frame.assign(stage=ensemble.label, threshold=ensemble.threshold, candidates=ensemble.candidates).to_csv(
        BUNDLED / "calibration-ensemble.csv", index=False
    )
    petab = BUNDLED / "petab"
    shutil.rmtree(petab, ignore_errors=True)
    to_petab(animal_problem, petab, fitted=[*MECHANISM, *readout_maps])
    to_petab(human_problem, petab, fitted=list(HUMAN))

    held = directions[(directions["parameters"] == "calibrated") & (directions["split"] == "test")]
    trained = directions[(directions["parameters"] == "calibrated") & (directions["split"] == "train")]
    benefit = table[(table["kind"] == "direction") & (table["split"] == "test") & (table["benefit"] > 0)]
    print(f"training directions reproduced: {int(trained['agrees'].sum())} of {len(trained)}")
    print(f"held-out directions reproduced: {int(held['agrees'].sum())} of {len(held)} "
          f"({len(benefit)} of them report a benefit of treatment)")  # fmt: skip
    print(points[points["parameters"] == "calibrated"].to_string())


def _progress(task: str, done: int, total: int) -> None:
    if done == total:
        print(f"{task}: {done}/{total}", flush=True)


if __name__ == "__main__":
    main()

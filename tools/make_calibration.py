"""Calibrate the joint model against the evidence and ship the results with the report.

Usage: python tools/make_calibration.py [--max-nfev 40]

1. Builds the calibration table from the bundled corpus and the cited untreated time courses
   (secretome.report._calibration_data, rules C1-C3) and writes it with its provenance columns.
2. Stage 1, mechanism: fits MECHANISM on the training rows of composition observables (thickness, joint
   space width) and the training direction constraints (hinge loss), by trust-region least squares in
   log-parameter space within the priors (scipy.optimize.least_squares).
3. Stage 2, readout maps: with the mechanism fixed, fits READOUT_MAPS on the score points (Mankin).
4. Checks the held-out directions with the nominal and the fitted parameters.
5. Exports the problem as PEtab (src/secretome/report/artefacts/petab/<preset>/).

Writes src/secretome/report/artefacts/calibration-*.csv.
"""

from __future__ import annotations

import argparse
import shutil

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from secretome.evidence import load_corpus
from secretome.model import direction_agreement, problem_from_table, simulate_problem, to_petab
from secretome.model._problem import residuals
from secretome.report._artefacts import BUNDLED
from secretome.report._calibration_data import calibration_table, condition_model
from secretome.report._dataset import analysis_dataset

MECHANISM = ("k_wear", "kappa_Z", "y_N", "x_tgfb_cm")
READOUT_MAPS = ("K_hist", "n_hist")
SCORES = ("mankin", "oarsi", "odriscoll")


def _priors(problem, names):
    model = next(iter(problem.conditions.values()))
    return np.log([model.parameter(n).prior for n in names]).T


def _fit(problem, names, rows, fixed, max_nfev):
    sub = problem.__class__(problem.conditions, problem.table.loc[rows].reset_index(drop=True))
    lo, hi = _priors(problem, names)

    def res(x):
        values = {**fixed, **dict(zip(names, np.exp(x), strict=True))}
        try:
            return residuals(sub, simulate_problem(sub, values))
        except ArithmeticError:
            return np.full(len(sub.table), 1e3)

    x0 = np.log([next(iter(problem.conditions.values())).parameter(n).value for n in names])
    fit = least_squares(res, x0, bounds=(lo, hi), method="trf", diff_step=1e-3, max_nfev=max_nfev)
    return dict(zip(names, np.exp(fit.x), strict=True)), float(2 * fit.cost), fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-nfev", type=int, default=40)
    args = parser.parse_args()
    corpus = load_corpus()
    studies = corpus.studies if hasattr(corpus, "studies") else corpus
    table, skipped = calibration_table(studies, analysis_dataset(studies))
    problem = problem_from_table(table, condition_model)
    train = table["split"] == "train"
    stage1 = train & ((table["kind"] == "direction") | ~table["observable"].isin(SCORES))
    stage2 = train & table["observable"].isin(SCORES) & (table["kind"] == "quantitative")
    mechanism, chi2_1, fit1 = _fit(problem, MECHANISM, table.index[stage1], {}, args.max_nfev)
    maps, chi2_2, fit2 = _fit(problem, READOUT_MAPS, table.index[stage2], mechanism, args.max_nfev)
    # A parameter whose fitted value sits on a prior bound, or whose column of the Jacobian is (near) zero,
    # is reported as not identified by these data.
    rows = []
    for stage, names, fit, chi2 in (("mechanism", MECHANISM, fit1, chi2_1), ("readout", READOUT_MAPS, fit2, chi2_2)):
        lo, hi = _priors(problem, names)
        sensitivity = np.linalg.norm(fit.jac, axis=0)
        for j, name in enumerate(names):
            at_bound = min(abs(fit.x[j] - lo[j]), abs(fit.x[j] - hi[j])) < 1e-3
            flat = sensitivity[j] < 1e-3 * max(sensitivity.max(), 1e-12)
            rows.append({"stage": stage, "parameter": name, "estimate": float(np.exp(fit.x[j])),
                         "prior_low": float(np.exp(lo[j])), "prior_high": float(np.exp(hi[j])), "chi2": chi2,
                         "identified": not (at_bound or flat),
                         "note": "at a prior bound" if at_bound else ("no sensitivity" if flat else "")})  # fmt: skip
    fitted = {**mechanism, **maps}
    nominal = direction_agreement(problem, simulate_problem(problem)).assign(parameters="nominal")
    calibrated = direction_agreement(problem, simulate_problem(problem, fitted)).assign(parameters="calibrated")
    BUNDLED.mkdir(exist_ok=True)
    table.to_csv(BUNDLED / "calibration-table.csv", index=False)
    skipped.to_csv(BUNDLED / "calibration-skipped.csv", index=False)
    pd.DataFrame(rows).to_csv(BUNDLED / "calibration-fit.csv", index=False)
    pd.concat([nominal, calibrated]).to_csv(BUNDLED / "calibration-directions.csv", index=False)
    petab = BUNDLED / "petab"
    shutil.rmtree(petab, ignore_errors=True)
    to_petab(problem, petab, fitted=[*MECHANISM, *READOUT_MAPS])
    held = calibrated[calibrated["split"] == "test"]
    print(pd.DataFrame(rows).to_string())
    print(f"held-out directions reproduced: {int(held['agrees'].sum())} of {len(held)}")


if __name__ == "__main__":
    main()

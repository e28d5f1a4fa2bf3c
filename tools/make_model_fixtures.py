"""Write tests/fixtures/model/roadrunner.json: libroadrunner trajectories of every preset's SBML export.

Usage: python tools/make_model_fixtures.py

Each preset is exported with ``secretome.model.to_sbml`` and simulated unmodified by libroadrunner
(CVODE, rtol 1e-12, atol 1e-14) on 25 output times off the dose times; species amounts are recorded.
The file records the tool
versions, so tests/model/test_sbml.py can compare our simulator with libroadrunner even where
libroadrunner is not installed (the live comparison runs too, marked ``needs_roadrunner``).
"""

from __future__ import annotations

import json
from pathlib import Path

import libsbml
import numpy as np
import roadrunner

from secretome.model import PRESETS, preset, to_sbml

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "model" / "roadrunner.json"


def fixture_times(t_end: float, dose_times: set[float]) -> list[float]:
    """25 output times from 0 to t_end, skipping dose times (an event on a grid point tests event timing)."""
    return [float(t) for t in np.linspace(0.0, t_end, 25) if t == 0.0 or t not in dose_times]


def main() -> None:
    cases = {}
    for name in sorted(PRESETS):
        model = preset(name)
        times = fixture_times(model.t_end, {d.time for d in model.doses})
        rr = roadrunner.RoadRunner(to_sbml(model))
        rr.integrator.relative_tolerance = 1e-12
        rr.integrator.absolute_tolerance = 1e-14
        rr.integrator.maximum_num_steps = 1_000_000  # the limit-cycle presets need many steps between outputs
        # Species are amounts (hasOnlySubstanceUnits): select the amounts, not roadrunner's default concentrations.
        ids = list(rr.model.getFloatingSpeciesIds())
        rr.timeCourseSelections = ["time", *ids]
        out = np.asarray(rr.simulate(times=times))
        cases[name] = {"time": times, "species": {s: out[:, i + 1].tolist() for i, s in enumerate(ids)}}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "tool": f"libroadrunner {roadrunner.__version__} (CVODE, rtol 1e-12, atol 1e-14)",
        "libsbml": libsbml.getLibSBMLDottedVersion(),
        "script": "tools/make_model_fixtures.py",
    }
    OUT.write_text(json.dumps({"meta": meta, "cases": cases}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

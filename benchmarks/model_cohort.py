"""A virtual cohort, whole process: secretome's cohort() against a plain libroadrunner loop on the same draws.

Usage: python benchmarks/model_cohort.py [--preset rat-mia] [--subjects 1000] [--days 365] [--runs 3]
       [--rr-runs 1] [--workers 2] [--rr-subjects N]

Both sides run as separate processes from a cold interpreter (start-up, imports, SBML export and load, or
the compiled solver's cache load, all included), on the same draws from the priors (seed 0) over --days
days with 121 output times, at the same tolerances (rtol 1e-6, atol 1e-9):

- ours: ``secretome.model.cohort(model, subjects, t_end=days)``: the compiled Rosenbrock solver in
  --workers threads, bands streamed through the quantile sketch;
- theirs: libroadrunner (CVODE) on ``to_sbml(model)``, one process looping over the subjects (reset,
  set the drawn parameters, simulate), with the step limit raised to 10^7 so that every subject finishes,
  then the same quantile bands with numpy.

Each side is timed --runs (--rr-runs) times (the compiled solver's cache is warmed once first, as a user's
second run finds it); the medians and ours / theirs are printed as one JSON line, with each side's peak
resident memory (ru_maxrss of its process) and the largest difference of the bands relative to each readout's
range (the two must describe the same cohort). --rr-subjects runs libroadrunner on the first N draws only
and scales its time by subjects / N (stated in the output as ``rr_extrapolated``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

OURS = """
import sys, numpy as np
from secretome.model import cohort, preset
name, subjects, days, workers, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
res = cohort(preset(name), subjects=subjects, seed=0, t_end=days, workers=workers)
np.save(out, res.bands)
print(len(res.failed))
"""

THEIRS = """
import sys, warnings, numpy as np, roadrunner
from secretome.model import draw_subjects, preset, to_sbml
from secretome.model._cohort import QUANTILES
from secretome.model._overrides import parameter_matrix
from secretome.model._readout_values import readout_values
name, subjects, days, out, first = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
model = preset(name)
model = model.with_doses(model.doses, t_end=days)
draws = {k: v[:first] for k, v in draw_subjects(model, subjects, seed=0).items()}
times = np.linspace(0.0, days, 121)
roadrunner.Logger.setLevel(roadrunner.Logger.LOG_FATAL)
rr = roadrunner.RoadRunner(to_sbml(model))
rr.integrator.relative_tolerance = 1e-6
rr.integrator.absolute_tolerance = 1e-9
rr.integrator.maximum_num_steps = 10_000_000
rr.timeCourseSelections = ["time", *(s.name for s in model.species)]
values = np.full((first, times.size, len(model.species)), np.nan)
grid = list(map(float, times))
for s in range(first):
    rr.resetAll()
    for name, column in draws.items():
        rr[name] = float(column[s])
    try:
        values[s] = np.asarray(rr.simulate(times=grid))[:, 1:]
    except RuntimeError:
        pass
readouts = readout_values(model, values, parameter_matrix(model, draws))
ok = np.all(np.isfinite(readouts), axis=(1, 2))
np.save(out, np.quantile(readouts[ok], QUANTILES, axis=0))
print(int((~ok).sum()))
"""


def _run(code: str, *args: object) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB and stdout of ``python -c code args`` (a fresh process)."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"benchmark process failed ({status})")
    return seconds, usage.ru_maxrss / 1024.0, output.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="rat-mia")
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rr-runs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rr-subjects", type=int, default=None)
    args = parser.parse_args()
    first = args.rr_subjects or args.subjects

    with tempfile.TemporaryDirectory() as tmp:
        ours_out, theirs_out = Path(tmp) / "ours.npy", Path(tmp) / "theirs.npy"
        _run(OURS, args.preset, 4, args.days, 1, ours_out)  # fills the compiled solver's cache, as a first run does
        ours = [_run(OURS, args.preset, args.subjects, args.days, args.workers, ours_out) for _ in range(args.runs)]
        theirs = [_run(THEIRS, args.preset, args.subjects, args.days, theirs_out, first) for _ in range(args.rr_runs)]
        bands_ours, bands_theirs = np.load(ours_out), np.load(theirs_out)
    scale = np.maximum(np.nanmax(np.abs(bands_theirs), axis=(0, 1)), 1e-3)
    t_ours = statistics.median(r[0] for r in ours)
    t_theirs = statistics.median(r[0] for r in theirs) * args.subjects / first
    print(
        json.dumps(
            {
                "preset": args.preset,
                "subjects": args.subjects,
                "days": args.days,
                "workers": args.workers,
                "ours_s": [round(r[0], 2) for r in ours],
                "theirs_s": [round(r[0], 2) for r in theirs],
                "rr_extrapolated": first != args.subjects,
                "ratio_ours_over_theirs": t_ours / t_theirs,
                "ours_peak_mb": max(r[1] for r in ours),
                "theirs_peak_mb": max(r[1] for r in theirs),
                "failed_ours": ours[-1][2],
                "failed_theirs": theirs[-1][2],
                "bands_max_rel_difference": float(np.nanmax(np.abs(bands_ours - bands_theirs) / scale))
                if first == args.subjects
                else None,
                "load_average_1min": os.getloadavg()[0],
                "cpu_count": os.cpu_count(),
                "python": platform.python_version(),
                "machine": platform.machine(),
            }
        )
    )


if __name__ == "__main__":
    main()

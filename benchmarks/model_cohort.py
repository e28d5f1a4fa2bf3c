"""A 1000-subject virtual cohort of the review's rat protocol (``rat-focal-defect-cm``).

Usage: python benchmarks/model_cohort.py [--preset rat-focal-defect-cm] [--subjects 1000] [--workers 2]
       [--scipy-subjects 5]

Times ``secretome.model.cohort`` (libroadrunner engine, --workers processes; 121 output times; seed 0)
end to end, SBML export and worker start-up included, and the scipy engine on the first --scipy-subjects
subjects of the same draws (same tolerances, rtol 1e-6, atol 1e-9), to give seconds per subject for
both. Prints one JSON line. Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from secretome.model import cohort, draw_subjects, preset
from secretome.model._batch import run_batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="rat-focal-defect-cm")
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scipy-subjects", type=int, default=5)
    args = parser.parse_args()

    model = preset(args.preset)
    start = time.perf_counter()
    res = cohort(model, subjects=args.subjects, seed=0, simulator="roadrunner", workers=args.workers)
    t_cohort = time.perf_counter() - start

    draws = {k: v[: args.scipy_subjects] for k, v in draw_subjects(model, args.subjects, seed=0).items()}
    times = np.linspace(0.0, model.t_end, 121)
    start = time.perf_counter()
    run_batch(model, draws, times, simulator="scipy")
    t_scipy = (time.perf_counter() - start) / args.scipy_subjects

    print(
        json.dumps(
            {
                "preset": args.preset,
                "subjects": args.subjects,
                "workers": args.workers,
                "cohort_roadrunner_s": t_cohort,
                "roadrunner_s_per_subject_wall": t_cohort / args.subjects,
                "scipy_s_per_subject": t_scipy,
                "scipy_1000_subjects_estimate_s": 1000 * t_scipy,
                "failed": len(res.failed),
                "cpu_count": os.cpu_count(),
                "load_average_1min": os.getloadavg()[0],
                "python": platform.python_version(),
                "machine": platform.machine(),
            }
        )
    )


if __name__ == "__main__":
    main()

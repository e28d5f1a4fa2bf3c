"""A virtual cohort in this process and on a local Dask cluster of 1 and 2 worker processes.

Usage: python benchmarks/model_cohort_dask.py [--subjects 2000] [--runs 3] [--preset rat-mia]

Each configuration runs --runs times (the cluster's start-up and shutdown included, as a user meets
them); the median and the ratio to the in-process run are printed, and the script fails unless every
configuration gives the same bands bit for bit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

from secretome.model import cohort, preset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--preset", default="rat-mia")
    args = parser.parse_args()
    model = preset(args.preset)
    cohort(model, subjects=64, t_end=7.0)  # compile (or load) the solver once, outside the timings
    configs = {"local (threads)": {}, "processes, 1 worker": {"scheduler": "processes", "workers": 1},
               "processes, 2 workers": {"scheduler": "processes", "workers": 2}}  # fmt: skip
    medians, bands = {}, {}
    for name, options in configs.items():
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            result = cohort(model, subjects=args.subjects, seed=1, **options)
            times.append(time.perf_counter() - start)
        medians[name], bands[name] = statistics.median(times), result.bands
    first = next(iter(bands.values()))
    if not all(np.array_equal(first, b, equal_nan=True) for b in bands.values()):
        raise SystemExit("bands differ between schedulers")
    base = medians["local (threads)"]
    print(json.dumps({"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                      "preset": args.preset, "subjects": args.subjects,
                      "median_s": {k: round(v, 3) for k, v in medians.items()},
                      "ratio_to_local": {k: round(v / base, 2) for k, v in medians.items()}}))  # fmt: skip


if __name__ == "__main__":
    main()

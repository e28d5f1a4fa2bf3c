"""Peak memory of a virtual cohort against its number of subjects, each cohort in a fresh process.

Usage: python benchmarks/model_cohort_memory.py [--subjects 10000 100000] [--preset rat-mia] [--days 120]
       [--workers 2] [--sketch]

For each --subjects, one process runs ``secretome.model.cohort(preset, subjects, seed=0, t_end=days,
workers=workers)`` (the compiled solver in threads, 121 output times) and exits; its wall time and peak
resident set size (``ru_maxrss`` of the child from ``os.wait4``, which Linux reports in kB) are printed as
one JSON line, with a baseline process that imports secretome and loads the preset and its compiled solver
but simulates nothing (``subjects`` 0): the interpreter with numpy, pandas, scipy and numba. The compiled
solver's cache is warmed first, as a user's second run finds it. Run it with ``PYTHONPATH`` pointing at
the source tree to measure (for example a checkout of an older commit, for a before / after comparison).

With --sketch, each process instead feeds --subjects rows of random readouts (121 times x 21 readouts, the
cell shape of rat-mia's cohort) 64 at a time through the quantile sketch alone and takes the bands: the
part of a cohort's memory that still grows with its subjects, measured where a whole cohort takes too long.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

CODE = """
import sys
from secretome.model import cohort, preset
from secretome.model._codegen import compile_model
name, subjects, days, workers = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
model = preset(name)
if subjects:
    res = cohort(model, subjects=subjects, seed=0, t_end=days, workers=workers)
    print(len(res.failed))
else:
    compile_model(model.with_doses(model.doses, t_end=days))
    print(0)
"""

SKETCH = """
import sys
import numpy as np
from secretome.model._sketch import QuantileSketch
n = int(sys.argv[1])
sketch = QuantileSketch((121, 21))
rng = np.random.default_rng(0)
block = rng.lognormal(size=(64, 121, 21))
for start in range(0, n, 64):
    sketch.add(block * rng.uniform(0.5, 2.0, size=(64, 1, 1)))
sketch.quantiles([0.05, 0.25, 0.5, 0.75, 0.95])
print(sketch.rank_error)
"""


def _run(code: str, *args: object) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB and stdout of ``python -c code args`` (a fresh process)."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE, text=True)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"benchmark process failed ({status})")
    return time.perf_counter() - start, usage.ru_maxrss / 1024.0, output.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--preset", default="rat-mia")
    parser.add_argument("--days", type=float, default=120.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sketch", action="store_true")
    args = parser.parse_args()
    if not args.sketch:
        _run(CODE, args.preset, 4, args.days, 1)  # fills the compiled solver's cache
    for subjects in args.subjects if args.sketch else (0, *args.subjects):
        if args.sketch:
            seconds, peak_mb, rank_error = _run(SKETCH, subjects)
            measured = {"sketch_only": True, "subjects": subjects, "rank_error": int(rank_error)}
        else:
            seconds, peak_mb, failed = _run(CODE, args.preset, subjects, args.days, args.workers)
            measured = {"preset": args.preset, "subjects": subjects, "days": args.days, "workers": args.workers,
                        "failed": int(failed)}  # fmt: skip
        print(
            json.dumps(
                {
                    **measured,
                    "wall_s": round(seconds, 1),
                    "peak_rss_mb": round(peak_mb),
                    "load_average_1min": os.getloadavg()[0],
                    "cpu_count": os.cpu_count(),
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()

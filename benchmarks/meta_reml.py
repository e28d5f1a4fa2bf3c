"""REML random-effects fit on k studies: secretome vs metafor on the same data and machine.

Usage: python benchmarks/meta_reml.py [--k 2000] [--runs 5]

Simulates k studies (vi ~ U(0.01, 0.5), yi ~ N(0.3, vi + 0.1), seed 2026), writes them to a
temporary CSV, then times ``rma(yi, vi, method="REML")`` in Rscript and
``secretome.meta.random_effects(yi, vi, method="REML")`` in this process, each as the median
wall time of --runs fits (after one warm-up fit). Data loading and start-up are not timed. The
two estimates must agree (tau^2 to 1e-6 relative) or the benchmark fails. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from secretome.meta import random_effects

R_CODE = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
runs <- as.integer(args[2])
invisible(rma(d$yi, d$vi, method = "REML"))
times <- numeric(runs)
for (i in seq_len(runs)) {
  t0 <- proc.time()[["elapsed"]]
  res <- rma(d$yi, d$vi, method = "REML")
  times[i] <- proc.time()[["elapsed"]] - t0
}
cat(sprintf("%.17g %.17g %.17g %s\n", median(times), res$tau2, res$b, packageDescription("metafor")$Version))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    rng = np.random.default_rng(2026)
    vi = rng.uniform(0.01, 0.5, args.k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.1))
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = Path(tmp) / "data.csv", Path(tmp) / "bench.R"
        # %.17g so that R reads exactly the doubles Python fits.
        csv.write_text("yi,vi\n" + "".join(f"{y:.17g},{v:.17g}\n" for y, v in zip(yi, vi, strict=True)))
        script.write_text(R_CODE)
        out = subprocess.run(
            ["Rscript", str(script), str(csv), str(args.runs)], capture_output=True, text=True, check=True
        ).stdout.split()
    r_seconds, r_tau2, r_estimate, metafor_version = float(out[0]), float(out[1]), float(out[2]), out[3]

    random_effects(yi, vi, method="REML")  # warm-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        res = random_effects(yi, vi, method="REML")
        times.append(time.perf_counter() - start)
    py_seconds = statistics.median(times)
    if not (math.isclose(res.tau2, r_tau2, rel_tol=1e-6) and math.isclose(res.estimate, r_estimate, rel_tol=1e-6)):
        print(
            f"estimates differ: tau2 {res.tau2} vs {r_tau2}, estimate {res.estimate} vs {r_estimate}", file=sys.stderr
        )
        return 1
    print(
        json.dumps(
            {
                "k": args.k,
                "runs": args.runs,
                "metafor": metafor_version,
                "metafor_seconds": r_seconds,
                "secretome_seconds": py_seconds,
                "speedup": r_seconds / py_seconds,
                "tau2": res.tau2,
                "machine": f"{platform.machine()} {platform.python_version()}",
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

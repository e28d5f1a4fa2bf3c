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
import math
import sys

from _sidebyside import median_seconds, report, rscript, simulated_studies

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

    yi, vi, _ = simulated_studies(args.k)
    out, _ = rscript(R_CODE, {"yi": yi, "vi": vi}, args.runs)
    r_seconds, r_tau2, r_estimate, metafor_version = float(out[0]), float(out[1]), float(out[2]), out[3]
    py_seconds, res = median_seconds(lambda _: random_effects(yi, vi, method="REML"), args.runs)
    if not (math.isclose(res.tau2, r_tau2, rel_tol=1e-6) and math.isclose(res.estimate, r_estimate, rel_tol=1e-6)):
        print(
            f"estimates differ: tau2 {res.tau2} vs {r_tau2}, estimate {res.estimate} vs {r_estimate}", file=sys.stderr
        )
        return 1
    report("reml", r_seconds, py_seconds, metafor_version, k=args.k, runs=args.runs, tau2=res.tau2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""GOSH on k studies (all 2^k - 1 subsets): secretome vs metafor's gosh, for one tau^2 method.

Usage: python benchmarks/meta_gosh.py [--k 16] [--method REML] [--runs 5] [--r-runs 1]

Simulates k studies (vi ~ U(0.01, 0.5), yi ~ N(0.3, vi + 0.1), seed 2026), writes them to a temporary
CSV, then times ``gosh(rma(yi, vi, method = method))`` in Rscript (--r-runs runs: metafor takes minutes
for REML at k = 16, so 1 by default; its DL fast path takes seconds, use 3) and
``secretome.meta.gosh(yi, vi, method=method)`` here (--runs runs), each as the median wall time.
Every subset's estimate, tau^2, I^2, H^2 and Q must agree (1e-6 relative, 1e-8 absolute; a subset
whose refit does not converge must be NA in metafor and NaN here) or the benchmark fails. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
from _sidebyside import median_seconds, report, rscript, simulated_studies

from secretome.meta import gosh

R_CODE = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
method <- args[2]
runs <- as.integer(args[3])
times <- numeric(runs)
for (i in seq_len(runs)) {
  t0 <- proc.time()[["elapsed"]]
  g <- gosh(rma(d$yi, d$vi, method = method), progbar = FALSE)
  times[i] <- proc.time()[["elapsed"]] - t0
}
write.csv(g$res, args[4], row.names = FALSE)
cat(sprintf("%.17g %s\n", median(times), packageDescription("metafor")$Version))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--method", default="REML")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--r-runs", type=int, default=1)
    args = parser.parse_args()

    yi, vi, _ = simulated_studies(args.k)
    out, theirs = rscript(R_CODE, {"yi": yi, "vi": vi}, args.method, args.r_runs, result_csv=True)
    r_seconds, metafor_version = float(out[0]), out[1]

    warnings.simplefilter("ignore")  # non-converged subsets are compared below, not reported twice
    py_seconds, res = median_seconds(lambda _: gosh(yi, vi, method=args.method), args.runs)
    worst = {}
    for ours, col in (("estimate", "estimate"), ("tau2", "tau2"), ("I2", "I2"), ("H2", "H2"), ("Q", "QE")):
        a, b = getattr(res, ours), theirs[col]
        # Subsets whose refit does not converge are NA in metafor and NaN here: they must be the same subsets.
        if not np.allclose(a, b, rtol=1e-6, atol=1e-8, equal_nan=True):
            print(f"{ours} differs: max |diff| {np.nanmax(np.abs(a - b))}", file=sys.stderr)
            return 1
        worst[ours] = float(np.nanmax(np.abs(a - b)))
    report(
        "gosh",
        r_seconds,
        py_seconds,
        metafor_version,
        k=args.k,
        method=args.method,
        fits=int(res.incl.shape[0]),
        failed_fits_both=int(res.failed),
        runs=args.runs,
        r_runs=args.r_runs,
        max_abs_diff=worst,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

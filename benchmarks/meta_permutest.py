"""Permutation test of a meta-regression (k studies, 2 moderators): secretome vs metafor's permutest.

Usage: python benchmarks/meta_permutest.py [--k 200] [--iter 1000] [--runs 5] [--r-runs 1]

Simulates k studies (vi ~ U(0.01, 0.5), two moderators x1, x2 ~ N(0, 1), yi ~ N(0.3 + 0.1 x1, vi + 0.1),
seed 2026), writes them to a temporary CSV, then times ``permutest(rma(yi, vi, mods = ~ x1 + x2), iter)``
in Rscript (--r-runs runs; metafor takes over a minute per run at k = 200, so 1 by default) and
``secretome.meta.permutation_test(yi, vi, mods, iter=iter)`` here (--runs runs), each as the median wall
time. Model fitting of the observed data is timed on both sides; start-up and loading are not. The
observed QM must agree to 1e-6, and the permutation p-values (different random permutations on each
side) within 4.5 binomial standard errors, or the benchmark fails. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import math
import sys

from _sidebyside import median_seconds, report, rscript, simulated_studies

from secretome.meta import permutation_test

R_CODE = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
iter <- as.integer(args[2])
runs <- as.integer(args[3])
times <- numeric(runs)
for (i in seq_len(runs)) {
  t0 <- proc.time()[["elapsed"]]
  res <- rma(yi, vi, mods = ~ x1 + x2, data = d, method = "REML")
  pt <- permutest(res, iter = iter, progbar = FALSE)
  times[i] <- proc.time()[["elapsed"]] - t0
}
cat(sprintf("%.17g %.17g %.17g %.17g %.17g %s\n", median(times), res$QM, pt$QMp, pt$pval[2], pt$pval[3],
            packageDescription("metafor")$Version))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=200)
    parser.add_argument("--iter", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--r-runs", type=int, default=1)
    args = parser.parse_args()

    yi, vi, x = simulated_studies(args.k, moderators=2)
    out, _ = rscript(R_CODE, {"yi": yi, "vi": vi, "x1": x[:, 0], "x2": x[:, 1]}, args.iter, args.r_runs)
    r_seconds, r_qm = float(out[0]), float(out[1])
    r_pvals = [float(out[2]), float(out[3]), float(out[4])]
    metafor_version = out[5]

    py_seconds, res = median_seconds(lambda run: permutation_test(yi, vi, x, iter=args.iter, seed=run), args.runs)
    ours = [res.QM_pval, res.pval[1], res.pval[2]]
    n = args.iter
    pairs = zip(ours, r_pvals, strict=True)
    close = all(abs(a - b) <= 4.5 * math.sqrt(max(b * (1 - b), 1 / n) / n) + 2 / n for a, b in pairs)
    if not (math.isclose(res.QM, r_qm, rel_tol=1e-6) and close):
        print(f"results differ: QM {res.QM} vs {r_qm}; p-values {ours} vs {r_pvals}", file=sys.stderr)
        return 1
    report(
        "permutest",
        r_seconds,
        py_seconds,
        metafor_version,
        k=args.k,
        iter=args.iter,
        runs=args.runs,
        r_runs=args.r_runs,
        QM=res.QM,
        pvals_ours=ours,
        pvals_metafor=r_pvals,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

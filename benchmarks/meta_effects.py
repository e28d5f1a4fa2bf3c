"""escalc (SMD from means and t statistics) and Mantel-Haenszel pooling: secretome vs metafor on the same data.

Usage: python benchmarks/meta_effects.py [--k 20000] [--runs 5]

Simulates k two-group studies (n ~ U{5..40} per group, means N(10, 1) and N(9.5, 1), SDs U(1, 3), every
third row given as a t statistic instead of means; seed 2026) and k sparse 2x2 tables (events ~ Poisson
with n ~ U{20..200}), then times ``escalc("SMD", ...)`` and ``rma.mh(measure="OR")`` in Rscript against
``secretome.meta.escalc`` and ``mantel_haenszel`` here, each as the median of --runs runs after a warm-up.
The results must agree (1e-6 relative) or the benchmark fails. Prints one JSON line per case.
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
from _sidebyside import SEED, median_seconds, report, rscript

from secretome.meta import escalc, mantel_haenszel

R_CODE = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
runs <- as.integer(args[2])
d$ti[is.nan(d$ti)] <- NA
for (col in c("m1i", "m2i", "sd1i", "sd2i")) d[[col]][!is.na(d$ti)] <- NA
time_it <- function(f) {
  invisible(f())
  times <- numeric(runs)
  for (i in seq_len(runs)) {
    t0 <- proc.time()[["elapsed"]]
    res <- f()
    times[i] <- proc.time()[["elapsed"]] - t0
  }
  list(seconds = median(times), res = res)
}
es <- time_it(function() escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                                ti = ti, data = d))
mh <- suppressWarnings(time_it(function() rma.mh(measure = "OR", ai = ai, n1i = t1, ci = ci, n2i = t2, data = d)))
cat(sprintf("%.17g %.17g %.17g %.17g %.17g %s\n", es$seconds, sum(es$res$yi), mh$seconds, mh$res$beta, mh$res$se,
            packageDescription("metafor")$Version))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    rng = np.random.default_rng(SEED)
    k = args.k
    n1, n2 = rng.integers(5, 41, k).astype(float), rng.integers(5, 41, k).astype(float)
    data = {"n1i": n1, "n2i": n2, "m1i": rng.normal(10, 1, k), "m2i": rng.normal(9.5, 1, k)}
    data |= {"sd1i": rng.uniform(1, 3, k), "sd2i": rng.uniform(1, 3, k)}
    data["ti"] = np.where(np.arange(k) % 3 == 0, rng.normal(1.0, 1.0, k), np.nan)
    t1, t2 = rng.integers(20, 201, k).astype(float), rng.integers(20, 201, k).astype(float)
    data |= {"t1": t1, "t2": t2, "ai": rng.poisson(0.02 * t1).astype(float), "ci": rng.poisson(0.03 * t2).astype(float)}
    out, _ = rscript(R_CODE, data, args.runs)
    r_es, r_sum, r_mh, r_beta, r_se, version = (*map(float, out[:5]), out[5])

    # Rows without events in both groups are NA in yi/vi, with a warning each run, as in metafor (silenced there).
    warnings.simplefilter("ignore")
    means = {name: np.where(np.isnan(data["ti"]), data[name], np.nan) for name in ("m1i", "m2i", "sd1i", "sd2i")}
    py_es, es = median_seconds(lambda _: escalc("SMD", ti=data["ti"], n1i=n1, n2i=n2, **means), args.runs)
    py_mh, mh = median_seconds(lambda _: mantel_haenszel("OR", ai=data["ai"], n1i=t1, ci=data["ci"], n2i=t2), args.runs)
    if not (np.isclose(np.nansum(es.yi), r_sum, rtol=1e-6) and np.isclose(mh.estimate, r_beta, rtol=1e-6)):
        print(f"results differ: sum(yi) {np.nansum(es.yi)} vs {r_sum}, beta {mh.estimate} vs {r_beta}", file=sys.stderr)
        return 1
    report("escalc-SMD-means-and-t", r_es, py_es, version, k=k, runs=args.runs)
    report("rma.mh-OR", r_mh, py_mh, version, k=k, runs=args.runs, se_rel_diff=abs(mh.se - r_se) / r_se)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Three-level REML fit (effect sizes in studies): secretome vs metafor's rma.mv on the same data and machine.

Usage: python benchmarks/meta_multilevel.py [--studies 100] [--per-study 3] [--runs 5] [--r-runs 3]

Simulates --studies studies with --per-study effect sizes each (vi ~ U(0.01, 0.5), study effects
N(0, 0.1), effect-size effects N(0, 0.05), mean 0.3; seed 2026), writes them to a temporary CSV,
then times ``rma.mv(yi, vi, random = ~ 1 | study/es)`` in Rscript and
``secretome.meta.multilevel(yi, vi, study, es)`` in this process, each as the median wall time of
several fits (after one warm-up fit). Both sigma^2 and the estimate must agree to 1e-4 relative
(both are optimiser results) or the benchmark fails. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
from _sidebyside import SEED, median_seconds, report, rscript

from secretome.meta import multilevel

R_CODE = r"""
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
runs <- as.integer(args[2])
invisible(rma.mv(yi, vi, random = ~ 1 | study/es, data = d))
times <- numeric(runs)
for (i in seq_len(runs)) {
  t0 <- proc.time()[["elapsed"]]
  res <- rma.mv(yi, vi, random = ~ 1 | study/es, data = d)
  times[i] <- proc.time()[["elapsed"]] - t0
}
cat(sprintf("%.17g %.17g %.17g %.17g %s\n", median(times), res$sigma2[1], res$sigma2[2], res$b,
            packageDescription("metafor")$Version))
"""


def simulated_three_level(studies: int, per_study: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SEED)
    k = studies * per_study
    study = np.repeat(np.arange(1, studies + 1), per_study).astype(float)
    es = np.tile(np.arange(1, per_study + 1), studies).astype(float)
    vi = rng.uniform(0.01, 0.5, k)
    u = np.repeat(rng.normal(0, math.sqrt(0.1), studies), per_study)
    yi = 0.3 + u + rng.normal(0, math.sqrt(0.05), k) + rng.normal(0, np.sqrt(vi))
    return {"yi": yi, "vi": vi, "study": study, "es": es}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=100)
    parser.add_argument("--per-study", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--r-runs", type=int, default=3)
    args = parser.parse_args()

    data = simulated_three_level(args.studies, args.per_study)
    out, _ = rscript(R_CODE, data, args.r_runs)
    r_seconds, metafor_version = float(out[0]), out[4]
    r_values = [float(v) for v in out[1:4]]

    def fit(_: int) -> object:
        return multilevel(data["yi"], data["vi"], data["study"], data["es"])

    py_seconds, res = median_seconds(fit, args.runs)
    ours = [*res.sigma2, res.estimate]
    if not all(math.isclose(a, b, rel_tol=1e-4) for a, b in zip(ours, r_values, strict=True)):
        print(f"fits differ: sigma2, estimate {ours} vs metafor {r_values}", file=sys.stderr)
        return 1
    report(
        "multilevel",
        r_seconds,
        py_seconds,
        metafor_version,
        k=len(data["yi"]),
        studies=args.studies,
        runs=args.runs,
        sigma2=list(res.sigma2),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env Rscript
# Reference fixtures for the warning of metafor's vcalc (Viechtbauer 2010, doi:10.18637/jss.v036.i03) when the
# correlation matrix of a cluster is not positive definite. metafor 3.8-1 (checkpd = TRUE, nearpd = FALSE) warns "The
# var-cov matrix appears to be not positive definite in cluster C." once per cluster, in the order the clusters first
# appear, when an eigenvalue of that cluster's correlation matrix is <= .Machine$double.eps; with subgroup the cluster
# is paste0(cluster, ".", subgroup). The data: seven constructed effect sizes in four clusters (one of a single row),
# with correlations of 1 (no obs or type; rho = 1; phi = 1), an indefinite obs/type pattern, positive definite ones
# (rho 0.999, 0.5; phi 0.8) and subgroups. Each case records V and the warnings.
#
# Usage: Rscript tools/metafor_reference_vcalc_pd.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes vcalc_pd.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

d <- data.frame(
  vi = c(0.010, 0.020, 0.030, 0.040, 0.050, 0.060, 0.070),
  cluster = c("A", "A", "A", "B", "B", "C", "D"),
  obs = c(1, 2, 1, 1, 2, 1, 1),
  type = c("x", "x", "y", "x", "y", "x", "x"),
  time = c(1, 2, 3, 1, 2, 1, 1),
  sub = c("p", "p", "q", "p", "p", "p", "p")
)

cases <- list()
add <- function(id, out, args) {
  record <- c(list(id = id, vi = narr(d$vi), cluster = arr(d$cluster)), args)
  if (inherits(out$res, "error")) record$error <- conditionMessage(out$res)
  else record$V <- narr(as.vector(out$res))
  record$warnings <- arr(out$warnings)
  cases[[length(cases) + 1]] <<- record
}
obs <- arr(d$obs)
add("none", attempt(vcalc(vi, cluster = cluster, data = d)), list())
add("obs-rho-1", attempt(vcalc(vi, cluster = cluster, obs = obs, rho = 1, data = d)), list(obs = obs, rho = 1))
add("obs-rho-0.999", attempt(vcalc(vi, cluster = cluster, obs = obs, rho = 0.999, data = d)),
    list(obs = obs, rho = 0.999))
add("obs-type-indefinite", attempt(vcalc(vi, cluster = cluster, obs = obs, type = type, rho = c(0.1, 0.9), data = d)),
    list(obs = obs, type = arr(d$type), rho = arr(c(0.1, 0.9))))
add("obs-type-definite", attempt(vcalc(vi, cluster = cluster, obs = obs, type = type, rho = c(0.5, 0.3), data = d)),
    list(obs = obs, type = arr(d$type), rho = arr(c(0.5, 0.3))))
add("time-phi-1", attempt(vcalc(vi, cluster = cluster, time1 = time, phi = 1, data = d)),
    list(time1 = narr(d$time), phi = 1))
add("time-phi-0.8", attempt(vcalc(vi, cluster = cluster, time1 = time, phi = 0.8, data = d)),
    list(time1 = narr(d$time), phi = 0.8))
add("subgroup", attempt(vcalc(vi, cluster = cluster, subgroup = sub, data = d)), list(subgroup = arr(d$sub)))

write_cases("vcalc_pd.json", cases)

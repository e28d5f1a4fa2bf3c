#!/usr/bin/env Rscript
# Reference fixtures for metafor's vcalc() check that each cluster's correlation matrix is positive definite
# (checkpd = TRUE, its default). metafor 3.8-1 warns once per cluster, in the clusters' order of appearance, "The
# var-cov matrix appears to be not positive definite in cluster <cluster>." when an eigenvalue of that cluster's
# correlation block R is <= .Machine$double.eps; the block is the whole cluster's, subgroups included, and the
# cluster is named as R prints it. The data: ten constructed rows in four clusters (one of a single row), with
# integer, text and non-integer cluster labels; each case records V and the warnings.
#
# Usage: Rscript tools/metafor_reference_vcalc_checkpd.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes vcalc_checkpd.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

mat <- function(m) lapply(seq_len(nrow(m)), function(i) narr(m[i, ]))

d <- data.frame(
  vi = c(0.04, 0.09, 0.01, 0.0625, 0.16, 0.25, 0.02, 0.05, 0.03, 0.07),
  cid = c(3, 3, 3, 1, 1, 7, 2, 2, 2, 2),
  ctext = c("c", "c", "c", "a", "a", "z", "b", "b", "b", "b"),
  cfrac = c(2.5, 2.5, 2.5, 0.1, 0.1, 7, 1.25, 1.25, 1.25, 1.25),
  obs = c(1, 2, 3, 1, 2, 1, 1, 2, 3, 4),
  type = c("x", "x", "y", "x", "y", "x", "x", "x", "y", "y"),
  sub = c("g", "g", "h", "g", "g", "g", "g", "h", "g", "h"),
  time = c(1, 2, 3, 1, 2, 1, 1, 2, 3, 4)
)

specs <- list(
  list(id = "none", cluster = "cid", args = list()),
  list(id = "none-text", cluster = "ctext", args = list()),
  list(id = "none-fraction", cluster = "cfrac", args = list()),
  list(id = "obs", cluster = "cid", args = list(obs = "obs", rho = 0.6)),
  list(id = "obs-rho1", cluster = "cid", args = list(obs = "obs", rho = 1)),
  list(id = "obs-negative", cluster = "cid", args = list(obs = "obs", rho = -0.6)),
  list(id = "type", cluster = "cid", args = list(type = "type", rho = 0.5)),
  list(id = "obs-type", cluster = "cid", args = list(obs = "obs", type = "type", rho = c(0.7, 0.3))),
  list(id = "subgroup", cluster = "cid", args = list(subgroup = "sub")),
  list(id = "subgroup-obs", cluster = "cid", args = list(subgroup = "sub", obs = "obs", rho = 0.6)),
  list(id = "time", cluster = "cid", args = list(time1 = "time", phi = 0.8)),
  list(id = "time-phi1", cluster = "cid", args = list(time1 = "time", phi = 1))
)

cases <- list()
for (spec in specs) {
  call_args <- list(vi = d$vi, cluster = d[[spec$cluster]])
  record <- list(id = spec$id, vi = narr(d$vi),
                 cluster = if (is.character(d[[spec$cluster]])) arr(d[[spec$cluster]]) else narr(d[[spec$cluster]]))
  for (name in names(spec$args)) {
    value <- spec$args[[name]]
    if (name %in% c("rho", "phi")) {
      call_args[[name]] <- value
      record[[name]] <- if (length(value) > 1) narr(value) else value
    } else {
      call_args[[name]] <- d[[value]]
      record[[name]] <- if (is.character(d[[value]])) arr(d[[value]]) else narr(d[[value]])
    }
  }
  out <- attempt(do.call(vcalc, call_args))
  record$V <- mat(out$res)
  record$warnings <- arr(out$warnings)
  cases[[length(cases) + 1]] <- record
}

write_cases("vcalc_checkpd.json", cases)

#!/usr/bin/env Rscript
# Reference fixtures for every classic tau^2 estimator (DL, HE, HS, SJ, ML, REML, PM, EB) on two datasets the other
# fixtures do not use, computed by R's metafor (Viechtbauer 2010, doi:10.18637/jss.v036.i03):
# rma(yi, vi, [mods = ...,] method = ..., test = ...) at metafor's default control (what metafor prints), with and
# without a moderator, with z and Knapp-Hartung tests.
#
# Usage: Rscript tools/metafor_reference_estimators_more.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes estimators_more.json in the layout of estimators.json (tools/metafor_reference_estimators.R): the
# datasets (yi, vi, moderator matrix without the intercept), then one case per fit, and the R, metafor and metadat
# versions that made it. The datasets: dat.damico2009 (log odds ratios, escalc's 0.5 added to the trial with a
# zero cell; moderator: allocation concealment) and dat.anand1999 (log odds ratios, zero cells likewise;
# moderator: publication year).
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

mat <- function(m) lapply(seq_len(nrow(m)), function(i) narr(m[i, ]))

damico <- escalc(measure = "OR", ai = xt, n1i = nt, ci = xc, n2i = nc, data = dat.damico2009)
anand <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.anand1999)
datasets <- list(
  damico2009 = list(yi = as.numeric(damico$yi), vi = as.numeric(damico$vi), mods = cbind(conceal = damico$conceal)),
  anand1999 = list(yi = as.numeric(anand$yi), vi = as.numeric(anand$vi), mods = cbind(year = anand$year))
)

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
for (name in names(datasets)) {
  d <- datasets[[name]]
  add(list(kind = "data", id = paste0("data-", name), yi = narr(d$yi), vi = narr(d$vi), mods = mat(d$mods),
           names = arr(colnames(d$mods))))
}
for (name in names(datasets)) {
  d <- datasets[[name]]
  for (method in c("DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB")) {
    for (mods in c(FALSE, TRUE)) {
      for (test in c("z", "knha")) {
        res <- if (mods) {
          rma(d$yi, d$vi, mods = d$mods, method = method, test = test)
        } else {
          rma(d$yi, d$vi, method = method, test = test)
        }
        add(c(list(
          kind = "rma", id = paste(name, method, if (mods) "mods" else "intercept", test, sep = "-"),
          data = name, with_mods = mods, method = method, test = test
        ), estimator_fields(res)))
      }
    }
  }
}
write_cases("estimators_more.json", cases)

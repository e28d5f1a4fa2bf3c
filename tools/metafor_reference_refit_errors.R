#!/usr/bin/env Rscript
# Reference fixtures for refits that stop inside metafor's cumul, leave1out and influence (Viechtbauer 2010,
# doi:10.18637/jss.v036.i03), which run each refit in try() and give NA for one that errors. A sampling variance of 0
# makes a refit stop where its tau^2 is 0 (the weight 1/0): dat.bcg (log risk ratios) with trial 3, or trial 1, at 0
# for cumul (as given, and by year); and a constructed set of 5 studies, one (study 4) alone heterogeneous and study 2
# with variance 0, so that leaving study 4 out (and the early cumulative steps) gives tau^2 = 0. Each case records
# what metafor gives (values, NA as null, and its warnings) or the error the model on all studies stops with.
#
# Usage: Rscript tools/metafor_reference_refit_errors.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes refit_errors.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
made <- data.frame(yi = c(0.10, 0.12, 0.11, 0.90, 0.09), vi = c(0.01, 0, 0.01, 0.01, 0.02))

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
outcome <- function(out, fields) {
  if (inherits(out$res, "error")) list(error = conditionMessage(out$res), warnings = arr(out$warnings))
  else c(fields(out$res), list(warnings = arr(out$warnings)))
}
sequence_fields <- function(r) list(
  estimate = narr(r$estimate), se = narr(r$se), zval = narr(if (is.null(r$zval)) r$tval else r$zval),
  pval = narr(r$pval), ci_lb = narr(r$ci.lb), ci_ub = narr(r$ci.ub), Q = narr(r$Q), Q_pval = narr(r$Qp),
  tau2 = narr(if (is.null(r$tau2)) rep(0, length(r$estimate)) else r$tau2), I2 = narr(r$I2), H2 = narr(r$H2))
influence_fields <- function(r) list(
  rstudent = narr(r$inf$rstudent), dffits = narr(r$inf$dffits), cook_d = narr(r$inf$cook.d),
  cov_r = narr(r$inf$cov.r), tau2_del = narr(r$inf$tau2.del), QE_del = narr(r$inf$QE.del),
  hat = narr(r$inf$hat), weight = narr(r$inf$weight), dfbetas = narr(r$dfbs$intrcpt))
# The model on all studies, then what each analysis of it gives.
analyses <- function(d, method, test, which, order = NULL) {
  full <- attempt(rma(yi, vi, data = d, method = method, test = test))
  if (inherits(full$res, "error")) return(list(full = outcome(full, function(r) list())))
  res <- full$res
  out <- list(full = list(warnings = arr(full$warnings)))
  if ("cumul" %in% which) {
    out$cumul <- outcome(attempt(if (is.null(order)) cumul(res) else cumul(res, order = order)), sequence_fields)
  }
  if ("leave1out" %in% which) out$leave1out <- outcome(attempt(leave1out(res)), sequence_fields)
  if ("influence" %in% which) out$influence <- outcome(attempt(influence(res)), influence_fields)
  out
}

for (zero in c(3, 1)) {
  d <- bcg
  d$vi[zero] <- 0
  for (method in c("REML", "HE", "DL", "FE")) {
    for (test in c("z", "knha")) {
      add(c(list(id = paste("bcg", zero, method, test, sep = "-"), data = "bcg", zero = zero, method = method,
                 test = test, yi = narr(d$yi), vi = narr(d$vi)),
            analyses(d, method, test, "cumul")))
    }
  }
  add(c(list(id = paste("bcg", zero, "REML-z-year", sep = "-"), data = "bcg", zero = zero, method = "REML",
             test = "z", order = narr(d$year), yi = narr(d$yi), vi = narr(d$vi)),
        analyses(d, "REML", "z", "cumul", order = d$year)))
}

for (method in c("REML", "ML", "SJ")) {
  for (test in c("z", "knha")) {
    add(c(list(id = paste("made", method, test, sep = "-"), data = "made", method = method, test = test,
               yi = narr(made$yi), vi = narr(made$vi)),
          analyses(made, method, test, c("cumul", "leave1out", "influence"))))
  }
}

write_cases("refit_errors.json", cases)

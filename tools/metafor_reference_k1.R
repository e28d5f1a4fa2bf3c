#!/usr/bin/env Rscript
# Reference fixtures for a model of one study (k = 1) in metafor 3.8-1 (Viechtbauer 2010,
# doi:10.18637/jss.v036.i03): rma() then reports the study itself (tau^2 = 0, Q(df = 0) = 0), predict() gives a
# prediction interval equal to the confidence interval, confint() stops ("Stopped because k = 1."), and a sampling
# variance of 0 stops the fit. The data: the first trial of dat.bcg (log risk ratio) and a constructed study, for
# each estimator and both tests; each case records the fit or metafor's error, and the warnings.
#
# Usage: Rscript tools/metafor_reference_k1.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes k1.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
studies <- list(
  bcg1 = list(yi = as.numeric(bcg$yi[1]), vi = as.numeric(bcg$vi[1])),
  constructed = list(yi = 0.5, vi = 0.04),
  zero = list(yi = 0.5, vi = 0)
)
methods <- c("EE", "FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")

cases <- list()
for (name in names(studies)) {
  s <- studies[[name]]
  for (method in methods) {
    for (test in c("z", "knha")) {
      out <- attempt(rma(s$yi, s$vi, method = method, test = test))
      res <- out$res
      record <- list(id = paste(name, method, test, sep = "-"), yi = s$yi, vi = s$vi, method = method, test = test)
      if (inherits(res, "error")) {
        record$error <- conditionMessage(res)
      } else {
        pred <- predict(res)
        ci <- attempt(confint(res))
        record <- c(record, list(
          estimate = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
          ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), pi_lb = num(pred$pi.lb), pi_ub = num(pred$pi.ub),
          tau2 = num(res$tau2), QE = num(res$QE), QEp = num(res$QEp), I2 = num(res$I2), H2 = num(res$H2),
          confint_error = if (inherits(ci$res, "error")) conditionMessage(ci$res) else NULL))
      }
      record$warnings <- arr(out$warnings)
      cases[[length(cases) + 1]] <- record
    }
  }
}

write_cases("k1.json", cases)

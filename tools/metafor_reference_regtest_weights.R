#!/usr/bin/env Rscript
# Reference fixtures for metafor's regtest of a model fitted with user weights (Viechtbauer 2010,
# doi:10.18637/jss.v036.i03): regtest(res) refits rma.uni with the predictor added and the model's weights
# (x$weights), so the test is a weighted meta-regression. Data: dat.bcg (log risk ratios), weighted by each trial's
# total sample size (tpos + tneg + cpos + cneg); REML and DL with z and knha, FE with z; predictors sei and vi.
#
# Usage: Rscript tools/metafor_reference_regtest_weights.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes regtest_weights.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg$n <- with(bcg, tpos + tneg + cpos + cneg)

cases <- list()
for (method in c("REML", "DL", "FE")) {
  for (test in c("z", "knha")) {
    if (method == "FE" && test == "knha") next  # metafor warns that Knapp-Hartung is not meant for FE
    res <- rma(yi, vi, weights = n, data = bcg, method = method, test = test)
    for (predictor in c("sei", "vi")) {
      r <- regtest(res, predictor = predictor)
      cases[[length(cases) + 1]] <- list(
        id = paste("bcg-weights", method, test, predictor, sep = "-"), method = method, test = test,
        predictor = predictor, yi = narr(bcg$yi), vi = narr(bcg$vi), weights = narr(bcg$n),
        zval = num(r$zval), pval = num(r$pval), df = num(r$dfs), est = num(r$est), ci_lb = num(r$ci.lb),
        ci_ub = num(r$ci.ub),
        # the same test without the weights differs: the weights are used
        zval_unweighted = num(regtest(rma(yi, vi, data = bcg, method = method, test = test),
                                      predictor = predictor)$zval))
    }
  }
}

write_cases("regtest_weights.json", cases)

#!/usr/bin/env Rscript
# Reference fixtures for secretome.meta's egger_test with each of metafor's predictors (regtest's `predictor`:
# sei, vi, ni, ninv, sqrtni, sqrtninv), computed by R's metafor (Viechtbauer 2010, doi:10.18637/jss.v036.i03).
#
# Usage: Rscript tools/metafor_reference_regtest.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes regtest.json: regtest(rma(yi, vi, method=, test=), predictor=) and regtest(..., model = "lm") on
# dat.egger2001 (log odds ratios; ni = n1i + n2i, as escalc records it) and dat.cohen1981 (Fisher's z; ni),
# with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

egger <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.egger2001)
cohen <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.cohen1981)
datasets <- list(egger2001 = egger, cohen1981 = cohen)

cases <- list()
for (data in names(datasets)) {
  d <- datasets[[data]]
  ni <- as.numeric(attr(d$yi, "ni"))
  for (spec in list(list(model = "rma", method = "REML", test = "z"),
                    list(model = "rma", method = "REML", test = "knha"),
                    list(model = "rma", method = "DL", test = "z"),
                    list(model = "rma", method = "FE", test = "z"),
                    list(model = "lm", method = "REML", test = "z"))) {
    res <- rma(as.numeric(d$yi), as.numeric(d$vi), method = spec$method, test = spec$test)
    for (predictor in c("sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv")) {
      rt <- regtest(res, ni = ni, model = spec$model, predictor = predictor)
      cases[[length(cases) + 1]] <- list(
        id = paste(data, spec$model, spec$method, spec$test, predictor, sep = "-"), model = spec$model,
        method = spec$method, test = spec$test, predictor = predictor,
        yi = narr(d$yi), vi = narr(d$vi), ni = narr(ni),
        zval = num(rt$zval), pval = num(rt$pval), df = num(rt$dfs), est = num(rt$est), ci_lb = num(rt$ci.lb),
        ci_ub = num(rt$ci.ub)
      )
    }
  }
}
# A predictor that is constant (equal sample sizes) leaves the model matrix rank-deficient: metafor stops.
equal <- attempt(regtest(rma(c(0.1, 0.5, 0.9, 0.4), c(0.01, 0.04, 0.09, 0.02)), ni = rep(50, 4), predictor = "ninv"))
cases[[length(cases) + 1]] <- list(id = "equal-ni-ninv", predictor = "ninv", yi = narr(c(0.1, 0.5, 0.9, 0.4)),
                                   vi = narr(c(0.01, 0.04, 0.09, 0.02)), ni = narr(rep(50, 4)),
                                   error = conditionMessage(equal$res))
write_cases("regtest.json", cases)

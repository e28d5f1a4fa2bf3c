#!/usr/bin/env Rscript
# Reference fixtures for metafor's regtest of a model with moderators, computed by R's metafor (Viechtbauer 2010,
# doi:10.18637/jss.v036.i03): regtest(rma(yi, vi, mods = ~ x, method = , test = ), model = , predictor = ), where the
# predictor is added to the model's moderators and its coefficient tested (Egger et al. 1997, doi:10.1136/bmj.315.7109.629).
#
# Usage: Rscript tools/metafor_reference_regtest_mods.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes regtest_mods.json: one case per test with its data (yi, vi, ni, the moderator), model, method, test,
# predictor and metafor's zval, pval, dfs (and est, ci.lb, ci.ub, NULL with moderators); one case with the error
# metafor stops with when the predictor is collinear with the moderators; and the R, metafor and metadat versions
# that made it. The data: dat.bcg (log risk ratios, ~ ablat, ni = all four cells) and the 46 studies of
# dat.bangertdrowns2004 whose length is reported (~ length, its ni).
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bd <- dat.bangertdrowns2004[!is.na(dat.bangertdrowns2004$length), ]
datasets <- list(
  bcg = list(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), ni = with(dat.bcg, tpos + tneg + cpos + cneg),
             mod = dat.bcg$ablat, name = "ablat"),
  bangertdrowns2004 = list(yi = bd$yi, vi = bd$vi, ni = bd$ni, mod = bd$length, name = "length")
)

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
for (data in names(datasets)) {
  d <- datasets[[data]]
  for (spec in list(list(model = "rma", method = "REML", test = "z"), list(model = "rma", method = "REML", test = "knha"),
                    list(model = "rma", method = "DL", test = "z"), list(model = "rma", method = "FE", test = "z"),
                    list(model = "lm", method = "REML", test = "z"))) {
    res <- rma(d$yi, d$vi, mods = ~ d$mod, method = spec$method, test = spec$test)
    for (predictor in c("sei", "vi", "ninv")) {
      out <- attempt(regtest(res, ni = d$ni, model = spec$model, predictor = predictor))
      r <- out$res
      add(list(id = paste(data, spec$model, spec$method, spec$test, predictor, sep = "-"), data = data,
               yi = narr(d$yi), vi = narr(d$vi), ni = narr(d$ni), mods = narr(d$mod), name = d$name,
               model = spec$model, method = spec$method, test = spec$test, predictor = predictor,
               zval = num(r$zval), pval = num(r$pval), df = num(r$dfs), est = num(r$est), ci_lb = num(r$ci.lb),
               ci_ub = num(r$ci.ub), warnings = arr(out$warnings)))
    }
  }
}
d <- datasets$bcg
twice_sei <- 2 * sqrt(d$vi)
out <- attempt(regtest(rma(d$yi, d$vi, mods = ~ twice_sei), predictor = "sei"))
add(list(id = "bcg-collinear", yi = narr(d$yi), vi = narr(d$vi), mods = narr(twice_sei), name = "twice_sei",
         error = conditionMessage(out$res)))

write_cases("regtest_mods.json", cases)

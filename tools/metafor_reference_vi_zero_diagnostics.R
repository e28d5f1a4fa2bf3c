#!/usr/bin/env Rscript
# Reference fixtures for the analyses beyond rma.uni when a sampling variance is 0, computed by R's metafor
# (Viechtbauer 2010, doi:10.18637/jss.v036.i03): subgroups (rma per level and rma(mods = ~ factor(group))), leave1out,
# influence, regtest, fsn, gosh and rma.mv. Each records what metafor gives (values, with NA as null, and its warnings)
# or the error it stops with.
#
# Usage: Rscript tools/metafor_reference_vi_zero_diagnostics.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes vi_zero_diagnostics.json with the R, metafor and metadat versions that made it. The data: dat.bcg (log
# risk ratios) with the sampling variance of trial 3 set to 0; its first 6 trials for gosh (all 63 subsets);
# dat.konstantopoulos2011 with the sampling variance of row 5 set to 0 for rma.mv (~ 1 | district/school), and
# set to -0.01 (which rma.mv constrains to 0).
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg$vi[3] <- 0
bcg6 <- bcg[1:6, ]
kon <- dat.konstantopoulos2011
kon$vi[5] <- 0

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
outcome <- function(out, fields) {
  if (inherits(out$res, "error")) list(error = conditionMessage(out$res), warnings = arr(out$warnings))
  else c(fields(out$res), list(warnings = arr(out$warnings)))
}
data_of <- function(d) list(yi = narr(d$yi), vi = narr(d$vi))

for (method in c("REML", "DL")) {
  for (test in c("z", "knha")) {
    id <- paste(method, test, sep = "-")
    levels <- sort(unique(bcg$alloc))
    fits <- lapply(levels, function(lv) attempt(rma(yi, vi, data = bcg, subset = alloc == lv, method = method,
                                                    test = test)))
    between <- attempt(rma(yi, vi, mods = ~ factor(alloc), data = bcg, method = method, test = test))
    add(c(list(kind = "subgroups", id = paste("subgroups", id, sep = "-"), method = method, test = test,
               groups = arr(as.character(bcg$alloc)), levels = arr(levels)), data_of(bcg),
          list(fits = lapply(fits, outcome, function(r) list(estimate = num(r$beta), se = num(r$se), tau2 = num(r$tau2),
                                                             Q = num(r$QE), I2 = num(r$I2))),
               between = outcome(between, function(r) list(QM = num(r$QM), QMp = num(r$QMp))))))
    full <- attempt(rma(yi, vi, data = bcg, method = method, test = test))
    if (inherits(full$res, "error")) {
      add(c(list(kind = "refits", id = paste("refits", id, sep = "-"), method = method, test = test), data_of(bcg),
            list(error = conditionMessage(full$res))))
      next
    }
    res <- full$res
    l1o <- attempt(leave1out(res))
    inf <- attempt(influence(res))
    reg <- lapply(c("sei", "vi"), function(p) attempt(regtest(res, predictor = p)))
    add(c(list(kind = "refits", id = paste("refits", id, sep = "-"), method = method, test = test), data_of(bcg),
          list(leave1out = outcome(l1o, function(r) list(
                 estimate = narr(r$estimate), se = narr(r$se), zval = narr(r$zval), pval = narr(r$pval),
                 ci_lb = narr(r$ci.lb), ci_ub = narr(r$ci.ub), Q = narr(r$Q), Q_pval = narr(r$Qp),
                 tau2 = narr(r$tau2), I2 = narr(r$I2), H2 = narr(r$H2))),
               influence = outcome(inf, function(r) list(
                 rstudent = narr(r$inf$rstudent), dffits = narr(r$inf$dffits), cook_d = narr(r$inf$cook.d),
                 cov_r = narr(r$inf$cov.r), tau2_del = narr(r$inf$tau2.del), QE_del = narr(r$inf$QE.del),
                 hat = narr(r$inf$hat), weight = narr(r$inf$weight), dfbetas = narr(r$dfbs$intrcpt),
                 influential = arr(as.logical(r$is.infl)))),
               regtest = lapply(reg, outcome, function(r) list(
                 predictor = r$predictor, zval = num(r$zval), pval = num(r$pval), df = num(r$dfs), est = num(r$est),
                 ci_lb = num(r$ci.lb), ci_ub = num(r$ci.ub))))))
  }
}

add(c(list(kind = "regtest_lm", id = "regtest-lm"), data_of(bcg),
      outcome(attempt(regtest(bcg$yi, bcg$vi, model = "lm")), function(r) list(zval = num(r$zval)))))

for (type in c("Rosenthal", "Orwin", "Rosenberg")) {
  add(c(list(kind = "fsn", id = paste("fsn", type, sep = "-"), type = type), data_of(bcg),
        outcome(attempt(fsn(bcg$yi, bcg$vi, type = type)), function(r) list(
          fsnum = num(r$fsnum), fsnum_infinite = is.infinite(r$fsnum), pval = num(r$pval), meanes = num(r$meanes), target = num(r$target)))))
}

for (method in c("REML", "FE")) {
  full <- attempt(rma(yi, vi, data = bcg6, method = method))
  add(c(list(kind = "gosh", id = paste("gosh", method, sep = "-"), method = method), data_of(bcg6),
        outcome(if (inherits(full$res, "error")) full else attempt(gosh(full$res, progbar = FALSE)), function(g) list(
          incl = lapply(seq_len(nrow(g$incl)), function(i) arr(as.integer(g$incl[i, ]))),
          k = arr(as.integer(g$res$k)), QE = narr(g$res$QE), I2 = narr(g$res$I2), H2 = narr(g$res$H2),
          tau2 = narr(g$res$tau2), estimate = narr(g$res$estimate)))))
}

for (method in c("REML", "ML")) {
  out <- attempt(rma.mv(yi, vi, random = ~ 1 | district/school, data = kon, method = method))
  add(c(list(kind = "multilevel", id = paste("multilevel", method, sep = "-"), method = method,
             study = arr(as.character(kon$district))), data_of(kon),
        outcome(out, function(r) list(sigma2 = narr(r$sigma2), beta = narr(r$beta), se = narr(r$se), QE = num(r$QE),
                                      logLik = num(logLik(r))))))
}
# rma.mv with row 5's sampling variance negative: set to 0, with its warning, and fitted as above.
kon_negative <- kon
kon_negative$vi[5] <- -0.01
out <- attempt(rma.mv(yi, vi, random = ~ 1 | district/school, data = kon_negative, method = "REML"))
add(c(list(kind = "multilevel", id = "multilevel-negative-REML", method = "REML",
           study = arr(as.character(kon$district))), data_of(kon_negative),
      outcome(out, function(r) list(sigma2 = narr(r$sigma2), beta = narr(r$beta), se = narr(r$se), QE = num(r$QE),
                                    logLik = num(logLik(r))))))

write_cases("vi_zero_diagnostics.json", cases)

#!/usr/bin/env Rscript
# Reference fixtures for secretome.meta's influence diagnostics, cumulative meta-analysis, small-study effects
# and separate-tau^2 subgroup analysis, computed by R's metafor (Viechtbauer 2010, doi:10.18637/jss.v036.i03).
#
# Usage: Rscript tools/metafor_reference_bias.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes influence.json (influence.rma.uni), cumulative.json (cumul.rma.uni), bias.json (ranktest, trimfill, regtest),
# ranktest_degenerate.json (ranktest where tau is undefined) and subgroups_separate.json (one rma per subgroup, then
# rma(estimates, sei = ses, method = "FE")$QE as the metafor FAQ describes), each with the R, metafor and metadat
# versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed files.

# metafor, metadat, the output folder (`outdir`, from the first argument), `versions` and the JSON
# writer are shared with the other reference scripts.
script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))


bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
normand <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                  data = dat.normand1999)
hack <- dat.hackshaw1998
datasets <- list(
  bcg = list(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), year = dat.bcg$year),
  normand1999 = list(yi = as.numeric(normand$yi), vi = as.numeric(normand$vi), year = NULL),
  hackshaw1998 = list(yi = as.numeric(hack$yi), vi = as.numeric(hack$vi), year = hack$year)
)

# ---- influence(): externally standardised residuals, DFFITS, Cook's D, COVRATIO, ... ------------

infl_cases <- list()
for (spec in list(list(data = "bcg", method = "REML", test = "z"), list(data = "bcg", method = "DL", test = "z"),
                  list(data = "bcg", method = "FE", test = "z"), list(data = "bcg", method = "REML", test = "knha"),
                  list(data = "normand1999", method = "REML", test = "z"))) {
  d <- datasets[[spec$data]]
  res <- rma(d$yi, d$vi, method = spec$method, test = spec$test)
  inf <- influence(res)
  infl_cases[[length(infl_cases) + 1]] <- list(
    id = paste(spec$data, spec$method, spec$test, sep = "-"), method = spec$method, test = spec$test,
    yi = arr(d$yi), vi = arr(d$vi),
    rstudent = narr(inf$inf$rstudent), dffits = narr(inf$inf$dffits), cook_d = narr(inf$inf$cook.d),
    cov_r = narr(inf$inf$cov.r), tau2_del = narr(inf$inf$tau2.del), QE_del = narr(inf$inf$QE.del),
    hat = narr(inf$inf$hat), weight = narr(inf$inf$weight), dfbetas = narr(inf$dfbs$intrcpt),
    influential = arr(as.logical(inf$is.infl))
  )
}
# k = 2: each deletion leaves one study, reported as itself (tau^2 = 0), as metafor's influence does.
two <- list(yi = c(0.1, 0.5), vi = c(0.01, 0.02))
inf <- influence(rma(two$yi, two$vi, method = "REML"))
infl_cases[[length(infl_cases) + 1]] <- list(
  id = "two-studies-REML-z", method = "REML", test = "z", yi = arr(two$yi), vi = arr(two$vi),
  rstudent = narr(inf$inf$rstudent), dffits = narr(inf$inf$dffits), cook_d = narr(inf$inf$cook.d),
  cov_r = narr(inf$inf$cov.r), tau2_del = narr(inf$inf$tau2.del), QE_del = narr(inf$inf$QE.del),
  hat = narr(inf$inf$hat), weight = narr(inf$inf$weight), dfbetas = narr(inf$dfbs$intrcpt),
  influential = arr(as.logical(inf$is.infl))
)
write_cases("influence.json", infl_cases)

# ---- cumul(): the model refitted on the first 1, 2, ..., k studies ------------------------------

cumul_fields <- function(cu) {
  list(estimate = narr(cu$estimate), se = narr(cu$se), zval = narr(if (is.null(cu$zval)) cu$tval else cu$zval),
       pval = narr(cu$pvals), ci_lb = narr(cu$ci.lb), ci_ub = narr(cu$ci.ub), Q = narr(cu$Q), Q_pval = narr(cu$Qp),
       tau2 = if (is.null(cu$tau2)) NULL else narr(cu$tau2), I2 = narr(cu$I2), H2 = narr(cu$H2))
}
cumul_cases <- list()
for (spec in list(list(data = "bcg", method = "REML", test = "z", order = FALSE),
                  list(data = "bcg", method = "DL", test = "z", order = FALSE),
                  list(data = "bcg", method = "FE", test = "z", order = FALSE),
                  list(data = "bcg", method = "REML", test = "knha", order = FALSE),
                  list(data = "bcg", method = "REML", test = "z", order = TRUE))) {
  d <- datasets[[spec$data]]
  res <- rma(d$yi, d$vi, method = spec$method, test = spec$test)
  cu <- if (spec$order) cumul(res, order = d$year) else cumul(res)
  case <- list(id = paste(spec$data, spec$method, spec$test, if (spec$order) "by-year" else "as-given", sep = "-"),
               method = spec$method, test = spec$test, yi = arr(d$yi), vi = arr(d$vi),
               order = if (spec$order) narr(d$year) else NULL)
  cumul_cases[[length(cumul_cases) + 1]] <- c(case, cumul_fields(cu))
}
# A refit that does not converge is an NA row with a warning: dat.nielweise2007 (log odds ratios) under
# REML, whose cumulative fits of the first 7, 8 and 12 trials do not converge.
niel <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.nielweise2007)
cu <- suppressWarnings(cumul(rma(niel$yi, niel$vi, method = "REML")))
cumul_cases[[length(cumul_cases) + 1]] <- c(
  list(id = "nielweise2007-REML-z-refits-fail", method = "REML", test = "z", yi = narr(niel$yi), vi = narr(niel$vi),
       order = NULL),
  cumul_fields(cu)
)
write_cases("cumulative.json", cumul_cases)

# ---- ranktest() and trimfill(): small-study effects ------------------------------------------------

# Tied variances (ranktest's normal approximation); effects chosen so that no two centred effects tie in
# absolute value, where trimfill's ranks would depend on the last bit of the estimate.
ties <- list(yi = c(0.12, 0.31, 0.2, 0.52, 0.43, 0.9, 0.61), vi = c(0.01, 0.02, 0.02, 0.04, 0.04, 0.08, 0.05))
bias_cases <- list()
for (spec in list(list(data = "bcg", method = "REML", test = "z"), list(data = "bcg", method = "DL", test = "z"),
                  list(data = "bcg", method = "FE", test = "z"), list(data = "bcg", method = "REML", test = "knha"),
                  list(data = "hackshaw1998", method = "REML", test = "z"),
                  list(data = "hackshaw1998", method = "DL", test = "z"),
                  list(data = "hackshaw1998", method = "FE", test = "z"),
                  list(data = "ties", method = "REML", test = "z"),
                  # PM and SJ (every tau^2 estimator is accepted), with Egger's regtest of the same model too.
                  list(data = "bcg", method = "PM", test = "z", regtest = TRUE),
                  list(data = "bcg", method = "SJ", test = "z", regtest = TRUE),
                  list(data = "bcg", method = "PM", test = "knha", regtest = TRUE),
                  list(data = "hackshaw1998", method = "PM", test = "z", regtest = TRUE),
                  list(data = "hackshaw1998", method = "SJ", test = "z", regtest = TRUE),
                  list(data = "hackshaw1998", method = "SJ", test = "knha", regtest = TRUE))) {
  d <- if (spec$data == "ties") ties else datasets[[spec$data]]
  # PM's uniroot to 1e-12, as in metafor_reference.R; regtest and trimfill pass it on to their refits.
  control <- if (spec$method == "PM") list(tol = 1e-12) else list()
  res <- rma(d$yi, d$vi, method = spec$method, test = spec$test, control = control)
  rt <- suppressWarnings(ranktest(res))
  case <- list(id = paste(spec$data, spec$method, spec$test, sep = "-"), method = spec$method, test = spec$test,
               yi = arr(d$yi), vi = arr(d$vi), ranktest = list(tau = num(rt$tau), pval = num(rt$pval)))
  if (isTRUE(spec$regtest)) {
    eg <- regtest(res)
    case$regtest <- list(zval = num(eg$zval), pval = num(eg$pval), df = num(eg$dfs), est = num(eg$est),
                         ci_lb = num(eg$ci.lb), ci_ub = num(eg$ci.ub))
  }
  for (estimator in c("L0", "R0")) {
    for (side in c("auto", "left", "right")) {
      tf <- if (side == "auto") {
        trimfill(res, estimator = estimator, control = control)
      } else {
        trimfill(res, estimator = estimator, side = side, control = control)
      }
      case[[paste("trimfill", estimator, side, sep = "_")]] <- list(
        k0 = as.integer(tf$k0), se_k0 = num(tf$se.k0), side = tf$side, p_k0 = num(tf$p.k0),
        estimate = num(tf$b), se = num(tf$se), zval = num(tf$zval), pval = num(tf$pval), ci_lb = num(tf$ci.lb),
        ci_ub = num(tf$ci.ub), tau2 = num(tf$tau2), test = tf$test, yi = narr(tf$yi), vi = narr(tf$vi),
        fill = arr(as.logical(tf$fill))
      )
    }
  }
  bias_cases[[length(bias_cases) + 1]] <- case
}
write_cases("bias.json", bias_cases)

# ranktest() where Kendall's tau is undefined (identical effects, or identical variances): NA with
# R's warning "the standard deviation is zero", not a number from rounding noise.
degenerate <- list()
for (spec in list(list(id = "equal-effects-k4", yi = rep(0.3, 4), vi = c(0.01, 0.02, 0.03, 0.04)),
                  list(id = "equal-effects-k5", yi = rep(0.3, 5), vi = c(0.01, 0.02, 0.03, 0.04, 0.05)),
                  list(id = "equal-variances-k5", yi = c(0.1, 0.5, 0.9, 0.4, 0.3), vi = rep(0.02, 5)))) {
  rt <- suppressWarnings(ranktest(rma(spec$yi, spec$vi)))
  degenerate[[length(degenerate) + 1]] <- list(id = spec$id, yi = narr(spec$yi), vi = narr(spec$vi),
                                               tau = num(rt$tau), pval = num(rt$pval))
}
write_cases("ranktest_degenerate.json", degenerate)

# ---- subgroups with separate tau^2: Q-between across the subgroup estimates (metafor FAQ, RevMan) ----------

sep_cases <- list()
groupings <- list(list(data = "bcg", group = as.character(dat.bcg$alloc)),
                  list(data = "hackshaw1998", group = as.character(hack$design)))
for (g in groupings) {
  d <- datasets[[g$data]]
  for (method in c("REML", "DL", "FE")) {
    for (test in c("z", "knha")) {
      levels <- sort(unique(g$group))
      fits <- lapply(levels, function(level) {
        suppressWarnings(rma(d$yi, d$vi, subset = g$group == level, method = method, test = test))
      })
      est <- sapply(fits, function(f) as.numeric(f$b))
      ses <- sapply(fits, function(f) f$se)
      between <- rma(yi = est, sei = ses, method = "FE")
      sep_cases[[length(sep_cases) + 1]] <- list(
        id = paste(g$data, method, test, sep = "-"), method = method, test = test,
        yi = arr(d$yi), vi = arr(d$vi), group = arr(g$group), levels = arr(levels),
        estimate = narr(est), se = narr(ses), tau2 = narr(sapply(fits, function(f) f$tau2)),
        Q_between = num(between$QE), Q_between_df = as.integer(length(levels) - 1), Q_between_pval = num(between$QEp)
      )
    }
  }
}
write_cases("subgroups_separate.json", sep_cases)

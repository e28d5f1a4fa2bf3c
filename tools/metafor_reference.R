#!/usr/bin/env Rscript
# Reference fixtures for secretome.meta, computed by R's metafor (Viechtbauer 2010, doi:10.18637/jss.v036.i03).
#
# Usage: Rscript tools/metafor_reference.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes escalc.json, rma_uni.json, rma_mods.json, diagnostics.json (leave1out, regtest), subgroups.json, permutest.json,
# gosh.json, rma_mv.json and plots.json (what forest and funnel draw for models with moderators and rma.mv), each
# with the R, metafor and metadat versions that made it. JSON is written by hand (jsonlite is not a
# dependency): numbers with sprintf("%.17g") so they round-trip exactly; NA, NaN and Inf as null.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the
# committed files.

# metafor, metadat, the output folder (`outdir`, from the first argument), `versions` and the JSON
# writer are shared with the other reference scripts.
script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

# ---- escalc ----------------------------------------------------------------------------------

zero_cells <- data.frame(ai = c(0, 3, 5, 0, 12), bi = c(10, 7, 5, 20, 8), ci = c(3, 0, 4, 0, 6),
                         di = c(7, 10, 6, 20, 14))
es_cases <- list()
add_es <- function(id, measure, inputs) {
  es <- do.call(escalc, c(list(measure = measure), inputs))
  es_cases[[length(es_cases) + 1]] <<- list(
    id = id, measure = measure, inputs = lapply(inputs, arr), yi = arr(as.numeric(es$yi)), vi = arr(as.numeric(es$vi))
  )
}
nd <- dat.normand1999
for (m in c("MD", "SMD", "SMDH", "ROM")) {
  add_es(paste0("normand1999-", m), m, list(m1i = nd$m1i, sd1i = nd$sd1i, n1i = nd$n1i,
                                            m2i = nd$m2i, sd2i = nd$sd2i, n2i = nd$n2i))
}
for (m in c("OR", "RR", "RD")) {
  add_es(paste0("bcg-", m), m, list(ai = dat.bcg$tpos, bi = dat.bcg$tneg, ci = dat.bcg$cpos, di = dat.bcg$cneg))
  add_es(paste0("zero-cells-", m), m, as.list(zero_cells))
}
add_es("molloy2014-ZCOR", "ZCOR", list(ri = dat.molloy2014$ri, ni = dat.molloy2014$ni))
write_cases("escalc.json", es_cases)

# ---- rma.uni, no moderators ------------------------------------------------------------------

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
normand <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                  data = dat.normand1999)
gib <- dat.gibson2002[complete.cases(dat.gibson2002[, c("m1i", "sd1i", "m2i", "sd2i")]), ]
gibson <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = gib)
molloy <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
datasets <- list(
  bcg = list(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi)),
  normand1999 = list(yi = as.numeric(normand$yi), vi = as.numeric(normand$vi)),
  gibson2002 = list(yi = as.numeric(gibson$yi), vi = as.numeric(gibson$vi)),
  molloy2014 = list(yi = as.numeric(molloy$yi), vi = as.numeric(molloy$vi)),
  k2 = list(yi = as.numeric(bcg$yi[1:2]), vi = as.numeric(bcg$vi[1:2])),
  identical = list(yi = rep(0.3, 5), vi = c(0.01, 0.02, 0.03, 0.04, 0.05)),
  homogeneous = list(yi = c(0.28, 0.31, 0.3, 0.33, 0.29), vi = c(0.01, 0.02, 0.03, 0.04, 0.05))
)
methods <- c("EE", "FE", "DL", "HE", "HS", "SJ", "ML", "REML", "PM", "EB")
random_methods <- setdiff(methods, c("EE", "FE"))


rma_fields <- function(res) {
  pred <- predict(res)
  list(
    k = as.integer(res$k), estimate = num(res$b), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
    ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), df = if (res$test == "z") NULL else num(res$dfs),
    tau2 = num(res$tau2), se_tau2 = num(res$se.tau2), I2 = num(res$I2), H2 = num(res$H2),
    Q = num(res$QE), Q_pval = num(res$QEp), pi_lb = num(pred$pi.lb), pi_ub = num(pred$pi.ub)
  )
}

# confint's uniroot tolerance is set to 1e-12 so that the fixture is the root itself, as for PM.
qprofile <- function(res) {
  ci <- confint(res, control = list(tol = 1e-12))$random
  list(tau2_lb = num(ci["tau^2", "ci.lb"]), tau2_ub = num(ci["tau^2", "ci.ub"]),
       I2_lb = num(ci["I^2(%)", "ci.lb"]), I2_ub = num(ci["I^2(%)", "ci.ub"]),
       H2_lb = num(ci["H^2", "ci.lb"]), H2_ub = num(ci["H^2", "ci.ub"]))
}

rma_cases <- list()
for (name in names(datasets)) {
  d <- datasets[[name]]
  for (method in methods) {
    for (test in c("z", "knha")) {
      control <- if (method == "PM") list(tol = 1e-12) else list()
      res <- rma(d$yi, d$vi, method = method, test = test, control = control)
      case <- c(list(id = paste(name, method, test, sep = "-"), dataset = name, method = method, test = test,
                     yi = arr(d$yi), vi = arr(d$vi)), rma_fields(res))
      if (method %in% random_methods) case$confint <- qprofile(res)
      rma_cases[[length(rma_cases) + 1]] <- case
    }
  }
}
write_cases("rma_uni.json", rma_cases)

# ---- rma.uni with moderators (meta-regression) -----------------------------------------------
# Every method x {z, knha} on each data set below. PM and EB use control=list(tol=1e-12) as above:
# PM's uniroot stops at tol, and R^2 refits the model without moderators with the same control.
# metafor's warnings are recorded (the tests expect ours where metafor warns).

fit_quietly <- function(expr) {
  msgs <- character(0)
  res <- withCallingHandlers(expr, warning = function(w) {
    msgs <<- c(msgs, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(res = res, warnings = msgs)
}

# dat.normand1999 has no study-level covariate (only the study number, a label and the group
# summaries); its moderator is the constructed covariate `study` (the study index, 1..9), labelled so.
# dat.gibson2002 has the publication year. The homogeneous set (tau^2 = 0) gets the constructed
# covariate x = 1..5 (the study index). A k = 2 set with a moderator is not estimable (p = k): metafor
# stops ("Number of parameters to be estimated is larger than the number of observations") for
# every tau^2 estimator; tests/meta/test_meta_regression.py checks that we refuse it too.
mods_data <- list(
  bcg = bcg,
  molloy2014 = molloy,
  normand1999 = normand,
  gibson2002 = gibson,
  homogeneous = data.frame(yi = datasets$homogeneous$yi, vi = datasets$homogeneous$vi, x = seq_len(5))
)
mods_specs <- list(
  list(id = "bcg-ablat-year", data = "bcg", mods = ~ ablat + year),
  list(id = "bcg-alloc", data = "bcg", mods = ~ factor(alloc)),
  list(id = "molloy2014-meanage", data = "molloy2014", mods = ~ meanage),
  list(id = "normand1999-study-index", data = "normand1999", mods = ~ study),
  list(id = "gibson2002-year", data = "gibson2002", mods = ~ year),
  list(id = "homogeneous-index", data = "homogeneous", mods = ~ x),
  # A redundant moderator (2 x ablat): metafor drops it with a warning and fits the rest.
  list(id = "bcg-ablat-collinear-year", data = "bcg", mods = ~ ablat + I(2 * ablat) + year)
)

mods_case <- function(id, spec, method, test, control) {
  d <- mods_data[[spec$data]]
  fit <- fit_quietly(rma(yi, vi, mods = spec$mods, data = d, method = method, test = test, control = control))
  res <- fit$res
  X <- model.matrix(spec$mods, data = d)
  list(
    # method is a string, or an array for a fallback chain; method_used is the one metafor used.
    id = id, dataset = spec$data, mods = paste(deparse(spec$mods), collapse = ""),
    method = if (length(method) == 1) method else arr(method),
    method_used = res$method, test = test, control = if (length(control)) control else NULL,
    warnings = arr(fit$warnings), yi = arr(as.numeric(d$yi)), vi = arr(as.numeric(d$vi)),
    X = lapply(seq_len(nrow(X)), function(i) arr(unname(X[i, ]))), coef_names = arr(rownames(res$b)),
    beta = arr(num(res$b)), se = arr(num(res$se)), zval = arr(num(res$zval)), pval = arr(num(res$pval)),
    ci_lb = arr(num(res$ci.lb)), ci_ub = arr(num(res$ci.ub)), tau2 = num(res$tau2), se_tau2 = num(res$se.tau2),
    QM = num(res$QM), QM_pval = num(res$QMp), QM_df = num(res$QMdf[1]), QE = num(res$QE), QE_pval = num(res$QEp),
    I2 = num(res$I2), H2 = num(res$H2), R2 = num(res$R2)
  )
}

mods_cases <- list()
for (spec in mods_specs) {
  for (method in methods) {
    for (test in c("z", "knha")) {
      control <- if (method %in% c("PM", "EB")) list(tol = 1e-12) else list()
      mods_cases[[length(mods_cases) + 1]] <- mods_case(paste(spec$id, method, test, sep = "-"), spec, method, test,
                                                        control)
    }
  }
}
# Fallback chains (rma.uni's method=c(...), which works with mods in metafor 3.8-1 and is silent
# unless verbose): REML stopped after one Fisher-scoring step, and PM whose tau2.max is too low.
# rma.mv accepts a single method only in 3.8-1 (method=c("REML","ML") stops with an error).
for (chain in list(list(id = "REML-DL", method = c("REML", "DL"), control = list(maxiter = 1)),
                   list(id = "PM-DL", method = c("PM", "DL"), control = list(tau2.max = 0.01)))) {
  for (test in c("z", "knha")) {
    mods_cases[[length(mods_cases) + 1]] <- mods_case(paste("bcg-ablat-year-chain", chain$id, test, sep = "-"),
                                                      mods_specs[[1]], chain$method, test, chain$control)
  }
}
# R^2 is NA when the model without moderators cannot be fitted: here PM, whose tau2.max (0.2) is above
# the residual tau^2 but below the tau^2 of dat.bcg without moderators.
mods_cases[[length(mods_cases) + 1]] <- mods_case("bcg-ablat-year-PM-tau2max-z", mods_specs[[1]], "PM", "z",
                                                  list(tau2.max = 0.2, tol = 1e-12))
write_cases("rma_mods.json", mods_cases)

# ---- diagnostics: leave-one-out and Egger's regression test -----------------------------------

diag_cases <- list()
for (spec in list(list(data = "bcg", method = "REML", test = "z"), list(data = "bcg", method = "DL", test = "knha"),
                  list(data = "normand1999", method = "REML", test = "knha"), list(data = "bcg", method = "FE", test = "z"))) {
  d <- datasets[[spec$data]]
  control <- if (spec$method == "PM") list(tol = 1e-12) else list()
  res <- suppressWarnings(rma(d$yi, d$vi, method = spec$method, test = spec$test, control = control))
  l1o <- suppressWarnings(leave1out(res))
  eg <- suppressWarnings(regtest(res))
  eg_lm <- regtest(res, model = "lm")
  diag_cases[[length(diag_cases) + 1]] <- list(
    id = paste(spec$data, spec$method, spec$test, sep = "-"), method = spec$method, test = spec$test,
    yi = arr(d$yi), vi = arr(d$vi),
    leave1out = list(estimate = arr(l1o$estimate), se = arr(l1o$se), zval = arr(l1o$zval), pval = arr(l1o$pval),
                     ci_lb = arr(l1o$ci.lb), ci_ub = arr(l1o$ci.ub), Q = arr(l1o$Q), Q_pval = arr(l1o$Qp),
                     tau2 = arr(l1o$tau2), I2 = arr(l1o$I2), H2 = arr(l1o$H2)),
    regtest = list(zval = num(eg$zval), pval = num(eg$pval), df = num(eg$dfs), est = num(eg$est),
                   ci_lb = num(eg$ci.lb), ci_ub = num(eg$ci.ub)),
    regtest_lm = list(zval = num(eg_lm$zval), pval = num(eg_lm$pval), df = num(eg_lm$dfs), est = num(eg_lm$est),
                      ci_lb = num(eg_lm$ci.lb), ci_ub = num(eg_lm$ci.ub))
  )
}
# A refit that does not converge is an NA row with a warning, not an error: dat.nielweise2007 (log odds
# ratios), its first nine trials under REML, where the fit without trial 9 does not converge.
niel <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.nielweise2007)[1:9, ]
l1o <- suppressWarnings(leave1out(rma(niel$yi, niel$vi, method = "REML")))
diag_cases[[length(diag_cases) + 1]] <- list(
  id = "nielweise2007-first9-REML-z-refit-fails", method = "REML", test = "z",
  yi = arr(as.numeric(niel$yi)), vi = arr(as.numeric(niel$vi)),
  leave1out = list(estimate = arr(l1o$estimate), se = arr(l1o$se), zval = arr(l1o$zval), pval = arr(l1o$pval),
                   ci_lb = arr(l1o$ci.lb), ci_ub = arr(l1o$ci.ub), Q = arr(l1o$Q), Q_pval = arr(l1o$Qp),
                   tau2 = arr(l1o$tau2), I2 = arr(l1o$I2), H2 = arr(l1o$H2))
)
# k = 2: each refit holds one study, which metafor reports as that study (tau^2 = 0).
l1o <- leave1out(rma(c(0.1, 0.5), c(0.01, 0.02), method = "REML"))
diag_cases[[length(diag_cases) + 1]] <- list(
  id = "two-studies-REML-z", method = "REML", test = "z", yi = arr(c(0.1, 0.5)), vi = arr(c(0.01, 0.02)),
  leave1out = list(estimate = arr(l1o$estimate), se = arr(l1o$se), zval = arr(l1o$zval), pval = arr(l1o$pval),
                   ci_lb = arr(l1o$ci.lb), ci_ub = arr(l1o$ci.ub), Q = arr(l1o$Q), Q_pval = arr(l1o$Qp),
                   tau2 = arr(l1o$tau2), I2 = arr(l1o$I2), H2 = arr(l1o$H2))
)
write_cases("diagnostics.json", diag_cases)

# ---- subgroups: one rma per level of dat.bcg's alloc, and the moderator test across levels ------

sub_cases <- list()
for (method in c("REML", "DL", "FE")) {
  for (test in c("z", "knha")) {
    fits <- lapply(sort(unique(dat.bcg$alloc)), function(level) {
      res <- suppressWarnings(rma(yi, vi, data = bcg, subset = alloc == level, method = method, test = test))
      list(level = level, k = as.integer(res$k), estimate = num(res$b), se = num(res$se), pval = num(res$pval),
           ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), tau2 = num(res$tau2), I2 = num(res$I2), Q = num(res$QE))
    })
    between <- suppressWarnings(rma(yi, vi, mods = ~ factor(alloc), data = bcg, method = method, test = test))
    sub_cases[[length(sub_cases) + 1]] <- list(
      id = paste("bcg-alloc", method, test, sep = "-"), method = method, test = test,
      yi = arr(as.numeric(bcg$yi)), vi = arr(as.numeric(bcg$vi)), group = arr(as.character(dat.bcg$alloc)),
      subgroups = fits, QM = num(between$QM), QM_pval = num(between$QMp)
    )
  }
}
write_cases("subgroups.json", sub_cases)

# ---- permutest: exact permutation tests (every distinct permutation) on small k -----------------
# Random permutation p-values cannot match across RNGs; the exact ones (and QM, zval) can. The
# tests compare our random-mode p-values with these exact ones within binomial sampling error.

perm_cases <- list()
bcg6 <- bcg[1:6, ]
bcg8 <- bcg[1:8, ]
for (spec in c(list(
  list(id = "bcg6-ablat-REML-z", data = bcg6, mods = ~ ablat, method = "REML", test = "z"),
  list(id = "bcg6-ablat-DL-knha", data = bcg6, mods = ~ ablat, method = "DL", test = "knha"),
  list(id = "bcg6-ablat-ML-z", data = bcg6, mods = ~ ablat, method = "ML", test = "z"),
  list(id = "bcg6-ablat-FE-z", data = bcg6, mods = ~ ablat, method = "FE", test = "z"),
  list(id = "bcg8-alloc-REML-z", data = bcg8, mods = ~ factor(alloc), method = "REML", test = "z"),
  list(id = "bcg8-alloc-REML-knha", data = bcg8, mods = ~ factor(alloc), method = "REML", test = "knha"),
  list(id = "bcg8-intercept-REML-z", data = bcg8, mods = ~ 1, method = "REML", test = "z"),
  list(id = "bcg8-intercept-DL-knha", data = bcg8, mods = ~ 1, method = "DL", test = "knha")
),
# The other tau^2 estimators, with a moderator (6! = 720 arrangements of ablat) and without (2^8 sign
# flips), z tests; knha once with and once without moderators; ML without moderators.
unlist(lapply(c("PM", "EB", "HE", "SJ", "HS", "DL"), function(method) list(
  list(id = paste("bcg6-ablat", method, "z", sep = "-"), data = bcg6, mods = ~ ablat, method = method, test = "z"),
  list(id = paste("bcg8-intercept", method, "z", sep = "-"), data = bcg8, mods = ~ 1, method = method, test = "z")
)), recursive = FALSE),
list(
  list(id = "bcg6-ablat-PM-knha", data = bcg6, mods = ~ ablat, method = "PM", test = "knha"),
  list(id = "bcg8-intercept-SJ-knha", data = bcg8, mods = ~ 1, method = "SJ", test = "knha"),
  list(id = "bcg8-intercept-ML-z", data = bcg8, mods = ~ 1, method = "ML", test = "z")
))) {
  # permutest refits with the model's control: PM's uniroot to 1e-12, as elsewhere in this script.
  control <- if (spec$method == "PM") list(tol = 1e-12) else list()
  res <- rma(yi, vi, mods = spec$mods, data = spec$data, method = spec$method, test = spec$test, control = control)
  pt <- suppressWarnings(permutest(res, exact = TRUE, progbar = FALSE))
  X <- model.matrix(spec$mods, data = spec$data)
  perm_cases[[length(perm_cases) + 1]] <- list(
    id = spec$id, method = spec$method, test = spec$test,
    yi = arr(as.numeric(spec$data$yi)), vi = arr(as.numeric(spec$data$vi)),
    X = lapply(seq_len(nrow(X)), function(i) arr(unname(X[i, ]))), coef_names = arr(colnames(X)),
    iter = num(length(pt$QM.perm)), beta = arr(num(res$b)), se = arr(num(res$se)), zval = arr(num(res$zval)),
    QM = num(res$QM), pval = arr(num(pt$pval)), QM_pval = num(pt$QMp)
  )
}
write_cases("permutest.json", perm_cases)

# ---- gosh: every subset of 6 studies of dat.bcg (63 fits) -----------------------------------------

gosh_cases <- list()
# FE, DL, ML and REML first (the cases before every method was supported), then the other methods;
# gosh refits with the model's control, so PM's uniroot goes to 1e-12 as elsewhere in this script.
for (method in c("FE", "DL", "ML", "REML", "EE", "HE", "HS", "SJ", "PM", "EB")) {
  control <- if (method == "PM") list(tol = 1e-12) else list()
  res <- rma(yi, vi, data = bcg6, method = method, control = control)
  g <- gosh(res, progbar = FALSE)
  gosh_cases[[length(gosh_cases) + 1]] <- list(
    id = paste("bcg6", method, sep = "-"), method = method,
    yi = arr(as.numeric(bcg6$yi)), vi = arr(as.numeric(bcg6$vi)),
    incl = lapply(seq_len(nrow(g$incl)), function(i) arr(as.integer(g$incl[i, ]))),
    k = arr(as.integer(g$res$k)), QE = arr(num(g$res$QE)), I2 = arr(num(g$res$I2)), H2 = arr(num(g$res$H2)),
    tau2 = arr(num(g$res$tau2)), estimate = arr(num(g$res$estimate))
  )
}
write_cases("gosh.json", gosh_cases)

# ---- rma.mv: three-level model, random = ~ 1 | district/school on dat.konstantopoulos2011 --------
# Without moderators and with ~ year, REML and ML, z and t tests. Multilevel I^2 as in the metafor FAQ
# ("I^2 for multilevel and multivariate models", Cheung 2014):
# 100 * sigma2 / (sum(sigma2) + (k - p) / tr(P)), P from the weights W = V^-1 of the sampling variances.

mv_cases <- list()
kon <- dat.konstantopoulos2011
for (mods in list(~ 1, ~ year)) {
  for (method in c("REML", "ML")) {
    for (test in c("z", "t")) {
      res <- rma.mv(yi, vi, mods = mods, random = ~ 1 | district/school, data = kon, method = method, test = test)
      W <- solve(res$V)
      X <- model.matrix(res)
      P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
      typical <- (res$k - res$p) / sum(diag(P))
      case <- list(
        id = paste(c("konstantopoulos2011", if (res$p > 1) "year", method, test), collapse = "-"), method = method,
        test = test, yi = arr(as.numeric(kon$yi)), vi = arr(as.numeric(kon$vi)), study = arr(as.integer(kon$district)),
        es_id = arr(as.integer(kon$school)), X = lapply(seq_len(nrow(X)), function(i) arr(unname(X[i, ]))),
        coef_names = arr(colnames(X)), sigma2 = arr(num(res$sigma2))
      )
      if (res$p == 1) {
        case <- c(case, list(estimate = num(res$b), se = num(res$se), zval = num(res$zval), pval = num(res$pval),
                             ci_lb = num(res$ci.lb), ci_ub = num(res$ci.ub), Q = num(res$QE), Q_pval = num(res$QEp)))
      } else {
        case <- c(case, list(beta = arr(num(res$b)), se = arr(num(res$se)), zval = arr(num(res$zval)),
                             pval = arr(num(res$pval)), ci_lb = arr(num(res$ci.lb)), ci_ub = arr(num(res$ci.ub)),
                             QE = num(res$QE), QE_pval = num(res$QEp), QM = num(res$QM), QM_pval = num(res$QMp),
                             QM_df = arr(num(res$QMdf[!is.na(res$QMdf)]))))
      }
      mv_cases[[length(mv_cases) + 1]] <- c(case, list(
        logLik = num(logLik(res)), typical_vi = num(typical), I2 = num(100 * sum(res$sigma2) / (sum(res$sigma2) + typical)),
        I2_levels = arr(num(100 * res$sigma2 / (sum(res$sigma2) + typical)))
      ))
    }
  }
}
write_cases("rma_mv.json", mv_cases)

# ---- plots: what forest() and funnel() draw for models with moderators and three-level models ----
# forest(res) on a model with moderators draws each study's fitted value with predict(res)'s CI as a
# grey polygon; funnel(res) there plots rstandard(res)$resid against rstandard(res)$se ("Residual
# Value"). forest() and funnel() on rma.mv show weights(res) (diagonal of V^-1) and yi against sqrt(vi).

plot_case <- function(id, res, X) {
  pred <- predict(res)
  std <- rstandard(res)
  list(
    id = id, method = res$method, test = res$test, yi = arr(as.numeric(res$yi)), vi = arr(as.numeric(res$vi)),
    X = lapply(seq_len(nrow(X)), function(i) arr(unname(X[i, ]))), coef_names = arr(colnames(X)),
    beta = arr(num(res$b)), weights = arr(num(weights(res))), fitted = arr(num(fitted(res))),
    fitted_ci_lb = arr(num(pred$ci.lb)), fitted_ci_ub = arr(num(pred$ci.ub)),
    resid = arr(num(std$resid)), resid_se = arr(num(std$se))
  )
}

plot_cases <- list()
for (test in c("z", "knha")) {
  res <- rma(yi, vi, mods = ~ ablat + year, data = bcg, method = "REML", test = test)
  plot_cases[[length(plot_cases) + 1]] <- plot_case(paste("bcg-ablat-year-REML", test, sep = "-"), res,
                                                    model.matrix(res))
}
res <- rma(yi, vi, mods = ~ factor(alloc), data = bcg, method = "REML")
plot_cases[[length(plot_cases) + 1]] <- plot_case("bcg-alloc-REML-z", res, model.matrix(res))
for (spec in list(list(mods = ~ 1, test = "z"), list(mods = ~ year, test = "t"))) {
  res <- rma.mv(yi, vi, mods = spec$mods, random = ~ 1 | district/school, data = kon, test = spec$test)
  case <- plot_case(paste(c("konstantopoulos2011", if (res$p > 1) "year", "REML", spec$test), collapse = "-"), res,
                    model.matrix(res))
  plot_cases[[length(plot_cases) + 1]] <- c(case, list(study = arr(as.integer(kon$district)),
                                                       es_id = arr(as.integer(kon$school))))
}
write_cases("plots.json", plot_cases)

#!/usr/bin/env Rscript
# Reference fixtures for metafor's stopping rules and its `control` list (issue 16), computed by R's metafor
# (Viechtbauer 2010, doi:10.18637/jss.v036.i03).
#
# Usage: Rscript tools/metafor_reference_control.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes
# - control.json: rma() and confint() at metafor's default control (PM's uniroot and confint's Q-profile stop at
#   tol = .Machine$double.eps^0.25, Fisher scoring at threshold = 1e-5), and the same fits with the control
#   tightened (rma(..., control = list(tol = 1e-12, threshold = 1e-10, maxiter = 1000)), confint(res,
#   control = list(tol = 1e-12))), so the printed digits at both settings are on record. Data: dat.fine1993
#   (log risk ratios of outcome 1), dat.curtis1998 (log ratios of means, ~ time: R^2 of a PM meta-regression),
#   dat.raudenbush1985 (Q-profile CI of tau^2). Fisher scoring with stepadj = 0.5 is one more case.
# - vi_zero.json: every rma.uni method with sampling variances of 0 (one study, and all studies): metafor's
#   estimates, or its error, and its warnings.
# - vi_zero_mods.json: the same with moderators (rma(yi, vi, mods = ...)), z and Knapp-Hartung tests, on
#   proportions with vi = 0 (see its section).
# - vi_negative.json: negative sampling variances (metafor sets them to 0, with a warning), every method.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed files.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))


fields <- function(res) {
  list(tau2 = num(res$tau2), se_tau2 = num(res$se.tau2), beta = narr(res$beta), se = narr(res$se),
       ci_lb = narr(res$ci.lb), ci_ub = narr(res$ci.ub), R2 = num(res$R2), Q = num(res$QE), I2 = num(res$I2),
       H2 = num(res$H2))
}

qprofile <- function(res, control) {
  ci <- confint(res, control = control)$random
  list(tau2_lb = num(ci["tau^2", "ci.lb"]), tau2_ub = num(ci["tau^2", "ci.ub"]),
       I2_lb = num(ci["I^2(%)", "ci.lb"]), I2_ub = num(ci["I^2(%)", "ci.ub"]),
       H2_lb = num(ci["H^2", "ci.lb"]), H2_ub = num(ci["H^2", "ci.ub"]))
}

# ---- control.json ------------------------------------------------------------------------------

fine <- escalc(measure = "RR", ai = e1i, n1i = nei, ci = c1i, n2i = nci, data = dat.fine1993)
fine <- fine[!is.na(fine$yi), ]
curtis <- escalc(measure = "ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                 data = dat.curtis1998)
datasets <- list(
  fine1993 = list(yi = fine$yi, vi = fine$vi, x = NULL),
  curtis1998 = list(yi = curtis$yi, vi = curtis$vi, x = curtis$time),
  raudenbush1985 = list(yi = dat.raudenbush1985$yi, vi = dat.raudenbush1985$vi, x = NULL)
)
tight <- list(tol = 1e-12, threshold = 1e-10, maxiter = 1000)
settings <- list(default = list(model = list(), confint = list()),
                 tight = list(model = tight, confint = list(tol = 1e-12)),
                 stepadj = list(model = list(stepadj = 0.5), confint = list()))

cases <- list()
for (name in names(datasets)) {
  d <- datasets[[name]]
  for (method in c("PM", "EB", "REML", "ML")) {
    for (setting in names(settings)) {
      if (setting == "stepadj" && method != "REML") next
      ctl <- settings[[setting]]
      res <- if (is.null(d$x)) rma(d$yi, d$vi, method = method, control = ctl$model)
             else rma(d$yi, d$vi, mods = ~ d$x, method = method, control = ctl$model)
      cases[[length(cases) + 1]] <- c(
        list(id = paste(name, method, setting, sep = "-"), dataset = name, method = method, setting = setting,
             control = if (length(ctl$model)) ctl$model else NULL,
             confint_control = if (length(ctl$confint)) ctl$confint else NULL,
             yi = narr(d$yi), vi = narr(d$vi), x = if (is.null(d$x)) NULL else narr(d$x)),
        fields(res), list(confint = qprofile(res, ctl$confint)))
    }
  }
}
write_cases("control.json", cases)

# ---- vi_zero.json ------------------------------------------------------------------------------

# GENQ takes user weights: constructed sample sizes.
yi <- c(0.10, 0.52, 0.91, 0.33, -0.24, 0.47)
ni <- c(40, 25, 60, 33, 18, 50)
vi_sets <- list(one = c(0.010, 0, 0.020, 0.015, 0.030, 0.012), all = rep(0, 6))
zero_cases <- list()
for (which in names(vi_sets)) {
  for (method in c("EE", "FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM", "GENQ")) {
    out <- attempt(if (method == "GENQ") rma(yi, vi_sets[[which]], weights = ni, method = method)
                   else rma(yi, vi_sets[[which]], method = method))
    case <- list(id = paste(which, method, sep = "-"), zeros = which, method = method, yi = narr(yi),
                 vi = narr(vi_sets[[which]]), weights = if (method == "GENQ") narr(ni) else NULL,
                 warnings = arr(out$warnings))
    if (inherits(out$res, "error")) {
      case$error <- conditionMessage(out$res)
    } else {
      res <- out$res
      case <- c(case, list(error = NULL, tau2 = num(res$tau2), se_tau2 = num(res$se.tau2), estimate = num(res$b),
                           se = num(res$se), Q = num(res$QE), I2 = num(res$I2), H2 = num(res$H2)))
    }
    zero_cases[[length(zero_cases) + 1]] <- case
  }
}
write_cases("vi_zero.json", zero_cases)

# ---- vi_zero_mods.json -------------------------------------------------------------------------
# Meta-regressions with sampling variances of 0: raw proportions (escalc "PR" with add = 0, so a study
# with no events, or all events, has vi = 0) of dat.pagliaro1992 (~ trt: beta-blockers, sclerotherapy,
# control; 2 of 54 studies with vi = 0) and dat.hasselblad1998 (~ trt, 4 levels; 2 of 50), every method
# with z and Knapp-Hartung tests (GENQ with the sample sizes as weights), and two fallback chains; and a
# constructed set (k = 6, one vi = 0) whose model without moderators stops (its tau^2 is 0), so that R^2 is NA.

zero_fields <- function(res) {
  list(tau2 = num(res$tau2), se_tau2 = num(res$se.tau2), beta = narr(res$beta), se = narr(res$se),
       zval = narr(res$zval), pval = narr(res$pval), ci_lb = narr(res$ci.lb), ci_ub = narr(res$ci.ub),
       QM = num(res$QM), QMp = num(res$QMp), R2 = num(res$R2), QE = num(res$QE), QEp = num(res$QEp),
       I2 = num(res$I2), H2 = num(res$H2), weights = narr(weights(res)))
}

pagliaro <- escalc(measure = "PR", xi = xi, ni = ni, data = dat.pagliaro1992, add = 0)
hasselblad <- escalc(measure = "PR", xi = xi, ni = ni, data = dat.hasselblad1998, add = 0)
zero_data <- list(
  pagliaro1992 = list(yi = as.numeric(pagliaro$yi), vi = as.numeric(pagliaro$vi),
                      X = model.matrix(~ trt, data = pagliaro)[, -1, drop = FALSE], ni = pagliaro$ni),
  hasselblad1998 = list(yi = as.numeric(hasselblad$yi), vi = as.numeric(hasselblad$vi),
                        X = model.matrix(~ trt, data = hasselblad)[, -1, drop = FALSE], ni = hasselblad$ni),
  constructed = list(yi = c(0.08, 0.47, 0.29, 0.02, -0.13, -0.15), vi = c(0.066, 0, 0.052, 0.057, 0.152, 0.158),
                     X = cbind(x = c(0.8, 0.5, 0.7, 0.5, 0.1, 0.9)), ni = NULL)
)
zero_fits <- list()
for (name in c("pagliaro1992", "hasselblad1998")) {
  for (method in c("EE", "FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM", "GENQ")) {
    zero_fits[[length(zero_fits) + 1]] <- list(data = name, method = method)
  }
}
zero_fits[[length(zero_fits) + 1]] <- list(data = "pagliaro1992", method = c("REML", "DL"))
zero_fits[[length(zero_fits) + 1]] <- list(data = "pagliaro1992", method = c("DL", "REML"))
for (method in c("HE", "SJ", "ML", "REML", "EB")) {
  zero_fits[[length(zero_fits) + 1]] <- list(data = "constructed", method = method)
}
mods_cases <- list()
for (spec in zero_fits) {
  d <- zero_data[[spec$data]]
  for (test in c("z", "knha")) {
    weights <- if (spec$method[1] == "GENQ") d$ni else NULL
    args <- list(yi = d$yi, vi = d$vi, mods = d$X, method = spec$method, test = test)
    if (!is.null(weights)) args$weights <- weights  # rma stops on weights = NULL given by name
    out <- attempt(do.call(rma, args))
    case <- list(id = paste(spec$data, paste(spec$method, collapse = "+"), test, sep = "-"), data = spec$data,
                 method = arr(spec$method), test = test, yi = narr(d$yi), vi = narr(d$vi),
                 X = lapply(seq_len(nrow(d$X)), function(i) narr(d$X[i, ])), names = arr(colnames(d$X)),
                 weights_given = if (is.null(weights)) NULL else narr(weights), warnings = arr(out$warnings))
    if (inherits(out$res, "error")) {
      case$error <- conditionMessage(out$res)
    } else {
      case <- c(case, list(error = NULL), zero_fields(out$res))
    }
    mods_cases[[length(mods_cases) + 1]] <- case
  }
}
write_cases("vi_zero_mods.json", mods_cases)

# ---- vi_negative.json --------------------------------------------------------------------------
# Negative sampling variances, which rma.uni constrains to 0 with a warning ("Negative sampling variances
# constrained to zero."), then fits or refuses as vi = 0: two of six negative, and all six, every method,
# without and with a moderator, z and Knapp-Hartung tests.

neg_yi <- c(0.10, 0.52, 0.91, 0.33, -0.24, 0.47)
neg_x <- c(1.2, 3.4, 2.2, 5.1, 0.7, 4.0)
neg_sets <- list(two = c(0.010, -0.004, 0.020, 0.015, -0.001, 0.012),
                 all = -c(0.010, 0.004, 0.020, 0.015, 0.001, 0.012))
neg_cases <- list()
for (which in names(neg_sets)) {
  for (with_mods in c(FALSE, TRUE)) {
    for (method in c("EE", "FE", "DL", "HE", "HS", "HSk", "SJ", "ML", "REML", "EB", "PM", "PMM")) {
      for (test in c("z", "knha")) {
        vi <- neg_sets[[which]]
        out <- attempt(if (with_mods) rma(neg_yi, vi, mods = ~ neg_x, method = method, test = test)
                       else rma(neg_yi, vi, method = method, test = test))
        case <- list(id = paste(which, if (with_mods) "mods" else "intercept", method, test, sep = "-"),
                     negatives = which, with_mods = with_mods, method = method, test = test, yi = narr(neg_yi),
                     vi = narr(vi), x = if (with_mods) narr(neg_x) else NULL, warnings = arr(out$warnings))
        if (inherits(out$res, "error")) {
          case$error <- conditionMessage(out$res)
        } else {
          case <- c(case, list(error = NULL), zero_fields(out$res))
        }
        neg_cases[[length(neg_cases) + 1]] <- case
      }
    }
  }
}
write_cases("vi_negative.json", neg_cases)

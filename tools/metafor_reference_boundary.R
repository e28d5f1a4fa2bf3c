#!/usr/bin/env Rscript
# Reference fixtures for three-level fits with a variance component at (or near) 0, computed by R's metafor
# (Viechtbauer 2010, doi:10.18637/jss.v036.i03): rma.mv(yi, vi, [mods = ~ x,] random = ~ 1 | study/es) with REML and
# ML on simulated data (issue 16: the engine's Fisher scoring once stopped short of the maximum there).
#
# Usage: Rscript tools/metafor_reference_boundary.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes mv_boundary_sim.json (and selmodel_boundary.json, below) with the R, metafor and metadat versions that made
# them. For every rma.mv fit it records
# - "default": metafor's own fit (nlminb on log sigma^2, its default tolerances): whether it converged, its error
#   message if not, its warnings, and sigma2, beta, se and logLik;
# - "refit": the constrained maximum of metafor's (restricted) log-likelihood polished beyond nlminb's default
#   tolerances, which leave sigma^2 about 1e-5 off on a flat likelihood (and its logLik up to 1e-9 below the
#   maximum). Every component the default fit put below 1e-6 is held at 0 (checked: moving it to 1e-6 lowers
#   the likelihood); one remaining component is found by R's optimize (Brent 1973) on log sigma^2, two by
#   Nelder-Mead from the default fit; then rma.mv with sigma2 fixed there gives beta, se and logLik.
#   "refit_gain" is the refit's logLik minus the default fit's (>= 0, checked). Where metafor did not converge
#   the refit starts from sigma^2 = (0.01, 0.01).
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))


AT_ZERO <- 1e-6

fit_mv <- function(d, method, mods, sigma2 = NULL, random = ~ 1 | study/es, control = list()) {
  args <- list(yi = d$yi, V = d$vi, random = random, data = d, method = method, control = control)
  if (mods) args$mods <- ~ x
  if (!is.null(sigma2)) args$sigma2 <- sigma2
  do.call(rma.mv, args)
}

fields <- function(res) {
  list(sigma2 = narr(res$sigma2), beta = narr(res$beta), se = narr(res$se), logLik = num(logLik(res)))
}

# The maximum of metafor's likelihood over sigma^2 >= 0, from start: components below 1e-6 are held at 0, the others
# optimised; a held component whose likelihood rises when it moves off 0 is freed and the rest optimised again.
polish <- function(d, method, mods, start, random) {
  ll <- function(s2) as.numeric(logLik(fit_mv(d, method, mods, sigma2 = s2, random = random)))
  s2 <- ifelse(start < AT_ZERO, 0, start)
  repeat {
    free <- which(s2 > 0)
    if (length(free) >= 2) {
      opt <- optim(log(s2[free]), function(p) -ll(replace(s2, free, exp(p))), method = "Nelder-Mead",
                   control = list(reltol = 1e-15, maxit = 5000))
      if (opt$convergence != 0) stop("Nelder-Mead did not converge")
      s2[free] <- exp(opt$par)
      s2[s2 < AT_ZERO] <- 0
      free <- which(s2 > 0)
    }
    if (length(free) == 1) {
      at <- function(p) replace(s2, free, exp(p))
      opt <- optimize(function(p) -ll(at(p)), c(log(AT_ZERO), log(10)), tol = 1e-12)
      s2 <- at(opt$minimum)
    }
    rising <- Filter(function(j) ll(replace(s2, j, AT_ZERO)) > ll(s2), which(s2 == 0))
    if (length(rising) == 0) return(s2)
    s2[rising] <- 0.01
  }
}

one_fit <- function(d, method, mods, random = ~ 1 | study/es, control = list()) {
  first <- attempt(fit_mv(d, method, mods, random = random, control = control))
  converged <- !inherits(first$res, "error")
  default <- list(converged = converged, error = if (converged) NULL else conditionMessage(first$res),
                  warnings = arr(first$warnings))
  if (converged) default <- c(default, fields(first$res))
  start <- if (converged) first$res$sigma2 else rep(0.01, length(all.vars(random)))
  s2 <- polish(d, method, mods, start, random)
  refit <- fit_mv(d, method, mods, sigma2 = s2, random = random)
  gain <- if (converged) num(logLik(refit)) - default$logLik else NULL
  if (converged && gain < -1e-12 * abs(default$logLik)) stop("refit lost likelihood: ", gain)
  list(default = default, refit = fields(refit), refit_gain = gain)
}

# ---- the data sets ------------------------------------------------------------------------------------------------
# Balanced sets of 8 studies x 3 effect sizes with no study-level variance, no within-study variance, neither, or
# both (so most fits put a component at 0), unbalanced sets of 2-5 effect sizes in 6 studies, and tiny sets: 4
# effect sizes in 2 studies (the case in issue 16), 6 in 3, and 5 in 2 studies of 3 and 2.

set.seed(20161)
designs <- c(rep("8x3", 16), rep("unbalanced", 6), rep("2x2", 4), rep("3x2", 2), rep("3+2", 2))
patterns <- list(c(0.04, 0), c(0, 0.04), c(0, 0), c(0.03, 0.01))
cases <- list()
for (s in seq_along(designs)) {
  sizes <- switch(designs[s], "8x3" = rep(3, 8), unbalanced = sample(2:5, 6, replace = TRUE),
                  "2x2" = c(2, 2), "3x2" = c(2, 2, 2), "3+2" = c(3, 2))
  study <- rep(seq_along(sizes), times = sizes)
  es <- unlist(lapply(sizes, seq_len))
  k <- length(study)
  s2 <- patterns[[(s - 1) %% 4 + 1]]
  vi <- runif(k, 0.02, 0.15)
  yi <- 0.2 + rnorm(length(sizes), 0, sqrt(s2[1]))[study] + rnorm(k, 0, sqrt(s2[2])) + rnorm(k, 0, sqrt(vi))
  x <- round(rnorm(k), 4)
  d <- data.frame(yi = yi, vi = vi, study = study, es = es, x = x)
  # A moderator needs room: k - p >= 3 residual degrees of freedom, so not in the tiny sets of 4 and 5.
  with_mods <- if (k >= 6) c(FALSE, TRUE) else FALSE
  for (mods in with_mods) {
    for (method in c("REML", "ML")) {
      cases[[length(cases) + 1]] <- c(
        list(id = paste(c("sim", s, designs[s], method, if (mods) "x"), collapse = "-"), design = designs[s],
             method = method, yi = narr(yi), vi = narr(vi), study = arr(as.integer(study)), es = arr(as.integer(es)),
             x = if (mods) narr(x) else NULL),
        one_fit(d, method, mods))
    }
  }
}

# ---- two fits where the maximum metafor reaches is not the largest -----------------------------------------------
# "trap": 7 effect sizes in 4 studies, ~ 1 | study/mid/es (found among R-simulated sets: set.seed(242), vi ~ U(0.05,
# 0.3) and yi ~ N(0.2, vi + 0.02), rounded to 3 digits). metafor's default fit stops with sigma^2_1 at 1e-10 where the
# likelihood still rises in sigma^2_1 (on the log scale nlminb works on, the score vanishes as sigma^2 -> 0); the
# refit reaches the maximum, as metafor does from sigma2.init = c(0.001, 0.05, 0.001).
# "local": the same design, data copied at full precision from a set simulated in Python (numpy) where the
# likelihood has two maxima on the boundary, (0, 0.04, 0) and (0.047, 0, 0): metafor's default start reaches the
# lower one, sigma2.init = c(0.05, 0.01, 0.01) the higher (rounding the data makes nlminb fail, so it is not rounded).

nested <- list(
  trap = data.frame(yi = c(0.957, 0.297, -0.554, 0.37, 0.748, 0.292, 0.72),
                    vi = c(0.245, 0.052, 0.134, 0.22, 0.215, 0.242, 0.238)),
  local = data.frame(yi = c(0.4373470565674715, 0.08591462997427152, 0.4738209630555277, 0.11197388533515763,
                            -0.21650973330367246, 0.5710034814729577, 0.6012862919416877),
                     vi = c(0.11315084550584481, 0.22803477475200915, 0.16078363850600277, 0.26819057315350103,
                            0.07752511612066619, 0.2380578528486407, 0.09005364428892708)))
inits <- list(trap = c(0.001, 0.05, 0.001), local = c(0.05, 0.01, 0.01))
for (name in names(nested)) {
  d <- cbind(nested[[name]], study = c(1, 1, 2, 2, 3, 4, 4), mid = c(2, 1, 1, 2, 2, 1, 1), es = c(1, 2, 1, 2, 1, 1, 2))
  for (init in list(NULL, inits[[name]])) {
    control <- if (is.null(init)) list() else list(sigma2.init = init)
    cases[[length(cases) + 1]] <- c(
      list(id = paste(c(name, "REML", if (!is.null(init)) "init"), collapse = "-"), design = "study/mid/es",
           method = "REML", sigma2_init = if (is.null(init)) NULL else narr(init), yi = narr(d$yi), vi = narr(d$vi),
           study = arr(as.integer(d$study)), mid = arr(as.integer(d$mid)), es = arr(as.integer(d$es))),
      one_fit(d, "REML", FALSE, random = ~ 1 | study/mid/es, control = control))
  }
}
write_cases("mv_boundary_sim.json", cases)

# ---- selmodel() with tau^2 at 0 -------------------------------------------------------------------------------------
# R-simulated sets of 12-25 studies (12 drawn; those whose ML fit fails are skipped) without (or with little) heterogeneity; selmodel(rma(yi, vi, method = "ML"),
# type = "stepfun", steps = 0.025) and type = "beta". metafor optimises log tau^2 with BFGS, so where the maximum is
# at tau^2 = 0 it stops at a small tau^2 with a lower logLik. "at_zero" is the fit with tau^2 held at 0
# (selmodel of rma(..., tau2 = 0)), recorded with whether it is the maximum: its logLik at least the default
# fit's and not raised by tau^2 = 1e-6.

sel_fields <- function(sel) {
  list(tau2 = num(sel$tau2), beta = narr(sel$beta), se = narr(sel$se), delta = narr(sel$delta), ll = num(sel$ll))
}
set.seed(20163)
sel_cases <- list()
for (s in 1:12) {
  k <- sample(12:25, 1)
  vi <- runif(k, 0.01, 0.1)
  yi <- 0.3 + rnorm(k, 0, sqrt(vi + c(0, 0, 0.004)[(s - 1) %% 3 + 1]))
  # A set whose ML fit itself does not converge (Fisher scoring) has no selection model to compare.
  if (inherits(try(rma(yi, vi, method = "ML"), silent = TRUE), "try-error")) next
  for (spec in list(list(type = "stepfun", steps = 0.025), list(type = "beta", steps = NULL))) {
    run <- function(tau2) {
      res <- if (is.null(tau2)) rma(yi, vi, method = "ML") else rma(yi, vi, tau2 = tau2, method = "ML")
      if (is.null(spec$steps)) selmodel(res, type = spec$type) else selmodel(res, type = spec$type, steps = spec$steps)
    }
    first <- attempt(run(NULL))
    zero <- attempt(run(0))$res
    if (inherits(zero, "error")) next
    converged <- !inherits(first$res, "error")
    default <- list(converged = converged, error = if (converged) NULL else conditionMessage(first$res),
                    warnings = arr(first$warnings))
    if (converged) default <- c(default, sel_fields(first$res))
    is_max <- (!converged || zero$ll >= first$res$ll - 1e-12) && run(1e-6)$ll <= zero$ll
    sel_cases[[length(sel_cases) + 1]] <- list(
      id = paste(c("sel", s, spec$type), collapse = "-"), type = spec$type,
      steps = if (is.null(spec$steps)) NULL else narr(spec$steps), yi = narr(yi), vi = narr(vi), default = default,
      at_zero = c(sel_fields(zero), list(is_max = is_max)))
  }
}
write_cases("selmodel_boundary.json", sel_cases)

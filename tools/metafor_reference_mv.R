#!/usr/bin/env Rscript
# Reference fixtures for secretome.meta's multilevel models beyond the basics (boundary fits, deeper nesting, a
# known V from vcalc), profile-likelihood CIs of variance components, cluster-robust inference (CR1; CR2 through
# clubSandwich), selection models, fail-safe N and the data behind the Baujat, radial, L'Abbe and normal QQ plots,
# computed by R's metafor (Viechtbauer 2010, doi:10.18637/jss.v036.i03) and clubSandwich (Pustejovsky & Tipton 2018,
# doi:10.1080/07350015.2016.1247004).
#
# Usage: Rscript tools/metafor_reference_mv.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes mv_boundary.json, mv_nested.json, vcalc.json, mv_confint.json, robust.json, selmodel.json, fsn.json and
# plots_extra.json, each with the R, metafor, metadat (and clubSandwich) versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed files.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))
suppressPackageStartupMessages(library(clubSandwich))
versions$clubSandwich <- packageDescription("clubSandwich")$Version

mat <- function(m) lapply(seq_len(nrow(m)), function(i) narr(m[i, ]))

# The FAQ's multilevel I^2 (https://www.metafor-project.org/doku.php/tips:i2_multilevel_multivariate).
i2_levels <- function(res) {
  W <- solve(res$V)
  X <- model.matrix(res)
  P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
  100 * res$sigma2 / (sum(res$sigma2) + (res$k - res$p) / sum(diag(P)))
}

mv_fields <- function(res) {
  out <- list(sigma2 = narr(res$sigma2), n_levels = arr(as.integer(res$s.nlevels)), beta = narr(res$beta),
              se = narr(res$se), zval = narr(res$zval), pval = narr(res$pval), ci_lb = narr(res$ci.lb),
              ci_ub = narr(res$ci.ub), QE = num(res$QE), QE_pval = num(res$QEp), logLik = num(logLik(res)),
              I2_levels = narr(i2_levels(res)))
  if (res$p > 1) out <- c(out, list(QM = num(res$QM), QM_pval = num(res$QMp), QM_df = arr(as.integer(res$QMdf[!is.na(res$QMdf)]))))
  out
}

# ---- rma.mv at the boundary: 30 simulated sets of 8 studies x 3 effect sizes --------------------------------------
# Half the sets simulate no study-level variance, half no within-study variance, so many fits put a component at 0.

set.seed(16)
boundary_cases <- list()
for (s in 1:30) {
  study <- rep(1:8, each = 3)
  es <- rep(1:3, times = 8)
  vi <- runif(24, 0.02, 0.15)
  s2 <- if (s %% 2 == 1) c(0.04, 0) else c(0, 0.04)
  yi <- 0.2 + rnorm(8, 0, sqrt(s2[1]))[study] + rnorm(24, 0, sqrt(s2[2])) + rnorm(24, 0, sqrt(vi))
  x <- round(rnorm(24), 4)
  for (spec in list(list(method = "REML", mods = FALSE), list(method = "ML", mods = FALSE),
                    list(method = "REML", mods = TRUE))) {
    res <- if (spec$mods) {
      rma.mv(yi, vi, mods = ~ x, random = ~ 1 | study/es, method = spec$method)
    } else {
      rma.mv(yi, vi, random = ~ 1 | study/es, method = spec$method)
    }
    boundary_cases[[length(boundary_cases) + 1]] <- c(
      list(id = paste(c("sim", s, spec$method, if (spec$mods) "x"), collapse = "-"), method = spec$method,
           yi = narr(yi), vi = narr(vi), study = arr(as.integer(study)), es = arr(as.integer(es)),
           x = if (spec$mods) narr(x) else NULL),
      mv_fields(res))
  }
}
write_cases("mv_boundary.json", boundary_cases)

# ---- deeper nesting and a known V: dat.assink2016 -------------------------------------------------------------------

assink <- dat.assink2016
nested_cases <- list()
V6 <- vcalc(vi, cluster = study, obs = esid, rho = 0.6, data = assink)
for (spec in list(list(random = "study/deltype/esid", V = FALSE, mods = FALSE, method = "REML", test = "z"),
                  list(random = "study/deltype/esid", V = FALSE, mods = TRUE, method = "REML", test = "t"),
                  list(random = "study/deltype/esid", V = FALSE, mods = FALSE, method = "ML", test = "z"),
                  list(random = "study/esid", V = TRUE, mods = FALSE, method = "REML", test = "z"),
                  list(random = "study/esid", V = TRUE, mods = TRUE, method = "REML", test = "t"),
                  list(random = "study/esid", V = TRUE, mods = TRUE, method = "ML", test = "z"))) {
  vmat <- if (spec$V) V6 else assink$vi
  rnd <- if (spec$random == "study/esid") ~ 1 | study/esid else ~ 1 | study/deltype/esid
  res <- if (spec$mods) {
    rma.mv(yi, vmat, mods = ~ year, random = rnd, data = assink, method = spec$method, test = spec$test)
  } else {
    rma.mv(yi, vmat, random = rnd, data = assink, method = spec$method, test = spec$test)
  }
  nested_cases[[length(nested_cases) + 1]] <- c(
    list(id = paste(c("assink2016", gsub("/", "-", spec$random), if (spec$V) "V" , if (spec$mods) "year",
                      spec$method, spec$test), collapse = "-"),
         random = spec$random, V = spec$V, mods = spec$mods, method = spec$method, test = spec$test),
    mv_fields(res))
}
write_cases("mv_nested.json", c(
  list(list(id = "data", yi = narr(assink$yi), vi = narr(assink$vi), study = arr(as.integer(assink$study)),
            esid = arr(as.integer(assink$esid)), deltype = arr(as.character(assink$deltype)),
            year = narr(assink$year), V = mat(V6))),
  nested_cases))

# ---- vcalc: the common cases (cluster with obs, type, both, an AR(1) time structure, subgroups) ---------------------

vc_cases <- list()
vc_add <- function(id, V, args) {
  vc_cases[[length(vc_cases) + 1]] <<- c(list(id = id), args, list(V = mat(V)))
}
d <- dat.assink2016[dat.assink2016$study <= 6, ]
d$type <- ifelse(d$deltype == "overt", "a", ifelse(d$deltype == "covert", "b", "c"))
base <- list(vi = narr(d$vi), cluster = arr(as.integer(d$study)))
vc_add("obs", vcalc(vi, cluster = study, obs = esid, rho = 0.6, data = d), c(base, list(obs = arr(as.integer(d$esid)), rho = 0.6)))
vc_add("type", vcalc(vi, cluster = study, type = type, rho = 0.4, data = d), c(base, list(type = arr(d$type), rho = 0.4)))
vc_add("obs-type", vcalc(vi, cluster = study, obs = esid, type = type, rho = c(0.7, 0.3), data = d),
       c(base, list(obs = arr(as.integer(d$esid)), type = arr(d$type), rho = arr(c(0.7, 0.3)))))
vc_add("time", vcalc(vi, cluster = study, time1 = esid, phi = 0.8, data = d),
       c(base, list(time1 = narr(d$esid), phi = 0.8)))
vc_add("obs-time", vcalc(vi, cluster = study, obs = esid, rho = 0.5, time1 = esid, phi = 0.9, data = d),
       c(base, list(obs = arr(as.integer(d$esid)), rho = 0.5, time1 = narr(d$esid), phi = 0.9)))
vc_add("subgroup", vcalc(vi, cluster = study, subgroup = type, obs = esid, rho = 0.6, data = d),
       c(base, list(subgroup = arr(d$type), obs = arr(as.integer(d$esid)), rho = 0.6)))
vc_add("none", vcalc(vi, cluster = study, data = d), base)
write_cases("vcalc.json", vc_cases)

# ---- confint.rma.mv: profile-likelihood CIs of each sigma^2, and profile.rma.mv --------------------------------------

ci_cases <- list()
kon <- dat.konstantopoulos2011
fits <- list(
  konstantopoulos2011 = rma.mv(yi, vi, random = ~ 1 | district/school, data = kon),
  `konstantopoulos2011-ML` = rma.mv(yi, vi, random = ~ 1 | district/school, data = kon, method = "ML"),
  `assink2016-year` = rma.mv(yi, vi, mods = ~ year, random = ~ 1 | study/esid, data = assink),
  `assink2016-nested` = rma.mv(yi, vi, random = ~ 1 | study/deltype/esid, data = assink))
for (name in names(fits)) {
  res <- fits[[name]]
  for (tol in list(NULL, 1e-10)) {
    bounds <- list()
    for (j in seq_along(res$sigma2)) {
      ci <- if (is.null(tol)) confint(res, sigma2 = j) else confint(res, sigma2 = j, control = list(tol = tol))
      bounds[[j]] <- narr(ci$random[1, ])
    }
    ci_cases[[length(ci_cases) + 1]] <- list(id = paste(c(name, if (!is.null(tol)) "tol"), collapse = "-"),
                                             fit = name, tol = if (is.null(tol)) NULL else tol,
                                             sigma2 = narr(res$sigma2), bounds = bounds)
  }
  prof <- profile(res, sigma2 = 1, steps = 5, plot = FALSE, progbar = FALSE)
  ci_cases[[length(ci_cases) + 1]] <- list(id = paste(name, "profile", sep = "-"), fit = name,
                                           values = narr(prof$sigma2), ll = narr(prof$ll))
}
# profile.rma.uni (tau^2 of a random-effects model) on dat.bcg
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
for (method in c("REML", "ML")) {
  res <- rma(yi, vi, data = bcg, method = method)
  prof <- profile(res, steps = 7, plot = FALSE, progbar = FALSE)
  ci_cases[[length(ci_cases) + 1]] <- list(id = paste("bcg-profile", method, sep = "-"), fit = "bcg", method = method,
                                           yi = narr(bcg$yi), vi = narr(bcg$vi), tau2 = num(res$tau2),
                                           values = narr(prof$tau2), ll = narr(prof$ll))
}
write_cases("mv_confint.json", c(
  list(list(id = "data", konstantopoulos2011 = list(yi = narr(kon$yi), vi = narr(kon$vi),
                                                    district = arr(as.integer(kon$district)),
                                                    school = arr(as.integer(kon$school))))),
  ci_cases))

# ---- robust(): CR1 (metafor's default) and CR2 with clubSandwich -----------------------------------------------------

rob_fields <- function(rb) {
  list(beta = narr(rb$beta), se = narr(rb$se), tval = narr(rb$zval), pval = narr(rb$pval), df = narr(rb$dfs),
       ci_lb = narr(rb$ci.lb), ci_ub = narr(rb$ci.ub), QM = num(rb$QM), QM_df = narr(rb$QMdf),
       QM_pval = num(rb$QMp), n = as.integer(rb$n), vbest = rb$vbest)
}
rob_cases <- list()
# rma.uni: dat.bcg clustered by allocation method (3 clusters is too few for mods, so also by an artificial
# grouping of consecutive trials into 6 clusters).
bcg$grp <- c(1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 6)
for (spec in list(list(mods = FALSE, method = "REML"), list(mods = TRUE, method = "REML"),
                  list(mods = TRUE, method = "DL"), list(mods = FALSE, method = "FE"))) {
  res <- if (spec$mods) rma(yi, vi, mods = ~ ablat, data = bcg, method = spec$method) else
    rma(yi, vi, data = bcg, method = spec$method)
  for (cs in c(FALSE, TRUE)) {
    rb <- robust(res, cluster = grp, clubSandwich = cs)
    rob_cases[[length(rob_cases) + 1]] <- c(
      list(id = paste(c("bcg", if (spec$mods) "ablat", spec$method, if (cs) "CR2" else "CR1"), collapse = "-"),
           model = "uni", mods = spec$mods, method = spec$method, clubSandwich = cs, tau2 = num(res$tau2)),
      rob_fields(rb))
  }
}
for (spec in list(list(mods = FALSE), list(mods = TRUE))) {
  res <- if (spec$mods) rma.mv(yi, vi, mods = ~ year + deltype, random = ~ 1 | study/esid, data = assink) else
    rma.mv(yi, vi, random = ~ 1 | study/esid, data = assink)
  for (cs in c(FALSE, TRUE)) {
    rb <- robust(res, cluster = study, clubSandwich = cs)
    rob_cases[[length(rob_cases) + 1]] <- c(
      list(id = paste(c("assink2016", if (spec$mods) "year-deltype", if (cs) "CR2" else "CR1"), collapse = "-"),
           model = "mv", mods = spec$mods, clubSandwich = cs, sigma2 = narr(res$sigma2)),
      rob_fields(rb))
  }
}
write_cases("robust.json", c(
  list(list(id = "data", bcg = list(yi = narr(bcg$yi), vi = narr(bcg$vi), ablat = narr(bcg$ablat),
                                    grp = arr(as.integer(bcg$grp))),
            assink2016 = list(deltype_dummies = list(general = narr(assink$deltype == "general"),
                                                     overt = narr(assink$deltype == "overt"))))),
  rob_cases))

# ---- selmodel(): step function (3PSM, and two steps) and beta ---------------------------------------------------------

sel_fields <- function(sel) {
  list(beta = narr(sel$beta), se = narr(sel$se), tau2 = num(sel$tau2), se_tau2 = num(sel$se.tau2),
       delta = narr(sel$delta), se_delta = narr(sel$se.delta), LRT = num(sel$LRT), LRT_df = as.integer(sel$LRTdf),
       LRT_pval = num(sel$LRTp), ll = num(sel$ll), ll0 = num(sel$ll0), LRT_tau2 = num(sel$LRT.tau2),
       pval = narr(sel$pval), ci_lb = narr(sel$ci.lb), ci_ub = narr(sel$ci.ub), zval_delta = narr(sel$zval.delta),
       pval_delta = narr(sel$pval.delta), ptable = if (is.data.frame(sel$ptable)) arr(as.integer(sel$ptable$k)) else NULL)
}
hack <- dat.hackshaw1998
sel_cases <- list()
for (spec in list(list(data = "hackshaw1998", type = "stepfun", steps = 0.025, method = "REML"),
                  list(data = "hackshaw1998", type = "stepfun", steps = c(0.025, 0.5), method = "REML"),
                  list(data = "hackshaw1998", type = "beta", steps = NULL, method = "REML"),
                  list(data = "hackshaw1998", type = "stepfun", steps = 0.05, method = "FE"),
                  list(data = "bcg", type = "stepfun", steps = 0.025, method = "ML"))) {
  d <- if (spec$data == "bcg") bcg else hack
  res <- rma(yi, vi, data = d, method = spec$method)
  sel <- if (is.null(spec$steps)) selmodel(res, type = spec$type) else selmodel(res, type = spec$type, steps = spec$steps)
  sel_cases[[length(sel_cases) + 1]] <- c(
    list(id = paste(c(spec$data, spec$type, spec$steps, spec$method), collapse = "-"), type = spec$type,
         steps = if (is.null(spec$steps)) NULL else narr(spec$steps), method = spec$method,
         yi = narr(d$yi), vi = narr(d$vi)),
    sel_fields(sel))
}
write_cases("selmodel.json", sel_cases)

# ---- fsn(): Rosenthal, Orwin, Rosenberg --------------------------------------------------------------------------------

fsn_cases <- list()
for (data in c("bcg", "hackshaw1998")) {
  d <- if (data == "bcg") bcg else hack
  for (spec in list(list(type = "Rosenthal"), list(type = "Rosenthal", alpha = 0.01), list(type = "Orwin"),
                    list(type = "Orwin", target = 0.05), list(type = "Rosenberg"))) {
    args <- c(list(yi = d$yi, vi = d$vi), spec)
    f <- do.call(fsn, args)
    fsn_cases[[length(fsn_cases) + 1]] <- list(
      id = paste(c(data, spec$type, if (!is.null(spec$alpha)) spec$alpha, if (!is.null(spec$target)) spec$target),
                 collapse = "-"),
      type = spec$type, alpha = if (is.null(spec$alpha)) 0.05 else spec$alpha, target_arg = spec$target,
      yi = narr(d$yi), vi = narr(d$vi), fsnum = num(f$fsnum), pval = num(f$pval), meanes = num(f$meanes),
      target = num(f$target))
  }
}
write_cases("fsn.json", fsn_cases)

# ---- what the Baujat, radial, L'Abbe and normal QQ plots draw ---------------------------------------------------------

plot_cases <- list()
pdf(NULL)
for (spec in list(list(method = "REML", mods = FALSE), list(method = "FE", mods = FALSE),
                  list(method = "REML", mods = TRUE))) {
  res <- if (spec$mods) rma(yi, vi, mods = ~ ablat, data = bcg, method = spec$method) else
    rma(yi, vi, data = bcg, method = spec$method)
  bj <- baujat(res)
  qq <- qqnorm(res, envelope = FALSE)
  case <- list(id = paste(c("bcg", if (spec$mods) "ablat", spec$method), collapse = "-"), method = spec$method,
               mods = spec$mods, baujat_x = narr(bj$x), baujat_y = narr(bj$y), qq_x = narr(qq$x), qq_y = narr(qq$y))
  if (!spec$mods) {
    rd <- radial(res)
    case <- c(case, list(radial_x = narr(rd$x), radial_y = narr(rd$y)))
  }
  plot_cases[[length(plot_cases) + 1]] <- case
}
# the QQ envelope without smoothing, from many draws (a Monte Carlo quantity: compared loosely)
res <- rma(yi, vi, data = bcg)
set.seed(1)
k <- res$k
H <- hatvalues(res, type = "matrix")
ei <- apply((diag(k) - H) %*% matrix(rnorm(k * 20000), nrow = k), 2, sort)
plot_cases[[length(plot_cases) + 1]] <- list(id = "bcg-REML-envelope", reps = 20000L,
                                             lb = narr(apply(ei, 1, quantile, 0.025)),
                                             ub = narr(apply(ei, 1, quantile, 0.975)))
# L'Abbe: per-arm outcomes of dat.bcg on the scale of each measure
for (measure in c("RR", "OR", "RD")) {
  res <- rma(measure = measure, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
  t <- escalc(measure = switch(measure, RR = "PLN", OR = "PLO", RD = "PR"), xi = dat.bcg$tpos, mi = dat.bcg$tneg)
  cc <- escalc(measure = switch(measure, RR = "PLN", OR = "PLO", RD = "PR"), xi = dat.bcg$cpos, mi = dat.bcg$cneg)
  plot_cases[[length(plot_cases) + 1]] <- list(id = paste("bcg-labbe", measure, sep = "-"), measure = measure,
                                               ai = narr(dat.bcg$tpos), bi = narr(dat.bcg$tneg),
                                               ci = narr(dat.bcg$cpos), di = narr(dat.bcg$cneg),
                                               estimate = num(res$beta), x = narr(cc$yi), y = narr(t$yi),
                                               vi = narr(t$vi + cc$vi))
}
invisible(dev.off())
write_cases("plots_extra.json", plot_cases)

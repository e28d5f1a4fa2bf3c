#!/usr/bin/env Rscript
# Reference fixtures for what reviewers ask of a fitted model after the fit, computed by R's metafor (Viechtbauer
# 2010, doi:10.18637/jss.v036.i03): predict() with new moderator values and a back-transformation, the Q-profile CI
# of tau^2 of a meta-regression (confint.rma.uni), variance inflation factors (vif.rma), BLUPs and random effects
# (blup.rma.uni, ranef.rma.uni) and anova.rma (Wald tests of coefficient sets and linear contrasts, likelihood-ratio
# tests between nested models).
#
# Usage: Rscript tools/metafor_reference_predict.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes predict.json: the datasets (yi, vi, moderator matrix without the intercept), then one case per call with
# its dataset, the model settings and metafor's numbers, and the R, metafor and metadat versions that made it. The datasets are ones the
# other fixtures do not use: dat.raudenbush1985, dat.curtis1998, dat.li2007 and dat.bangertdrowns2004; the three-level
# cases (predict, ranef and anova of rma.mv) use dat.konstantopoulos2011.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

`%||%` <- function(a, b) if (is.null(a)) b else a
mat <- function(m) if (is.null(m)) NULL else lapply(seq_len(nrow(m)), function(i) narr(m[i, ]))

# ---- the datasets ----------------------------------------------------------------------------------------------
# Each: yi, vi and a moderator matrix (columns named as metafor names the coefficients).

raud <- dat.raudenbush1985
raud$weeks.c <- ifelse(raud$weeks > 3, 3, raud$weeks)   # as in metafor's documentation of the dataset
curtis <- escalc(measure = "ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
                 data = dat.curtis1998)
li <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.li2007)
# vif's documented example; rows with a missing moderator are left out here so the data are the fitted rows.
bd <- dat.bangertdrowns2004
bd <- bd[complete.cases(bd[, c("yi", "vi", "grade", "length", "wic", "feedback", "info", "pers", "imag", "meta")]), ]
bd_mods <- model.matrix(~ factor(grade) + length + wic + feedback + info + pers + imag + meta, data = bd)[, -1]

datasets <- list(
  raudenbush1985 = list(yi = raud$yi, vi = raud$vi, mods = cbind(weeks.c = raud$weeks.c)),
  curtis1998 = list(yi = as.numeric(curtis$yi), vi = as.numeric(curtis$vi),
                    mods = cbind(time = curtis$time, methodGH = as.numeric(curtis$method == "GH"),
                                 methodOTC = as.numeric(curtis$method == "OTC"))),
  li2007 = list(yi = as.numeric(li$yi), vi = as.numeric(li$vi), mods = NULL),
  bangertdrowns2004 = list(yi = bd$yi, vi = bd$vi, mods = bd_mods)
)

fit <- function(d, method, test, mods = TRUE) {
  if (mods && !is.null(d$mods)) rma(d$yi, d$vi, mods = d$mods, method = method, test = test)
  else rma(d$yi, d$vi, method = method, test = test)
}

# A case names its dataset and whether the model has its moderators; the data are written once, as cases of kind
# "data" (yi, vi, the moderator matrix without the intercept and its column names).
data_fields <- function(name, d, mods = TRUE) list(data = name, with_mods = mods && !is.null(d$mods))

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
for (name in names(datasets)) {
  d <- datasets[[name]]
  add(list(kind = "data", id = paste0("data-", name), yi = narr(d$yi), vi = narr(d$vi), mods = mat(d$mods),
           names = if (is.null(d$mods)) NULL else arr(colnames(d$mods))))
}

# ---- predict() -------------------------------------------------------------------------------------------------

predict_specs <- list(
  list(data = "raudenbush1985", method = "REML", test = "z", newmods = matrix(0:3, ncol = 1), transf = NULL),
  list(data = "raudenbush1985", method = "REML", test = "knha", newmods = matrix(c(0, 1.5, 3), ncol = 1),
       transf = NULL),
  list(data = "raudenbush1985", method = "FE", test = "z", newmods = matrix(c(0, 2), ncol = 1), transf = NULL),
  list(data = "raudenbush1985", method = "REML", test = "z", newmods = NULL, transf = NULL),
  list(data = "curtis1998", method = "REML", test = "z",
       newmods = rbind(c(10, 0, 0), c(100, 1, 0), c(300, 0, 1)), transf = "exp"),
  list(data = "curtis1998", method = "DL", test = "knha", newmods = rbind(c(50, 0, 1)), transf = "exp"),
  list(data = "li2007", method = "REML", test = "z", newmods = NULL, transf = "exp"),
  list(data = "li2007", method = "PM", test = "knha", newmods = NULL, transf = NULL),
  list(data = "li2007", method = "EE", test = "z", newmods = NULL, transf = "exp")
)
for (spec in predict_specs) {
  d <- datasets[[spec$data]]
  res <- fit(d, spec$method, spec$test)
  tf <- if (is.null(spec$transf)) FALSE else get(spec$transf)
  pr <- if (is.null(spec$newmods)) predict(res, transf = tf) else predict(res, newmods = spec$newmods, transf = tf)
  add(c(list(kind = "predict", id = paste("predict", spec$data, spec$method, spec$test, spec$transf %||% "none",
                                          if (is.null(spec$newmods)) "fitted" else "newmods", sep = "-")),
        data_fields(spec$data, d),
        list(method = spec$method, test = spec$test, newmods = mat(spec$newmods), transf = spec$transf,
             pred = narr(pr$pred), se = if (all(is.na(pr$se))) NULL else narr(pr$se), ci_lb = narr(pr$ci.lb),
             ci_ub = narr(pr$ci.ub), pi_lb = if (is.null(pr$pi.lb)) NULL else narr(pr$pi.lb),
             pi_ub = if (is.null(pr$pi.ub)) NULL else narr(pr$pi.ub))))
}

# ---- confint(): Q-profile CI of (residual) tau^2, I^2, H^2 -----------------------------------------------------

confint_specs <- list(
  list(data = "raudenbush1985", method = "REML", test = "z", mods = TRUE),
  list(data = "raudenbush1985", method = "REML", test = "z", mods = FALSE),
  list(data = "curtis1998", method = "REML", test = "z", mods = TRUE),
  list(data = "curtis1998", method = "DL", test = "knha", mods = TRUE),
  list(data = "bangertdrowns2004", method = "REML", test = "z", mods = TRUE),
  list(data = "li2007", method = "REML", test = "z", mods = FALSE)
)
for (spec in confint_specs) {
  d <- datasets[[spec$data]]
  res <- fit(d, spec$method, spec$test, mods = spec$mods)
  for (tol in list(NULL, 1e-10)) {
    ci <- if (is.null(tol)) confint(res) else confint(res, control = list(tol = tol))
    r <- ci$random
    add(c(list(kind = "confint", id = paste("confint", spec$data, spec$method, spec$test,
                                            if (spec$mods) "mods" else "intercept", if (is.null(tol)) "deftol" else "tol1e-10",
                                            sep = "-")),
          data_fields(spec$data, d, mods = spec$mods),
          list(method = spec$method, test = spec$test, tol = tol, tau2 = narr(r["tau^2", ]), tau = narr(r["tau", ]),
               I2 = narr(r["I^2(%)", ]), H2 = narr(r["H^2", ]), lb_sign = ci$lb.sign, ub_sign = ci$ub.sign)))
  }
}

# ---- vif() -----------------------------------------------------------------------------------------------------

d <- datasets$bangertdrowns2004
for (spec in list(list(method = "REML", test = "z"), list(method = "FE", test = "z"),
                  list(method = "REML", test = "knha"))) {
  res <- fit(d, spec$method, spec$test)
  v <- vif(res)
  add(c(list(kind = "vif", id = paste("vif-bangertdrowns2004", spec$method, spec$test, sep = "-")),
        data_fields("bangertdrowns2004", d),
        list(method = spec$method, test = spec$test, btt = NULL, vif = narr(v$vifs),
             sif = narr(sapply(v$vif, function(z) z$sif)))))
  # the three grade dummies as one set (GVIF), and length alone
  for (btt in list(2:4, 5, c(5, 9))) {
    g <- vif(res, btt = btt)
    add(c(list(kind = "vif", id = paste("vif-bangertdrowns2004", spec$method, spec$test, paste(btt, collapse = "."),
                                        sep = "-")),
          data_fields("bangertdrowns2004", d),
          list(method = spec$method, test = spec$test, btt = arr(as.integer(btt)), vif = narr(g$vifs),
               sif = narr(sapply(g$vif, function(z) z$sif)))))
  }
}
d <- datasets$curtis1998
res <- fit(d, "REML", "z")
v <- vif(res)
add(c(list(kind = "vif", id = "vif-curtis1998-REML-z"), data_fields("curtis1998", d),
      list(method = "REML", test = "z", btt = NULL, vif = narr(v$vifs), sif = narr(sapply(v$vif, function(z) z$sif)))))

# ---- blup() and ranef() ----------------------------------------------------------------------------------------

for (spec in list(list(data = "raudenbush1985", method = "REML", test = "z", mods = TRUE, transf = NULL),
                  list(data = "raudenbush1985", method = "REML", test = "z", mods = FALSE, transf = NULL),
                  list(data = "raudenbush1985", method = "DL", test = "knha", mods = TRUE, transf = NULL),
                  list(data = "raudenbush1985", method = "FE", test = "z", mods = TRUE, transf = NULL),
                  list(data = "curtis1998", method = "REML", test = "knha", mods = TRUE, transf = NULL),
                  list(data = "li2007", method = "REML", test = "z", mods = FALSE, transf = "exp"))) {
  d <- datasets[[spec$data]]
  res <- fit(d, spec$method, spec$test, mods = spec$mods)
  tf <- if (is.null(spec$transf)) FALSE else get(spec$transf)
  b <- blup(res, transf = tf)
  r <- ranef(res, transf = tf)
  add(c(list(kind = "blup", id = paste("blup", spec$data, spec$method, spec$test,
                                       if (spec$mods) "mods" else "intercept", spec$transf %||% "none", sep = "-")),
        data_fields(spec$data, d, mods = spec$mods),
        list(method = spec$method, test = spec$test, transf = spec$transf,
             blup = list(pred = narr(b$pred), se = if (all(is.na(b$se))) NULL else narr(b$se),
                         pi_lb = narr(b$pi.lb), pi_ub = narr(b$pi.ub)),
             ranef = list(pred = narr(r$pred), se = if (all(is.na(r$se))) NULL else narr(r$se),
                          pi_lb = narr(r$pi.lb), pi_ub = narr(r$pi.ub)))))
}

# ---- anova(): Wald tests of coefficient sets and of linear contrasts -------------------------------------------

d <- datasets$bangertdrowns2004
for (test in c("z", "knha")) {
  res <- fit(d, "REML", test)
  for (btt in list(2:4, 5, 6:11)) {
    a <- anova(res, btt = btt)
    add(c(list(kind = "wald_btt", id = paste("wald-bangertdrowns2004-REML", test, paste(btt, collapse = "."), sep = "-")),
          data_fields("bangertdrowns2004", d),
          list(method = "REML", test = test, btt = arr(as.integer(btt)), QM = num(a$QM),
               QM_df = arr(as.integer(a$QMdf[!is.na(a$QMdf)])), QM_pval = num(a$QMp))))
  }
  # grade 2 against grade 3, and grade 4 against grade 2 (dummies are against grade 1); length alone
  L <- rbind(c(0, 1, -1, 0, 0, 0, 0, 0, 0, 0, 0), c(0, -1, 0, 1, 0, 0, 0, 0, 0, 0, 0),
             c(0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0))
  for (contr in list(L, L[1, , drop = FALSE])) {
    a <- anova(res, X = contr)
    add(c(list(kind = "wald_contrast", id = paste("contrast-bangertdrowns2004-REML", test, nrow(contr), sep = "-")),
          data_fields("bangertdrowns2004", d),
          list(method = "REML", test = test, contrasts = mat(contr), estimate = narr(a$Xb), se = narr(a$se),
               zval = narr(a$zval), pval = narr(a$pval), QM = num(a$QM),
               QM_df = arr(as.integer(a$QMdf[!is.na(a$QMdf)])), QM_pval = num(a$QMp))))
  }
}

# ---- anova(): likelihood-ratio tests between nested models ----------------------------------------------------

lrt_specs <- list(
  # ML fits with different moderators; the full model first or second
  list(data = "raudenbush1985", full = list(method = "ML", mods = TRUE), reduced = list(method = "ML", mods = FALSE)),
  list(data = "curtis1998", full = list(method = "ML", mods = TRUE), reduced = list(method = "ML", mods = FALSE)),
  # REML with identical fixed effects: is there heterogeneity at all (tau^2 = 0, the equal-effects model)?
  list(data = "li2007", full = list(method = "REML", mods = FALSE), reduced = list(method = "EE", mods = FALSE)),
  list(data = "raudenbush1985", full = list(method = "REML", mods = TRUE), reduced = list(method = "EE", mods = TRUE)),
  # equal-effects models with and without moderators
  list(data = "curtis1998", full = list(method = "EE", mods = TRUE), reduced = list(method = "EE", mods = FALSE)),
  # REML fits with different moderators: compared as they are (metafor warns), or refitted with ML (refit = TRUE)
  list(data = "curtis1998", full = list(method = "REML", mods = TRUE), reduced = list(method = "REML", mods = FALSE)),
  list(data = "curtis1998", full = list(method = "REML", mods = TRUE), reduced = list(method = "REML", mods = FALSE),
       refit = TRUE)
)
for (spec in lrt_specs) {
  d <- datasets[[spec$data]]
  # fitted by do.call() with the formula and the data frame themselves in the call: refit = TRUE refits both by
  # update() inside anova(), which evaluates the call there, where names such as X or formula mean other things
  frame <- data.frame(yi = d$yi, vi = d$vi)
  if (!is.null(d$mods)) frame <- cbind(frame, d$mods)
  rhs <- if (is.null(d$mods)) NULL else as.formula(paste("~", paste(colnames(d$mods), collapse = " + ")))
  refit_fit <- function(m) {
    args <- list(yi = quote(yi), vi = quote(vi), method = m$method, data = frame)
    if (m$mods) args$mods <- rhs
    do.call(rma, args)
  }
  f <- refit_fit(spec$full)
  r <- refit_fit(spec$reduced)
  refit <- isTRUE(spec$refit)
  a <- suppressWarnings(anova(f, r, refit = refit))
  stats <- function(s) list(ll = num(s["ll"]), dev = num(s["dev"]), AIC = num(s["AIC"]), BIC = num(s["BIC"]),
                            AICc = num(s["AICc"]))
  add(c(list(kind = "lrt", id = paste(c("lrt", spec$data, spec$full$method, spec$reduced$method,
                                        if (spec$full$mods) "mods" else "intercept",
                                        if (spec$reduced$mods) "mods" else "intercept", if (refit) "refit"),
                                      collapse = "-")),
        data_fields(spec$data, d),
        list(full = list(method = spec$full$method, mods = spec$full$mods),
             reduced = list(method = spec$reduced$method, mods = spec$reduced$mods), refit = refit,
             parms_full = as.integer(a$parms.f), parms_reduced = as.integer(a$parms.r),
             fit_full = stats(a$fit.stats.f), fit_reduced = stats(a$fit.stats.r), LRT = num(a$LRT), pval = num(a$pval),
             QE_full = num(a$QE.f), QE_reduced = num(a$QE.r), tau2_full = num(a$tau2.f), tau2_reduced = num(a$tau2.r),
             R2 = num(a$R2))))
}

# ---- three-level models: predict(), ranef() and anova() of rma.mv --------------------------------------------------
# dat.konstantopoulos2011: schools within districts, ~ 1 | district/school, with and without the centred year.

kon <- dat.konstantopoulos2011
kon_year <- kon$year - 1980
add(list(kind = "data", id = "data-konstantopoulos2011", yi = narr(kon$yi), vi = narr(kon$vi),
         district = arr(as.character(kon$district)), school = arr(as.character(kon$school)),
         mods = mat(cbind(year = kon_year)), names = arr("year")))
for (spec in list(list(method = "REML", test = "z", mods = FALSE), list(method = "REML", test = "t", mods = TRUE),
                  list(method = "ML", test = "z", mods = TRUE))) {
  res <- if (spec$mods) {
    rma.mv(kon$yi, kon$vi, mods = ~ kon_year, random = ~ 1 | district/school, method = spec$method, test = spec$test,
           data = kon)
  } else {
    rma.mv(kon$yi, kon$vi, random = ~ 1 | district/school, method = spec$method, test = spec$test, data = kon)
  }
  newmods <- if (spec$mods) matrix(c(-5, 0, 5), ncol = 1) else NULL
  pr <- if (spec$mods) predict(res, newmods = newmods) else predict(res)
  r <- ranef(res)
  ranefs <- lapply(r, function(tab) list(levels = arr(rownames(tab)), pred = narr(tab$intrcpt), se = narr(tab$se),
                                         pi_lb = narr(tab$pi.lb), pi_ub = narr(tab$pi.ub)))
  id <- paste("mv-konstantopoulos2011", spec$method, spec$test, if (spec$mods) "year" else "intercept", sep = "-")
  add(list(kind = "mv", id = id, data = "konstantopoulos2011", with_mods = spec$mods, method = spec$method,
           test = spec$test, newmods = mat(newmods), pred = narr(pr$pred), se = narr(pr$se), ci_lb = narr(pr$ci.lb),
           ci_ub = narr(pr$ci.ub), pi_lb = narr(pr$pi.lb), pi_ub = narr(pr$pi.ub), ranef_factors = arr(names(r)),
           ranef = unname(ranefs),
           wald = if (spec$mods) {
             a <- anova(res, btt = 2)
             list(QM = num(a$QM), QM_df = arr(as.integer(a$QMdf[!is.na(a$QMdf)])), QM_pval = num(a$QMp))
           } else NULL))
}

# likelihood-ratio tests between three-level models: the year (ML), and the school level (REML, same fixed effects)
for (spec in list(list(method = "ML", full = "year", reduced = "none"),
                  list(method = "REML", full = "school", reduced = "district"))) {
  f <- if (spec$full == "year") {
    rma.mv(kon$yi, kon$vi, mods = ~ kon_year, random = ~ 1 | district/school, method = spec$method, data = kon)
  } else {
    rma.mv(kon$yi, kon$vi, random = ~ 1 | district/school, method = spec$method, data = kon)
  }
  r <- if (spec$reduced == "none") {
    rma.mv(kon$yi, kon$vi, random = ~ 1 | district/school, method = spec$method, data = kon)
  } else {
    rma.mv(kon$yi, kon$vi, random = ~ 1 | district, method = spec$method, data = kon)
  }
  a <- anova(f, r)
  stats <- function(s) list(ll = num(s["ll"]), dev = num(s["dev"]), AIC = num(s["AIC"]), BIC = num(s["BIC"]),
                            AICc = num(s["AICc"]))
  add(list(kind = "mv_lrt", id = paste("mv-lrt-konstantopoulos2011", spec$method, spec$full, spec$reduced, sep = "-"),
           data = "konstantopoulos2011", method = spec$method, full = spec$full, reduced = spec$reduced,
           parms_full = as.integer(a$parms.f), parms_reduced = as.integer(a$parms.r), fit_full = stats(a$fit.stats.f),
           fit_reduced = stats(a$fit.stats.r), LRT = num(a$LRT), pval = num(a$pval), QE_full = num(a$QE.f),
           QE_reduced = num(a$QE.r)))
}

write_cases("predict.json", cases)

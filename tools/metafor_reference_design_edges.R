#!/usr/bin/env Rscript
# Reference fixtures for metafor 3.8-1 (Viechtbauer 2010, doi:10.18637/jss.v036.i03) at the edges of a moderator
# design (issue #16):
# - rma.mv with as many coefficients as effect sizes (two trials of dat.bcg and ablat; ~ 1 | study and
#   ~ 1 | study/es; REML and ML): rma.mv has no check of p against k and fits it (QE on 0 df, sigma^2 at 0);
# - every moderator redundant (a constant column, and it with its double): metafor drops them with its warning and
#   fits the intercept-only model (rma REML, DL, EE on dat.bcg; rma.mv ~ 1 | trial);
# - the saturated EE/FE meta-regression (k = p: two trials and ablat, and ablat + year, whose year is dropped);
# - regtest(model = "lm") and regtest(method = "EE") whose regression has as many coefficients as studies (two
#   trials; three trials with ablat): lm's t and p are NA on 0 df, and so is the limit estimate's CI (R's qt warns);
# - influence() of an EE/FE meta-regression on three trials with ablat, whose refits are saturated.
# Each case records the inputs, metafor's error (or null), its warnings and, where it fits, the numbers.
#
# Usage: Rscript tools/metafor_reference_design_edges.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes design_edges.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
yi <- as.numeric(bcg$yi)
vi <- as.numeric(bcg$vi)
ablat <- as.numeric(bcg$ablat)
year <- as.numeric(bcg$year)
const <- rep(5, 13)

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
error_of <- function(out) if (inherits(out$res, "error")) conditionMessage(out$res) else NULL

fit_fields <- function(res) {
  if (inherits(res, "error")) return(list())
  fields <- list(coef_names = arr(rownames(res$beta)), beta = narr(res$beta), se = narr(res$se),
                 zval = narr(res$zval), pval = narr(res$pval), ci_lb = narr(res$ci.lb), ci_ub = narr(res$ci.ub),
                 QE = num(res$QE), QEp = num(res$QEp), QM = num(res$QM), QMp = num(res$QMp),
                 int_only = res$int.only, logLik = num(logLik(res)))
  if (inherits(res, "rma.mv")) {
    c(fields, list(sigma2 = narr(res$sigma2)))
  } else {
    # R^2 is NULL for an intercept-only model and NA for a saturated EE/FE one.
    c(fields, list(tau2 = num(res$tau2), I2 = num(res$I2), H2 = num(res$H2), R2 = num(res$R2)))
  }
}

# ---- rma.mv with p = k ---------------------------------------------------------------------------------------
two <- data.frame(yi = yi[1:2], vi = vi[1:2], ablat = ablat[1:2], study = 1:2, es = 1)
for (random in c("study", "study/es")) {
  for (method in c("REML", "ML")) {
    out <- attempt(rma.mv(yi, vi, mods = ~ ablat, random = as.formula(paste("~ 1 |", random)), data = two,
                          method = method))
    add(c(list(kind = "mv-saturated", id = paste("mv-k2-ablat", random, method, sep = "-"), method = method,
               random = random, yi = narr(two$yi), vi = narr(two$vi), ablat = narr(two$ablat),
               study = arr(two$study), es = arr(two$es), error = error_of(out), warnings = arr(out$warnings)),
          fit_fields(out$res)))
  }
}

# ---- every moderator redundant -------------------------------------------------------------------------------
for (terms in c("const", "const+double")) {
  X <- if (terms == "const") cbind(const = const) else cbind(const = const, double = 2 * const)
  for (method in c("REML", "DL", "EE")) {
    out <- attempt(rma(yi, vi, mods = X, method = method))
    add(c(list(kind = "redundant", id = paste("all-redundant", terms, method, sep = "-"), method = method,
               terms = terms, yi = narr(yi), vi = narr(vi), const = narr(const), error = error_of(out),
               warnings = arr(out$warnings)), fit_fields(out$res)))
  }
  out <- attempt(rma.mv(yi, vi, mods = X, random = ~ 1 | trial, data = bcg))
  add(c(list(kind = "redundant-mv", id = paste("all-redundant-mv", terms, sep = "-"), method = "REML",
             terms = terms, yi = narr(yi), vi = narr(vi), const = narr(const), trial = arr(bcg$trial),
             error = error_of(out), warnings = arr(out$warnings)), fit_fields(out$res)))
}

# ---- the saturated EE/FE meta-regression ---------------------------------------------------------------------
for (method in c("EE", "FE")) {
  for (terms in c("ablat", "ablat+year")) {
    X <- if (terms == "ablat") cbind(ablat = ablat[1:2]) else cbind(ablat = ablat[1:2], year = year[1:2])
    out <- attempt(rma(yi[1:2], vi[1:2], mods = X, method = method))
    add(c(list(kind = "saturated", id = paste("saturated-k2", terms, method, sep = "-"), method = method,
               terms = terms, yi = narr(yi[1:2]), vi = narr(vi[1:2]), ablat = narr(ablat[1:2]),
               year = narr(year[1:2]), error = error_of(out), warnings = arr(out$warnings)), fit_fields(out$res)))
  }
}

# ---- regtest whose regression has as many coefficients as studies --------------------------------------------
regtest_case <- function(id, rows, mods, model, method, predictor) {
  res <- if (mods) rma(yi[rows], vi[rows], mods = ~ ablat[rows], method = method) else
    rma(yi[rows], vi[rows], method = method)
  out <- attempt(regtest(res, model = model, predictor = predictor))
  r <- out$res
  numbers <- if (inherits(r, "error")) list() else
    list(zval = num(r$zval), pval = num(r$pval), df = num(r$dfs), est = num(r$est), ci_lb = num(r$ci.lb),
         ci_ub = num(r$ci.ub))
  add(c(list(kind = "regtest", id = id, model = model, method = method, predictor = predictor,
             yi = narr(yi[rows]), vi = narr(vi[rows]), ablat = if (mods) narr(ablat[rows]) else NULL,
             error = error_of(out), warnings = arr(out$warnings)), numbers))
}
for (predictor in c("sei", "vi")) {
  regtest_case(paste("regtest-lm-k2", predictor, sep = "-"), 1:2, FALSE, "lm", "REML", predictor)
  regtest_case(paste("regtest-EE-k2", predictor, sep = "-"), 1:2, FALSE, "rma", "EE", predictor)
}
regtest_case("regtest-lm-k3-ablat", 1:3, TRUE, "lm", "REML", "sei")
regtest_case("regtest-EE-k3-ablat", 1:3, TRUE, "rma", "EE", "sei")

# ---- influence() of an EE/FE meta-regression with k = p + 1: each refit is the saturated fit --------------------
for (method in c("EE", "FE")) {
  out <- attempt(influence(rma(yi[1:3], vi[1:3], mods = ~ ablat[1:3], method = method)))
  inf <- out$res$inf
  add(list(kind = "influence", id = paste("influence-k3-ablat", method, sep = "-"), method = method,
           yi = narr(yi[1:3]), vi = narr(vi[1:3]), ablat = narr(ablat[1:3]), error = error_of(out),
           warnings = arr(out$warnings), rstudent = narr(inf$rstudent), dffits = narr(inf$dffits),
           cook_d = narr(inf$cook.d), cov_r = narr(inf$cov.r), tau2_del = narr(inf$tau2.del), QE_del = narr(inf$QE.del),
           hat = narr(inf$hat), weight = narr(inf$weight), influential = arr(as.logical(inf$inf == "*")),
           dfbetas = list(narr(out$res$dfbs$intrcpt), narr(out$res$dfbs$ablat))))
}

write_cases("design_edges.json", cases)

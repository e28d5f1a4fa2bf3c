#!/usr/bin/env Rscript
# Reference fixtures for metafor 3.8-1's rma.mv (Viechtbauer 2010, doi:10.18637/jss.v036.i03) at its edges, and for
# anova.rma where it refits or ignores an argument:
# - rma.mv with k = 2 and k = 1: ~ 1 | study/es with both effect sizes in one study (a single-level factor, whose
#   sigma^2 metafor fixes at 0 with a warning) and in two studies (two factors with the same units: metafor splits the
#   one identified variance between them as it starts), ~ 1 | study with one and with two studies; and k = 3 in one
#   study (the single-level rule beyond k = 2);
# - a known sampling covariance matrix V (vcalc, rho = 0.6, on dat.konstantopoulos2011's first 30 rows) with one
#   diagonal element at 0 and at -0.01 (metafor sets a negative variance's row and column of V to 0 and warns);
# - anova(full, reduced, refit = TRUE) of two rma.mv REML fits with different fixed effects (both refitted by ML);
# - anova(res, btt =, X =) with both given, of an rma.uni and an rma.mv fit (metafor takes X and ignores btt).
# Each case records the inputs, metafor's error (or null), its warnings and, where it fits, the numbers.
#
# Usage: Rscript tools/metafor_reference_mv_edges.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes mv_edges.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

mat <- function(m) lapply(seq_len(nrow(m)), function(i) narr(m[i, ]))
cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case

mv_fields <- function(res) {
  if (inherits(res, "error")) return(list())
  list(sigma2 = narr(res$sigma2), fixed = arr(as.logical(res$vc.fix$sigma2)), n_levels = arr(as.integer(res$s.nlevels)),
       beta = narr(res$beta), se = narr(res$se), zval = narr(res$zval), pval = narr(res$pval), ci_lb = narr(res$ci.lb),
       ci_ub = narr(res$ci.ub), QE = num(res$QE), QE_pval = num(res$QEp), logLik = num(logLik(res)))
}

# ---- rma.mv with k = 2 (and k = 1, k = 3 in one study) --------------------------------------------------------------

yi2 <- c(0.1, 0.5)
vi2 <- c(0.01, 0.02)
small <- list(
  list(id = "k2-one-study-nested", yi = yi2, vi = vi2, study = c(1, 1), es = c(1, 2)),
  list(id = "k2-two-studies-nested", yi = yi2, vi = vi2, study = c(1, 2), es = c(1, 1)),
  list(id = "k2-two-studies-study", yi = yi2, vi = vi2, study = c(1, 2), es = NULL),
  list(id = "k2-one-study-study", yi = yi2, vi = vi2, study = c(1, 1), es = NULL),
  list(id = "k3-one-study-nested", yi = c(0.1, 0.5, 0.3), vi = c(0.01, 0.02, 0.015), study = c(1, 1, 1),
       es = c(1, 2, 3)),
  list(id = "k1-nested", yi = 0.1, vi = 0.01, study = 1, es = 1),
  list(id = "k1-study", yi = 0.1, vi = 0.01, study = 1, es = NULL))
for (spec in small) {
  d <- data.frame(yi = spec$yi, vi = spec$vi, study = spec$study)
  if (!is.null(spec$es)) d$es <- spec$es
  for (method in c("REML", "ML")) {
    out <- attempt(if (is.null(spec$es)) {
      rma.mv(yi, vi, random = ~ 1 | study, data = d, method = method)
    } else {
      rma.mv(yi, vi, random = ~ 1 | study/es, data = d, method = method)
    })
    error <- if (inherits(out$res, "error")) conditionMessage(out$res) else NULL
    add(c(list(kind = "small", id = paste(spec$id, method, sep = "-"), method = method, yi = narr(spec$yi),
               vi = narr(spec$vi), study = arr(as.integer(spec$study)),
               es = if (is.null(spec$es)) NULL else arr(as.integer(spec$es)), error = error,
               warnings = arr(out$warnings)), mv_fields(out$res)))
  }
}

# ---- a V with a diagonal element at 0 or below ---------------------------------------------------------------------

kon <- dat.konstantopoulos2011[1:30, ]
V <- vcalc(vi, cluster = district, obs = school, rho = 0.6, data = kon)
for (value in c(0, -0.01)) {
  Vbad <- V
  Vbad[5, 5] <- value
  for (method in c("REML", "ML")) {
    out <- attempt(rma.mv(yi, Vbad, random = ~ 1 | district/school, data = kon, method = method))
    error <- if (inherits(out$res, "error")) conditionMessage(out$res) else NULL
    add(c(list(kind = "V", id = paste("V-diag", if (value == 0) "zero" else "negative", method, sep = "-"),
               method = method, yi = narr(kon$yi), V = mat(Vbad), district = arr(as.integer(kon$district)),
               school = arr(as.integer(kon$school)), error = error, warnings = arr(out$warnings)),
          mv_fields(out$res)))
  }
}

# ---- anova(full, reduced, refit = TRUE) of two rma.mv REML fits ----------------------------------------------------

kon <- dat.konstantopoulos2011
kon$year_c <- kon$year - 1980
stats <- function(s) list(ll = num(s["ll"]), dev = num(s["dev"]), AIC = num(s["AIC"]), BIC = num(s["BIC"]),
                          AICc = num(s["AICc"]))
full <- rma.mv(yi, vi, mods = ~ year_c, random = ~ 1 | district/school, data = kon)
reduced <- rma.mv(yi, vi, random = ~ 1 | district/school, data = kon)
for (refit in c(TRUE, FALSE)) {
  out <- attempt(anova(full, reduced, refit = refit))
  a <- out$res
  add(list(kind = "mv_refit", id = paste("mv-lrt-REML-year", if (refit) "refit" else "asis", sep = "-"),
           refit = refit, yi = narr(kon$yi), vi = narr(kon$vi), district = arr(as.integer(kon$district)),
           school = arr(as.integer(kon$school)), year = narr(kon$year_c), warnings = arr(out$warnings),
           method = a$method, parms_full = as.integer(a$parms.f), parms_reduced = as.integer(a$parms.r),
           fit_full = stats(a$fit.stats.f), fit_reduced = stats(a$fit.stats.r), LRT = num(a$LRT), pval = num(a$pval),
           QE_full = num(a$QE.f), QE_reduced = num(a$QE.r)))
}

# ---- anova(res, btt =, X =): both given ---------------------------------------------------------------------------

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
uni <- rma(yi, vi, mods = ~ ablat + year, data = bcg)
L <- rbind(c(0, 1, -1))
for (spec in list(list(id = "btt-X-uni", res = uni, btt = 2L, X = L),
                  list(id = "btt-X-mv", res = full, btt = 1L, X = rbind(c(0, 1))))) {
  out <- attempt(anova(spec$res, btt = spec$btt, X = spec$X))
  alone <- anova(spec$res, X = spec$X)
  a <- out$res
  add(list(kind = "btt_X", id = spec$id, btt = spec$btt, contrasts = mat(spec$X),
           warnings = arr(out$warnings), type = a$type, estimate = narr(a$Xb), se = narr(a$se), zval = narr(a$zval),
           pval = narr(a$pval), QM = num(a$QM), QM_pval = num(a$QMp),
           same_as_X_alone = isTRUE(all.equal(a$Xb, alone$Xb)) && identical(a$QM, alone$QM)))
}
add(list(kind = "btt_X_data", id = "data-bcg", yi = narr(bcg$yi), vi = narr(bcg$vi), ablat = narr(bcg$ablat),
         year = narr(bcg$year)))

write_cases("mv_edges.json", cases)

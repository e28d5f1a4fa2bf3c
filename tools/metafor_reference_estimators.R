#!/usr/bin/env Rscript
# Reference fixtures for the tau^2 estimators PMM (median-unbiased Paule-Mandel; Viechtbauer 2021), HSk
# (Hunter-Schmidt with the small-sample correction k/(k - p); Brannick et al. 2019) and GENQ (generalised Q with
# user weights; DerSimonian & Kacker 2007, Jackson et al. 2014), computed by R's metafor (Viechtbauer 2010,
# doi:10.18637/jss.v036.i03): rma(yi, vi, [weights = ...,] [mods = ...,] method = ..., test = ...), with and without
# a moderator, with z and Knapp-Hartung tests. GENQ takes weights, and with weights metafor fits the model by
# weighted least squares with them (a sandwich variance); REML with the same weights checks that fit apart from GENQ.
#
# Usage: Rscript tools/metafor_reference_estimators.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes estimators.json: the datasets (yi, vi, moderator matrix without the intercept), then one case per fit
# with its dataset, settings and metafor's numbers, and the R, metafor and metadat versions that made it. PMM
# solves its equation with uniroot at control$tol, so its cases are written twice: at metafor's default tol
# (.Machine$double.eps^0.25, what metafor prints) and at tol = 1e-12 (the root itself). The datasets are ones the
# other fixtures do not use: dat.baskerville2012, dat.dorn2007, dat.ishak2007 (the rows with a first outcome;
# its effects in points, so mad(yi)^2 decides PMM's tau2.max), dat.craft2003 (Fisher's z) and dat.collins1985a
# (log risk ratios of death, tau^2 = 0).
# Also estimators_gosh.json (gosh on the first 6 studies of dat.baskerville2012: all 63 subsets) and
# estimators_permutest.json (exact permutest on its first 6 studies with ~ meetings, 720 arrangements, and on its first
# 8 without moderators, 2^8 sign flips), in the layout of gosh.json and permutest.json (tools/metafor_reference.R);
# these refit with the model's control, so PMM there is at tol = 1e-12, as PM in those files.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

mat <- function(m) if (is.null(m)) NULL else lapply(seq_len(nrow(m)), function(i) narr(m[i, ]))

# ---- the datasets ----------------------------------------------------------------------------------------------

bask <- dat.baskerville2012
dorn <- escalc(measure = "RR", ai = x.a, n1i = n.a, ci = x.p, n2i = n.p, data = dat.dorn2007)
ishak <- dat.ishak2007[!is.na(dat.ishak2007$y1i), ]
craft <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.craft2003)
craft <- craft[!is.na(craft$yi), ]   # correlations the studies did not report
# Deaths: homogeneous, so PMM and HSk truncate tau^2 at 0; trials without deaths in either arm (NA) are left out.
collins <- escalc(measure = "RR", ai = d.xti, n1i = nti, ci = d.xci, n2i = nci, data = dat.collins1985a)
collins <- collins[!is.na(collins$yi), ]

# The GENQ weights: total sample sizes where the data have them, else 1/se (1/sqrt(vi)).
datasets <- list(
  baskerville2012 = list(yi = bask$smd, vi = bask$se^2, mods = cbind(score = bask$score), weights = 1 / bask$se),
  dorn2007 = list(yi = as.numeric(dorn$yi), vi = as.numeric(dorn$vi), mods = cbind(year = dorn$year),
                  weights = dorn$n.a + dorn$n.p),
  ishak2007 = list(yi = ishak$y1i, vi = ishak$v1i, mods = cbind(mdur = ishak$mdur), weights = 1 / sqrt(ishak$v1i)),
  craft2003 = list(yi = as.numeric(craft$yi), vi = as.numeric(craft$vi),
                   mods = cbind(sportT = as.numeric(craft$sport == "T")), weights = craft$ni),
  collins1985a = list(yi = as.numeric(collins$yi), vi = as.numeric(collins$vi), mods = cbind(year = collins$year),
                      weights = collins$nti + collins$nci)
)

cases <- list()
add <- function(case) cases[[length(cases) + 1]] <<- case
for (name in names(datasets)) {
  d <- datasets[[name]]
  add(list(kind = "data", id = paste0("data-", name), yi = narr(d$yi), vi = narr(d$vi), mods = mat(d$mods),
           names = arr(colnames(d$mods)), weights = narr(d$weights)))
}

# ---- the fits --------------------------------------------------------------------------------------------------

fit <- function(d, method, test, mods, control, weighted) {
  args <- list(yi = d$yi, vi = d$vi, method = method, test = test, control = control)
  if (weighted) args$weights <- d$weights
  if (mods) args$mods <- d$mods
  do.call(rma, args)
}

# Each method: its control settings by name, and whether it is fitted with the data set's weights.
tols <- list(PMM = list(default = list(), tight = list(tol = 1e-12)), HSk = list(default = list()),
             GENQ = list(default = list()), REML = list(default = list()))
weighted_methods <- c("GENQ", "REML")
for (name in names(datasets)) {
  for (method in names(tols)) {
    weighted <- method %in% weighted_methods
    for (tol_name in names(tols[[method]])) {
      control <- tols[[method]][[tol_name]]
      for (mods in c(FALSE, TRUE)) {
        for (test in c("z", "knha")) {
          res <- fit(datasets[[name]], method, test, mods, control, weighted)
          add(c(list(
            kind = "rma", id = paste(name, method, tol_name, if (mods) "mods" else "intercept", test, sep = "-"),
            data = name, with_mods = mods, method = method, test = test, weighted = weighted,
            tol = if (is.null(control$tol)) .Machine$double.eps^0.25 else control$tol
          ), estimator_fields(res)))
        }
      }
    }
  }
}

write_cases("estimators.json", cases)

# ---- gosh and permutest ----------------------------------------------------------------------------------------

bask6 <- data.frame(yi = bask$smd[1:6], vi = bask$se[1:6]^2, meetings = bask$meetings[1:6])
bask8 <- data.frame(yi = bask$smd[1:8], vi = bask$se[1:8]^2)
refit_control <- function(method) if (method == "PMM") list(tol = 1e-12) else list()

gosh_cases <- list()
for (method in c("PMM", "HSk")) {
  res <- rma(yi, vi, data = bask6, method = method, control = refit_control(method))
  g <- gosh(res, progbar = FALSE)
  gosh_cases[[length(gosh_cases) + 1]] <- list(
    id = paste("baskerville6", method, sep = "-"), method = method,
    yi = narr(bask6$yi), vi = narr(bask6$vi),
    incl = lapply(seq_len(nrow(g$incl)), function(i) arr(as.integer(g$incl[i, ]))),
    k = arr(as.integer(g$res$k)), QE = narr(g$res$QE), I2 = narr(g$res$I2), H2 = narr(g$res$H2),
    tau2 = narr(g$res$tau2), estimate = narr(g$res$estimate)
  )
}
write_cases("estimators_gosh.json", gosh_cases)

perm_cases <- list()
for (method in c("PMM", "HSk")) {
  for (spec in list(list(id = "baskerville6-meetings", data = bask6, mods = ~ meetings, test = "z"),
                    list(id = "baskerville8-intercept", data = bask8, mods = ~ 1, test = "knha"))) {
    res <- rma(yi, vi, mods = spec$mods, data = spec$data, method = method, test = spec$test,
               control = refit_control(method))
    pt <- suppressWarnings(permutest(res, exact = TRUE, progbar = FALSE))
    X <- model.matrix(spec$mods, data = spec$data)
    perm_cases[[length(perm_cases) + 1]] <- list(
      id = paste(spec$id, method, spec$test, sep = "-"), method = method, test = spec$test,
      yi = narr(spec$data$yi), vi = narr(spec$data$vi),
      X = lapply(seq_len(nrow(X)), function(i) arr(unname(X[i, ]))), coef_names = arr(colnames(X)),
      iter = num(length(pt$QM.perm)), beta = narr(res$b), se = narr(res$se), zval = narr(res$zval),
      QM = num(res$QM), pval = narr(pt$pval), QM_pval = num(pt$QMp)
    )
  }
}
write_cases("estimators_permutest.json", perm_cases)

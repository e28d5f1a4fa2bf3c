#!/usr/bin/env Rscript
# Reference fixtures for what metafor 3.8-1 (Viechtbauer 2010, doi:10.18637/jss.v036.i03) says when a follow-up
# of a fitted model cannot be given, or is given with a warning: confint() at k = 1, of an EE/FE model and with a
# sampling variance of 0 (in metafor's order of checks), leave1out(), influence() and trimfill() at k = 1 (and
# influence() of a meta-regression whose refits have as many coefficients as studies), trimfill() and regtest()
# at k = 2 (and rma() with no more studies than parameters), trimfill() of a model with moderators and with
# maxiter = 1, regtest() with a predictor collinear with the moderators or without sample sizes, ranktest() at
# k = 1 and 2 and of equal effects, predict() with new moderator values for a model without moderators, vif() of
# a model without moderators and of the intercept, profile() of an EE model and with one step, anova() of a model
# without moderators and with contrasts of the wrong width, and anova() of two models that cannot be compared
# (the same number of parameters, other data, a full EE model against a random-effects reduced one, ML against
# REML) or are compared with a warning (DL; REML with different moderators); and rma() itself where Fisher scoring
# does not converge within maxiter, PM, PMM and GENQM find no root below tau2.max or run out of maxiter; rma.mv of
# one effect size.
# The data: dat.bcg (log risk ratios; the absolute latitude ablat and the year as moderators), its first trial,
# its first two, and dat.bcg with trial 3's sampling variance set to 0. Each case records the inputs, the call,
# and metafor's error (or null) and warnings; where the call gives a result, the numbers the tests need.
#
# Usage: Rscript tools/metafor_reference_refusals.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes refusals.json with the R, metafor and metadat versions that made it.
# tests/meta/test_metafor_reference.py reruns this script and checks that it reproduces the committed file.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
yi <- as.numeric(bcg$yi)
vi <- as.numeric(bcg$vi)
ablat <- bcg$ablat
year <- bcg$year
vi0 <- vi
vi0[3] <- 0

cases <- list()
add <- function(id, call, out, inputs, extra = list()) {
  error <- if (inherits(out$res, "error")) conditionMessage(out$res) else NULL
  cases[[length(cases) + 1]] <<- c(list(id = id, call = call), inputs,
                                   list(error = error, warnings = arr(out$warnings)), extra)
}
data_of <- function(rows, v = vi) list(yi = narr(yi[rows]), vi = narr(v[rows]))

# ---- confint.rma.uni: k = 1 is checked first, then EE/FE, then non-positive sampling variances ----------------
for (method in c("EE", "FE", "REML", "DL")) {
  fit <- rma(yi[1], vi[1], method = method)
  add(paste("confint-k1", method, sep = "-"), "confint", attempt(confint(fit)), c(data_of(1), list(method = method)))
}
for (method in c("EE", "FE")) {
  fit <- rma(yi, vi, method = method)
  add(paste("confint-k13", method, sep = "-"), "confint", attempt(confint(fit)),
      c(data_of(1:13), list(method = method)))
}
for (method in c("REML", "ML", "HE")) {
  fit <- suppressWarnings(rma(yi, vi0, method = method))
  add(paste("confint-vi0", method, sep = "-"), "confint", attempt(confint(fit)),
      c(data_of(1:13, vi0), list(method = method)))
}

# ---- leave1out, influence, trimfill at k = 1; trimfill and regtest at k = 2; trimfill with moderators --------
fit1 <- rma(yi[1], vi[1])
add("leave1out-k1", "leave1out", attempt(leave1out(fit1)), c(data_of(1), list(method = "REML")))
add("influence-k1", "influence", attempt(influence(fit1)), c(data_of(1), list(method = "REML")))
add("trimfill-k1", "trimfill", attempt(trimfill(fit1)), c(data_of(1), list(method = "REML")))
# influence() of a meta-regression whose refits have p = k (every row NA but hat and weight) or p = k - 1.
for (rows in list(1:3, 1:4)) {
  for (method in c("REML", "DL")) {
    inf <- influence(rma(yi[rows], vi[rows], mods = ~ ablat[rows], method = method))$inf
    add(paste0("influence-mods-k", length(rows), "-", method), "influence", list(res = NULL, warnings = character(0)),
        c(data_of(rows), list(method = method, ablat = narr(ablat[rows]))),
        list(rstudent = narr(inf$rstudent), cook_d = narr(inf$cook.d), tau2_del = narr(inf$tau2.del),
             QE_del = narr(inf$QE.del), hat = narr(inf$hat), weight = narr(inf$weight)))
  }
}
fit2 <- rma(yi[1:2], vi[1:2])
add("trimfill-k2", "trimfill", attempt(trimfill(fit2)), c(data_of(1:2), list(method = "REML")))
add("regtest-k2", "regtest", attempt(regtest(fit2)), c(data_of(1:2), list(method = "REML", predictor = "sei")))
for (side in c("left", "right")) {
  out <- attempt(trimfill(fit2, side = side))
  add(paste("trimfill-k2", side, sep = "-"), "trimfill", out, c(data_of(1:2), list(method = "REML", side = side)),
      list(k0 = out$res$k0, estimate = num(out$res$beta), se = num(out$res$se), tau2 = num(out$res$tau2)))
}
add("trimfill-maxiter1", "trimfill", attempt(trimfill(rma(yi, vi), maxiter = 1)),
    c(data_of(1:13), list(method = "REML", maxiter = 1)))
add("trimfill-mods", "trimfill", attempt(trimfill(rma(yi, vi, mods = ~ ablat))),
    c(data_of(1:13), list(method = "REML", ablat = narr(ablat))))

# ---- rma.uni with no more studies than parameters (tau^2 counts for one): two trials and ablat (p = k),
# two trials and ablat + year (p > k)
for (method in c("EE", "FE", "DL", "REML")) {
  for (terms in c("ablat", "ablat+year")) {
    X <- if (terms == "ablat") cbind(ablat = ablat[1:2]) else cbind(ablat = ablat[1:2], year = year[1:2])
    add(paste("rma-k2", terms, method, sep = "-"), "rma", attempt(rma(yi[1:2], vi[1:2], mods = X, method = method)),
        c(data_of(1:2), list(method = method, ablat = narr(ablat[1:2]), year = narr(year[1:2]), terms = terms)))
  }
}

# ---- regtest: a predictor collinear with the moderators; ni asked for and not known ---------------------------
sei <- sqrt(vi)
add("regtest-collinear", "regtest", attempt(regtest(rma(yi, vi, mods = ~ sei), predictor = "sei")),
    c(data_of(1:13), list(method = "REML", predictor = "sei", sei = narr(sei))))
add("regtest-no-ni", "regtest", attempt(regtest(rma(yi, vi), predictor = "ni")),
    c(data_of(1:13), list(method = "REML", predictor = "ni")))

# ---- ranktest: k = 1, k = 2 (Kendall's tau of two points: 1 or -1, exact p = 1), equal effects ------------------
for (rows in list(1, 1:2, 2:3)) {
  out <- attempt(ranktest(rma(yi[rows], vi[rows])))
  extra <- if (inherits(out$res, "error")) list() else list(tau = num(out$res$tau), pval = num(out$res$pval))
  add(paste0("ranktest-k", length(rows), "-", paste(rows, collapse = "")), "ranktest", out, data_of(rows), extra)
}
equal <- list(yi = narr(rep(0.3, 5)), vi = narr(c(0.01, 0.02, 0.03, 0.04, 0.05)))
add("ranktest-equal-effects", "ranktest", attempt(ranktest(rma(rep(0.3, 5), c(0.01, 0.02, 0.03, 0.04, 0.05)))),
    equal)

# ---- predict and vif of a model without moderators -----------------------------------------------------------
fit <- rma(yi, vi)
add("predict-newmods-intercept-only", "predict", attempt(predict(fit, newmods = 30)),
    c(data_of(1:13), list(method = "REML", newmods = 30)))
add("vif-intercept-only", "vif", attempt(vif(fit)), c(data_of(1:13), list(method = "REML")))
add("vif-btt-intercept", "vif", attempt(vif(rma(yi, vi, mods = ~ ablat + year), btt = 1)),
    c(data_of(1:13), list(method = "REML", ablat = narr(ablat), year = narr(year), btt = 1)))

# ---- profile(): of an EE model, and with fewer than 2 steps
add("profile-EE", "profile", attempt(profile(rma(yi, vi, method = "EE"))), c(data_of(1:13), list(method = "EE")))
add("profile-steps1", "profile", attempt(profile(rma(yi, vi), steps = 1)),
    c(data_of(1:13), list(method = "REML", steps = 1)))

# ---- anova(res): the Wald test of a model without moderators (its intercept), contrasts of the wrong width
out <- attempt(anova(rma(yi, vi)))
add("anova-wald-intercept-only", "wald", out, c(data_of(1:13), list(method = "REML")),
    list(QM = num(out$res$QM), QMp = num(out$res$QMp), btt = arr(as.integer(out$res$btt))))
add("anova-contrasts-width", "wald", attempt(anova(rma(yi, vi, mods = ~ ablat), X = c(1, 2, 3))),
    c(data_of(1:13), list(method = "REML", ablat = narr(ablat), contrasts = narr(c(1, 2, 3)))))

# ---- anova(full, reduced) ------------------------------------------------------------------------------------
lrt <- function(id, full, reduced, first, second, extra = list()) {
  out <- attempt(anova(first, second))
  numbers <- if (inherits(out$res, "error")) list() else list(LRT = num(out$res$LRT), pval = num(out$res$pval))
  add(id, "anova", out, c(data_of(1:13), list(ablat = narr(ablat), year = narr(year), full = full,
                                              reduced = reduced)), c(numbers, extra))
}
# full and reduced: "METHOD:moderators" (moderators joined by +, "1" for none); the fit on rows 2-13 is "-1".
lrt("anova-same-parms", "ML:ablat", "ML:year", rma(yi, vi, mods = ~ ablat, method = "ML"),
    rma(yi, vi, mods = ~ year, method = "ML"))
lrt("anova-other-data", "ML:ablat", "ML:1:-1", rma(yi, vi, mods = ~ ablat, method = "ML"),
    rma(yi[-1], vi[-1], method = "ML"))
lrt("anova-EE-full-RE-reduced", "EE:ablat+year", "ML:1", rma(yi, vi, mods = ~ ablat + year, method = "EE"),
    rma(yi, vi, method = "ML"))
lrt("anova-ML-full-REML-reduced", "ML:ablat", "REML:1", rma(yi, vi, mods = ~ ablat, method = "ML"),
    rma(yi, vi))
lrt("anova-REML-full-ML-reduced", "REML:ablat", "ML:1", rma(yi, vi, mods = ~ ablat),
    rma(yi, vi, method = "ML"))
lrt("anova-DL", "DL:ablat", "DL:1", rma(yi, vi, mods = ~ ablat, method = "DL"), rma(yi, vi, method = "DL"))
lrt("anova-REML-different-moderators", "REML:ablat", "REML:1", rma(yi, vi, mods = ~ ablat), rma(yi, vi))

# ---- rma() itself: the iterative estimators that do not converge or find no root in [0, tau2.max], and a
# fallback chain that then moves on (silently, as metafor without verbose); SJ, whose maxiter metafor does not use
# without tau2.init. Each records metafor's error, or the fit's tau^2 and estimate.
control_case <- function(id, method, control, weights = FALSE) {
  out <- attempt(if (weights) rma(yi, vi, weights = 1 / vi, method = method, control = control)
                 else rma(yi, vi, method = method, control = control))
  extra <- if (inherits(out$res, "error")) list() else list(tau2 = num(out$res$tau2), estimate = num(out$res$beta))
  add(id, "rma", out, c(data_of(1:13), list(method = arr(method), control = control, user_weights = weights)), extra)
}
control_case("rma-maxiter1-REML", "REML", list(maxiter = 1))
control_case("rma-maxiter2-ML", "ML", list(maxiter = 2))
control_case("rma-maxiter1-EB", "EB", list(maxiter = 1))
control_case("rma-maxiter1-SJ", "SJ", list(maxiter = 1))
control_case("rma-maxiter1-REML-DL", c("REML", "DL"), list(maxiter = 1))
for (method in c("PM", "PMM")) control_case(paste0("rma-tau2max-", method), method, list(tau2.max = 0.01))
control_case("rma-tau2max-GENQM", "GENQM", list(tau2.max = 0.01), weights = TRUE)
# PM, PMM and GENQM whose uniroot() runs out of maxiter: metafor keeps uniroot's last point, with R's warning.
for (method in c("PM", "PMM")) control_case(paste0("rma-maxiter1-", method), method, list(maxiter = 1))
control_case("rma-maxiter2-PM", "PM", list(maxiter = 2))
control_case("rma-maxiter1-GENQM", "GENQM", list(maxiter = 1), weights = TRUE)
# ML's Fisher scoring ends at a tau^2 > 0 whose likelihood is below the one at 0 (metafor's ll0check): a set of
# four studies found by simulation (set.seed(65) in a search over small random sets).
stuck <- list(yi = c(-0.729, 0.033, 0.325, 3.557), vi = c(1.376, 0.342, 0.086, 1.22))
out <- attempt(rma(stuck$yi, stuck$vi, method = "ML"))
add("rma-ll0check-ML", "rma", out, list(yi = narr(stuck$yi), vi = narr(stuck$vi), method = "ML"),
    list(tau2 = num(out$res$tau2), estimate = num(out$res$beta), se = num(out$res$se)))

# ---- rma.mv of one effect size (~ 1 | study/es): it stops before it looks at the random effects.
one <- data.frame(yi = yi[1], vi = vi[1], study = 1, es = 1)
add("rma.mv-k1", "rma.mv", attempt(rma.mv(yi, vi, random = ~ 1 | study/es, data = one)), data_of(1))

write_cases("refusals.json", cases)

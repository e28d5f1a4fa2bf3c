#!/usr/bin/env Rscript
# Reference fixtures for secretome.meta's effect sizes from every reported statistic, change scores, counts,
# Mantel-Haenszel and Peto pooling and combined p-values, computed by R's metafor (Viechtbauer 2010,
# doi:10.18637/jss.v036.i03) and base R.
#
# Usage: Rscript tools/metafor_reference_effects.R [OUTDIR]      (default: tests/fixtures/metafor)
#
# Writes
#   effects.json          escalc() cases: inputs as secretome's escalc() takes them, metafor's yi and vi, its
#                         warnings, and `reference`: how the inputs reached metafor. metafor 3.8-1's escalc has
#                         `ti` and `di` for SMD but not `pi` (added in metafor 4.0) nor F statistics, SEs or CIs of
#                         means; those are converted here in base R first, each conversion written in `reference`:
#                         p -> t as metafor >= 4.0's .convp2t (sign(p) * qt(|p|/2, n1+n2-2, lower.tail=FALSE)),
#                         F(1, df) -> t = sign(F) sqrt(|F|), SE -> SD = SE sqrt(n), CI -> SD = sqrt(n) (ub - lb) /
#                         (2 q) with q from t(n-1) or the normal (Cochrane Handbook 6.5.2.2), MD from t -> pooled SD
#                         |MD| / (|t| sqrt(1/n1 + 1/n2)) (Handbook 6.5.2.3). Also transf.ipft / transf.ipft.hm and
#                         change scores with the REML model per assumed pre-post correlation.
#   effects_pooling.json  rma.mh() and rma.peto(): estimates, tests, heterogeneity, per-table yi/vi, warnings and
#                         the printed output.
#   effects_pvalues.json  Fisher's and Stouffer's combined p-values, in base R arithmetic (pchisq, qnorm).
# Each file records the R, metafor and metadat versions that made it. tests/meta/test_metafor_reference.py reruns
# this script and checks that it reproduces the committed files.

script_file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(script_file), "metafor_json.R"))

num <- function(x) if (is.null(x) || length(x) == 0) NULL else as.numeric(x)

# Evaluate `expr`, keeping its value and every warning it gave (metafor's wording).
with_warnings <- function(expr) {
  found <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    found <<- c(found, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = found)
}

# ---- escalc ------------------------------------------------------------------------------------------

es_cases <- list()
# `inputs`: what secretome's escalc() is given; `metafor`: what metafor's escalc() is given (the same unless a
# conversion was needed, named in `reference`); `options`: add, to, drop00, ci_level, ci_dist (secretome names).
add_es <- function(id, measure, inputs, metafor = inputs, options = list(), reference = "escalc", bound = NULL) {
  mf_options <- options[intersect(names(options), c("add", "to", "drop00"))]
  run <- with_warnings(do.call(escalc, c(list(measure = measure), metafor, mf_options)))
  es_cases[[length(es_cases) + 1]] <<- list(
    id = id, measure = measure, inputs = lapply(inputs, arr), options = options, reference = reference,
    yi = narr(run$value$yi), vi = narr(run$value$vi), warnings = arr(run$warnings),
    bound = if (is.null(bound)) NULL else arr(bound)
  )
}

# Two groups: SMD and MD from t, d, p, F, SE and CI (synthetic group sizes and statistics).
n1 <- c(10, 8, 12, 6, 25, 4)
n2 <- c(10, 9, 11, 6, 30, 5)
tv <- c(2.5, -1.2, 3.1, 0.4, -2.2, 4.0)
add_es("SMD-ti", "SMD", list(ti = tv, n1i = n1, n2i = n2))
dv <- c(0.8, -0.3, 1.4, 0.0, -0.6, 2.1)
add_es("SMD-di", "SMD", list(di = dv, n1i = n1, n2i = n2))
# Rows mix d, t and means: metafor takes di where given, else ti, else the means (replmiss).
mix <- list(di = c(0.8, NA, NA, NA), ti = c(NA, 2.5, NA, 1.0), m1i = c(NA, NA, 12, 11), m2i = c(NA, NA, 10, 10),
            sd1i = c(NA, NA, 3, 2), sd2i = c(NA, NA, 2.5, 2), n1i = c(10, 12, 9, 8), n2i = c(11, 12, 10, 8))
add_es("SMD-mixed-d-t-means", "SMD", mix)
pv <- c(0.03, -0.2, 0.001, 0.5, -0.049, 1)
df12 <- n1 + n2 - 2
add_es("SMD-pi-signed", "SMD", list(pi = pv, n1i = n1, n2i = n2),
       metafor = list(ti = sign(pv) * qt(abs(pv) / 2, df = df12, lower.tail = FALSE), n1i = n1, n2i = n2),
       reference = "escalc(SMD, ti = sign(pi) * qt(abs(pi)/2, n1i + n2i - 2, lower.tail = FALSE))")
pb <- c("P < 0.05", "p<.01", "0.003", "P = 0.2", "P <= 0.001", "0.6")
pdir <- c(1, -1, 1, -1, 1, 1)
pval <- c(0.05, 0.01, 0.003, 0.2, 0.001, 0.6) * pdir
add_es("SMD-pi-bounds-direction", "SMD", list(pi = pb, direction = pdir, n1i = n1, n2i = n2),
       metafor = list(ti = sign(pval) * qt(abs(pval) / 2, df = df12, lower.tail = FALSE), n1i = n1, n2i = n2),
       reference = "p at its bound, signed by direction; then as SMD-pi-signed",
       bound = c(TRUE, TRUE, FALSE, FALSE, TRUE, FALSE))
fv <- c(6.25, -1.44, 9.61, 0.16, -4.84, 16)
add_es("SMD-fi-signed", "SMD", list(fi = fv, n1i = n1, n2i = n2),
       metafor = list(ti = sign(fv) * sqrt(abs(fv)), n1i = n1, n2i = n2),
       reference = "escalc(SMD, ti = sign(fi) * sqrt(abs(fi)))")
m1 <- c(24.1, 18.3, 30.2, 12.0, 15.5, 40.0)
m2 <- c(20.0, 19.1, 25.7, 11.2, 13.0, 31.5)
se1 <- c(1.2, 0.9, 2.1, 0.8, 0.5, 3.0)
se2 <- c(1.0, 1.1, 1.9, 0.7, 0.6, 2.2)
add_es("SMD-se", "SMD", list(m1i = m1, se1i = se1, n1i = n1, m2i = m2, se2i = se2, n2i = n2),
       metafor = list(m1i = m1, sd1i = se1 * sqrt(n1), n1i = n1, m2i = m2, sd2i = se2 * sqrt(n2), n2i = n2),
       reference = "escalc(SMD, sd1i = se1i * sqrt(n1i), sd2i = se2i * sqrt(n2i))")
add_es("MD-se", "MD", list(m1i = m1, se1i = se1, n1i = n1, m2i = m2, se2i = se2, n2i = n2),
       metafor = list(m1i = m1, sd1i = se1 * sqrt(n1), n1i = n1, m2i = m2, sd2i = se2 * sqrt(n2), n2i = n2),
       reference = "escalc(MD, sd1i = se1i * sqrt(n1i), sd2i = se2i * sqrt(n2i))")
half1 <- c(2.5, 1.9, 4.4, 1.7, 1.1, 6.2)
half2 <- c(2.1, 2.3, 3.9, 1.5, 1.2, 4.6)
ci_sd <- function(half, n, level, dist) {
  q <- if (dist == "t") qt((1 + level) / 2, df = n - 1) else qnorm((1 + level) / 2)
  sqrt(n) * 2 * half / (2 * q)
}
for (dist in c("t", "z")) {
  for (level in c(0.95, 0.90)) {
    add_es(sprintf("SMD-ci-%s-%g", dist, level), "SMD",
           list(m1i = m1, lb1i = m1 - half1, ub1i = m1 + half1, n1i = n1, m2i = m2, lb2i = m2 - half2,
                ub2i = m2 + half2, n2i = n2),
           metafor = list(m1i = m1, sd1i = ci_sd(half1, n1, level, dist), n1i = n1, m2i = m2,
                          sd2i = ci_sd(half2, n2, level, dist), n2i = n2),
           options = list(ci_level = level, ci_dist = dist),
           reference = sprintf("escalc(SMD, sd = sqrt(n) (ub - lb) / (2 q)), q = %s quantile at %g",
                               if (dist == "t") "t(n - 1)" else "normal", (1 + level) / 2))
  }
}
# MD from a t statistic or p-value (Handbook 6.5.2.3): SE(MD) = MD / t, i.e. a pooled SD |MD| / (|t| sqrt(1/n1 + 1/n2)).
t_md <- sign(m1 - m2) * c(2.4, 0.9, 1.7, 0.5, 8.1, 2.6)
sd_md <- abs(m1 - m2) / (abs(t_md) * sqrt(1 / n1 + 1 / n2))
add_es("MD-ti", "MD", list(m1i = m1, m2i = m2, ti = t_md, n1i = n1, n2i = n2),
       metafor = list(m1i = m1, sd1i = sd_md, n1i = n1, m2i = m2, sd2i = sd_md, n2i = n2),
       reference = "escalc(MD, sd1i = sd2i = |MD| / (|ti| sqrt(1/n1i + 1/n2i)))")
p_md <- c(0.02, 0.35, 0.1, 0.6, 0.0001, 0.04)
t_p <- sign(m1 - m2) * qt(p_md / 2, df = df12, lower.tail = FALSE)
add_es("MD-pi", "MD", list(m1i = m1, m2i = m2, pi = p_md * sign(m1 - m2), n1i = n1, n2i = n2),
       metafor = list(m1i = m1, sd1i = abs(m1 - m2) / (abs(t_p) * sqrt(1 / n1 + 1 / n2)), n1i = n1, m2i = m2,
                      sd2i = abs(m1 - m2) / (abs(t_p) * sqrt(1 / n1 + 1 / n2)), n2i = n2),
       reference = "t from pi as SMD-pi-signed, then as MD-ti")

# Rows metafor turns into NA: a pooled SD of 0 (with its warning), n1i + n2i <= 3 (no correction), a missing cell.
na_means <- list(m1i = c(1, 2, 3, 5, NA), m2i = c(0, 2, 1, 4, 3), sd1i = c(0, 0, 1, 2, 1), sd2i = c(0, 0, 1, 2, 1),
                 n1i = c(5, 5, 1, 10, 10), n2i = c(5, 5, 2, 10, 10))
for (m in c("SMD", "MD", "SMDH")) add_es(paste0(m, "-na-rows"), m, na_means)
add_es("ROM-na-rows", "ROM", list(m1i = c(10, 0, -2, 8), m2i = c(8, 5, 4, 0), sd1i = c(2, 1, 1, 2),
                                  sd2i = c(2, 1, 1, 2), n1i = c(10, 10, 10, 10), n2i = c(10, 10, 10, 10)))

# Correlations.
add_es("molloy2014-COR", "COR", list(ri = dat.molloy2014$ri, ni = dat.molloy2014$ni))
for (m in c("COR", "ZCOR")) {
  add_es(paste0(m, "-na-rows"), m, list(ri = c(0.3, 0.5, 1, -1, 0.2, NA), ni = c(3, 10, 10, 12, 2, 20)))
}

# 2x2 tables: dat.nielweise2007 (sparse), a synthetic set with double zeros, an all-events table and an empty group.
nw <- dat.nielweise2007
sparse <- list(ai = c(0, 0, 2, 5, 0, 10, 0), n1i = c(20, 15, 18, 12, 0, 10, 8),
               ci = c(0, 3, 0, 4, 2, 10, 0), n2i = c(21, 15, 20, 11, 9, 10, 8))
for (m in c("OR", "RR", "RD", "PETO")) {
  for (to in c("only0", "all", "if0all", "none")) {
    for (drop00 in c(FALSE, TRUE)) {
      opts <- list(add = 1 / 2, to = to, drop00 = drop00)
      add_es(sprintf("nielweise2007-%s-%s-drop00=%s", m, to, drop00), m,
             list(ai = nw$ai, n1i = nw$n1i, ci = nw$ci, n2i = nw$n2i), options = opts)
      add_es(sprintf("sparse-%s-%s-drop00=%s", m, to, drop00), m, sparse, options = opts)
    }
  }
  add_es(sprintf("sparse-%s-add1", m), m, sparse, options = list(add = 1, to = "only0", drop00 = FALSE))
  add_es(sprintf("sparse-%s-add0", m), m, sparse, options = list(add = 0, to = "only0", drop00 = FALSE))
}
yus <- dat.yusuf1985[dat.yusuf1985$table == "6", ]
add_es("yusuf1985-table6-PETO", "PETO", list(ai = yus$ai, n1i = yus$n1i, ci = yus$ci, n2i = yus$n2i))

# One proportion: dat.pritz1997, and a synthetic set with 0 and all events (metafor's default add: 1/2, 0 for PAS, PFT).
pz <- dat.pritz1997
props <- list(xi = c(0, 3, 10, 7, 1), ni = c(12, 20, 10, 30, 1))
for (m in c("PR", "PLO", "PAS", "PFT")) {
  add_es(paste0("pritz1997-", m), m, list(xi = pz$xi, ni = pz$ni))
  add_es(paste0("zeros-", m), m, props)
  add_es(paste0("zeros-", m, "-to=none"), m, props, options = list(to = "none"))
  add_es(paste0("zeros-", m, "-add=0.5-all"), m, props, options = list(add = 0.5, to = "all"))
}

# Incidence rates: dat.hart1999 and zeros.
hart <- dat.hart1999
add_es("hart1999-IR", "IR", list(xi = hart$x1i, ti = hart$t1i))
add_es("hart1999-IRR", "IRR", list(x1i = hart$x1i, x2i = hart$x2i, t1i = hart$t1i, t2i = hart$t2i))
rates <- list(x1i = c(0, 4, 0, 7), x2i = c(3, 0, 0, 9), t1i = c(120, 80, 50, 300), t2i = c(110, 90, 60, 280))
for (drop00 in c(FALSE, TRUE)) {
  add_es(sprintf("zeros-IRR-drop00=%s", drop00), "IRR", rates, options = list(drop00 = drop00))
}
add_es("zeros-IR", "IR", list(xi = rates$x1i, ti = rates$t1i))

# Change within one group, for each assumed pre-post correlation (and the REML model on each set).
chg <- list(m1i = c(14.2, 12.0, 30.5, 8.1, 22.0, 5.0), m2i = c(10.1, 10.4, 24.0, 8.0, 15.2, 3.0),
            sd1i = c(4.0, 3.1, 6.2, 2.0, 5.5, 1.0), sd2i = c(4.4, 2.8, 7.0, 2.2, 5.0, 1.2),
            ni = c(20, 15, 30, 12, 25, 2))
chg_cases <- list()
for (m in c("MC", "SMCC", "SMCR")) {
  for (r in c(0.3, 0.5, 0.7)) {
    add_es(sprintf("change-%s-r=%g", m, r), m, chg, metafor = c(chg, list(ri = rep(r, 6))),
           options = list(ri = r), reference = "escalc(measure, m1i, m2i, sd1i, sd2i, ni, ri = rep(r, k))")
    dat <- do.call(escalc, c(list(measure = m), chg, list(ri = rep(r, 6))))
    fit <- with_warnings(rma(yi, vi, data = dat, method = "REML"))$value
    chg_cases[[length(chg_cases) + 1]] <- list(measure = m, r = r, k = fit$k, estimate = num(fit$beta), se = fit$se,
                                               tau2 = fit$tau2, ci_lb = fit$ci.lb, ci_ub = fit$ci.ub)
  }
}
add_es("change-SMCR-ri-per-row", "SMCR", c(chg, list(ri = c(0.2, 0.4, 0.6, 0.8, 0.5, 0.5))))
add_es("change-MC-sd-of-change", "MC", list(m1i = c(3.2, -1.5), m2i = c(0, 0), sd1i = c(2.0, 1.8), sd2i = c(0, 0),
                                           ni = c(15, 22), ri = c(0, 0)))

# Back-transformations of proportions: transf.ipft per study and transf.ipft.hm for a pooled estimate and its CI.
pft <- escalc("PFT", xi = pz$xi, ni = pz$ni)
pooled <- rma(yi, vi, data = pft)
transf_cases <- list(
  list(id = "pritz1997-ipft", yi = narr(pft$yi), ni = narr(pz$ni), back = narr(transf.ipft(pft$yi, pz$ni))),
  list(id = "pritz1997-ipft.hm", yi = narr(c(pooled$beta, pooled$ci.lb, pooled$ci.ub)), ni = narr(pz$ni),
       back = narr(transf.ipft.hm(c(pooled$beta, pooled$ci.lb, pooled$ci.ub), targs = list(ni = pz$ni)))),
  list(id = "edges-ipft", yi = narr(c(-0.1, 0, 1.6, 2)), ni = narr(c(10, 10, 10, 10)),
       back = narr(transf.ipft(c(-0.1, 0, 1.6, 2), c(10, 10, 10, 10)))),
  list(id = "ilogit", yi = narr(c(-2, 0, 1.5)), back = narr(transf.ilogit(c(-2, 0, 1.5)))),
  list(id = "iarcsin", yi = narr(c(-0.1, 0.3, 1.2, 1.7)), back = narr(transf.iarcsin(c(-0.1, 0.3, 1.2, 1.7))))
)

write_cases("effects.json", c(es_cases,
                              lapply(chg_cases, function(x) c(list(id = sprintf("change-pooled-%s-r=%g", x$measure, x$r),
                                                                   kind = "change-pooled"), x)),
                              lapply(transf_cases, function(x) c(list(kind = "transf"), x))))

# ---- rma.mh and rma.peto ---------------------------------------------------------------------------------

pool_cases <- list()
printed <- function(res) arr(capture.output(print(res)))
add_pool <- function(id, fun, data, options = list()) {
  run <- with_warnings(do.call(fun, c(data, options)))
  res <- run$value
  pool_cases[[length(pool_cases) + 1]] <<- list(
    id = id, method = if (identical(fun, rma.peto)) "PETO" else "MH", data = lapply(data, arr),
    options = lapply(options, function(x) if (length(x) > 1) arr(x) else x),
    estimate = num(res$beta), se = num(res$se), zval = num(res$zval), pval = num(res$pval), ci_lb = num(res$ci.lb),
    ci_ub = num(res$ci.ub), Q = num(res$QE), Q_pval = num(res$QEp), I2 = num(res$I2), H2 = num(res$H2),
    CO = num(res$CO), CO_pval = num(res$COp), MH = num(res$MH), MH_pval = num(res$MHp), BD = num(res$BD),
    BD_pval = num(res$BDp), TA = num(res$TA), TA_pval = num(res$TAp), k = res$k, k_yi = res$k.yi,
    k_pos = if (is.null(res$k.pos) || is.na(res$k.pos)) NULL else res$k.pos,
    yi = narr(res$yi), vi = narr(res$vi), warnings = arr(run$warnings), printed = printed(res)
  )
}
bcg <- list(ai = dat.bcg$tpos, bi = dat.bcg$tneg, ci = dat.bcg$cpos, di = dat.bcg$cneg)
nwd <- list(ai = nw$ai, n1i = nw$n1i, ci = nw$ci, n2i = nw$n2i)
yusd <- list(ai = yus$ai, n1i = yus$n1i, ci = yus$ci, n2i = yus$n2i)
hine <- list(ai = dat.hine1989$ai, n1i = dat.hine1989$n1i, ci = dat.hine1989$ci, n2i = dat.hine1989$n2i)
no_events <- list(ai = c(0, 0, 0), n1i = c(10, 12, 9), ci = c(1, 0, 2), n2i = c(10, 11, 9))
for (m in c("OR", "RR", "RD")) {
  add_pool(paste0("bcg-MH-", m), rma.mh, bcg, list(measure = m))
  add_pool(paste0("nielweise2007-MH-", m), rma.mh, nwd, list(measure = m))
  add_pool(paste0("yusuf1985-table6-MH-", m), rma.mh, yusd, list(measure = m))
  add_pool(paste0("sparse-MH-", m), rma.mh, sparse, list(measure = m))
  add_pool(paste0("sparse-MH-", m, "-add-both"), rma.mh, sparse,
           list(measure = m, add = c(0.5, 0.5), to = c("only0", "only0"), drop00 = c(FALSE, FALSE)))
  add_pool(paste0("no-events-MH-", m), rma.mh, no_events, list(measure = m))
}
add_pool("bcg-MH-OR-uncorrected-level90", rma.mh, bcg, list(measure = "OR", correct = FALSE, level = 90))
add_pool("hine1989-MH-RD", rma.mh, hine, list(measure = "RD"))
add_pool("sparse-MH-OR-to-all", rma.mh, sparse, list(measure = "OR", add = c(0.5, 0.5), to = c("all", "all")))
add_pool("sparse-MH-OR-if0all", rma.mh, sparse, list(measure = "OR", add = c(0.5, 0.5), to = c("if0all", "if0all")))
add_pool("hart1999-MH-IRR", rma.mh, list(x1i = hart$x1i, x2i = hart$x2i, t1i = hart$t1i, t2i = hart$t2i),
         list(measure = "IRR"))
add_pool("zeros-MH-IRR-uncorrected", rma.mh, rates, list(measure = "IRR", correct = FALSE))
add_pool("bcg-PETO", rma.peto, bcg)
add_pool("nielweise2007-PETO", rma.peto, nwd)
add_pool("yusuf1985-table6-PETO", rma.peto, yusd)
add_pool("sparse-PETO", rma.peto, sparse)
add_pool("sparse-PETO-add-both", rma.peto, sparse, list(add = c(0.5, 0.5), to = c("only0", "only0"), drop00 = c(FALSE, FALSE)))
add_pool("no-events-PETO-level90", rma.peto, no_events, list(level = 90))
write_cases("effects_pooling.json", pool_cases)

# ---- combined p-values (base R arithmetic) -------------------------------------------------------------

p_cases <- list()
add_p <- function(id, p, direction, n) {
  one <- ifelse(direction > 0, p / 2, 1 - p / 2)
  fisher <- -2 * sum(log(one))
  z <- qnorm(one, lower.tail = FALSE)
  w <- sqrt(n)
  p_cases[[length(p_cases) + 1]] <<- list(
    id = id, p = narr(p), direction = narr(direction), n = narr(n), one_sided = narr(one),
    fisher = fisher, fisher_df = 2 * length(p), fisher_pval = pchisq(fisher, df = 2 * length(p), lower.tail = FALSE),
    stouffer = sum(z) / sqrt(length(z)), stouffer_pval = pnorm(sum(z) / sqrt(length(z)), lower.tail = FALSE),
    weighted = sum(w * z) / sqrt(sum(w^2)), weighted_pval = pnorm(sum(w * z) / sqrt(sum(w^2)), lower.tail = FALSE)
  )
}
add_p("same-direction", c(0.04, 0.2, 0.001, 0.5, 0.03), c(1, 1, 1, 1, 1), c(12, 20, 40, 8, 16))
add_p("mixed-direction", c(0.04, 0.2, 0.001, 0.5, 0.03, 0.8), c(1, -1, 1, -1, 1, 1), c(12, 20, 40, 8, 16, 100))
add_p("two-studies", c(0.3, 0.06), c(-1, 1), c(10, 60))
write_cases("effects_pvalues.json", p_cases)
